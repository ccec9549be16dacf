"""Deterministic synthetic hospital catalogue for benchmarks.

Every dataset is ~100 triples of realistic HealthDCAT-AP shape:

* ``dcat:Dataset`` with ``dct:title`` / ``dct:description`` in @ko and @en,
  3-6 ``dcat:keyword``, one ``dcat:theme`` (5 disease areas), one
  ``dct:publisher`` (8 hospitals), ``dct:accessRights``, ``dct:issued`` /
  ``dct:modified``, ``healthdcatap:numberOfUniqueIndividuals``;
* one distribution (blank node) with ``dcat:accessURL`` and a
  ``csvw:tableSchema`` (blank node) of 5-25 ``csvw:Column`` blank nodes with
  ``csvw:name`` / ``csvw:datatype`` / ``dct:description``.

Datasets are spread over 8 named graphs, one per hospital
(``https://w3id.org/hdcat/graph/source/{hospital}``).  The same seed always
gives the same data, so different benches (and different engines in one
bench) see identical input.

Use :func:`write_nquads` to materialise a file (fast, string based), or
:func:`iter_quads` / :func:`dataset_graph` for rdflib terms.  Both are built
from :func:`iter_records`, so they describe exactly the same data.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

BASE = "https://w3id.org/hdcat"
HOSPITALS = ("hanbit", "saebom", "gaon", "mirae", "haneul", "purun", "dasom", "balgeun")
DISEASE_AREAS = ("cancer", "cardiovascular", "respiratory", "ophthalmology", "other")
ACCESS_RIGHTS = ("PUBLIC", "RESTRICTED", "NON_PUBLIC")

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
CSVW = "http://www.w3.org/ns/csvw#"
XSD = "http://www.w3.org/2001/XMLSchema#"
HEALTHDCATAP = "http://healthdataportal.eu/ns/health#"
ACCESS_RIGHT_BASE = "http://publications.europa.eu/resource/authority/access-right/"

_KO_WORDS = (
    "환자",
    "진료",
    "검사",
    "영상",
    "수술",
    "입원",
    "외래",
    "처방",
    "약물",
    "유전체",
    "코호트",
    "등록",
    "추적",
    "결과",
    "생존",
    "위험",
    "합병증",
    "중환자",
    "응급",
    "소아",
)
_EN_WORDS = (
    "patient",
    "clinical",
    "laboratory",
    "imaging",
    "surgery",
    "admission",
    "outpatient",
    "prescription",
    "medication",
    "genomic",
    "cohort",
    "registry",
    "follow-up",
    "outcome",
    "survival",
    "risk",
    "complication",
    "intensive-care",
    "emergency",
    "paediatric",
)
_AREA_KO = {
    "cancer": "암",
    "cardiovascular": "심혈관",
    "respiratory": "호흡기",
    "ophthalmology": "안과",
    "other": "기타",
}
_COL_NAMES = (
    "patient_id",
    "age",
    "sex",
    "height_cm",
    "weight_kg",
    "bmi",
    "sbp",
    "dbp",
    "heart_rate",
    "hba1c",
    "ldl",
    "hdl",
    "creatinine",
    "egfr",
    "diagnosis_code",
    "admission_date",
    "discharge_date",
    "los_days",
    "icu_flag",
    "smoking",
    "alcohol",
    "ecog",
    "stage",
    "tumor_size_mm",
    "iop_mmhg",
    "fev1",
    "fvc",
    "spo2",
    "death_flag",
    "followup_days",
)
_COL_TYPES = ("string", "integer", "decimal", "date", "boolean")


def hospital_graph(hospital: str) -> str:
    return f"{BASE}/graph/source/{hospital}"


def hospital_iri(hospital: str) -> str:
    return f"{BASE}/hospital/{hospital}"


def theme_iri(area: str) -> str:
    return f"{BASE}/code/disease-area/{area}"


def dataset_iri(i: int) -> str:
    """IRI of dataset number ``i`` (0-based); the hospital is ``HOSPITALS[i % 8]``."""
    h = HOSPITALS[i % len(HOSPITALS)]
    return f"{BASE}/id/{h}/dataset/ds-{i:07d}"


@dataclass
class Column:
    name: str
    datatype: str
    description: str


@dataclass
class Record:
    index: int
    iri: str
    hospital: str
    area: str
    title_ko: str
    title_en: str
    desc_ko: str
    desc_en: str
    keywords: list[str]
    access: str
    issued: str
    modified: str
    individuals: int
    access_url: str
    columns: list[Column] = field(default_factory=list)

    @property
    def graph(self) -> str:
        return hospital_graph(self.hospital)


def iter_records(n: int, seed: int = 42) -> Iterator[Record]:
    rng = random.Random(seed)
    for i in range(n):
        h = HOSPITALS[i % len(HOSPITALS)]
        area = DISEASE_AREAS[rng.randrange(len(DISEASE_AREAS))]
        wk = rng.sample(range(len(_KO_WORDS)), 3)
        title_ko = f"{_AREA_KO[area]} {_KO_WORDS[wk[0]]} {_KO_WORDS[wk[1]]} 데이터셋 {i}"
        title_en = f"{area} {_EN_WORDS[wk[0]]} {_EN_WORDS[wk[1]]} dataset {i}"
        desc_ko = (
            f"{h} 병원의 {_AREA_KO[area]} 분야 {_KO_WORDS[wk[2]]} 자료로, "
            f"{2010 + i % 14}년부터 수집된 가명처리된 임상 데이터입니다."
        )
        desc_en = (
            f"Pseudonymised {_EN_WORDS[wk[2]]} data on {area} collected at {h} "
            f"hospital since {2010 + i % 14}."
        )
        nkw = rng.randint(3, 6)
        kws = [
            (_KO_WORDS if j % 2 else _EN_WORDS)[k]
            for j, k in enumerate(rng.sample(range(len(_EN_WORDS)), nkw))
        ]
        y = 2015 + rng.randrange(9)
        issued = f"{y}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        modified = f"{y + rng.randrange(2)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        ncol = rng.randint(5, 25)
        cols = [
            Column(
                name=_COL_NAMES[k],
                datatype=_COL_TYPES[rng.randrange(len(_COL_TYPES))],
                description=f"{_COL_NAMES[k].replace('_', ' ')} of the patient record",
            )
            for k in rng.sample(range(len(_COL_NAMES)), ncol)
        ]
        yield Record(
            index=i,
            iri=dataset_iri(i),
            hospital=h,
            area=area,
            title_ko=title_ko,
            title_en=title_en,
            desc_ko=desc_ko,
            desc_en=desc_en,
            keywords=kws,
            access=ACCESS_RIGHTS[rng.randrange(len(ACCESS_RIGHTS))],
            issued=issued,
            modified=modified,
            individuals=rng.randint(50, 500_000),
            access_url=f"https://data.{h}.example.org/ds/{i}",
            columns=cols,
        )


# --------------------------------------------------------------------------
# Generic term-level view: ('iri'|'bnode'|'lit', value, lang, datatype)


def _record_quads(r: Record):
    """Yield (s, p, o, g) where s/o are tagged tuples; see module doc."""
    iri = lambda v: ("iri", v)  # noqa: E731
    s = iri(r.iri)
    dist = ("bnode", f"d{r.index}")
    schema = ("bnode", f"s{r.index}")
    out = [
        (s, RDF_TYPE, iri(DCAT + "Dataset")),
        (s, DCT + "identifier", ("lit", f"ds-{r.index:07d}", None, None)),
        (s, DCT + "title", ("lit", r.title_ko, "ko", None)),
        (s, DCT + "title", ("lit", r.title_en, "en", None)),
        (s, DCT + "description", ("lit", r.desc_ko, "ko", None)),
        (s, DCT + "description", ("lit", r.desc_en, "en", None)),
    ]
    out += [(s, DCAT + "keyword", ("lit", k, "ko" if not k.isascii() else "en", None)) for k in r.keywords]
    out += [
        (s, DCAT + "theme", iri(theme_iri(r.area))),
        (s, DCT + "publisher", iri(hospital_iri(r.hospital))),
        (s, DCT + "accessRights", iri(ACCESS_RIGHT_BASE + r.access)),
        (s, DCT + "issued", ("lit", r.issued, None, XSD + "date")),
        (s, DCT + "modified", ("lit", r.modified, None, XSD + "date")),
        (s, HEALTHDCATAP + "numberOfUniqueIndividuals", ("lit", str(r.individuals), None, XSD + "integer")),
        (s, DCAT + "distribution", dist),
        (dist, RDF_TYPE, iri(DCAT + "Distribution")),
        (dist, DCAT + "accessURL", iri(r.access_url)),
        (dist, DCAT + "mediaType", iri("http://www.iana.org/assignments/media-types/text/csv")),
        (dist, CSVW + "tableSchema", schema),
        (schema, RDF_TYPE, iri(CSVW + "Schema")),
    ]
    for j, c in enumerate(r.columns):
        col = ("bnode", f"c{r.index}x{j}")
        out += [
            (schema, CSVW + "column", col),
            (col, RDF_TYPE, iri(CSVW + "Column")),
            (col, CSVW + "name", ("lit", c.name, None, None)),
            (col, CSVW + "datatype", ("lit", c.datatype, None, None)),
            (col, DCT + "description", ("lit", c.description, "en", None)),
        ]
    g = r.graph
    for t in out:
        yield t[0], t[1], t[2], g


def _nq_escape(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def _nq_term(t) -> str:
    kind = t[0]
    if kind == "iri":
        return f"<{t[1]}>"
    if kind == "bnode":
        return f"_:{t[1]}"
    _, value, lang, dt = t
    lit = f'"{_nq_escape(value)}"'
    if lang:
        return f"{lit}@{lang}"
    if dt:
        return f"{lit}^^<{dt}>"
    return lit


def write_nquads(path: str, n: int, seed: int = 42) -> int:
    """Write ``n`` datasets as N-Quads to ``path``; return the number of quads."""
    count = 0
    with open(path, "w", encoding="utf-8", buffering=1 << 20) as fh:
        buf = []
        for r in iter_records(n, seed):
            for s, p, o, g in _record_quads(r):
                buf.append(f"{_nq_term(s)} <{p}> {_nq_term(o)} <{g}> .\n")
            if len(buf) >= 50_000:
                count += len(buf)
                fh.write("".join(buf))
                buf.clear()
        count += len(buf)
        fh.write("".join(buf))
    return count


def _rdflib_term(t):
    from rdflib import BNode, Literal, URIRef

    if t[0] == "iri":
        return URIRef(t[1])
    if t[0] == "bnode":
        return BNode(t[1])
    return Literal(t[1], lang=t[2], datatype=URIRef(t[3]) if t[3] else None)


def iter_quads_for(record: Record):
    """One record as rdflib ``(s, p, o, graph_iri)`` quads (graph as a ``URIRef``)."""
    from rdflib import URIRef

    for s, p, o, g in _record_quads(record):
        yield _rdflib_term(s), URIRef(p), _rdflib_term(o), URIRef(g)


def iter_quads(n: int, seed: int = 42):
    """All ``n`` datasets as rdflib quads."""
    for r in iter_records(n, seed):
        yield from iter_quads_for(r)


def dataset_graph(record: Record):
    """One record as an rdflib ``Graph`` (for harvester / API benches)."""
    from rdflib import Graph

    g = Graph()
    for s, p, o, _ in iter_quads_for(record):
        g.add((s, p, o))
    return g


if __name__ == "__main__":  # quick look: python bench/synthetic.py 2
    import sys

    k = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    for rec in iter_records(k):
        for q in _record_quads(rec):
            print(f"{_nq_term(q[0])} <{q[1]}> {_nq_term(q[2])} <{q[3]}> .")
