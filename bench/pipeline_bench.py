"""The harvest → index → conformance pipeline on synthetic HealthDCAT-AP catalogues of N datasets, each step
beside its floor (what the underlying library needs for the same input), measured in the same run (issue 16).

For each N in --sizes the bench writes a seeded Turtle catalogue of N datasets (about 25 properties each:
titles and descriptions in Korean and English, keywords, themes, publisher, contact point, temporal and
spatial coverage, languages, coding systems, HealthDCAT-AP counts and health category, distributions with
accessURL / format / mediaType / byteSize, and for every fifth dataset a ten-column CSVW table schema),
paged by `hydra:next` at 1,000 datasets a page. It then runs, in a fresh data folder with the embedded
(tantivy) search engine, each hdcat step as its own process (so peak memory is that step's):

* first harvest (`hdcat harvest`, which also recomputes conformance and rebuilds the search index, as the
  command does after every harvest that changed something),
* the same harvest again, unchanged,
* again after 1 % of the datasets changed their English title,
* with `--history RUNS`, the same 1 % change to a copy of the catalogue given RUNS earlier runs of its source
  (in the run log and on the audit trail), as a deployment's months leave it,
* the same 1 % change in a process that already serves (`hdcat serve`'s scheduler: modules imported, the
  catalogue, search index and lineage index open), timed inside it from the harvest to the index update,
* `hdcat reindex`,
* conformance recompute (there is no command for it: `catalog.conformance.recompute_all()` in a
  process of its own).

Beside each, its floor in the same run and the same kind of process:

* harvest: pyoxigraph `Store.bulk_load` of the same page files into an on-disk store;
* reindex: tantivy indexing the same text (titles, descriptions, keywords) with a plain schema and the
  default tokenizer; a second row also runs kiwipiepy over the Korean text first, as hdcat's analyser does;
* conformance: one SPARQL SELECT in pyoxigraph reading the rows scoring reads (dataset, titles, declared
  definitions, columns with name, datatype and unit).

hdcat steps are timed from outside (process wall time, including interpreter start and imports; the
`startup` row is that cost alone); floors are timed inside their process around the work only. Peak memory
is the process's maximum resident set (wait4 rusage). A step that runs longer than --timeout is killed and
reported as "timed out". The harvest steps (first, unchanged, 1 % changed, and the serving process's) run
--repeats times each (default 3), each run from the same data and alternating with its floor; the table
gives the median run and lists every run's seconds, since a single run on this shared machine moved a share
by a point either way.

    python bench/pipeline_bench.py --sizes 1000 --out bench/results/pipeline.md
    python bench/pipeline_bench.py --sizes 1000,5000 --out bench/results/pipeline.md
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import as_installed  # noqa: E402  (bench/as_installed.py, a sibling)

ROOT = Path(__file__).resolve().parents[1]
PAGE = 1000
SEED = 16

# --------------------------------------------------------------------------------------------------
# The synthetic catalogue

PREFIXES = """@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix healthdcatap: <http://healthdataportal.eu/ns/health#> .
@prefix csvw: <http://www.w3.org/ns/csvw#> .
@prefix hdcat: <https://w3id.org/hdcat/ns#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
@prefix disease: <https://w3id.org/hdcat/code/disease-area/> .
@prefix dtype: <https://w3id.org/hdcat/code/data-type/> .
@prefix codesys: <https://w3id.org/hdcat/code/coding-system/> .
@prefix access: <http://publications.europa.eu/resource/authority/access-right/> .
@prefix theme: <http://publications.europa.eu/resource/authority/data-theme/> .
@prefix lang: <http://publications.europa.eu/resource/authority/language/> .
@prefix country: <http://publications.europa.eu/resource/authority/country/> .
@prefix filetype: <http://publications.europa.eu/resource/authority/file-type/> .
@prefix licence: <http://publications.europa.eu/resource/authority/licence/> .
"""
SITE = "https://data.bench-hospital.example"
AREAS = {  # disease area → (Korean, English conditions with a KCD code)
    "cancer": [
        ("폐암", "lung cancer", "C34"),
        ("위암", "gastric cancer", "C16"),
        ("대장암", "colorectal cancer", "C18"),
        ("유방암", "breast cancer", "C50"),
        ("간암", "liver cancer", "C22"),
    ],
    "cardiovascular": [
        ("심부전", "heart failure", "I50"),
        ("급성 심근경색", "acute myocardial infarction", "I21"),
        ("심방세동", "atrial fibrillation", "I48"),
        ("고혈압", "hypertension", "I10"),
    ],
    "respiratory": [
        ("만성폐쇄성폐질환", "COPD", "J44"),
        ("천식", "asthma", "J45"),
        ("폐렴", "pneumonia", "J18"),
    ],
    "ophthalmology": [("당뇨망막병증", "diabetic retinopathy", "H36"), ("녹내장", "glaucoma", "H40")],
    "other": [
        ("당뇨병", "diabetes", "E11"),
        ("만성콩팥병", "chronic kidney disease", "N18"),
        ("뇌졸중", "stroke", "I63"),
    ],
}
KINDS = [
    ("ehr", "전자의무기록", "electronic health records", "EHR", "EHR"),
    ("registry", "등록 코호트", "registry cohort", "registry", "REGISTRY"),
    ("imaging", "의료영상", "medical images", "imaging", "IMAGING"),
    ("claims", "청구 자료", "claims data", "claims", "CLAIMS"),
    ("genomics", "유전체 자료", "genomic data", "genomics", "GENOMICS"),
]
DEPTS = [
    ("임상연구지원센터", "Clinical Research Support Center", "research"),
    ("의료정보팀", "Medical Informatics team", "informatics"),
    ("암센터 데이터관리실", "Cancer Center data management office", "cancer-data"),
]
CODESYS = ["kcd-8", "loinc", "atc", "edi", "snomed-ct", "dicom"]
FORMATS = [("CSV", "text/csv"), ("PARQUET", "application/vnd.apache.parquet"), ("JSON", "application/json")]
#: a cardiovascular-core-like table: (name, datatype, unit, Korean title, English title)
COLUMNS = [
    ("event_type", "string", None, "사건 유형", "Event type"),
    ("event_date", "date", None, "사건 일자", "Event date"),
    ("systolic_bp", "integer", "mm[Hg]", "수축기 혈압", "Systolic blood pressure"),
    ("diastolic_bp", "integer", "mm[Hg]", "이완기 혈압", "Diastolic blood pressure"),
    ("heart_rate", "integer", "/min", "심박수", "Heart rate"),
    ("ldl_cholesterol", "decimal", "mg/dL", "LDL 콜레스테롤", "LDL cholesterol"),
    ("hdl_cholesterol", "decimal", "mg/dL", "HDL 콜레스테롤", "HDL cholesterol"),
    ("hba1c", "decimal", "%", "당화혈색소", "HbA1c"),
    ("bmi", "decimal", "kg/m2", "체질량지수", "Body mass index"),
    ("smoking_status", "string", None, "흡연 상태", "Smoking status"),
]
DEFINITION = "https://hdcat.example.org/id/definition/cardiovascular-core/1.0.0"


def _lit(text: str, lang: str | None = None) -> str:
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"@{lang}' if lang else f'"{text}"'


def records(n: int, seed: int = SEED, changed: frozenset = frozenset()):
    """n dataset descriptions as dicts; the same seed gives the same data. Indices in `changed` get a
    revised English title (the 1 %-changed re-harvest)."""
    rng = random.Random(seed)
    for i in range(n):
        area = rng.choice(list(AREAS))
        ko, en, code = rng.choice(AREAS[area])
        kind = rng.choice(KINDS)
        start = rng.randint(2005, 2020)
        end = min(2025, start + rng.randint(2, 10))
        people = rng.randint(10, 250_000)  # at or above the suppression threshold (10)
        dept = rng.choice(DEPTS)
        title_en = f"{en[0].upper()}{en[1:]} {kind[2]} {start}–{end} (no. {i})"
        if i in changed:
            title_en += " — revised"
        yield {
            "i": i,
            "iri": f"{SITE}/dataset/ds-{i:06d}",
            "area": area,
            "code": code,
            "kind": kind,
            "dept": dept,
            "title_ko": f"{ko} {kind[1]} ({start}–{end}) {i}번",
            "title_en": title_en,
            "desc_ko": (
                f"벤치병원 {dept[0]}이 {start}년부터 {end}년까지 "
                f"{ko}으로 진료받은 환자 {people:,}명의 자료로 "
                f"구축한 {kind[1]} 데이터셋입니다. 진단, 검사, "
                "처방과 추적 결과를 기록하고 있으며 "
                "환자 식별자는 모두 가명처리되었습니다."
            ),
            "desc_en": (
                f"{kind[2].capitalize()} dataset built by the {dept[1]} of Bench Hospital, "
                f"covering {people:,} patients treated for {en} between {start} and {end}. "
                "It records diagnoses, tests, "
                "prescriptions and follow-up outcomes; all patient identifiers are pseudonymised."
            ),
            "keywords_ko": [ko, kind[1], rng.choice(["추적", "예후", "합병증", "재입원", "사망"])],
            "keywords_en": [
                en,
                kind[3],
                rng.choice(["follow-up", "prognosis", "complication", "readmission", "mortality"]),
            ],
            "start": start,
            "end": end,
            "people": people,
            "records": people * rng.randint(2, 60),
            "codesys": sorted(rng.sample(CODESYS, 2)),
            "access": rng.choice(["PUBLIC", "RESTRICTED", "NON_PUBLIC"]),
            "issued": f"{end}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "formats": rng.sample(FORMATS, rng.randint(1, 2)),
            "bytes": [rng.randint(10_000, 5_000_000_000) for _ in range(2)],
            "schema": i % 5 == 0,
            "declares": i % 15 == 0,
        }


def turtle(r: dict) -> str:
    iri = r["iri"]
    lines = [
        f"<{iri}>",
        "    a dcat:Dataset ;",
        f"    dct:identifier {_lit('BENCH-' + str(r['i']).zfill(6))} ;",
        f"    dct:title {_lit(r['title_ko'], 'ko')} , {_lit(r['title_en'], 'en')} ;",
        f"    dct:description {_lit(r['desc_ko'], 'ko')} ,\n        {_lit(r['desc_en'], 'en')} ;",
        "    dcat:keyword "
        + " , ".join([_lit(k, "ko") for k in r["keywords_ko"]] + [_lit(k, "en") for k in r["keywords_en"]])
        + " ;",
        f"    dcat:theme disease:{r['area']} , theme:HEAL ;",
        f"    dct:type dtype:{r['kind'][0]} ;",
        f"    dct:accessRights access:{r['access']} ;",
        f"    dct:publisher <{SITE}/org/bench> ;",
        f"    dcat:contactPoint [ a vcard:Organization ; vcard:fn {_lit(r['dept'][0], 'ko')} , "
        f"{_lit(r['dept'][1], 'en')} ; vcard:hasEmail <mailto:{r['dept'][2]}@bench-hospital.example> ] ;",
        f'    dct:issued "{r["issued"]}"^^xsd:date ;',
        f'    dct:modified "{r["issued"]}"^^xsd:date ;',
        f'    dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "{r["start"]}-01-01"^^xsd:date ; '
        f'dcat:endDate "{r["end"]}-12-31"^^xsd:date ] ;',
        "    dct:language lang:KOR , lang:ENG ;",
        "    dct:spatial country:KOR ;",
        "    healthdcatap:hasCodingSystem " + " , ".join(f"codesys:{c}" for c in r["codesys"]) + " ;",
        f'    healthdcatap:hasCodeValues [ a skos:Concept ; skos:notation "{r["code"]}" ; '
        "skos:inScheme codesys:kcd-8 ] ;",
        f"    healthdcatap:healthCategory <http://healthdataportal.eu/ns/health-category#{r['kind'][4]}> ;",
        f'    healthdcatap:numberOfUniqueIndividuals "{r["people"]}"^^xsd:nonNegativeInteger ;',
        f'    healthdcatap:numberOfRecords "{r["records"]}"^^xsd:nonNegativeInteger ;',
        '    healthdcatap:minTypicalAge "18"^^xsd:nonNegativeInteger ;',
        '    healthdcatap:maxTypicalAge "90"^^xsd:nonNegativeInteger ;',
    ]
    if r["declares"]:
        lines.append(f"    dct:conformsTo <{DEFINITION}> ;")
    dists = [f"<{iri}/distribution/{k + 1}>" for k in range(len(r["formats"]))]
    lines.append("    dcat:distribution " + " , ".join(dists) + " .\n")
    for k, (fmt, media) in enumerate(r["formats"]):
        d = [
            f"{dists[k]}",
            "    a dcat:Distribution ;",
            f"    dct:title {_lit(f'가명처리 분석용 테이블 ({fmt})', 'ko')} , "
            f"{_lit(f'Pseudonymised analysis table ({fmt})', 'en')} ;",
            f"    dcat:accessURL <{SITE}/access/ds-{r['i']:06d}/{fmt.lower()}> ;",
            f"    dct:format filetype:{fmt} ;",
            f"    dcat:mediaType <http://www.iana.org/assignments/media-types/{media}> ;",
            f'    dcat:byteSize "{r["bytes"][k]}"^^xsd:nonNegativeInteger ;',
            "    dct:license licence:CC_BY_NC_4_0",
        ]
        if r["schema"] and k == 0:
            cols = []
            for name, dtype, unit, tko, ten in COLUMNS:
                c = (
                    f'            [ a csvw:Column ; csvw:name "{name}" ; csvw:titles {_lit(tko, "ko")} , '
                    f'{_lit(ten, "en")} ; csvw:datatype "{dtype}"'
                )
                cols.append(c + (f' ; hdcat:unit "{unit}" ]' if unit else " ]"))
            d[-1] += " ;"
            d.append(
                "    csvw:tableSchema [\n        a csvw:Schema ;\n        csvw:column (\n"
                + "\n".join(cols)
                + "\n        )\n    ]"
            )
        lines.append("\n".join(d) + " .\n")
    return "\n".join(lines)


def generate(folder: Path, n: int, seed: int = SEED, changed: frozenset = frozenset()) -> list[Path]:
    """Write catalog-page-1.ttl … (PAGE datasets each, chained by hydra:next); return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = max(1, math.ceil(n / PAGE))
    paths, batch = [], []
    all_records = list(records(n, seed, changed))
    for p in range(pages):
        batch = all_records[p * PAGE : (p + 1) * PAGE]
        path = folder / f"catalog-page-{p + 1}.ttl"
        head = [
            f"# Synthetic HealthDCAT-AP catalogue for bench/pipeline_bench.py: page {p + 1} of {pages}, "
            f"seed {seed}",
            PREFIXES,
            f"<{SITE}/catalog>",
            "    a dcat:Catalog ;",
            f"    dct:title {_lit('벤치병원 연구 데이터 카탈로그', 'ko')} , "
            f"{_lit('Bench Hospital research data catalogue', 'en')} ;",
            f"    dct:publisher <{SITE}/org/bench> ;",
        ]
        if p + 1 < pages:
            head.append(f"    hydra:next <catalog-page-{p + 2}.ttl> ;")
        head.append("    dcat:dataset " + " ,\n        ".join(f"<{r['iri']}>" for r in batch) + " .\n")
        head.append(
            f"<{SITE}/org/bench>\n    a foaf:Organization ;\n    foaf:name {_lit('벤치병원', 'ko')} , "
            f"{_lit('Bench Hospital', 'en')} .\n"
        )
        path.write_text("\n".join(head) + "\n" + "\n".join(turtle(r) for r in batch), "utf-8")
        paths.append(path)
    for stale in folder.glob("catalog-page-*.ttl"):
        if stale not in paths:
            stale.unlink()
    return paths


def changed_indices(n: int, seed: int = SEED) -> frozenset:
    """1 % of the datasets (at least one), chosen by the seed."""
    return frozenset(random.Random(seed + 1).sample(range(n), max(1, n // 100)))


# --------------------------------------------------------------------------------------------------
# Floors and in-process steps (each runs as `python bench/pipeline_bench.py --worker NAME ...`)


def worker_bulk_load(folder: str, store_dir: str) -> float:
    from pyoxigraph import RdfFormat, Store

    t = time.perf_counter()
    store = Store(store_dir)
    for path in sorted(Path(folder).glob("catalog-page-*.ttl")):
        store.bulk_load(path=str(path), format=RdfFormat.TURTLE, base_iri=path.as_uri())
    store.flush()
    seconds = time.perf_counter() - t
    assert len(store) > 0
    return seconds


def _texts(n: int, changed: frozenset) -> list[tuple[str, str, str]]:
    return [
        (
            r["iri"],
            f"{r['title_ko']} {r['title_en']}",
            " ".join([r["desc_ko"], r["desc_en"], *r["keywords_ko"], *r["keywords_en"]]),
        )
        for r in records(n, SEED, changed)
    ]


def worker_tantivy(n: int, changed: frozenset, index_dir: str, kiwi: bool) -> float:
    import tantivy

    docs = _texts(n, changed)  # the same text hdcat indexes; not timed (hdcat reads it from the graph)
    t = time.perf_counter()
    if kiwi:
        from kiwipiepy import Kiwi

        analyser = Kiwi()
        docs = [
            (
                i,
                " ".join(tok.form for tok in analyser.tokenize(a)),
                " ".join(tok.form for tok in analyser.tokenize(b)),
            )
            for i, a, b in docs
        ]
    Path(index_dir).mkdir(parents=True, exist_ok=True)
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True)
    builder.add_text_field("body")
    index = tantivy.Index(builder.build(), path=index_dir)
    writer = index.writer()
    for i, title, body in docs:
        writer.add_document(tantivy.Document(id=i, title=title, body=body))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    seconds = time.perf_counter() - t
    assert index.searcher().num_docs == n
    return seconds


FLOOR_QUERY = """
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX csvw: <http://www.w3.org/ns/csvw#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX hdcat: <https://w3id.org/hdcat/ns#>
SELECT ?ds ?title ?conforms ?name ?datatype ?unit WHERE {
  ?ds a dcat:Dataset ; dct:title ?title .
  OPTIONAL { ?ds dct:conformsTo ?conforms }
  OPTIONAL { ?ds dcat:distribution/csvw:tableSchema/csvw:column/rdf:rest*/rdf:first ?col .
             ?col csvw:name ?name ; csvw:datatype ?datatype . OPTIONAL { ?col hdcat:unit ?unit } }
}"""


def worker_sparql(store_dir: str) -> float:
    from pyoxigraph import Store

    store = Store.read_only(store_dir)
    t = time.perf_counter()
    rows = sum(1 for _ in store.query(FLOOR_QUERY))
    seconds = time.perf_counter() - t
    assert rows > 0
    return seconds


def worker_setup(config: str) -> float:
    """Publish the starter definitions, as `hdcat demo` does, so conformance has something to score."""
    from hdcat.catalog.config import load_settings
    from hdcat.catalog.service import Catalog

    catalog = Catalog(load_settings(config))
    try:
        catalog.definitions.ensure_starters()
    finally:
        catalog.close()
    return 0.0


def worker_history(config: str, n: str) -> float:
    """Give the catalogue `n` runs of history before the bench's own: a source harvested hourly over the
    past months, each run in the run log, on the audit trail and anchored by a checkpoint, as a
    deployment's log grows."""
    from datetime import UTC, datetime, timedelta

    from hdcat.catalog import Accounts, write_checkpoint
    from hdcat.catalog.config import load_settings
    from hdcat.catalog.iris import source_graph_iri
    from hdcat.catalog.runs import HarvestRun, Outcome
    from hdcat.catalog.service import Catalog

    settings = load_settings(config)
    source = settings.sources[0]
    catalog, accounts = Catalog(settings), Accounts.for_settings(settings)
    try:
        start = datetime.now(UTC) - timedelta(hours=int(n) + 24)
        triples, runs = [], []
        for i in range(int(n)):
            run = HarvestRun(source.name, source.hospital, source.kind, source.location)
            run.started = start + timedelta(hours=i)
            run.finish(Outcome.UNCHANGED)
            run.ended, run.found = run.started + timedelta(seconds=30), 1000
            runs.append(run)
            triples += run.to_graph(catalog.base, source_graph_iri(catalog.base, source.name))
        catalog.store.add_to_graph(catalog.runs.graph_iri, triples)
        for run in runs:  # each with its audit entry and the checkpoint that followed it
            accounts.audit_run(
                "hdcat", run.source, {"run": run.id, "status": "unchanged", "found": run.found}
            )
            write_checkpoint(catalog.store, catalog.base, accounts)
    finally:
        accounts.close()
        catalog.close()
    return 0.0


def worker_conformance(config: str) -> float:
    from hdcat.catalog.config import load_settings
    from hdcat.catalog.service import Catalog

    catalog = Catalog(load_settings(config))
    try:
        t = time.perf_counter()
        scored = catalog.conformance.recompute_all()
        seconds = time.perf_counter() - t
    finally:
        catalog.close()
    print(f"scored {scored}", file=sys.stderr)
    return seconds


def worker_conformance_changed(config: str, n: str) -> float:
    """Conformance after the 1 % change: the changed datasets scored again, as a harvest that touched them
    does (`source_changed` with their short ids), in a process of its own like the full recompute."""
    from hdcat.catalog.config import load_settings
    from hdcat.catalog.service import Catalog

    ids = {f"hanbit-ds-{i:06d}" for i in changed_indices(int(n))}
    catalog = Catalog(load_settings(config))
    try:
        t = time.perf_counter()
        catalog.conformance.source_changed("bench-dcat", ids)
        seconds = time.perf_counter() - t
    finally:
        catalog.close()
    return seconds


def worker_reharvest_serving(config: str) -> float:
    """The 1 %-changed re-harvest in a process that already serves, as `hdcat serve`'s scheduler runs it:
    every module imported, the catalogue, the search index and the lineage index open (a site's dataset pages
    read it); timed from the harvest's start to the index's update (harvest_source, then what the service
    does after a run: operations.after_harvest and operations.sync_search)."""
    from hdcat.catalog import Accounts
    from hdcat.catalog.config import load_settings
    from hdcat.catalog.service import Catalog
    from hdcat.harvesters.runner import harvest_source
    from hdcat.search.service import Search
    from hdcat.web import operations

    settings = load_settings(config)
    catalog = Catalog(settings)
    search, accounts = Search(catalog), Accounts.for_settings(settings)
    try:
        catalog.lineage.catalog_ids()
        t = time.perf_counter()
        runs = [harvest_source(catalog, source) for source in settings.sources]
        operations.after_harvest(catalog, accounts, runs, actor="bench")
        operations.sync_search(search, runs)
        seconds = time.perf_counter() - t
        print(f"{[(r.outcome.value, r.changed, r.imported) for r in runs]}", file=sys.stderr)
    finally:
        accounts.close()
        search.close()
        catalog.close()
    return seconds


def worker_startup() -> float:
    import hdcat.web.cli  # noqa: F401  what every hdcat command imports before it starts

    return 0.0


def run_worker(argv: list[str]) -> None:
    name, *rest = argv
    if name == "bulk_load":
        seconds = worker_bulk_load(*rest)
    elif name in ("tantivy", "tantivy_kiwi"):
        n, changed = int(rest[0]), frozenset(json.loads(rest[1]))
        seconds = worker_tantivy(n, changed, rest[2], kiwi=name == "tantivy_kiwi")
    elif name == "bulk_load_kiwi":  # both engines' share of a first harvest, one after the other
        folder, store_dir, n, index_dir = rest
        seconds = worker_bulk_load(folder, store_dir)
        seconds += worker_tantivy(int(n), frozenset(), index_dir, kiwi=True)
    elif name == "sparql":
        seconds = worker_sparql(*rest)
    elif name == "setup":
        seconds = worker_setup(*rest)
    elif name == "conformance":
        seconds = worker_conformance(*rest)
    elif name == "history":
        seconds = worker_history(*rest)
    elif name == "conformance_changed":
        seconds = worker_conformance_changed(*rest)
    elif name == "reharvest_serving":
        seconds = worker_reharvest_serving(*rest)
    elif name == "startup":
        seconds = worker_startup()
    else:
        raise SystemExit(f"unknown worker {name}")
    print(json.dumps({"inner_seconds": seconds}))


# --------------------------------------------------------------------------------------------------
# Measuring a process


class Step:
    def __init__(self, seconds, peak_mib, rc, inner=None, timed_out=False, tail=""):
        self.seconds, self.peak_mib, self.rc, self.inner, self.timed_out, self.tail = (
            seconds,
            peak_mib,
            rc,
            inner,
            timed_out,
            tail,
        )

    @property
    def ok(self) -> bool:
        return self.rc == 0 and not self.timed_out


def measure(cmd: list[str], env: dict, cwd: Path, timeout: float, log: Path) -> Step:
    """Run cmd; wall time, peak RSS of that process (wait4), exit code; kill it after `timeout` seconds."""
    with log.open("wb") as fh:
        t = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )
        killed = threading.Event()

        def kill():
            killed.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text("utf-8", errors="replace")
    inner = None
    for line in reversed(text.splitlines()):
        if line.startswith('{"inner_seconds"'):
            inner = json.loads(line)["inner_seconds"]
            break
    return Step(seconds, usage.ru_maxrss / 1024, proc.returncode, inner, killed.is_set(), text[-3000:])


def median(steps: list[Step], key) -> Step:
    """The median run (the lower of the middle two for an even count); a failed run if any failed."""
    failed = [s for s in steps if not s.ok]
    if failed:
        return failed[0]
    return sorted(steps, key=key)[(len(steps) - 1) // 2]


def hdcat_cmd(*args: str) -> list[str]:
    return [sys.executable, "-c", "from hdcat.web.console_script import run; run()", *args]


def worker_cmd(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--worker", *args]


# --------------------------------------------------------------------------------------------------


def bench_size(n: int, timeout: float, keep: bool, repeats: int = 1, history: int = 0) -> list[dict]:
    base = Path(tempfile.mkdtemp(prefix=f"hdcat-pipeline-{n}-"))
    source, data = base / "source", base / "data"
    generate(source, n)
    size = sum(p.stat().st_size for p in source.glob("*.ttl"))
    print(
        f"[{n}] catalogue: {len(list(source.glob('*.ttl')))} pages, {size / 2**20:.1f} MiB in {source}",
        flush=True,
    )
    config = base / "hdcat.toml"
    config.write_text(
        f'base_iri = "https://hdcat.example.org"\nsuppression_threshold = 10\n'
        f'data_dir = "{data}"\n\n[[sources]]\nname = "bench-dcat"\nhospital = "hanbit"\nkind = "dcat"\n'
        f'location = "{source / "catalog-page-1.ttl"}"\nschedule = "manual"\n',
        "utf-8",
    )
    env = as_installed.env(
        {k: v for k, v in os.environ.items() if k not in ("HDCAT_SEARCH_URL", "HDCAT_STORE", "HDCAT_CONFIG")}
    )
    env.update(HDCAT_DATA_DIR=str(data), COLUMNS="140", PYTHONHASHSEED="0")
    rows: list[dict] = []
    logs = base / "logs"
    logs.mkdir()

    def step(label, cmd, floor_cmd=None, floor_label=None, prepare=None, restore=None, environ=None):
        """One row: the step run once, or `repeats` times with `restore()` putting the data back between
        runs (hdcat and its floor alternated), its median run kept and every run's seconds listed.
        `environ`: hdcat's environment, when not the bench's."""
        runs, floors = [], []
        for i in range(repeats if restore else 1):
            if i:
                restore()
            if prepare:
                prepare()
            print(f"[{n}] {label} …", flush=True)
            s = measure(cmd, environ or env, base, timeout, logs / f"{len(rows):02d}-{i}.log")
            runs.append(s)
            if not s.ok:
                what = "timed out" if s.timed_out else f"failed (exit {s.rc})"
                print(f"[{n}] {label}: {what}\n{s.tail}", flush=True)
                break
            if floor_cmd:
                f = measure(floor_cmd, env, base, timeout, logs / f"{len(rows):02d}-{i}-floor.log")
                floors.append(f)
                if not f.ok:
                    print(f"[{n}] floor of {label} failed:\n{f.tail}", flush=True)
        s = median(runs, lambda r: r.seconds)
        row = {"work": label, "n": n, "step": s, "runs": [r.seconds for r in runs]}
        if floor_cmd and floors:
            row["floor"], row["floor_label"] = median(floors, lambda r: r.inner or 0.0), floor_label
        rows.append(row)
        print(
            f"[{n}] {label}: {s.seconds:.2f} s, {s.peak_mib:.0f} MiB"
            + (f"; floor {row['floor'].inner or float('nan'):.2f} s" if floor_cmd else ""),
            flush=True,
        )
        return s

    def fresh(path):
        return lambda: shutil.rmtree(path, ignore_errors=True)

    def set_up():
        """An empty catalogue with the starter definitions published, as `hdcat demo` leaves it."""
        shutil.rmtree(data, ignore_errors=True)
        s = measure(worker_cmd("setup", str(config)), env, base, timeout, logs / "setup.log")
        if not s.ok:
            raise SystemExit(f"setup failed:\n{s.tail}")

    def catalogue_at(path, name):
        """The bench's config and environment for a catalogue kept at `path` instead of `data`."""
        other = base / f"hdcat-{name}.toml"
        other.write_text(config.read_text("utf-8").replace(f'"{data}"', f'"{path}"'), "utf-8")
        return other, dict(env, HDCAT_DATA_DIR=str(path))

    def as_now(path):
        """A function that puts `path` back as it is now (for a step run again)."""
        kept = base / f"{path.name}-kept"
        shutil.rmtree(kept, ignore_errors=True)
        shutil.copytree(path, kept)

        def restore():
            shutil.rmtree(path, ignore_errors=True)
            shutil.copytree(kept, path)

        return restore

    step("startup (python + import hdcat.web.cli)", worker_cmd("startup"))
    set_up()
    oxi = str(base / "floor-store")
    first = step(
        "first harvest (`hdcat harvest`: parse, import, store, conformance, index)",
        hdcat_cmd("--config", str(config), "harvest"),
        worker_cmd("bulk_load", str(source), oxi),
        "pyoxigraph bulk_load",
        prepare=fresh(oxi),
        restore=set_up,
    )
    # the command also analyses and indexes every dataset's text: the engines' own time for both
    shutil.rmtree(oxi, ignore_errors=True)
    rows[-1]["floor2"] = measure(
        worker_cmd("bulk_load_kiwi", str(source), oxi, str(n), str(base / "floor-first-index")),
        env,
        base,
        timeout,
        logs / "bulk-load-kiwi.log",
    )
    rows[-1]["floor2_label"] = "pyoxigraph bulk_load, then kiwipiepy on the text and tantivy"
    if first.ok:
        step(
            "re-harvest, unchanged",
            hdcat_cmd("--config", str(config), "harvest"),
            worker_cmd("bulk_load", str(source), oxi),
            "pyoxigraph bulk_load",
            prepare=fresh(oxi),
            restore=as_now(data),
        )
        changed = changed_indices(n)
        generate(source, n, changed=changed)
        serving = base / "data-serving"  # the catalogue before the change, for the serving process below
        shutil.copytree(data, serving)
        step(
            f"re-harvest, 1 % changed ({len(changed)} titles)",
            hdcat_cmd("--config", str(config), "harvest"),
            worker_cmd("bulk_load", str(source), oxi),
            "pyoxigraph bulk_load",
            prepare=fresh(oxi),
            restore=as_now(data),
        )
        if history:  # the same re-harvest of a catalogue whose run log a deployment's months have filled
            aged = base / "data-history"
            shutil.copytree(serving, aged)
            aged_config, aged_env = catalogue_at(aged, "history")
            made = measure(
                worker_cmd("history", str(aged_config), str(history)),
                aged_env,
                base,
                timeout,
                logs / "history.log",
            )
            if not made.ok:
                raise SystemExit(f"history failed:\n{made.tail}")
            step(
                f"re-harvest with {history:,} earlier runs in the run log, 1 % changed "
                f"({len(changed)} titles)",
                hdcat_cmd("--config", str(aged_config), "harvest"),
                restore=as_now(aged),
                environ=aged_env,
            )
        cj = json.dumps(sorted(changed))
        tan = str(base / "floor-tantivy")
        step(
            "`hdcat reindex` (embedded: tantivy + kiwipiepy)",
            hdcat_cmd("--config", str(config), "reindex"),
            worker_cmd("tantivy", str(n), cj, tan),
            "tantivy, plain schema",
            prepare=fresh(tan),
        )
        rows[-1]["floor2"] = measure(
            worker_cmd("tantivy_kiwi", str(n), cj, tan + "-kiwi"),
            env,
            base,
            timeout,
            logs / "tantivy-kiwi.log",
        )
        step(
            "conformance after the 1 % change (`source_changed` for the changed datasets)",
            worker_cmd("conformance_changed", str(config), str(n)),
        )
        step(
            "conformance recompute (`catalog.conformance.recompute_all()`)",
            worker_cmd("conformance", str(config)),
            worker_cmd("sparql", oxi),
            "one SPARQL SELECT (pyoxigraph)",
        )
        # the bulk-loaded store of the changed files is what the SELECT reads; same data as hdcat's
        serving_config, serving_env = catalogue_at(serving, "serving")
        label = f"re-harvest, 1 % changed, in a serving process ({len(changed)} titles; inside the process)"
        restore, served = as_now(serving), []
        for i in range(repeats):
            if i:
                restore()
            print(f"[{n}] {label} …", flush=True)
            served.append(
                measure(
                    worker_cmd("reharvest_serving", str(serving_config)),
                    serving_env,
                    base,
                    timeout,
                    logs / f"serving-{i}.log",
                )
            )
        s = median(served, lambda r: r.inner or 0.0)
        rows.append({"work": label, "n": n, "step": s, "inner_only": True, "runs": [r.inner for r in served]})
        print(f"[{n}] {label}: {s.inner or float('nan'):.2f} s inside, {s.peak_mib:.0f} MiB", flush=True)
    if keep:
        print(f"[{n}] kept {base}")
    else:
        shutil.rmtree(base, ignore_errors=True)
    return rows


def fmt_seconds(step: Step | None, inner: bool = False) -> str:
    if step is None:
        return "–"
    if step.timed_out:
        return "timed out"
    if step.rc != 0:
        return f"failed (exit {step.rc})"
    value = step.inner if inner else step.seconds
    return "–" if value is None else f"{value:.2f}"


def slope(points: list[tuple[int, float]]) -> float | None:
    points = [(n, s) for n, s in points if s and s > 0]
    if len(points) < 2:
        return None
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(s) for _, s in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else None


def _share(step: Step | None, whole: Step | None) -> str:
    """`step`'s seconds as a share of `whole`'s, or – when either is missing or failed."""
    return f"{step.seconds / whole.seconds:.1%}" if step and whole and step.ok and whole.ok else "–"


def shares(all_rows: list[dict]) -> str:
    """Issue 16's two goals: a 1 %-changed re-harvest ≤ 10 % of a first harvest (process wall times), and
    conformance after a 1 % change ≤ 5 % of a full recompute (times inside their processes)."""

    def find(n, prefix):
        return next((r["step"] for r in all_rows if r["n"] == n and r["work"].startswith(prefix)), None)

    out = [
        "",
        "",
        "Shares (issue 16's goals: ≤ 10 % and ≤ 5 %):",
        "",
        "| N | 1 %-changed re-harvest / first harvest "
        "| the same in a serving process (inside it) / first harvest "
        "| conformance after the 1 % change / full recompute (inside the process) "
        "| 1 %-changed re-harvest with earlier runs in the log / first harvest |",
        "|---:|---:|---:|---:|---:|",
    ]
    for n in dict.fromkeys(r["n"] for r in all_rows):
        first, again = find(n, "first harvest"), find(n, "re-harvest, 1 % changed (")
        serving = find(n, "re-harvest, 1 % changed, in a serving")
        c = (
            f"{serving.inner / first.seconds:.1%}"
            if first and serving and first.ok and serving.ok and serving.inner
            else "–"
        )
        part, whole = find(n, "conformance after"), find(n, "conformance recompute")
        a = _share(again, first)
        b = (
            f"{part.inner / whole.inner:.1%}"
            if part and whole and part.ok and whole.ok and part.inner and whole.inner
            else "–"
        )
        d = _share(find(n, "re-harvest with "), first)
        out.append(f"| {n:,} | {a} | {c} | {b} | {d} |")
    repeated = [r for r in all_rows if len(r.get("runs") or ()) > 1]
    if repeated:
        out += ["", "Each run of the repeated steps (seconds, in order; the table gives the median):", ""]
        out += [
            f"- {r['work'].split(' (')[0]}, {r['n']:,}: " + " / ".join(f"{x:.2f}" for x in r["runs"] if x)
            for r in repeated
        ]
    return "\n".join(out)


def times(ratio: float) -> str:
    """A ratio to its floor: one decimal below 10, where the goals (≤ 3×) are."""
    return f"{ratio:.1f}×" if ratio < 10 else f"{ratio:.0f}×"


def table(all_rows: list[dict], sizes: list[int]) -> str:
    lines = [
        "| work | N | seconds | peak MiB | floor | floor seconds | floor peak MiB | ratio |",
        "|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    for r in all_rows:
        s, f = r["step"], r.get("floor")
        if r.get("inner_only"):
            seconds = fmt_seconds(s, inner=True)
            lines.append(f"| {r['work']} | {r['n']:,} | {seconds} | {s.peak_mib:.0f} | – | – | – | – |")
            continue
        ratio = times(s.seconds / f.inner) if s.ok and f is not None and f.ok and f.inner else "–"
        lines.append(
            f"| {r['work']} | {r['n']:,} | {fmt_seconds(s)} | {s.peak_mib:.0f} | "
            f"{r.get('floor_label', '–')} | "
            f"{fmt_seconds(f, inner=True)} | {f.peak_mib:.0f} | {ratio} |"
            if f
            else f"| {r['work']} | {r['n']:,} | {fmt_seconds(s)} | {s.peak_mib:.0f} | – | – | – | – |"
        )
        f2 = r.get("floor2")
        if f2 is not None:
            ratio = times(s.seconds / f2.inner) if s.ok and f2.ok and f2.inner else "–"
            lines.append(
                f"| ″ (second floor) | {r['n']:,} | | | "
                f"{r.get('floor2_label', 'kiwipiepy on the text, then tantivy')} | "
                f"{fmt_seconds(f2, inner=True)} | {f2.peak_mib:.0f} | {ratio} |"
            )
    text = "\n".join(lines) + shares(all_rows)
    if len(sizes) >= 2:
        works = []
        for r in all_rows:
            if r["work"].startswith("conformance after"):
                continue
            key = r["work"].split(" (")[0] if r["work"].startswith("re-harvest, 1 %") else r["work"]
            if key not in works:
                works.append(key)
        growth = [
            "",
            "",
            "Growth exponent (slope of log seconds against log N; 1 is linear):",
            "",
            "| work | hdcat | floor |",
            "|---|---:|---:|",
        ]
        for key in works:
            pts = [
                r
                for r in all_rows
                if (r["work"].split(" (")[0] if r["work"].startswith("re-harvest, 1 %") else r["work"]) == key
            ]
            a = slope(
                [
                    (r["n"], r["step"].inner if r.get("inner_only") else r["step"].seconds)
                    for r in pts
                    if r["step"].ok
                ]
            )
            b = slope([(r["n"], r["floor"].inner) for r in pts if r.get("floor") and r["floor"].ok])
            growth.append(
                f"| {key} | {'–' if a is None else f'{a:.2f}'} | {'–' if b is None else f'{b:.2f}'} |"
            )
        text += "\n".join(growth)
    return text


def profile_harvest(n: int, top: int = 25) -> None:
    """A first `hdcat harvest` (with its conformance recompute and index rebuild) under cProfile,
    in-process."""
    import cProfile
    import pstats

    base = Path(tempfile.mkdtemp(prefix=f"hdcat-pipeline-profile-{n}-"))
    source, data = base / "source", base / "data"
    generate(source, n)
    config = base / "hdcat.toml"
    config.write_text(
        f'data_dir = "{data}"\n\n[[sources]]\nname = "bench-dcat"\nhospital = "hanbit"\nkind = "dcat"\n'
        f'location = "{source / "catalog-page-1.ttl"}"\nschedule = "manual"\n',
        "utf-8",
    )
    os.environ["HDCAT_DATA_DIR"] = str(data)
    for k in ("HDCAT_SEARCH_URL", "HDCAT_STORE", "HDCAT_CONFIG"):
        os.environ.pop(k, None)
    worker_setup(str(config))
    from hdcat.web.cli import main as cli

    profiler = cProfile.Profile()
    t = time.perf_counter()
    profiler.enable()
    try:
        cli(["--config", str(config), "harvest"], standalone_mode=False)
    finally:
        profiler.disable()
    print(f"first harvest of {n:,} datasets in-process: {time.perf_counter() - t:.1f} s (under cProfile)")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)
    shutil.rmtree(base, ignore_errors=True)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        sys.path.insert(0, str(ROOT))
        run_worker(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000", help="comma-separated dataset counts (default 1000)")
    parser.add_argument("--out", default=None, help="Markdown file to write")
    parser.add_argument(
        "--timeout", type=float, default=900, help="seconds before a step is killed (default 900)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary folders (catalogues, data, logs)"
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="runs of the harvest steps (first, unchanged, 1 %% changed, serving), each from the same data, "
        "hdcat and its floor alternated; the median is reported (default 3: this machine is noisy)",
    )
    parser.add_argument(
        "--history",
        type=int,
        default=0,
        metavar="RUNS",
        help="also time the 1 %%-changed re-harvest of a catalogue given RUNS earlier runs of its source "
        "(run log and audit trail), as a deployment's months leave it (default 0: not run)",
    )
    parser.add_argument(
        "--generate", metavar="FOLDER", help="only write the catalogue of the first size there"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="instead: cProfile a first `hdcat harvest` of the first size in this process and print "
        "the top 25 functions by cumulative time",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.profile:
        profile_harvest(sizes[0])
        return
    if args.generate:
        paths = generate(Path(args.generate), sizes[0])
        print("\n".join(str(p) for p in paths))
        return
    all_rows = []
    started = time.time()
    for n in sizes:
        all_rows += bench_size(n, args.timeout, args.keep, max(1, args.repeats), args.history)
    text = table(all_rows, sizes)
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(
            "# Pipeline: harvest, re-harvest, reindex, conformance against their floors\n\n"
            f"Generated by `bench/pipeline_bench.py --sizes {args.sizes} --repeats {args.repeats}` "
            f"on {time.strftime('%Y-%m-%d')} "
            f"({os.cpu_count()} cores shared with other work, "
            f"so noisy; {time.time() - started:.0f} s in all). "
            "Synthetic HealthDCAT-AP Turtle, 1,000 datasets a page chained by hydra:next, embedded search. "
            "hdcat seconds are process wall time (with interpreter "
            "start and imports, hdcat's modules compiled beforehand as pip compiles a wheel's: see the "
            "startup row); floor "
            "seconds are timed inside their process around the "
            "work alone; peak MiB is each process's maximum "
            "resident set. `hdcat harvest` also recomputes conformance and rebuilds the search index when "
            "something changed, as the command does.\n\n" + text + "\n",
            "utf-8",
        )


if __name__ == "__main__":
    main()
