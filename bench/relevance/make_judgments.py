#!/usr/bin/env python3
"""Build the judged query set used to measure search relevance (nDCG@10).

Writes ``bench/relevance/judgments.json``: queries, each with graded judgments
of the datasets in the bundled sample consortium.  The grades are derived by
the RULES below from the datasets' own metadata, read with rdflib straight
from ``harvesters/samples/consortium/`` -- never from hdcat's search, so the
judgments are independent of the system they measure.

Usage::

    .venv/bin/python bench/relevance/make_judgments.py            # write judgments.json, print a summary
    .venv/bin/python bench/relevance/make_judgments.py --check    # fail if the file on disk is stale
    .venv/bin/python bench/relevance/make_judgments.py --show q07 # every graded dataset of one query

RULES
=====

Every query carries its intent as structured criteria (see ``QUERIES``):

``codes``          ICD-10/KCD codes of the condition.  A dataset code matches
                   when it equals the query code or is a sub-code of it
                   (``H40`` matches ``H40.1``).
``words``          names of the condition (ko and en).  Latin words match
                   case-insensitively on word boundaries (``word*`` = prefix,
                   ``=WORD`` = case-sensitive); Hangul words match as
                   substrings, so particles and compounds (폐암환자의) need no
                   special handling on the dataset side.
``exclude``        title words that stop a title hit from counting
                   (``hypertension`` must not catch *pulmonary arterial
                   hypertension*).
``related_codes``/``related_words``  a closely related condition.
``areas``          HDCAT disease areas (``dcat:theme``), for area-level queries.
``modality``       words naming the data type / modality / variable the query
                   asks for, matched in the MODALITY TEXT: title, keywords and
                   the "it records ..." sentence of the description (the
                   sentence that says what the data contain).
``mod_columns``    csvw:column names that also count as the modality.
``dtypes``         HDCAT data types (``dct:type``) that count as the modality.
``columns``        (column queries) the csvw:column names of the variable.

Condition level of a dataset for a query (first that applies):

core      a condition word is in the dataset's title (ko or en) and no
          ``exclude`` word is; or, for area queries, a ``dcat:theme`` is one of
          ``areas``.
partial   one of the dataset's code values matches ``codes`` but the title
          does not name the condition (multi-condition datasets: claims,
          chest X-ray, cancer quality-of-life survey, PCI registry ...).
related   a code matches ``related_codes`` or the title has a ``related_words``.
mention   a condition word (or a ``mention`` word) occurs only in keywords,
          descriptions, population coverage, code labels or column
          titles/descriptions (``exclude`` phrases are removed first).

Grades (3 = highly relevant ... 1 = marginal; 0 is not written):

query names a modality (``modality``/``mod_columns``/``dtypes``):
    3  core and modality            -- squarely the condition, in that modality
    2  core without the modality     -- the condition, another modality
    2  partial or related, with the modality -- the modality, for a closely
       related condition or a multi-condition dataset that includes it
    1  partial or related without the modality, or mention
query names only a condition:
    3  core
    2  partial
    1  related or mention
query names only a data type (no condition):
    3  modality; 1  a modality word only in the description / columns
column query (``columns``):
    3  the dataset has one of the columns, or its title names the variable
    2  no such column, but the variable is named in keywords / "it records ..."
    1  the variable is named elsewhere (description, column titles), or the
       dataset is core for the condition the variable belongs to (``codes``/``words``)

Two deliberately broken records of purun (no dct:title; dct:issued
"2021-13-45") are skipped, as the harvester skips them.  Haneul publishes its
datasets as blank nodes; they are judged under the IRI the harvester mints for
them, ``{base_iri}/id/haneul/dataset/{slug(dct:identifier)}`` (see
``catalog/iris.py``; re-implemented here so nothing of hdcat is imported).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import statistics
import sys
import unicodedata
from collections import Counter
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCAT, RDF, SKOS
from rdflib.namespace import DCTERMS as DCT

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "harvesters" / "samples" / "consortium"
OUT = Path(__file__).resolve().parent / "judgments.json"
BASE_IRI = "https://hdcat.example.org"  # hdcat.toml's base_iri

HEALTH = Namespace("http://healthdataportal.eu/ns/health#")
CSVW = Namespace("http://www.w3.org/ns/csvw#")
DISEASE = "https://w3id.org/hdcat/code/disease-area/"
DATATYPE = "https://w3id.org/hdcat/code/data-type/"
CODESYS = "https://w3id.org/hdcat/code/coding-system/"
FORMATS = {".ttl": "turtle", ".jsonld": "json-ld", ".rdf": "xml", ".nt": "nt"}
KINDS = ("english", "korean", "mixed", "code", "misspelling", "synonym", "column", "datatype")


# --------------------------------------------------------------------------
# Loading the sample consortium
# --------------------------------------------------------------------------
def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")


def _lang(g, node, pred) -> dict:
    out = {}
    for lit in g.objects(node, pred):
        if isinstance(lit, Literal):
            out.setdefault(lit.language or "", []).append(str(lit))
    return {k: " ".join(v) for k, v in out.items()}


def load(base_iri: str = BASE_IRI) -> tuple[list[dict], list[str]]:
    """All usable datasets of the sample consortium, and what was skipped (with why)."""
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)  # purun's bad date is on purpose
    datasets, skipped = [], []
    for path in sorted(SAMPLES.glob("*/*")):
        if path.suffix not in FORMATS:
            continue
        hospital = path.parent.name
        g = Graph()
        g.parse(path, format=FORMATS[path.suffix])
        for node in sorted(set(g.subjects(RDF.type, DCAT.Dataset)), key=str):
            ident = str(g.value(node, DCT.identifier) or "")
            titles = _lang(g, node, DCT.title)
            if not any(t.strip() for t in titles.values()):
                skipped.append(f"{hospital} {ident}: no dct:title")
                continue
            bad = [
                (p, o)
                for p, o in g.predicate_objects(node)
                if isinstance(o, Literal) and getattr(o, "ill_typed", False)
            ]
            if bad:
                skipped.append(f"{hospital} {ident}: {g.qname(bad[0][0])} {str(bad[0][1])!r} is ill-typed")
                continue
            if isinstance(node, URIRef):
                iri = str(node)
            else:
                assert isinstance(node, BNode) and ident, (path, node)
                iri = f"{base_iri.rstrip('/')}/id/{hospital}/dataset/{_slug(ident)}"
            codes, code_labels = [], []
            for cv in g.objects(node, HEALTH.hasCodeValues):
                notation = g.value(cv, SKOS.notation)
                if notation is not None:
                    codes.append(str(notation))
                code_labels += [str(x) for x in g.objects(cv, SKOS.prefLabel)]
            columns = []
            for dist in g.objects(node, DCAT.distribution):
                for schema in g.objects(dist, CSVW.tableSchema):
                    for head in g.objects(schema, CSVW.column):
                        for col in Collection(g, head):
                            columns.append(
                                {
                                    "name": str(g.value(col, CSVW.name) or ""),
                                    "titles": [str(x) for x in g.objects(col, CSVW.titles)],
                                    "description": " ".join(str(x) for x in g.objects(col, DCT.description)),
                                }
                            )
            descriptions = _lang(g, node, DCT.description)
            datasets.append(
                {
                    "iri": iri,
                    "identifier": ident,
                    "hospital": hospital,
                    "title_ko": titles.get("ko", ""),
                    "title_en": titles.get("en", ""),
                    "descriptions": descriptions,
                    "keywords": [str(k) for k in g.objects(node, DCAT.keyword)],
                    "areas": sorted(
                        str(t)[len(DISEASE) :]
                        for t in g.objects(node, DCAT.theme)
                        if str(t).startswith(DISEASE)
                    ),
                    "dtypes": sorted(
                        str(t)[len(DATATYPE) :]
                        for t in g.objects(node, DCT.type)
                        if str(t).startswith(DATATYPE)
                    ),
                    "codes": sorted(codes),
                    "code_labels": code_labels,
                    "coding_systems": sorted(
                        str(s)[len(CODESYS) :] for s in g.objects(node, HEALTH.hasCodingSystem)
                    ),
                    "columns": columns,
                    "population": " ".join(_lang(g, node, HEALTH.populationCoverage).values()),
                }
            )
    datasets.sort(key=lambda d: (d["hospital"], d["identifier"]))
    return datasets, skipped


# --------------------------------------------------------------------------
# Text views of a dataset
# --------------------------------------------------------------------------
_RECORDS_EN = re.compile(r"For each patient it records (.+?)\.(?:\s|$)")
_RECORDS_KO = re.compile(r"환자의 (.+?)(?:을|를) 기록하고 있습니다")


def views(d: dict) -> dict:
    """title / modality / other text of a dataset, each one string."""
    title = f"{d['title_ko']} \n {d['title_en']}"
    records = []
    for text in d["descriptions"].values():
        records += _RECORDS_EN.findall(text) + _RECORDS_KO.findall(text)
    modality = " \n ".join([title] + d["keywords"] + records)
    other = " \n ".join(
        list(d["descriptions"].values())
        + [d["population"]]
        + d["code_labels"]
        + [" ".join(c["titles"]) + " " + c["description"] for c in d["columns"]]
    )
    return {
        "title": title,
        "modality": modality,
        "other": other,
        "colnames": {c["name"] for c in d["columns"]},
    }


_HANGUL = re.compile(r"[가-힣]")


def _term_re(term: str) -> re.Pattern:
    if _HANGUL.search(term):
        return re.compile(re.escape(term))
    flags = re.I
    if term.startswith("="):
        term, flags = term[1:], 0
    prefix = term.endswith("*")
    term = term.rstrip("*")
    return re.compile(r"(?<![A-Za-z0-9])" + re.escape(term) + ("" if prefix else r"(?![A-Za-z0-9])"), flags)


def hits(terms, text: str) -> list[str]:
    return [t for t in terms if _term_re(t).search(text)]


def code_match(code: str, query_codes) -> bool:
    return any(code == q or code.startswith(q + ".") for q in query_codes)


# --------------------------------------------------------------------------
# Grading
# --------------------------------------------------------------------------
def condition_level(q: dict, d: dict, v: dict) -> tuple[str | None, str]:
    words = q.get("words", [])
    if hits(words, v["title"]) and not hits(q.get("exclude", []), v["title"]):
        return "core", "title names " + "/".join(hits(words, v["title"]))
    if q.get("areas") and set(q["areas"]) & set(d["areas"]):
        return "core", "theme " + "/".join(sorted(set(q["areas"]) & set(d["areas"])))
    matched = [c for c in d["codes"] if code_match(c, q.get("codes", []))]
    if matched:
        return "partial", "code " + "/".join(matched) + " (title does not name it)"
    rel = [c for c in d["codes"] if code_match(c, q.get("related_codes", []))]
    relw = hits(q.get("related_words", []), v["title"])
    if rel or relw:
        return "related", "related " + "/".join(rel + relw)
    text = v["other"] + " \n " + v["modality"]
    for phrase in q.get("exclude", []):  # "pulmonary arterial hypertension" is no mention of hypertension
        text = _term_re(phrase).sub(" ", text)
    m = hits(words, text) + hits(q.get("mention", []), text)
    if m:
        return "mention", "mentions " + "/".join(m)
    return None, ""


def modality_hit(q: dict, d: dict, v: dict) -> str:
    why = hits(q.get("modality", []), v["modality"])
    why += sorted(set(q.get("mod_columns", [])) & v["colnames"])
    why += sorted(set(q.get("dtypes", [])) & set(d["dtypes"]))
    return "/".join(why)


def grade(q: dict, d: dict) -> tuple[int, str]:
    v = views(d)
    if q.get("columns"):
        have = sorted(set(q["columns"]) & v["colnames"])
        if have:
            return 3, "column " + "/".join(have)
        titled = hits(q.get("modality", []), v["title"])
        if titled:
            return 3, "title names " + "/".join(titled) + " (no column)"
        named = hits(q.get("modality", []), v["modality"])
        if named:
            return 2, "names " + "/".join(named) + " (no column)"
        elsewhere = hits(q.get("modality", []), v["other"])
        if elsewhere:
            return 1, "mentions " + "/".join(elsewhere)
        level, why = condition_level(q, d, v) if (q.get("codes") or q.get("words")) else (None, "")
        if level == "core":
            return 1, why + " (variable not listed)"
        return 0, ""
    has_condition = bool(q.get("codes") or q.get("words") or q.get("areas"))
    has_modality = bool(q.get("modality") or q.get("mod_columns") or q.get("dtypes"))
    mod = modality_hit(q, d, v) if has_modality else ""
    if not has_condition:
        if mod:
            return 3, "modality " + mod
        other = hits(q.get("modality", []) + q.get("mention", []), v["other"])
        other += sorted(set(q.get("mention_columns", [])) & v["colnames"])
        return (1, "mentions " + "/".join(other)) if other else (0, "")
    level, why = condition_level(q, d, v)
    if level is None:
        return 0, ""
    if not has_modality:
        return {"core": 3, "partial": 2, "related": 1, "mention": 1}[level], why
    if mod:
        why += "; modality " + mod
        return {"core": 3, "partial": 2, "related": 2, "mention": 1}[level], why
    return {"core": 2, "partial": 1, "related": 1, "mention": 1}[level], why + "; not the modality"


# --------------------------------------------------------------------------
# Conditions and modalities (reused by several queries)
# --------------------------------------------------------------------------
LUNG_CA = dict(codes=["C34"], words=["lung cancer", "lung neoplasm*", "NSCLC", "폐암"])
HF = dict(
    codes=["I50"],
    words=["heart failure", "심부전", "HFrEF", "HFpEF"],
    related_codes=["I42"],
    related_words=["cardiomyopathy", "심근병증"],
)
COPD = dict(
    codes=["J44"],
    words=[
        "COPD",
        "chronic obstructive pulmonary disease",
        "emphysema",
        "만성폐쇄성폐질환",
        "만성 폐쇄성 폐질환",
        "폐기종",
    ],
    related_codes=["J45", "J47"],
    related_words=["asthma", "천식", "bronchiectasis", "기관지확장증"],
)
GLAUCOMA = dict(codes=["H40"], words=["glaucoma", "녹내장"])
BREAST = dict(codes=["C50"], words=["breast cancer", "유방암"])
AF = dict(
    codes=["I48"],
    words=["atrial fibrillation", "심방세동"],
    related_codes=["I49"],
    related_words=["arrhythmia", "부정맥", "Holter", "홀터"],
)
DR = dict(codes=["H36.0", "E11.3"], words=["diabetic retinopathy", "당뇨망막병증"])
STROKE = dict(
    codes=["I63", "I61"],
    words=["stroke", "뇌졸중", "cerebral infarction", "뇌경색", "intracerebral haemorrhage", "뇌출혈"],
)
AMI = dict(
    codes=["I21"],
    words=["myocardial infarction", "심근경색", "STEMI"],
    related_codes=["I20", "I25"],
    related_words=["coronary", "관상동맥"],
)
CKD = dict(
    codes=["N18"],
    words=[
        "chronic kidney disease",
        "만성콩팥병",
        "만성 신장병",
        "end-stage kidney disease",
        "말기신부전",
        "haemodialysis",
        "hemodialysis",
        "혈액투석",
    ],
    related_codes=["Z94.0"],
    related_words=["kidney transplant", "신장이식"],
)
HTN = dict(
    codes=["I10"],
    words=["hypertension", "고혈압"],
    exclude=["pulmonary arterial hypertension", "pulmonary hypertension", "폐동맥고혈압"],
    mention=["blood pressure", "혈압"],
)
T2DM = dict(
    codes=["E11"],
    words=["diabetes", "당뇨병"],
    exclude=["gestational", "임신성"],
    related_codes=["O24.4", "H36.0"],
    related_words=["diabetic", "당뇨"],
)
PNEUMONIA = dict(codes=["J18"], words=["pneumonia", "폐렴"])
ASTHMA = dict(codes=["J45"], words=["asthma", "천식"], related_codes=["J44"], related_words=["COPD"])
CATARACT = dict(codes=["H25"], words=["cataract", "백내장"])
GASTRIC = dict(codes=["C16"], words=["gastric cancer", "stomach cancer", "위암"])
LIVER_CA = dict(
    codes=["C22"],
    words=["hepatocellular carcinoma", "liver cancer", "HCC", "간암", "간세포암"],
    related_codes=["B18.1"],
    related_words=["hepatitis B", "B형간염"],
)
THYROID = dict(codes=["C73"], words=["thyroid cancer", "thyroid nodule*", "갑상선암", "갑상선 결절"])
AMD = dict(codes=["H35.3"], words=["macular degeneration", "AMD", "황반변성"])
DEMENTIA = dict(codes=["F00", "F03", "G30"], words=["dementia", "치매", "Alzheimer*", "알츠하이머"])
CRC = dict(
    codes=["C18", "C20"], words=["colorectal cancer", "colon cancer", "rectal cancer", "대장암", "직장암"]
)
TB = dict(codes=["A15"], words=["tuberculosis", "결핵"])
COVID = dict(codes=["U07.1"], words=["COVID-19", "코로나19"])
CORONARY = dict(
    codes=["I20", "I25"],
    words=["coronary", "관상동맥", "angina", "협심증"],
    related_codes=["I21"],
    related_words=["myocardial infarction", "심근경색"],
)
OSA = dict(codes=["G47.3"], words=["sleep apnoea", "sleep apnea", "수면무호흡"])
MYOPIA = dict(codes=["H52.1"], words=["myopia", "근시"])
PARKINSON = dict(codes=["G20"], words=["Parkinson*", "파킨슨"])
CARDIAC_ARREST = dict(codes=["I46"], words=["cardiac arrest", "심정지"])
KTX = dict(codes=["Z94.0"], words=["kidney transplant*", "신장이식"], related_codes=["N18"])

CT = dict(modality=["CT", "computed tomography", "HRCT", "전산화단층"])
MRI = dict(modality=["MRI", "magnetic resonance", "자기공명"])
ECHO = dict(modality=["echo*", "심초음파"])
SPIRO = dict(
    modality=["spirometr*", "pulmonary function", "lung function", "폐기능", "폐활량", "FEV1"],
    mod_columns=["fev1_l", "fvc_l", "fev1_fvc_ratio", "fev1_percent_pred"],
)
OCT = dict(modality=["OCT", "optical coherence tomography", "빛간섭단층"])
GENOMICS = dict(
    modality=["genom*", "NGS", "sequencing", "gene panel", "유전체", "유전자 패널", "염기서열"],
    dtypes=["genomics"],
)
ECG = dict(
    modality=["ECG", "EKG", "electrocardiogra*", "심전도", "Holter", "홀터"],
    mod_columns=["ecg_id", "qrs_duration_ms", "qtc_ms"],
)
FUNDUS = dict(modality=["fundus", "안저"])
ADMISSION = dict(
    modality=["admission*", "admitted", "hospitalis*", "hospitaliz*", "inpatient*", "readmission", "입원"],
    mod_columns=["admission_date", "discharge_date", "length_of_stay_days"],
)
SURGERY = dict(modality=["surgery", "surgical", "operat*", "gastrectomy", "수술", "절제술"])
ULTRASOUND = dict(modality=["ultrasound", "초음파"])
IMAGING = dict(dtypes=["imaging"])
REGISTRY = dict(dtypes=["registry"])
CLAIMS = dict(dtypes=["claims"])
SURVEY = dict(dtypes=["survey"], modality=["survey", "questionnaire", "설문"])


def Q(query, kind, intent, *bundles, **criteria):
    c = {}
    for b in bundles:
        for k, val in b.items():
            c[k] = list(c.get(k, [])) + list(val)
    c.update(criteria)
    return {"query": query, "kind": kind, "intent": intent, "criteria": c}


QUERIES = [
    # ---- English topic queries
    Q("lung cancer CT", "english", "CT imaging (chest CT, DICOM) of lung cancer patients", LUNG_CA, CT),
    Q("heart failure echocardiography", "english", "echocardiograms of heart failure patients", HF, ECHO),
    Q("copd spirometry", "english", "spirometry / pulmonary function data of COPD patients", COPD, SPIRO),
    Q("glaucoma oct", "english", "OCT scans (RNFL) of glaucoma patients", GLAUCOMA, OCT),
    Q(
        "breast cancer genomics",
        "english",
        "genomic (NGS, BRCA) data of breast cancer patients",
        BREAST,
        GENOMICS,
    ),
    Q("atrial fibrillation ecg", "english", "ECG recordings of patients with atrial fibrillation", AF, ECG),
    Q(
        "diabetic retinopathy fundus photographs",
        "english",
        "fundus photographs graded for diabetic retinopathy",
        DR,
        FUNDUS,
    ),
    Q("stroke MRI", "english", "brain MRI of acute stroke patients", STROKE, MRI),
    Q(
        "colorectal cancer colonoscopy",
        "english",
        "colonoscopy findings in colorectal cancer",
        CRC,
        modality=["colonoscop*", "대장내시경", "endoscop*"],
    ),
    Q(
        "hepatocellular carcinoma MRI",
        "english",
        "liver MRI of patients with hepatocellular carcinoma",
        LIVER_CA,
        MRI,
    ),
    Q(
        "pneumonia hospital admission",
        "english",
        "inpatient data of patients admitted with pneumonia",
        PNEUMONIA,
        ADMISSION,
    ),
    Q(
        "thyroid nodule ultrasound",
        "english",
        "thyroid ultrasound images of nodules / thyroid cancer",
        THYROID,
        ULTRASOUND,
    ),
    Q(
        "macular degeneration anti-VEGF injections",
        "english",
        "anti-VEGF treatment data in (neovascular) AMD",
        AMD,
        modality=["anti-VEGF", "항VEGF", "intravitreal", "유리체강내"],
    ),
    Q("coronary CT angiography", "english", "coronary CT angiograms (stenosis, calcium score)", CORONARY, CT),
    Q(
        "sleep apnea polysomnography",
        "english",
        "polysomnography results of sleep apnoea patients",
        OSA,
        modality=["polysomnograph*", "수면다원"],
    ),
    Q(
        "tuberculosis drug resistance",
        "english",
        "drug-resistance data of tuberculosis patients",
        TB,
        modality=["drug resistance", "MDR-TB", "내성"],
        mod_columns=["drug_resistance"],
    ),
    Q(
        "dementia cognitive assessment",
        "english",
        "cognitive test scores (MMSE, CDR) of dementia patients",
        DEMENTIA,
        modality=["cognitive", "cognition", "MMSE", "인지"],
    ),
    Q(
        "cardiac arrest outcomes",
        "english",
        "outcomes after (out-of-hospital) cardiac arrest",
        CARDIAC_ARREST,
    ),
    Q(
        "kidney transplant rejection",
        "english",
        "kidney transplant recipients with rejection / graft outcomes",
        KTX,
    ),
    # ---- Korean queries (particles, compounds)
    Q("폐암", "korean", "any dataset about lung cancer", LUNG_CA),
    Q("폐암환자의 CT", "korean", "CT imaging of lung cancer patients", LUNG_CA, CT),
    Q("심부전으로 입원", "korean", "hospital admissions of heart failure patients", HF, ADMISSION),
    Q("당뇨망막병증 안저사진", "korean", "fundus photographs graded for diabetic retinopathy", DR, FUNDUS),
    Q("녹내장", "korean", "any dataset about glaucoma", GLAUCOMA),
    Q("만성폐쇄성폐질환", "korean", "any dataset about COPD", COPD),
    Q(
        "급성심근경색 레지스트리",
        "korean",
        "a registry of acute myocardial infarction patients",
        AMI,
        REGISTRY,
    ),
    Q("유방암 유전체", "korean", "genomic data of breast cancer patients", BREAST, GENOMICS),
    Q("뇌졸중 환자의 MRI", "korean", "brain MRI of stroke patients", STROKE, MRI),
    Q(
        "천식 설문조사",
        "korean",
        "questionnaire data (e.g. Asthma Control Test) of asthma patients",
        ASTHMA,
        SURVEY,
    ),
    Q("위암 수술 성적", "korean", "surgical outcomes of gastric cancer (gastrectomy)", GASTRIC, SURGERY),
    Q(
        "갑상선암 초음파",
        "korean",
        "thyroid ultrasound images of thyroid cancer / nodules",
        THYROID,
        ULTRASOUND,
    ),
    Q("치매", "korean", "any dataset about dementia / Alzheimer disease", DEMENTIA),
    Q("황반변성", "korean", "any dataset about age-related macular degeneration", AMD),
    Q(
        "심방세동 환자의 항응고제 처방",
        "korean",
        "anticoagulant prescriptions in atrial fibrillation",
        AF,
        modality=["anticoagula*", "항응고", "warfarin", "와파린", "NOAC"],
        mod_columns=["inr", "cha2ds2_vasc"],
    ),
    Q("백내장수술", "korean", "cataract surgery data", CATARACT, SURGERY),
    Q("코로나19 입원환자", "korean", "hospitalised COVID-19 patients", COVID, ADMISSION),
    Q(
        "당뇨병 환자의 당화혈색소",
        "korean",
        "HbA1c results of diabetes patients",
        T2DM,
        modality=["HbA1c", "당화혈색소"],
        mod_columns=["hba1c"],
    ),
    Q("간암 레지스트리", "korean", "a registry of liver cancer patients", LIVER_CA, REGISTRY),
    # ---- mixed Korean + English
    Q("폐암 CT", "mixed", "CT imaging of lung cancer patients", LUNG_CA, CT),
    Q("심부전 echo", "mixed", "echocardiograms of heart failure patients", HF, ECHO),
    Q("녹내장 OCT", "mixed", "OCT scans of glaucoma patients", GLAUCOMA, OCT),
    Q("유방암 NGS", "mixed", "NGS / genomic data of breast cancer patients", BREAST, GENOMICS),
    Q("COPD 폐기능검사", "mixed", "pulmonary function tests of COPD patients", COPD, SPIRO),
    Q("심방세동 ECG", "mixed", "ECG recordings of atrial fibrillation patients", AF, ECG),
    Q("간암 MRI", "mixed", "liver MRI of liver cancer (HCC) patients", LIVER_CA, MRI),
    Q("황반변성 OCT", "mixed", "OCT scans of macular degeneration", AMD, OCT),
    # ---- ICD-10 codes
    Q("C34", "code", "lung cancer (ICD-10 C34) datasets", LUNG_CA),
    Q("I50", "code", "heart failure (ICD-10 I50) datasets", HF),
    Q("J44", "code", "COPD (ICD-10 J44) datasets", COPD),
    Q("H40", "code", "glaucoma (ICD-10 H40) datasets", GLAUCOMA),
    Q("E11", "code", "type 2 diabetes (ICD-10 E11) datasets", T2DM),
    Q("I48", "code", "atrial fibrillation (ICD-10 I48) datasets", AF),
    Q("C50", "code", "breast cancer (ICD-10 C50) datasets", BREAST),
    Q("I21", "code", "acute myocardial infarction (ICD-10 I21) datasets", AMI),
    Q(
        "I63",
        "code",
        "cerebral infarction / ischaemic stroke (ICD-10 I63) datasets",
        codes=["I63"],
        words=["ischaemic stroke", "ischemic stroke", "cerebral infarction", "허혈성 뇌졸중", "뇌경색"],
        related_codes=["I61"],
        related_words=["stroke", "뇌졸중"],
    ),
    Q("J18", "code", "pneumonia (ICD-10 J18) datasets", PNEUMONIA),
    Q("C16 위암", "code", "gastric cancer (ICD-10 C16) datasets", GASTRIC),
    Q("H36.0", "code", "diabetic retinopathy (ICD-10 H36.0) datasets", DR),
    # ---- misspellings
    Q("pnuemonia", "misspelling", "pneumonia datasets (misspelled)", PNEUMONIA),
    Q("glaucomma", "misspelling", "glaucoma datasets (misspelled)", GLAUCOMA),
    Q(
        "diabetis",
        "misspelling",
        "diabetes datasets (misspelled)",
        {**T2DM, "exclude": [], "related_codes": ["H36.0"]},
    ),
    Q("athma", "misspelling", "asthma datasets (misspelled)", ASTHMA),
    Q("cataracs", "misspelling", "cataract datasets (misspelled)", CATARACT),
    Q("hart failure", "misspelling", "heart failure datasets (misspelled)", HF),
    Q("parkinsons disease", "misspelling", "Parkinson's disease datasets (apostrophe dropped)", PARKINSON),
    Q("hepatocelular carcinoma", "misspelling", "hepatocellular carcinoma datasets (misspelled)", LIVER_CA),
    # ---- synonyms / abbreviations
    Q("lung neoplasm", "synonym", "lung cancer datasets (ICD wording)", LUNG_CA),
    Q("heart attack", "synonym", "acute myocardial infarction datasets", AMI),
    Q("AMI", "synonym", "acute myocardial infarction datasets", AMI),
    Q("CKD", "synonym", "chronic kidney disease / dialysis datasets", CKD),
    Q("AF", "synonym", "atrial fibrillation datasets", AF),
    Q("high blood pressure", "synonym", "hypertension datasets", HTN),
    Q("NSCLC", "synonym", "non-small cell lung cancer datasets", LUNG_CA),
    Q("TB", "synonym", "tuberculosis datasets", TB),
    Q("AMD", "synonym", "age-related macular degeneration datasets", AMD),
    Q("emphysema", "synonym", "COPD datasets (emphysema is COPD)", COPD),
    Q("nearsightedness in children", "synonym", "paediatric myopia datasets", MYOPIA),
    Q("brain infarction", "synonym", "ischaemic stroke datasets", STROKE),
    # ---- column / variable queries
    Q(
        "hba1c",
        "column",
        "datasets with an HbA1c variable",
        columns=["hba1c"],
        modality=["HbA1c", "당화혈색소", "glycated ha*moglobin"],
        codes=["E11"],
        words=["diabetes", "당뇨병"],
    ),
    Q(
        "lvef",
        "column",
        "datasets with left-ventricular ejection fraction",
        columns=["lvef_percent"],
        modality=["LVEF", "ejection fraction", "박출률"],
        codes=["I50"],
        words=["heart failure", "심부전"],
    ),
    Q(
        "fev1",
        "column",
        "datasets with FEV1 (spirometry)",
        columns=["fev1_l", "fev1_percent_pred", "fev1_fvc_ratio"],
        modality=["FEV1", "spirometr*", "폐활량"],
        codes=["J44"],
        words=["COPD", "만성폐쇄성폐질환"],
    ),
    Q(
        "intraocular pressure",
        "column",
        "datasets with intraocular pressure readings",
        columns=["iop_mmhg"],
        modality=["intraocular pressure", "IOP", "안압"],
        codes=["H40"],
        words=["glaucoma", "녹내장"],
    ),
    Q(
        "EGFR mutation",
        "column",
        "datasets with EGFR mutation status",
        columns=["egfr_mutation"],
        modality=["=EGFR", "EGFR 변이"],
        codes=["C34"],
        words=["lung cancer", "폐암"],
    ),
    Q(
        "NT-proBNP",
        "column",
        "datasets with NT-proBNP results",
        columns=["nt_probnp"],
        modality=["NT-proBNP", "natriuretic"],
        codes=["I50"],
        words=["heart failure", "심부전"],
    ),
    Q(
        "NIHSS score",
        "column",
        "datasets with the NIH Stroke Scale",
        columns=["nihss"],
        modality=["NIHSS", "NIH Stroke Scale"],
        codes=["I63", "I61"],
        words=["stroke", "뇌졸중"],
    ),
    Q(
        "PD-L1",
        "column",
        "datasets with PD-L1 expression",
        columns=["pdl1_tps_percent"],
        modality=["PD-L1"],
        codes=["C34"],
        words=["lung cancer", "폐암"],
    ),
    # ---- data-type words
    Q("lung cancer imaging", "datatype", "imaging data of lung cancer", LUNG_CA, IMAGING),
    Q("stroke registry", "datatype", "a stroke registry", STROKE, REGISTRY),
    Q(
        "cardiovascular claims",
        "datatype",
        "insurance claims of cardiovascular patients",
        CLAIMS,
        areas=["cardiovascular"],
        words=["cardiovascular", "심혈관"],
    ),
    Q(
        "genomics",
        "datatype",
        "any genomic (sequencing / gene panel) dataset",
        GENOMICS,
        mention=["=EGFR", "BRCA", "APOE", "genotype", "mutation"],
    ),
    Q(
        "eye imaging",
        "datatype",
        "ophthalmic imaging (fundus, OCT, angiography)",
        IMAGING,
        areas=["ophthalmology"],
    ),
    Q("cancer registry", "datatype", "registries of cancer patients", REGISTRY, areas=["cancer"]),
    Q(
        "heart failure registry",
        "datatype",
        "a heart failure registry (none exists: other HF data)",
        HF,
        REGISTRY,
    ),
    Q("COPD claims data", "datatype", "insurance claims of COPD patients", COPD, CLAIMS),
    Q("dementia imaging", "datatype", "brain imaging (PET, MRI) in dementia", DEMENTIA, IMAGING),
]


def build(datasets) -> list[dict]:
    out = []
    for i, q in enumerate(QUERIES, 1):
        graded = {}
        for d in datasets:
            g, _why = grade(q["criteria"], d)
            if g:
                graded[d["iri"]] = g
        graded = dict(sorted(graded.items(), key=lambda kv: (-kv[1], kv[0])))
        out.append(
            {
                "id": f"q{i:02d}",
                "query": q["query"],
                "kind": q["kind"],
                "intent": q["intent"],
                "criteria": q["criteria"],
                "judgments": graded,
            }
        )
    return out


def document(datasets, queries, skipped, base_iri) -> dict:
    return {
        "description": (
            "Judged queries for measuring hdcat search relevance (nDCG@10) on the bundled "
            "sample consortium. Grades 3/2/1 from rules over the datasets' metadata; "
            "omitted = 0. Generated by bench/relevance/make_judgments.py; do not edit by hand."
        ),
        "base_iri": base_iri,
        "grades": {
            "3": "squarely about the intent (condition, and the modality/type when named)",
            "2": "the condition in another modality, or the modality for a closely related / "
            "multi-condition dataset",
            "1": "marginal: the topic only in keywords, description, columns, or a related condition",
        },
        "skipped_records": skipped,
        "datasets": {
            d["iri"]: {"identifier": d["identifier"], "hospital": d["hospital"], "title": d["title_en"]}
            for d in datasets
        },
        "queries": queries,
    }


# --------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------
EXAMPLES = ["폐암환자의 CT", "심부전 echo", "I48", "pnuemonia", "hba1c"]


def summary(datasets, queries, skipped) -> str:
    lines = [
        f"datasets judged against: {len(datasets)} (skipped: {'; '.join(skipped)})",
        f"queries: {len(queries)}",
    ]
    kinds = Counter(q["kind"] for q in queries)
    lines.append("per kind: " + ", ".join(f"{k} {kinds[k]}" for k in KINDS))
    n = [len(q["judgments"]) for q in queries]
    lines.append(f"judged datasets per query: min {min(n)}, median {statistics.median(n):g}, max {max(n)}")
    top = [sum(1 for g in q["judgments"].values() if g == 3) for q in queries]
    lines.append(
        f"grade-3 datasets per query: min {min(top)}, median {statistics.median(top):g}, max {max(top)}"
    )
    dist = Counter(g for q in queries for g in q["judgments"].values())
    lines.append(f"all grades: 3={dist[3]} 2={dist[2]} 1={dist[1]}")
    by_iri = {d["iri"]: d for d in datasets}
    lines.append("examples:")
    for text in EXAMPLES:
        q = next(q for q in queries if q["query"] == text)
        c = Counter(q["judgments"].values())
        lines.append(f"  {q['id']} {q['query']!r} ({q['kind']}; 3:{c[3]} 2:{c[2]} 1:{c[1]})")
        shown = Counter()
        for iri, g in q["judgments"].items():
            title = by_iri[iri]["title_en"]
            if shown[(g, title)] or sum(1 for (gg, _t) in shown if gg == g) >= 3:
                shown[(g, title)] += 1
                continue
            shown[(g, title)] += 1
            lines.append(f"      {g}  {title}  [{by_iri[iri]['hospital']}]")
    return "\n".join(lines)


def show(datasets, query_id):
    q = next(q for i, q in enumerate(QUERIES, 1) if f"q{i:02d}" == query_id or q["query"] == query_id)
    rows = []
    for d in datasets:
        g, why = grade(q["criteria"], d)
        if g:
            rows.append((-g, d["title_en"], d["hospital"], d["codes"], d["dtypes"], why))
    print(f"{q['query']!r}: {q['intent']}")
    for g, title, h, codes, dtypes, why in sorted(rows):
        print(f"  {-g} {title[:70]:70} {h:8} {','.join(codes):14} {','.join(dtypes):9} {why}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base-iri", default=BASE_IRI, help="base of the IRIs minted for blank-node datasets")
    ap.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if judgments.json is out of date"
    )
    ap.add_argument(
        "--show", metavar="QUERY", help="list every graded dataset of one query (id or text) with why"
    )
    args = ap.parse_args(argv)
    datasets, skipped = load(args.base_iri)
    if args.show:
        show(datasets, args.show)
        return 0
    queries = build(datasets)
    empty = [q["id"] for q in queries if not any(g >= 2 for g in q["judgments"].values())]
    if empty:
        print(f"queries without any grade-2/3 dataset: {empty}", file=sys.stderr)
        return 1
    text = (
        json.dumps(document(datasets, queries, skipped, args.base_iri), ensure_ascii=False, indent=1) + "\n"
    )
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(
                f"{OUT.relative_to(ROOT)} is out of date: run {Path(__file__).relative_to(ROOT)}",
                file=sys.stderr,
            )
            return 1
    else:
        OUT.write_text(text, encoding="utf-8")
        print(f"wrote {OUT.relative_to(ROOT)}")
    print(summary(datasets, queries, skipped))
    return 0


if __name__ == "__main__":
    sys.exit(main())
