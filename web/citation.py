"""How to cite a dataset: researchers cite the data they used, in the form their journal asks for.

One citation item is built from the dataset's metadata (the hospital as corporate creator, the year issued,
the title, the dataset's IRI as its landing page, the DOI when the identifier is one) and handed to
well-kept libraries rather than string templates: citeproc-py renders it with the official CSL styles for
APA and Vancouver (NLM, copied into `citation_styles/`), bibtexparser writes BibTeX (LaTeX escaping by its
encoder), rispy writes RIS, and the DataCite JSON follows the DataCite Metadata Schema 4.5 (the tests
validate it against the schema itself). `EXPORTS` is the registry of download formats the `cite.<fmt>` route
serves.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from importlib import resources

import bibtexparser
import rispy
from bibtexparser import Library, model
from bibtexparser.middlewares import LatexEncodingMiddleware
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON

#: the text styles shown on the dataset page: name -> CSL file in citation_styles/
STYLES = {"apa": "apa.csl", "vancouver": "vancouver.csl"}


def _year(record: dict) -> int | None:
    for key in ("issued", "modified"):
        value = str(record.get(key) or "")
        if value[:4].isdigit():
            return int(value[:4])
    return None


def _creator(record: dict, lang: str = "en") -> str:
    hospital = record.get("hospital") or {}
    name = hospital.get("name_ko") if lang == "ko" else None
    return (
        name or hospital.get("name_en") or (record.get("publisher") or {}).get("name") or "Unknown publisher"
    )


def _title(record: dict, lang: str = "en") -> str:
    titles = record.get("titles") or {}
    return titles.get(lang) or titles.get("en") or record.get("title") or record["id"]


def _doi(record: dict) -> str | None:
    identifier = str(record.get("identifier") or "")
    return identifier if re.match(r"^10\.\d{4,9}/\S+$", identifier) else None


def _key(record: dict) -> str:
    return re.sub(r"[^A-Za-z0-9-]", "", record["id"]) or "dataset"


def csl_item(record: dict, lang: str = "en", today: datetime | None = None) -> dict:
    """The dataset as one CSL-JSON item, the input both text styles share."""
    today = today or datetime.now(UTC)
    item = {
        "id": _key(record),
        "type": "dataset",
        "genre": "Data set",
        "title": _title(record, lang),
        "author": [{"literal": _creator(record, lang)}],
        "publisher": _creator(record, lang),
        "URL": record["iri"],
        # citeproc-py ignores a style's own date delimiters ("2026Dec2"), so the access date NLM asks for is
        # given as the literal the style would print
        "accessed": {"literal": f"{today.year} {today:%b} {today.day}"},
    }
    year = _year(record)
    if year:
        item["issued"] = {"date-parts": [[year]]}
    if _doi(record):
        item["DOI"] = _doi(record)
    return item


_RENDERING = threading.Lock()


@cache
def _style(name: str) -> CitationStylesStyle:
    """A parsed CSL style, kept: parsing the XML costs more than rendering a citation."""
    path = resources.files("hdcat.web").joinpath("citation_styles", STYLES[name])
    with resources.as_file(path) as file:
        return CitationStylesStyle(str(file), validate=False)


def text(record: dict, style: str, lang: str = "en", today: datetime | None = None) -> str:
    """The citation as plain text in `style` (the page escapes it; citeproc-py's HTML output does not)."""
    return _render(style, json.dumps(csl_item(record, lang, today), sort_keys=True, ensure_ascii=False))


@lru_cache(maxsize=4096)
def _render(style: str, item_json: str) -> str:
    """One rendering per distinct item: citeproc-py takes tens of milliseconds for APA, and the item (built
    from exactly what is cited, the access date included) is the whole input, so a kept answer is exact."""
    item = json.loads(item_json)
    # citeproc-py keeps render state on the parsed style (its formatter, among others), and the site
    # serves from several threads: one rendering at a time per process
    with _RENDERING:
        bibliography = CitationStylesBibliography(_style(style), CiteProcJSON([item]), formatter.plain)
        bibliography.register(Citation([CitationItem(item["id"])]))
        rendered = str(bibliography.bibliography()[0])
    # a numeric style numbers its reference list; one citation on its own has no list to number
    return re.sub(r"^\d+\.\s*", "", rendered)


def bibtex(record: dict) -> str:
    """A BibTeX @misc entry (biblatex reads it as a dataset), escaped by bibtexparser's LaTeX encoder."""
    fields = {
        "author": _creator(record),
        "title": _title(record),
        "publisher": _creator(record),
        "url": record["iri"],
        "note": "Dataset",
    }
    if _year(record):
        fields["year"] = str(_year(record))
    if _doi(record):
        fields["doi"] = _doi(record)
    library = Library([model.Entry("misc", _key(record), [model.Field(k, v) for k, v in fields.items()])])
    library = LatexEncodingMiddleware(keep_math=False, enclose_urls=False).transform(library)
    entry = library.entries[0]
    # a corporate author in double braces, or BibTeX would take "Hospital" for a surname
    entry.fields_dict["author"].value = "{" + entry.fields_dict["author"].value + "}"
    return bibtexparser.write_string(library)


class _RisWriter(rispy.RisWriter):
    """rispy's writer without its "1." line before each record: not RIS, and some importers stop at it."""

    def set_header(self, count: int) -> str:
        return ""


def ris(record: dict) -> str:
    """An RIS record of type DATA, written by rispy (TT carries the Korean title)."""
    entry = {
        "type_of_reference": "DATA",
        "title": _title(record),
        "authors": [_creator(record)],
        "publisher": _creator(record),
        "urls": [record["iri"]],
        "id": record.get("identifier") or record["id"],
    }
    korean = (record.get("titles") or {}).get("ko")
    if korean and korean != entry["title"]:
        entry["translated_title"] = korean
    if _year(record):
        entry["year"] = str(_year(record))
    if _doi(record):
        entry["doi"] = _doi(record)
    if record.get("keywords"):
        entry["keywords"] = list(record["keywords"])
    if record.get("description"):
        entry["abstract"] = record["description"]
    return rispy.dumps([entry], implementation=_RisWriter)


def datacite(record: dict) -> dict:
    """The dataset in the DataCite Metadata Schema 4.5 JSON form (what a DOI registration would send)."""
    hospital = record.get("hospital") or {}
    creator = {"name": _creator(record), "nameType": "Organizational"}
    if hospital.get("iri"):
        creator["nameIdentifiers"] = [{"nameIdentifier": hospital["iri"], "nameIdentifierScheme": "URI"}]
    titles = [{"title": _title(record), "lang": "en"}]
    korean = (record.get("titles") or {}).get("ko")
    if korean and korean != titles[0]["title"]:
        titles.append({"title": korean, "lang": "ko", "titleType": "TranslatedTitle"})
    doc = {
        "types": {"resourceTypeGeneral": "Dataset", "resourceType": "Health dataset"},
        "creators": [creator],
        "titles": titles,
        "publisher": {"name": _creator(record)},
        "publicationYear": str(_year(record) or datetime.now(UTC).year),
        "url": record["iri"],
        "schemaVersion": "http://datacite.org/schema/kernel-4",
    }
    if _doi(record):
        doc["doi"] = _doi(record)
    alternates = [{"alternateIdentifier": record["iri"], "alternateIdentifierType": "URL"}]
    if record.get("identifier") and not _doi(record):
        alternates.append({"alternateIdentifier": record["identifier"], "alternateIdentifierType": "Local"})
    doc["alternateIdentifiers"] = alternates
    descriptions = [
        {"description": value, "descriptionType": "Abstract", "lang": lang}
        for lang, value in sorted((record.get("descriptions") or {}).items())
        if value
    ]
    if descriptions:
        doc["descriptions"] = descriptions
    subjects = [{"subject": k} for k in dict.fromkeys(record.get("keywords") or [])]
    subjects += [
        {"subject": t["label"], "valueUri": t["iri"]} for t in record.get("themes") or [] if t.get("label")
    ]
    if subjects:
        doc["subjects"] = subjects
    dates = [
        {"date": str(record[key])[:10], "dateType": kind}
        for key, kind in (("issued", "Issued"), ("modified", "Updated"))
        if record.get(key)
    ]
    if dates:
        doc["dates"] = dates
    access = record.get("access_rights") or {}
    if access.get("label"):
        doc["rightsList"] = [{"rights": access["label"], "rightsUri": access["iri"]}]
    return doc


@dataclass(frozen=True)
class Export:
    """A download format: its media type, file extension and writer."""

    media_type: str
    extension: str
    write: Callable[[dict], str]


#: the download formats, by the name in `/datasets/<id>/cite.<name>`
EXPORTS: dict[str, Export] = {
    "bib": Export("application/x-bibtex", "bib", bibtex),
    "ris": Export("application/x-research-info-systems", "ris", ris),
    "datacite.json": Export(
        "application/vnd.datacite.datacite+json",
        "datacite.json",
        lambda record: json.dumps(datacite(record), ensure_ascii=False, indent=2),
    ),
}


def citation(record: dict, lang: str = "en") -> dict:
    """What the dataset page shows: both text styles in the page's language, and the BibTeX."""
    return {
        "apa": text(record, "apa", lang),
        "vancouver": text(record, "vancouver", lang),
        "bibtex": bibtex(record),
    }
