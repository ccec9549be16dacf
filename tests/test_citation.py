"""Cite this dataset: APA and Vancouver text on the page, BibTeX, RIS and DataCite JSON downloads.

Each download is read back by its own library (bibtexparser, rispy) or validated against DataCite's
schema, on the sample consortium through the Flask test client.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import bibtexparser
import jsonschema
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware
from bs4 import BeautifulSoup

SCHEMA = json.loads((Path(__file__).parent / "data/datacite/datacite-v4.5.json").read_text())


@pytest.fixture(scope="module")
def records(sample_catalog):
    """A public dataset with an English and a Korean title, and a consortium-only one."""
    _, hits = sample_catalog.datasets.page(1, 500, members=True)
    full = [sample_catalog.datasets.get(h["id"], members=True) for h in hits]
    public = next(
        r for r in full if r["visibility"] == "public" and r["titles"].get("ko") and r.get("issued")
    )
    restricted = next(r for r in full if r["visibility"] == "consortium")
    return {"public": public, "restricted": restricted}


def _year(record) -> str:
    return str(record["issued"])[:4]


def test_bibtex_parses_back_with_title_year_and_hospital(client, records):
    d = records["public"]
    r = client.get(f"/datasets/{d['id']}/cite.bib")
    assert r.status_code == 200
    assert r.mimetype == "application/x-bibtex"
    assert r.headers["Content-Disposition"] == f'attachment; filename="{d["id"]}.bib"'
    written = r.get_data(as_text=True)
    library = bibtexparser.parse_string(written, append_middleware=[LatexDecodingMiddleware()])
    assert not library.failed_blocks
    (entry,) = library.entries
    fields = entry.fields_dict
    assert entry.entry_type == "misc"
    assert fields["title"].value == d["titles"]["en"]
    assert fields["year"].value == _year(d)
    assert fields["author"].value == d["hospital"]["name_en"]
    assert "author = {{" + d["hospital"]["name_en"] + "}}" in written  # braced: one corporate name
    assert fields["url"].value == d["iri"]


def test_bibtex_escapes_latex_specials():
    from hdcat.web.citation import bibtex

    record = {"id": "x", "iri": "https://example.org/x", "titles": {"en": "Costs & 50% of A_B {c}"}}
    written = bibtex(record)
    assert r"Costs \& 50\% of A\_B \{c\}" in written
    back = bibtexparser.parse_string(written, append_middleware=[LatexDecodingMiddleware()])
    assert back.entries[0].fields_dict["title"].value == "Costs & 50% of A_B {c}"


def test_ris_parses_back_with_korean_title(client, records):
    d = records["public"]
    r = client.get(f"/datasets/{d['id']}/cite.ris")
    assert r.status_code == 200
    assert r.mimetype == "application/x-research-info-systems"
    assert r.headers["Content-Disposition"] == f'attachment; filename="{d["id"]}.ris"'
    assert r.get_data(as_text=True).startswith("TY  - DATA")  # no "1." line before the record
    (entry,) = rispy.loads(r.get_data(as_text=True))
    assert entry["type_of_reference"] == "DATA"
    assert entry["title"] == d["titles"]["en"]
    assert entry["translated_title"] == d["titles"]["ko"]
    assert entry["year"] == _year(d)
    assert entry["authors"] == [d["hospital"]["name_en"]]
    assert entry["urls"] == [d["iri"]]


def test_datacite_json_is_valid_against_the_schema(client, records):
    d = records["public"]
    r = client.get(f"/datasets/{d['id']}/cite.datacite.json")
    assert r.status_code == 200
    assert r.mimetype == "application/vnd.datacite.datacite+json"
    assert r.headers["Content-Disposition"] == f'attachment; filename="{d["id"]}.datacite.json"'
    doc = json.loads(r.get_data(as_text=True))
    validator = jsonschema.Draft201909Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert not errors, errors
    assert doc["types"]["resourceTypeGeneral"] == "Dataset"
    assert doc["publicationYear"] == _year(d)
    assert doc["creators"][0]["name"] == d["hospital"]["name_en"]
    assert {(t["title"], t.get("lang")) for t in doc["titles"]} >= {
        (d["titles"]["en"], "en"),
        (d["titles"]["ko"], "ko"),
    }
    assert doc["rightsList"][0]["rightsUri"] == d["access_rights"]["iri"]
    assert {"date": str(d["issued"])[:10], "dateType": "Issued"} in doc["dates"]


def test_the_schema_rejects_what_datacite_would():
    """The validation above can fail: a record without its resource type is refused."""
    from hdcat.web.citation import datacite

    doc = datacite({"id": "x", "iri": "https://example.org/x", "title": "T", "issued": "2021-01-01"})
    del doc["types"]
    assert not jsonschema.Draft201909Validator(SCHEMA).is_valid(doc)


def test_page_shows_apa_and_vancouver_in_english(client, records):
    d = records["public"]
    html = BeautifulSoup(client.get(f"/datasets/{d['id']}?lang=en").data, "html.parser")
    apa = html.select_one("#citation").get_text()
    vancouver = html.select_one("#citation-vancouver").get_text()
    hospital, title, year = d["hospital"]["name_en"], d["titles"]["en"], _year(d)
    # APA 7: Author. (Year). Title [Data set]. Publisher. URL
    assert apa.startswith(f"{hospital}. ({year}). {title} [Data set]. {hospital}. ")
    assert apa.endswith(d["iri"])
    # NLM: Author. Title [Data set] [Internet]. Publisher; Year [cited date]. Available from: URL
    assert vancouver.startswith(f"{hospital}. {title} [Data set] [Internet]. {hospital}; {year} [cited ")
    assert vancouver.endswith(f"Available from: {d['iri']}")
    links = {a.get_text(): urlsplit(a["href"]).path for a in html.select("#cite-downloads a")}
    assert links == {
        "BibTeX": f"/datasets/{d['id']}/cite.bib",
        "RIS": f"/datasets/{d['id']}/cite.ris",
        "DataCite JSON": f"/datasets/{d['id']}/cite.datacite.json",
    }


def test_korean_page_cites_the_korean_title(client, records):
    d = records["public"]
    html = BeautifulSoup(client.get(f"/datasets/{d['id']}?lang=ko").data, "html.parser")
    apa = html.select_one("#citation").get_text()
    assert d["titles"]["ko"] in apa and d["hospital"]["name_ko"] in apa
    assert f"({_year(d)})" in apa
    assert d["titles"]["ko"] in html.select_one("#citation-vancouver").get_text()
    assert "참고문헌 관리 프로그램용 내려받기" in html.select_one("#cite-downloads").get_text()


@pytest.mark.parametrize("fmt", ["bib", "ris", "datacite.json"])
def test_consortium_only_citation_is_hidden_from_anonymous_readers(client, member, records, fmt):
    d = records["restricted"]
    assert client.get(f"/datasets/{d['id']}/cite.{fmt}").status_code == 404
    r = member.get(f"/datasets/{d['id']}/cite.{fmt}")
    assert r.status_code == 200
    assert d["iri"] in r.get_data(as_text=True)


def test_unknown_format_is_404_naming_the_formats(client, records):
    r = client.get(f"/datasets/{records['public']['id']}/cite.docx", headers={"Accept": "application/json"})
    assert r.status_code == 404
    assert "datacite.json" in r.get_data(as_text=True)


def test_a_doi_is_cited_as_apa_and_nlm_ask():
    """APA cites a DOI as its https://doi.org link; NLM keeps the landing page and adds "doi:"."""
    from hdcat.web.citation import citation, datacite, ris

    record = {
        "id": "hf",
        "iri": "https://data.hanbit.example/dataset/hf",
        "identifier": "10.1234/hb.5",
        "titles": {"en": "Heart failure registry"},
        "issued": "2021-04-02",
        "hospital": {"name_en": "Hanbit University Hospital"},
    }
    cite = citation(record)
    assert cite["apa"].endswith("[Data set]. Hanbit University Hospital. https://doi.org/10.1234/hb.5")
    assert cite["vancouver"].endswith(
        "Available from: https://data.hanbit.example/dataset/hf doi:10.1234/hb.5"
    )
    assert "doi = {10.1234/hb.5}" in cite["bibtex"]
    assert rispy.loads(ris(record))[0]["doi"] == "10.1234/hb.5"
    doc = datacite(record)
    assert doc["doi"] == "10.1234/hb.5" and jsonschema.Draft201909Validator(SCHEMA).is_valid(doc)
    # a local identifier is not a DOI
    assert "doi" not in datacite({**record, "identifier": "HB-CV-0001"})
