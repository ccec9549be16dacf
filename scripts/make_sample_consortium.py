#!/usr/bin/env python3
"""Generate the bundled sample consortium that ``hdcat demo`` harvests.

Writes one DCAT / HealthDCAT-AP catalogue per member hospital under
``harvesters/samples/consortium/`` and the source list
``harvesters/samples/consortium.toml``.  Everything is fictitious metadata:
titles, descriptions, code lists, data dictionaries and *aggregate* counts.
There are no patient-level values anywhere.

Each hospital publishes in a different way so that the harvester meets every
case it must cope with:

=========  ==========================================================
hanbit     Turtle, three pages linked by a relative ``hydra:next``
saebom     JSON-LD with an inline ``@context``
gaon       RDF/XML
mirae      N-Triples
haneul     Turtle, datasets are blank nodes (only ``dct:identifier``)
purun      Turtle with three deliberately imperfect datasets
dasom      Turtle (cardiology hospital)
balgeun    Turtle (ophthalmology hospital)
=========  ==========================================================

The output is deterministic: the generator is seeded with
``random.Random(20261129)``, iterates no sets and writes every file itself,
so re-running it gives byte-identical files.

Usage::

    python scripts/make_sample_consortium.py          # (re)write the files
    python scripts/make_sample_consortium.py --check  # also parse them back with rdflib
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import math
import random
import re
import sys
from pathlib import Path
from urllib.parse import urljoin
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "harvesters" / "samples"
OUT = SAMPLES / "consortium"
SEED = 20261129

# --------------------------------------------------------------------------
# Namespaces
# --------------------------------------------------------------------------
NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "healthdcatap": "http://healthdataportal.eu/ns/health#",
    "csvw": "http://www.w3.org/ns/csvw#",
    "hdcat": "https://w3id.org/hdcat/ns#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "hydra": "http://www.w3.org/ns/hydra/core#",
}
# Prefixes used only for IRIs in object position (Turtle only).
VALUE_NS = {
    "disease": "https://w3id.org/hdcat/code/disease-area/",
    "dtype": "https://w3id.org/hdcat/code/data-type/",
    "codesys": "https://w3id.org/hdcat/code/coding-system/",
    "access": "http://publications.europa.eu/resource/authority/access-right/",
    "theme": "http://publications.europa.eu/resource/authority/data-theme/",
    "lang": "http://publications.europa.eu/resource/authority/language/",
    "country": "http://publications.europa.eu/resource/authority/country/",
    "filetype": "http://publications.europa.eu/resource/authority/file-type/",
    "licence": "http://publications.europa.eu/resource/authority/licence/",
}
HDCODE = "https://w3id.org/hdcat/code/"
DISEASE = HDCODE + "disease-area/"
DATATYPE = HDCODE + "data-type/"
CODESYS = HDCODE + "coding-system/"
EU = "http://publications.europa.eu/resource/authority/"
HEAL = EU + "data-theme/HEAL"
KOR = EU + "language/KOR"
ENG = EU + "language/ENG"
COUNTRY_KOR = EU + "country/KOR"
LICENCE = EU + "licence/CC_BY_NC_4_0"
MEDIA = "http://www.iana.org/assignments/media-types/"
FORMATS = {  # file-type code -> IANA media type
    "CSV": "text/csv",
    "JSON": "application/json",
    "PARQUET": "application/vnd.apache.parquet",
    "ZIP": "application/zip",
}


def expand(curie: str) -> str:
    prefix, local = curie.split(":", 1)
    return NS[prefix] + local


# --------------------------------------------------------------------------
# A tiny RDF model: nodes with ordered properties, written by our own writers
# --------------------------------------------------------------------------
class Iri(str):
    """An IRI (absolute, or relative to the file it is written in)."""


class B(str):
    """A reference to a labelled blank node."""


class L:
    """A literal."""

    __slots__ = ("text", "lang", "dtype")

    def __init__(self, text, lang=None, dtype=None):
        self.text, self.lang, self.dtype = str(text), lang, dtype


class Lst(list):
    """An RDF collection."""


class Node:
    """A subject: an IRI node, a labelled blank node or (nested) an anonymous one."""

    def __init__(self, iri=None, label=None, comment=None):
        self.iri, self.label, self.comment = iri, label, comment
        self.props: list[tuple[str, object]] = []

    def add(self, pred, *values):
        for v in values:
            self.props.append((pred, v))
        return self

    def grouped(self):
        order, groups = [], {}
        for p, v in self.props:
            if p not in groups:
                order.append(p)
                groups[p] = []
            groups[p].append(v)
        return [(p, groups[p]) for p in order]


def lang_pair(node, pred, ko, en):
    node.add(pred, L(ko, "ko"), L(en, "en"))


# ---- Turtle ---------------------------------------------------------------
_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def ttl_escape(s):
    return (
        s.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )


class TurtleWriter:
    def __init__(self):
        self.used = []

    def _use(self, prefix):
        if prefix not in self.used:
            self.used.append(prefix)

    def iri(self, iri):
        for prefix, ns in list(NS.items()) + list(VALUE_NS.items()):
            if iri.startswith(ns) and _LOCAL.match(iri[len(ns) :]):
                self._use(prefix)
                return f"{prefix}:{iri[len(ns) :]}"
        return f"<{iri}>"

    def pred(self, curie):
        if curie == "rdf:type":
            return "a"
        self._use(curie.split(":", 1)[0])
        return curie

    def term(self, v, ind):
        if isinstance(v, Iri):
            return self.iri(v)
        if isinstance(v, B):
            return f"_:{v}"
        if isinstance(v, L):
            s = f'"{ttl_escape(v.text)}"'
            if v.lang:
                return f"{s}@{v.lang}"
            if v.dtype:
                return f"{s}^^{self.pred(v.dtype)}"
            return s
        if isinstance(v, Lst):
            pad = "    " * (ind + 1)
            items = "\n".join(pad + self.term(x, ind + 1) for x in v)
            return "(\n" + items + "\n" + "    " * ind + ")"
        if isinstance(v, Node):
            flat = self.flat(v)
            if flat is not None:
                return flat
            return "[\n" + self.body(v, ind + 1) + "\n" + "    " * ind + "]"
        raise TypeError(v)

    def flat(self, node, limit=250):
        """A small blank node on one line: ``[ a x:Y ; x:p "o" ]``, or None if it does not fit."""
        parts = []
        for pred, values in node.grouped():
            if any(isinstance(v, (Node, Lst)) for v in values):
                return None
            parts.append(f"{self.pred(pred)} " + " , ".join(self.term(v, 0) for v in values))
        text = "[ " + " ; ".join(parts) + " ]"
        return text if len(text) <= limit else None

    def body(self, node, ind):
        pad = "    " * ind
        lines = []
        for pred, values in node.grouped():
            terms = [self.term(v, ind) for v in values]
            line = f"{pad}{self.pred(pred)} {terms[0]}"
            if any("\n" in t for t in terms):
                for t in terms[1:]:
                    line += f" ,\n{pad}    {t}"
            else:
                current = len(line)
                for t in terms[1:]:
                    if current + len(t) + 3 > 110:
                        line += f" ,\n{pad}    {t}"
                        current = len(pad) + 4 + len(t)
                    else:
                        line += f" , {t}"
                        current += len(t) + 3
            lines.append(line)
        return " ;\n".join(lines)

    def document(self, header, nodes):
        chunks = []
        for n in nodes:
            head = f"<{n.iri}>" if n.iri else f"_:{n.label}"
            comment = "".join(f"# {c}\n" for c in n.comment.split("\n")) if n.comment else ""
            chunks.append(comment + head + "\n" + self.body(n, 1) + " .\n")
        all_ns = dict(NS, **VALUE_NS)
        prefixes = "".join(f"@prefix {p}: <{all_ns[p]}> .\n" for p in all_ns if p in self.used)
        return header + prefixes + "\n" + "\n".join(chunks)


# ---- JSON-LD (inline context) ----------------------------------------------
JSONLD_TERMS = {
    # predicate: (term, kind) -- kind: langmap | id | date | nni
    "dct:title": ("title", "langmap"),
    "dct:description": ("description", "langmap"),
    "dcat:keyword": ("keyword", "langmap"),
    "healthdcatap:populationCoverage": ("populationCoverage", "langmap"),
    "dct:issued": ("issued", "date"),
    "dct:modified": ("modified", "date"),
    "dcat:startDate": ("startDate", "date"),
    "dcat:endDate": ("endDate", "date"),
    "dcat:theme": ("theme", "id"),
    "dct:type": ("type", "id"),
    "dct:publisher": ("publisher", "id"),
    "dct:accessRights": ("accessRights", "id"),
    "dct:language": ("language", "id"),
    "dct:spatial": ("spatial", "id"),
    "dct:license": ("license", "id"),
    "dct:format": ("format", "id"),
    "dcat:mediaType": ("mediaType", "id"),
    "dcat:accessURL": ("accessURL", "id"),
    "dcat:dataset": ("dataset", "id"),
    "dcat:distribution": ("distribution", "id"),
    "healthdcatap:hasCodingSystem": ("hasCodingSystem", "id"),
    "healthdcatap:numberOfUniqueIndividuals": ("numberOfUniqueIndividuals", "nni"),
    "healthdcatap:numberOfRecords": ("numberOfRecords", "nni"),
    "healthdcatap:minTypicalAge": ("minTypicalAge", "nni"),
    "healthdcatap:maxTypicalAge": ("maxTypicalAge", "nni"),
    "prov:wasDerivedFrom": ("wasDerivedFrom", "id"),
    "dct:identifier": ("identifier", "plain"),
    "dct:temporal": ("temporal", "any"),
    "dcat:contactPoint": ("contactPoint", "any"),
    "healthdcatap:hasCodeValues": ("hasCodeValues", "any"),
    "csvw:tableSchema": ("tableSchema", "any"),
    "csvw:column": ("column", "list"),
    "csvw:name": ("name", "plain"),
    "csvw:titles": ("titles", "langmap"),
    "csvw:datatype": ("datatype", "plain"),
    "hdcat:unit": ("unit", "plain"),
    "skos:notation": ("notation", "plain"),
    "skos:prefLabel": ("prefLabel", "langmap"),
    "skos:inScheme": ("inScheme", "id"),
    "vcard:fn": ("fn", "langmap"),
    "vcard:hasEmail": ("hasEmail", "id"),
}


def jsonld_context():
    ctx = {p: NS[p] for p in NS if p not in ("rdf", "hydra")}
    for pred, (term, kind) in JSONLD_TERMS.items():
        d = {"@id": pred}
        if kind == "langmap":
            d["@container"] = "@language"
        elif kind == "id":
            d["@type"] = "@id"
        elif kind == "date":
            d["@type"] = "xsd:date"
        elif kind == "nni":
            d["@type"] = "xsd:nonNegativeInteger"
        elif kind == "list":
            d["@container"] = "@list"
        ctx[term] = d if len(d) > 1 else pred
    return ctx


def _jsonld_value(v):
    if isinstance(v, Iri):
        return {"@id": str(v)}
    if isinstance(v, B):
        return {"@id": f"_:{v}"}
    if isinstance(v, L):
        if v.lang:
            return {"@value": v.text, "@language": v.lang}
        if v.dtype:
            return {"@value": v.text, "@type": v.dtype}
        return v.text
    if isinstance(v, Lst):
        return {"@list": [_jsonld_value(x) for x in v]}
    if isinstance(v, Node):
        return jsonld_node(v)
    raise TypeError(v)


def _fits(kind, values):
    if kind == "langmap":
        return all(isinstance(v, L) and v.lang for v in values)
    if kind == "id":
        return all(isinstance(v, Iri) for v in values)
    if kind == "date":
        return len(values) == 1 and isinstance(values[0], L) and values[0].dtype == "xsd:date"
    if kind == "nni":
        return len(values) == 1 and isinstance(values[0], L) and values[0].dtype == "xsd:nonNegativeInteger"
    if kind == "plain":
        return all(isinstance(v, L) and not v.lang and not v.dtype for v in values)
    if kind == "list":
        return len(values) == 1 and isinstance(values[0], Lst)
    return kind == "any"


def jsonld_node(node):
    out = {}
    if node.iri:
        out["@id"] = str(node.iri)
    elif node.label:
        out["@id"] = f"_:{node.label}"
    for pred, values in node.grouped():
        if pred == "rdf:type":
            types = [str(v) for v in values]
            compact = []
            for t in types:
                for p, ns in NS.items():
                    if t.startswith(ns):
                        t = f"{p}:{t[len(ns) :]}"
                        break
                compact.append(t)
            out["@type"] = compact[0] if len(compact) == 1 else compact
            continue
        term, kind = JSONLD_TERMS.get(pred, (None, None))
        if term and _fits(kind, values):
            if kind == "langmap":
                m = {}
                for v in values:
                    m.setdefault(v.lang, []).append(v.text)
                out[term] = {k: (vs[0] if len(vs) == 1 else vs) for k, vs in m.items()}
            elif kind == "id":
                ids = [str(v) for v in values]
                out[term] = ids[0] if len(ids) == 1 else ids
            elif kind == "plain":
                out[term] = values[0].text if len(values) == 1 else [v.text for v in values]
            elif kind == "list":
                out[term] = [_jsonld_value(x) for x in values[0]]
            elif kind == "any":
                vals = [_jsonld_value(v) for v in values]
                out[term] = vals[0] if len(vals) == 1 else vals
            else:
                out[term] = values[0].text if kind == "date" else int(values[0].text)
            continue
        vals = [_jsonld_value(v) for v in values]
        out[pred] = vals[0] if len(vals) == 1 else vals
    return out


def jsonld_document(nodes):
    doc = {"@context": jsonld_context(), "@graph": [jsonld_node(n) for n in nodes]}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


# ---- RDF/XML ----------------------------------------------------------------
def xml_document(nodes, comment):
    used = ["rdf"]

    def qn(curie):
        p = curie.split(":", 1)[0]
        if p not in used:
            used.append(p)
        return curie

    def full(iri):
        return iri if not iri.startswith("xsd:") else NS["xsd"] + iri[4:]

    def subject_attrs(n):
        if n.iri:
            return f" rdf:about={quoteattr(n.iri)}"
        if n.label:
            return f" rdf:nodeID={quoteattr(n.label)}"
        return ""

    def node_xml(n, ind):
        pad = "  " * ind
        types = [v for p, v in n.props if p == "rdf:type"]
        tag = "rdf:Description"
        rest_types = types
        if types:
            for p, ns in NS.items():
                if types[0].startswith(ns) and _LOCAL.match(types[0][len(ns) :]):
                    tag, rest_types = qn(f"{p}:{types[0][len(ns) :]}"), types[1:]
                    break
        lines = [f"{pad}<{tag}{subject_attrs(n)}>"]
        for t in rest_types:
            lines.append(f"{pad}  <rdf:type rdf:resource={quoteattr(t)}/>")
        for p, v in n.props:
            if p == "rdf:type":
                continue
            lines.extend(prop_xml(p, v, ind + 1))
        lines.append(f"{pad}</{tag}>")
        return lines

    def prop_xml(p, v, ind):
        pad = "  " * ind
        q = qn(p)
        if isinstance(v, Iri):
            return [f"{pad}<{q} rdf:resource={quoteattr(v)}/>"]
        if isinstance(v, B):
            return [f"{pad}<{q} rdf:nodeID={quoteattr(v)}/>"]
        if isinstance(v, L):
            attr = ""
            if v.lang:
                attr = f" xml:lang={quoteattr(v.lang)}"
            elif v.dtype:
                attr = f" rdf:datatype={quoteattr(full(v.dtype))}"
            return [f"{pad}<{q}{attr}>{xml_escape(v.text)}</{q}>"]
        if isinstance(v, Node):
            return [f"{pad}<{q}>"] + node_xml(v, ind + 1) + [f"{pad}</{q}>"]
        if isinstance(v, Lst):
            out = [f'{pad}<{q} rdf:parseType="Collection">']
            for item in v:
                if not isinstance(item, Node):
                    raise TypeError("only node collections are written in RDF/XML")
                out.extend(node_xml(item, ind + 1))
            return out + [f"{pad}</{q}>"]
        raise TypeError(v)

    body = []
    for n in nodes:
        body.extend(node_xml(n, 1))
    ns_decl = "".join(f"\n    xmlns:{p}={quoteattr(NS[p])}" for p in NS if p in used)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f"<!-- {comment} -->\n"
        f"<rdf:RDF{ns_decl}>\n" + "\n".join(body) + "\n</rdf:RDF>\n"
    )


# ---- triples (N-Triples and the verification graph) --------------------------
def triples(nodes, base=None):
    """Flatten the model to (s, p, o) tuples of ('iri'|'bnode'|'lit', ...) terms."""
    counter = [0]
    out = []

    def fresh():
        counter[0] += 1
        return ("bnode", f"b{counter[0]:05d}")

    def subj(n):
        if n.iri:
            return ("iri", urljoin(base, n.iri) if base else str(n.iri))
        if n.label:
            return ("bnode", n.label)
        return fresh()

    def obj(v):
        if isinstance(v, Iri):
            return ("iri", urljoin(base, v) if base else str(v))
        if isinstance(v, B):
            return ("bnode", str(v))
        if isinstance(v, L):
            return ("lit", v.text, v.lang, expand(v.dtype) if v.dtype else None)
        if isinstance(v, Node):
            return emit(v)
        if isinstance(v, Lst):
            if not v:
                return ("iri", NS["rdf"] + "nil")
            heads = [fresh() for _ in v]
            for i, item in enumerate(v):
                out.append((heads[i], ("iri", NS["rdf"] + "first"), obj(item)))
                nxt = heads[i + 1] if i + 1 < len(v) else ("iri", NS["rdf"] + "nil")
                out.append((heads[i], ("iri", NS["rdf"] + "rest"), nxt))
            return heads[0]
        raise TypeError(v)

    def emit(n):
        s = subj(n)
        for p, v in n.props:
            out.append((s, ("iri", expand(p)), obj(v)))
        return s

    for n in nodes:
        emit(n)
    return out


def nt_term(t):
    if t[0] == "iri":
        return f"<{t[1]}>"
    if t[0] == "bnode":
        return f"_:{t[1]}"
    s = f'"{ttl_escape(t[1])}"'
    if t[2]:
        return f"{s}@{t[2]}"
    if t[3]:
        return f"{s}^^<{t[3]}>"
    return s


def nt_document(nodes):
    return "".join(f"{nt_term(s)} {nt_term(p)} {nt_term(o)} .\n" for s, p, o in triples(nodes))


# --------------------------------------------------------------------------
# Korean particles (조사) chosen by the final syllable
# --------------------------------------------------------------------------
_DIGIT_BATCHIM = {
    "0": (True, False),
    "1": (True, True),
    "2": (False, False),
    "3": (True, False),
    "4": (False, False),
    "5": (False, False),
    "6": (True, False),
    "7": (True, True),
    "8": (True, True),
    "9": (False, False),
}
_LATIN_BATCHIM = {"L": (True, True), "R": (True, True), "M": (True, False), "N": (True, False)}


def _final(word):
    w = word.rstrip()
    while w.endswith(")") and "(" in w:
        w = w[: w.rindex("(")].rstrip()
    ch = w[-1]
    if "가" <= ch <= "힣":
        jong = (ord(ch) - 0xAC00) % 28
        return jong != 0, jong == 8
    if ch.isdigit():
        return _DIGIT_BATCHIM[ch]
    return _LATIN_BATCHIM.get(ch.upper(), (False, False))


def josa(word, pair):
    """``josa("폐암", "을/를")`` -> "폐암을"."""
    with_b, without_b = pair.split("/")
    batchim, rieul = _final(word)
    if pair == "으로/로":
        return word + ("로" if (not batchim or rieul) else "으로")
    return word + (with_b if batchim else without_b)


# --------------------------------------------------------------------------
# Hospitals
# --------------------------------------------------------------------------
HOSPITALS = [
    # id, name ko, name en, prefix, count, scale, schedule, weights (cancer, cardio, resp, other, ophth)
    ("hanbit", "한빛대학교병원", "Hanbit University Hospital", "HB", 57, 1.0, "daily", (34, 24, 20, 18, 4)),
    ("saebom", "새봄의료원", "Saebom Medical Center", "SB", 44, 0.9, "daily", (30, 26, 18, 22, 4)),
    ("gaon", "가온상급종합병원", "Gaon Tertiary Hospital", "GA", 39, 0.8, "weekly", (32, 26, 20, 22, 0)),
    ("mirae", "미래종합병원", "Mirae General Hospital", "MR", 31, 0.5, "weekly", (28, 28, 22, 22, 0)),
    ("haneul", "하늘종합병원", "Haneul General Hospital", "HN", 27, 0.45, "weekly", (30, 26, 22, 22, 0)),
    ("purun", "푸른종합병원", "Purun General Hospital", "PR", 30, 0.4, "daily", (26, 26, 26, 22, 0)),
    ("dasom", "다솜심장병원", "Dasom Heart Hospital", "DS", 36, 0.6, "daily", (0, 86, 4, 10, 0)),
    ("balgeun", "밝은눈안과병원", "Balgeun Eye Hospital", "BG", 29, 0.6, "weekly", (0, 0, 0, 8, 92)),
]
AREAS = ["cancer", "cardiovascular", "respiratory", "other", "ophthalmology"]
AREA_CODE = {
    "cancer": "ONC",
    "cardiovascular": "CVD",
    "respiratory": "RES",
    "other": "OTH",
    "ophthalmology": "OPH",
}


def domain(h):
    return f"https://data.{h}-hospital.example"


DEPTS = {
    "general": [
        ("의생명연구원 데이터팀", "Biomedical Research Institute data team", "bri-data"),
        ("임상연구지원센터", "Clinical Research Support Center", "crsc"),
        ("의료정보실 연구데이터파트", "Medical Informatics Office research data unit", "medinfo"),
    ],
    "cancer": [("암센터 데이터관리실", "Cancer Center data management office", "cancer-data")],
    "cardiovascular": [("심혈관센터 연구팀", "Cardiovascular Center research team", "cv-research")],
    "respiratory": [("호흡기센터 임상연구팀", "Respiratory Center clinical research team", "resp-research")],
    "ophthalmology": [("안과 임상연구팀", "Ophthalmology clinical research team", "eye-research")],
    "imaging": [("영상의학과 AI 연구실", "Radiology AI Lab", "radiology-ai")],
    "genomics": [("정밀의료센터 유전체팀", "Precision Medicine Center genomics team", "genomics")],
}

# --------------------------------------------------------------------------
# Diagnosis codes (ICD-10 / KCD), names as in ICD-10 and KCD
# --------------------------------------------------------------------------
CODES = {
    "C16": ("Malignant neoplasm of stomach", "위의 악성 신생물"),
    "C18": ("Malignant neoplasm of colon", "결장의 악성 신생물"),
    "C20": ("Malignant neoplasm of rectum", "직장의 악성 신생물"),
    "C22": ("Malignant neoplasm of liver and intrahepatic bile ducts", "간 및 간내 담관의 악성 신생물"),
    "C25": ("Malignant neoplasm of pancreas", "췌장의 악성 신생물"),
    "C34": ("Malignant neoplasm of bronchus and lung", "기관지 및 폐의 악성 신생물"),
    "C50": ("Malignant neoplasm of breast", "유방의 악성 신생물"),
    "C53": ("Malignant neoplasm of cervix uteri", "자궁경부의 악성 신생물"),
    "C61": ("Malignant neoplasm of prostate", "전립선의 악성 신생물"),
    "C73": ("Malignant neoplasm of thyroid gland", "갑상선의 악성 신생물"),
    "C85": ("Other and unspecified types of non-Hodgkin lymphoma", "기타 및 상세불명 유형의 비호지킨 림프종"),
    "C92.0": ("Acute myeloblastic leukaemia", "급성 골수모구성 백혈병"),
    "I10": ("Essential (primary) hypertension", "본태성(원발성) 고혈압"),
    "I20": ("Angina pectoris", "협심증"),
    "I21": ("Acute myocardial infarction", "급성 심근경색증"),
    "I25": ("Chronic ischaemic heart disease", "만성 허혈심장병"),
    "I27.0": ("Primary pulmonary hypertension", "원발성 폐동맥고혈압"),
    "I35.0": ("Aortic (valve) stenosis", "대동맥(판) 협착"),
    "I42.0": ("Dilated cardiomyopathy", "확장성 심근병증"),
    "I42.2": ("Other hypertrophic cardiomyopathy", "기타 비대심근병증"),
    "I46": ("Cardiac arrest", "심장정지"),
    "I48": ("Atrial fibrillation and flutter", "심방세동 및 조동"),
    "I49": ("Other cardiac arrhythmias", "기타 심장부정맥"),
    "I50": ("Heart failure", "심부전"),
    "I61": ("Intracerebral haemorrhage", "뇌내출혈"),
    "I63": ("Cerebral infarction", "뇌경색증"),
    "I73.9": ("Peripheral vascular disease, unspecified", "상세불명의 말초혈관질환"),
    "E78": (
        "Disorders of lipoprotein metabolism and other lipidaemias",
        "지질단백질 대사장애 및 기타 지질증",
    ),
    "Q21": ("Congenital malformations of cardiac septa", "심장중격의 선천기형"),
    "A15": (
        "Respiratory tuberculosis, bacteriologically and histologically confirmed",
        "세균학적 및 조직학적으로 확인된 호흡기 결핵",
    ),
    "A41": ("Other sepsis", "기타 패혈증"),
    "B18.1": ("Chronic viral hepatitis B without delta-agent", "델타인자가 없는 만성 바이러스 B형 간염"),
    "G47.3": ("Sleep apnoea", "수면무호흡"),
    "J18": ("Pneumonia, organism unspecified", "상세불명 병원체의 폐렴"),
    "J44": ("Other chronic obstructive pulmonary disease", "기타 만성 폐쇄성 폐질환"),
    "J45": ("Asthma", "천식"),
    "J47": ("Bronchiectasis", "기관지확장증"),
    "J84.1": ("Other interstitial pulmonary diseases with fibrosis", "섬유증을 동반한 기타 간질성 폐질환"),
    "J96": ("Respiratory failure, not elsewhere classified", "달리 분류되지 않은 호흡부전"),
    "U07.1": ("COVID-19, virus identified", "코로나바이러스감염증-19, 바이러스가 확인된 경우"),
    "E11": ("Type 2 diabetes mellitus", "2형 당뇨병"),
    "E11.3": ("Type 2 diabetes mellitus with ophthalmic complications", "눈 합병증을 동반한 2형 당뇨병"),
    "E66": ("Obesity", "비만"),
    "F00": ("Dementia in Alzheimer disease", "알츠하이머병에서의 치매"),
    "F03": ("Unspecified dementia", "상세불명의 치매"),
    "F32": ("Depressive episode", "우울에피소드"),
    "G20": ("Parkinson disease", "파킨슨병"),
    "G30": ("Alzheimer disease", "알츠하이머병"),
    "M05": ("Seropositive rheumatoid arthritis", "혈청검사양성 류마티스관절염"),
    "M81": ("Osteoporosis without pathological fracture", "병적 골절이 없는 골다공증"),
    "N18": ("Chronic kidney disease", "만성 신장병"),
    "O24.4": ("Diabetes mellitus arising in pregnancy", "임신 중 발생한 당뇨병"),
    "Z94.0": ("Kidney transplant status", "신장이식 상태"),
    "H04.1": ("Other disorders of lacrimal gland", "눈물샘의 기타 장애"),
    "H18.6": ("Keratoconus", "원추각막"),
    "H20": ("Iridocyclitis", "홍채섬모체염"),
    "H25": ("Senile cataract", "노년백내장"),
    "H33": ("Retinal detachments and breaks", "망막박리 및 망막열공"),
    "H34.8": ("Other retinal vascular occlusions", "기타 망막혈관폐쇄"),
    "H35.3": ("Degeneration of macula and posterior pole", "황반 및 후극의 변성"),
    "H35.5": ("Hereditary retinal dystrophy", "유전성 망막디스트로피"),
    "H36.0": ("Diabetic retinopathy", "당뇨망막병증"),
    "H40": ("Glaucoma", "녹내장"),
    "H40.1": ("Primary open-angle glaucoma", "원발성 개방각녹내장"),
    "H50": ("Other strabismus", "기타 사시"),
    "H52.1": ("Myopia", "근시"),
    "Z94.7": ("Corneal transplant status", "각막이식 상태"),
}

# --------------------------------------------------------------------------
# Data-dictionary columns: name -> (ko, en, datatype, description, coding system, UCUM unit)
# coding system "diag" = the dataset's diagnosis code system (KCD-7 / KCD-8 / ICD-10)
# --------------------------------------------------------------------------
_C = {}


def col(name, ko, en, datatype, desc, system=None, unit=None):
    _C[name] = (ko, en, datatype, desc, system, unit)


# common
col(
    "patient_id",
    "가명 환자 번호",
    "Pseudonymised patient ID",
    "string",
    "Study-specific pseudonymised key; cannot be linked back to the hospital record number.",
)
col("birth_year", "출생 연도", "Year of birth", "integer", "Year of birth only (day and month removed).")
col("sex", "성별", "Sex", "string", "Administrative sex (M, F).", "local")
col(
    "age_at_diagnosis",
    "진단 시 나이",
    "Age at diagnosis",
    "integer",
    "Age in completed years at the index diagnosis.",
    None,
    "a",
)
col("diagnosis_date", "진단일", "Diagnosis date", "date", "Date of the index diagnosis.")
col(
    "diagnosis_code",
    "진단 코드",
    "Diagnosis code",
    "string",
    "Main diagnosis code of the index episode.",
    "diag",
)
col(
    "secondary_diagnosis_codes",
    "부진단 코드",
    "Secondary diagnosis codes",
    "string",
    "Semicolon-separated secondary diagnosis codes (comorbidities).",
    "diag",
)
col("visit_date", "방문일", "Visit date", "date", "Date of the outpatient visit or admission.")
col("visit_type", "진료 구분", "Visit type", "string", "Outpatient, inpatient or emergency visit.", "local")
col("admission_date", "입원일", "Admission date", "date", "Date of hospital admission.")
col("discharge_date", "퇴원일", "Discharge date", "date", "Date of discharge.")
col(
    "length_of_stay_days",
    "재원 일수",
    "Length of stay",
    "integer",
    "Days between admission and discharge.",
    None,
    "d",
)
col("enrollment_date", "등록일", "Enrolment date", "date", "Date the patient was enrolled in the registry.")
col(
    "follow_up_days",
    "추적 관찰 기간",
    "Follow-up time",
    "integer",
    "Days from the index date to last follow-up.",
    None,
    "d",
)
col(
    "vital_status",
    "생존 상태",
    "Vital status",
    "string",
    "Alive or dead at last follow-up, linked to national death records.",
    "local",
)
col("height_cm", "키", "Height", "decimal", "Body height at baseline.", None, "cm")
col("weight_kg", "체중", "Body weight", "decimal", "Body weight at baseline.", None, "kg")
col("bmi", "체질량지수", "Body mass index", "decimal", "Body mass index at baseline.", None, "kg/m2")
col("smoking_status", "흡연 상태", "Smoking status", "string", "Never, former or current smoker.", "local")
col(
    "pack_years",
    "흡연량(갑년)",
    "Smoking pack-years",
    "decimal",
    "Cumulative smoking exposure.",
    None,
    "{pack-year}",
)
col(
    "drug_atc_code",
    "약품 ATC 코드",
    "Drug ATC code",
    "string",
    "Active ingredient of the prescribed drug.",
    "atc",
)
col(
    "edi_drug_code",
    "약품 EDI 코드",
    "Drug EDI code",
    "string",
    "HIRA drug code of the prescribed product.",
    "edi",
)
col(
    "edi_procedure_code",
    "처치·수술 EDI 코드",
    "Procedure EDI code",
    "string",
    "HIRA procedure or surgery code.",
    "edi",
)
col("prescription_date", "처방일", "Prescription date", "date", "Date the prescription was issued.")
col("daily_dose_mg", "1일 투여량", "Daily dose", "decimal", "Prescribed daily dose.", None, "mg")
col(
    "days_supplied",
    "처방 일수",
    "Days supplied",
    "integer",
    "Number of days the prescription covers.",
    None,
    "d",
)
col(
    "lab_loinc_code",
    "검사 LOINC 코드",
    "Laboratory test LOINC code",
    "string",
    "LOINC code of the test.",
    "loinc",
)
col("claim_month", "청구 연월", "Claim month", "string", "Year and month of the claim (YYYY-MM).")
col("claim_type", "청구 구분", "Claim type", "string", "Inpatient, outpatient or pharmacy claim.", "local")
col(
    "total_cost_krw",
    "총 진료비",
    "Total cost",
    "integer",
    "Total reimbursed cost of the claim in Korean won.",
)
col("survey_date", "응답일", "Survey date", "date", "Date the questionnaire was completed.")
col("instrument", "설문 도구", "Instrument", "string", "Validated questionnaire and version used.", "local")
col("total_score", "총점", "Total score", "decimal", "Total score of the instrument.")
# imaging
col(
    "study_uid",
    "가명 검사 UID",
    "Pseudonymised study UID",
    "string",
    "DICOM Study Instance UID replaced by a pseudonym.",
    "dicom",
)
col("study_date", "검사일", "Study date", "date", "Date the study was acquired.")
col(
    "modality",
    "영상 장비 유형",
    "Modality",
    "string",
    "DICOM modality code (CT, MR, US, MG, PT, OP, OPT).",
    "dicom",
)
col("body_part", "검사 부위", "Body part examined", "string", "DICOM body part examined.", "dicom")
col("manufacturer", "장비 제조사", "Manufacturer", "string", "Manufacturer of the acquisition device.")
col(
    "slice_thickness_mm",
    "절편 두께",
    "Slice thickness",
    "decimal",
    "Reconstructed slice thickness.",
    None,
    "mm",
)
col("contrast_used", "조영제 사용 여부", "Contrast used", "boolean", "Whether contrast medium was given.")
col("number_of_images", "영상 수", "Number of images", "integer", "Number of instances in the study.")
col(
    "report_finding",
    "판독 소견 분류",
    "Report finding",
    "string",
    "Structured finding category from the radiology report.",
    "snomed-ct",
)
# cancer
col("tnm_stage", "TNM 병기", "TNM stage", "string", "AJCC 8th edition stage group.", "local")
col("histology_code", "조직형 코드", "Histology code", "string", "ICD-O-3 morphology code.", "local")
col(
    "nodule_size_mm",
    "결절 크기",
    "Nodule size",
    "decimal",
    "Longest diameter of the index nodule.",
    None,
    "mm",
)
col(
    "tumor_size_mm",
    "종양 크기",
    "Tumour size",
    "decimal",
    "Longest diameter of the primary tumour.",
    None,
    "mm",
)
col(
    "egfr_mutation",
    "EGFR 변이",
    "EGFR mutation status",
    "string",
    "EGFR mutation type or wild type.",
    "local",
)
col("alk_status", "ALK 재배열", "ALK rearrangement", "string", "ALK rearrangement by IHC or FISH.", "local")
col(
    "pdl1_tps_percent",
    "PD-L1 TPS",
    "PD-L1 tumour proportion score",
    "decimal",
    "PD-L1 (22C3) tumour proportion score.",
    None,
    "%",
)
col("surgery_date", "수술일", "Surgery date", "date", "Date of the index operation.")
col(
    "lauren_type",
    "로렌 분류",
    "Lauren classification",
    "string",
    "Intestinal, diffuse or mixed type.",
    "local",
)
col(
    "er_status",
    "에스트로겐 수용체",
    "Oestrogen receptor status",
    "string",
    "ER status by immunohistochemistry.",
    "local",
)
col("her2_status", "HER2 상태", "HER2 status", "string", "HER2 by IHC and ISH.", "local")
col(
    "ki67_percent",
    "Ki-67 지수",
    "Ki-67 index",
    "decimal",
    "Proportion of Ki-67 positive tumour cells.",
    None,
    "%",
)
col(
    "birads_category",
    "BI-RADS 범주",
    "BI-RADS category",
    "string",
    "ACR BI-RADS assessment category.",
    "local",
)
col(
    "chemo_regimen",
    "항암 요법",
    "Chemotherapy regimen",
    "string",
    "Regimen name from the oncology order set.",
    "local",
)
col("cycle_number", "투여 차수", "Cycle number", "integer", "Cycle number within the regimen.")
col("cea_ng_ml", "CEA", "Carcinoembryonic antigen", "decimal", "Serum CEA at diagnosis.", "loinc", "ng/mL")
col("afp_ng_ml", "AFP", "Alpha-fetoprotein", "decimal", "Serum AFP at diagnosis.", "loinc", "ng/mL")
col("psa_ng_ml", "PSA", "Prostate-specific antigen", "decimal", "Serum total PSA.", "loinc", "ng/mL")
col("bclc_stage", "BCLC 병기", "BCLC stage", "string", "Barcelona Clinic Liver Cancer stage.", "local")
col(
    "child_pugh_class",
    "Child-Pugh 등급",
    "Child-Pugh class",
    "string",
    "Liver function class A, B or C.",
    "local",
)
col("polyp_count", "용종 개수", "Number of polyps", "integer", "Polyps found at colonoscopy.")
col("msi_status", "MSI 상태", "Microsatellite instability status", "string", "MSI-H, MSI-L or MSS.", "local")
col(
    "slide_id",
    "가명 슬라이드 ID",
    "Pseudonymised slide ID",
    "string",
    "Pseudonymised whole-slide image identifier.",
)
col("stain", "염색 방법", "Stain", "string", "H&E or immunohistochemistry marker.", "local")
col("ecog_ps", "ECOG 수행 상태", "ECOG performance status", "integer", "ECOG performance status 0-5.")
col(
    "qlq_c30_global",
    "전반적 건강상태 점수",
    "Global health status score",
    "decimal",
    "EORTC QLQ-C30 global health status (0-100).",
    None,
    "{score}",
)
col(
    "suv_max",
    "최대 표준섭취계수",
    "Maximum standardised uptake value",
    "decimal",
    "SUVmax of the hottest lesion.",
    None,
    "g/mL",
)
col(
    "ann_arbor_stage",
    "Ann Arbor 병기",
    "Ann Arbor stage",
    "string",
    "Lugano-modified Ann Arbor stage.",
    "local",
)
col("gleason_score", "글리슨 점수", "Gleason score", "integer", "Gleason sum from biopsy.")
col("figo_stage", "FIGO 병기", "FIGO stage", "string", "FIGO 2018 stage.", "local")
col("hpv_status", "HPV 감염 여부", "HPV status", "string", "High-risk HPV test result.", "local")
col(
    "blast_percent",
    "골수 모세포 비율",
    "Bone-marrow blasts",
    "decimal",
    "Blast percentage at diagnosis.",
    None,
    "%",
)
col("flt3_itd", "FLT3-ITD 변이", "FLT3-ITD status", "string", "FLT3 internal tandem duplication.", "local")
col(
    "k_tirads",
    "K-TIRADS 범주",
    "K-TIRADS category",
    "string",
    "Korean Thyroid Imaging Reporting and Data System category.",
    "local",
)
# genomics
col("sample_id", "가명 검체 ID", "Pseudonymised sample ID", "string", "Pseudonymised specimen identifier.")
col(
    "specimen_type",
    "검체 종류",
    "Specimen type",
    "string",
    "FFPE tissue, fresh frozen tissue or blood.",
    "local",
)
col(
    "sequencing_platform", "시퀀싱 플랫폼", "Sequencing platform", "string", "Instrument used for sequencing."
)
col("panel_name", "유전자 패널", "Gene panel", "string", "Name and version of the targeted panel.", "local")
col("gene_symbol", "유전자명", "Gene symbol", "string", "HGNC gene symbol.")
col("variant_hgvs", "변이 표기", "Variant (HGVS)", "string", "Variant in HGVS notation.")
col(
    "variant_classification",
    "변이 분류",
    "Variant classification",
    "string",
    "ACMG/AMP tier or class.",
    "local",
)
col(
    "variant_allele_frequency",
    "변이 대립유전자 빈도",
    "Variant allele frequency",
    "decimal",
    "Fraction of reads with the variant.",
    None,
    "%",
)
col(
    "mean_depth",
    "평균 시퀀싱 깊이",
    "Mean coverage depth",
    "integer",
    "Mean read depth over the target region.",
)
col("tmb", "종양 돌연변이 부담", "Tumour mutational burden", "decimal", "Mutations per megabase.")
# cardiovascular
col(
    "lvef_percent",
    "좌심실 박출률",
    "Left ventricular ejection fraction",
    "decimal",
    "LVEF by biplane Simpson method.",
    None,
    "%",
)
col(
    "lvedd_mm",
    "좌심실 확장기말 내경",
    "LV end-diastolic diameter",
    "decimal",
    "Left ventricular end-diastolic diameter.",
    None,
    "mm",
)
col("e_e_prime", "E/e' 비", "E/e' ratio", "decimal", "Ratio of mitral E velocity to e' velocity.")
col(
    "la_volume_index",
    "좌심방 용적 지수",
    "Left atrial volume index",
    "decimal",
    "LA volume indexed to body surface area.",
    None,
    "mL/m2",
)
col(
    "nt_probnp",
    "NT-proBNP",
    "NT-proBNP",
    "decimal",
    "N-terminal pro-B-type natriuretic peptide.",
    "loinc",
    "pg/mL",
)
col(
    "hs_troponin_i",
    "고감도 트로포닌 I",
    "High-sensitivity troponin I",
    "decimal",
    "Peak hs-TnI during the episode.",
    "loinc",
    "ng/L",
)
col(
    "systolic_bp",
    "수축기 혈압",
    "Systolic blood pressure",
    "integer",
    "Seated office systolic pressure.",
    None,
    "mm[Hg]",
)
col(
    "diastolic_bp",
    "이완기 혈압",
    "Diastolic blood pressure",
    "integer",
    "Seated office diastolic pressure.",
    None,
    "mm[Hg]",
)
col("heart_rate", "심박수", "Heart rate", "integer", "Resting heart rate.", None, "/min")
col(
    "nyha_class", "NYHA 등급", "NYHA class", "string", "New York Heart Association functional class.", "local"
)
col("killip_class", "Killip 등급", "Killip class", "string", "Killip class at presentation.", "local")
col("stemi", "ST분절 상승 여부", "STEMI", "boolean", "ST-elevation myocardial infarction.")
col(
    "door_to_balloon_min",
    "문-풍선 시간",
    "Door-to-balloon time",
    "integer",
    "Minutes from arrival to first device.",
    None,
    "min",
)
col(
    "culprit_vessel",
    "책임 혈관",
    "Culprit vessel",
    "string",
    "Culprit coronary artery (LAD, LCx, RCA, LM).",
    "local",
)
col("stent_count", "스텐트 개수", "Number of stents", "integer", "Stents implanted in the index procedure.")
col(
    "mace_1y",
    "1년 주요 심혈관 사건",
    "MACE at one year",
    "boolean",
    "Death, MI or revascularisation within one year.",
)
col("ecg_id", "가명 심전도 ID", "Pseudonymised ECG ID", "string", "Pseudonymised 12-lead ECG identifier.")
col("qrs_duration_ms", "QRS 간격", "QRS duration", "integer", "QRS duration.", None, "ms")
col(
    "qtc_ms",
    "교정 QT 간격",
    "Corrected QT interval",
    "integer",
    "QT interval corrected by Bazett.",
    None,
    "ms",
)
col("rhythm_label", "리듬 판독", "Rhythm label", "string", "Cardiologist-confirmed rhythm.", "snomed-ct")
col("sampling_rate_hz", "샘플링 주파수", "Sampling rate", "integer", "Waveform sampling rate.", None, "Hz")
col(
    "cha2ds2_vasc",
    "CHA2DS2-VASc 점수",
    "CHA2DS2-VASc score",
    "integer",
    "Stroke risk score in atrial fibrillation.",
)
col("has_bled", "HAS-BLED 점수", "HAS-BLED score", "integer", "Bleeding risk score.")
col("inr", "INR", "International normalised ratio", "decimal", "Prothrombin time INR.", "loinc", "{INR}")
col(
    "ldl_c",
    "LDL 콜레스테롤",
    "LDL cholesterol",
    "decimal",
    "Directly measured or calculated LDL-C.",
    "loinc",
    "mg/dL",
)
col(
    "total_cholesterol",
    "총 콜레스테롤",
    "Total cholesterol",
    "decimal",
    "Serum total cholesterol.",
    "loinc",
    "mg/dL",
)
col("cac_score", "관상동맥 석회화 점수", "Coronary calcium score", "decimal", "Agatston score.")
col(
    "max_stenosis_percent",
    "최대 협착률",
    "Maximum stenosis",
    "decimal",
    "Maximum luminal diameter stenosis.",
    None,
    "%",
)
col(
    "aortic_valve_area",
    "대동맥판 면적",
    "Aortic valve area",
    "decimal",
    "Continuity-equation valve area.",
    None,
    "cm2",
)
col(
    "mean_gradient",
    "평균 압력차",
    "Mean transvalvular gradient",
    "decimal",
    "Mean aortic gradient.",
    None,
    "mm[Hg]",
)
col("sts_score", "STS 위험 점수", "STS risk score", "decimal", "STS predicted risk of mortality.", None, "%")
col(
    "max_wall_thickness_mm",
    "최대 심실벽 두께",
    "Maximum wall thickness",
    "decimal",
    "Maximal LV wall thickness.",
    None,
    "mm",
)
col(
    "lge_present",
    "지연 조영증강 여부",
    "Late gadolinium enhancement",
    "boolean",
    "Presence of LGE on cardiac MRI.",
)
col("rehab_sessions", "재활 참여 횟수", "Rehabilitation sessions", "integer", "Supervised sessions attended.")
col(
    "peak_vo2",
    "최대 산소섭취량",
    "Peak VO2",
    "decimal",
    "Peak oxygen uptake at exercise testing.",
    None,
    "mL/kg/min",
)
col(
    "six_mwd_m",
    "6분 보행 거리",
    "Six-minute walk distance",
    "integer",
    "Distance walked in six minutes.",
    None,
    "m",
)
col(
    "initial_rhythm",
    "초기 심전도 리듬",
    "Initial rhythm",
    "string",
    "First documented rhythm (VF, PEA, asystole).",
    "local",
)
col("rosc", "자발순환 회복", "Return of spontaneous circulation", "boolean", "Sustained ROSC achieved.")
col("cpc_score", "CPC 점수", "Cerebral performance category", "integer", "CPC at discharge (1-5).")
col(
    "mpap",
    "평균 폐동맥압",
    "Mean pulmonary arterial pressure",
    "decimal",
    "mPAP at right heart catheterisation.",
    None,
    "mm[Hg]",
)
col("abi", "발목상완지수", "Ankle-brachial index", "decimal", "Lower of the two ankle-brachial indices.")
col(
    "holter_duration_h",
    "기록 시간",
    "Recording duration",
    "decimal",
    "Analysable Holter recording time.",
    None,
    "h",
)
col(
    "pvc_burden",
    "심실조기수축 부담",
    "PVC burden",
    "decimal",
    "Premature ventricular complexes as share of beats.",
    None,
    "%",
)
col("defect_type", "결손 유형", "Defect type", "string", "Septal defect type (ASD, VSD, AVSD).", "local")
col(
    "age_at_surgery_months",
    "수술 시 월령",
    "Age at surgery",
    "integer",
    "Age in months at repair.",
    None,
    "mo",
)
# respiratory
col(
    "fev1_l",
    "1초간 강제호기량",
    "FEV1",
    "decimal",
    "Post-bronchodilator forced expiratory volume in one second.",
    "loinc",
    "L",
)
col("fvc_l", "강제폐활량", "FVC", "decimal", "Post-bronchodilator forced vital capacity.", "loinc", "L")
col("fev1_fvc_ratio", "FEV1/FVC 비", "FEV1/FVC ratio", "decimal", "FEV1 as a percentage of FVC.", None, "%")
col(
    "fev1_percent_pred",
    "FEV1 예측치 대비",
    "FEV1 % predicted",
    "decimal",
    "FEV1 against GLI reference values.",
    None,
    "%",
)
col(
    "dlco_percent_pred",
    "폐확산능 예측치 대비",
    "DLCO % predicted",
    "decimal",
    "Diffusing capacity for carbon monoxide.",
    None,
    "%",
)
col(
    "bronchodilator_response",
    "기관지확장제 반응",
    "Bronchodilator response",
    "boolean",
    "Significant post-bronchodilator change.",
)
col("gold_grade", "GOLD 등급", "GOLD grade", "string", "GOLD spirometric grade 1-4.", "local")
col(
    "exacerbations_12m",
    "최근 12개월 악화 횟수",
    "Exacerbations in 12 months",
    "integer",
    "Moderate or severe exacerbations.",
)
col(
    "eosinophil_count",
    "혈중 호산구 수",
    "Blood eosinophil count",
    "integer",
    "Absolute eosinophil count.",
    "loinc",
    "/uL",
)
col(
    "feno_ppb",
    "호기 산화질소",
    "Fractional exhaled nitric oxide",
    "integer",
    "FeNO at 50 mL/s.",
    None,
    "[ppb]",
)
col("act_score", "천식조절검사 점수", "Asthma Control Test score", "integer", "ACT score (5-25).")
col(
    "ics_use",
    "흡입 스테로이드 사용",
    "Inhaled corticosteroid use",
    "boolean",
    "ICS prescribed in the period.",
)
col("curb65", "CURB-65 점수", "CURB-65 score", "integer", "Pneumonia severity score at admission.")
col("crp", "C-반응단백", "C-reactive protein", "decimal", "Serum CRP at admission.", "loinc", "mg/dL")
col("procalcitonin", "프로칼시토닌", "Procalcitonin", "decimal", "Serum procalcitonin.", "loinc", "ng/mL")
col("spo2_percent", "산소포화도", "Oxygen saturation", "integer", "Pulse oximetry on room air.", None, "%")
col(
    "culture_organism",
    "배양 균종",
    "Cultured organism",
    "string",
    "Organism isolated from respiratory specimens.",
    "snomed-ct",
)
col("icu_admission", "중환자실 입실", "ICU admission", "boolean", "Admitted to intensive care.")
col(
    "hrct_pattern",
    "HRCT 양상",
    "HRCT pattern",
    "string",
    "UIP, probable UIP, indeterminate or alternative.",
    "local",
)
col("afb_smear", "항산균 도말", "AFB smear", "string", "Sputum acid-fast bacilli smear grade.", "local")
col(
    "drug_resistance",
    "약제 내성",
    "Drug resistance",
    "string",
    "Phenotypic or molecular resistance (MDR, RR).",
    "local",
)
col(
    "treatment_outcome",
    "치료 결과",
    "Treatment outcome",
    "string",
    "WHO treatment outcome category.",
    "local",
)
col("who_severity", "중증도", "Severity", "integer", "WHO clinical progression scale (0-10).")
col(
    "vaccination_doses",
    "백신 접종 횟수",
    "Vaccine doses",
    "integer",
    "COVID-19 vaccine doses before admission.",
)
col("ahi", "무호흡-저호흡 지수", "Apnoea-hypopnoea index", "decimal", "Events per hour of sleep.", None, "/h")
col(
    "odi",
    "산소포화도 저하 지수",
    "Oxygen desaturation index",
    "decimal",
    "3 % desaturations per hour.",
    None,
    "/h",
)
col("cpap_prescribed", "양압기 처방", "CPAP prescribed", "boolean", "Positive airway pressure prescribed.")
col("bsi_score", "BSI 점수", "Bronchiectasis severity index", "integer", "Bronchiectasis Severity Index.")
col(
    "ventilator_days",
    "인공호흡기 사용 일수",
    "Ventilator days",
    "integer",
    "Days of invasive ventilation.",
    None,
    "d",
)
col(
    "pf_ratio",
    "PaO2/FiO2 비",
    "PaO2/FiO2 ratio",
    "decimal",
    "Worst ratio on the first ICU day.",
    None,
    "mm[Hg]",
)
col("peep", "호기말 양압", "PEEP", "decimal", "Positive end-expiratory pressure.", None, "cm[H2O]")
col(
    "apache_ii",
    "APACHE II 점수",
    "APACHE II score",
    "integer",
    "Severity score within 24 hours of ICU admission.",
)
col("view_position", "촬영 방향", "View position", "string", "PA, AP or lateral.", "dicom")
# other
col("hba1c", "당화혈색소", "HbA1c", "decimal", "Glycated haemoglobin (NGSP).", "loinc", "%")
col(
    "fasting_glucose",
    "공복 혈당",
    "Fasting plasma glucose",
    "decimal",
    "Fasting plasma glucose.",
    "loinc",
    "mg/dL",
)
col(
    "egfr_ckd_epi",
    "사구체여과율",
    "Estimated GFR",
    "decimal",
    "eGFR by CKD-EPI 2021.",
    "loinc",
    "mL/min/{1.73_m2}",
)
col("creatinine", "혈청 크레아티닌", "Serum creatinine", "decimal", "Serum creatinine.", "loinc", "mg/dL")
col(
    "urine_acr",
    "소변 알부민/크레아티닌 비",
    "Urine albumin-creatinine ratio",
    "decimal",
    "Spot urine ACR.",
    "loinc",
    "mg/g",
)
col("insulin_use", "인슐린 사용", "Insulin use", "boolean", "Insulin prescribed in the period.")
col(
    "dialysis_modality",
    "투석 방법",
    "Dialysis modality",
    "string",
    "Haemodialysis or peritoneal dialysis.",
    "local",
)
col("kt_v", "Kt/V", "Kt/V", "decimal", "Single-pool dialysis adequacy.")
col("hemoglobin", "혈색소", "Haemoglobin", "decimal", "Blood haemoglobin.", "loinc", "g/dL")
col("nihss", "NIHSS 점수", "NIHSS score", "integer", "NIH Stroke Scale at arrival.")
col("mrs_90d", "90일 mRS", "Modified Rankin Scale at 90 days", "integer", "Functional outcome at 90 days.")
col(
    "onset_to_door_min",
    "발병-내원 시간",
    "Onset-to-door time",
    "integer",
    "Minutes from last known well to arrival.",
    None,
    "min",
)
col(
    "thrombolysis",
    "정맥 혈전용해술",
    "Intravenous thrombolysis",
    "boolean",
    "IV alteplase or tenecteplase given.",
)
col(
    "thrombectomy",
    "동맥 내 혈전제거술",
    "Endovascular thrombectomy",
    "boolean",
    "Mechanical thrombectomy performed.",
)
col("toast_class", "TOAST 분류", "TOAST class", "string", "Stroke aetiology by TOAST.", "local")
col("infarct_volume_ml", "경색 부피", "Infarct volume", "decimal", "DWI infarct volume.", None, "mL")
col("mmse", "MMSE 점수", "MMSE score", "integer", "Mini-Mental State Examination (0-30).")
col("cdr", "임상치매척도", "Clinical Dementia Rating", "decimal", "CDR global score.")
col("apoe_genotype", "APOE 유전자형", "APOE genotype", "string", "APOE allele combination.", "local")
col("amyloid_suvr", "아밀로이드 SUVR", "Amyloid SUVR", "decimal", "Cortical standardised uptake value ratio.")
col("t_score_lumbar", "요추 T-점수", "Lumbar spine T-score", "decimal", "DXA T-score at L1-L4.")
col("das28", "DAS28 점수", "DAS28 score", "decimal", "Disease Activity Score (28 joints, ESR).")
col(
    "anti_ccp",
    "항CCP 항체",
    "Anti-CCP antibody",
    "decimal",
    "Anti-cyclic citrullinated peptide antibody.",
    "loinc",
    "U/mL",
)
col("hbv_dna", "HBV DNA", "HBV DNA", "decimal", "Serum HBV DNA.", "loinc", "[IU]/mL")
col("alt", "ALT", "Alanine aminotransferase", "decimal", "Serum ALT.", "loinc", "U/L")
col("phq9", "PHQ-9 점수", "PHQ-9 score", "integer", "Patient Health Questionnaire-9 (0-27).")
col("sofa", "SOFA 점수", "SOFA score", "integer", "Sequential Organ Failure Assessment at onset.")
col("lactate", "젖산", "Lactate", "decimal", "Initial serum lactate.", "loinc", "mmol/L")
col(
    "blood_culture",
    "혈액 배양 결과",
    "Blood culture result",
    "string",
    "Organism isolated from blood culture.",
    "snomed-ct",
)
col(
    "gestational_week", "임신 주수", "Gestational age", "integer", "Gestational age at diagnosis.", None, "wk"
)
col("birth_weight_g", "출생 체중", "Birth weight", "integer", "Birth weight of the newborn.", None, "g")
col("donor_type", "공여자 유형", "Donor type", "string", "Living or deceased donor.", "local")
col(
    "tacrolimus_trough",
    "타크로리무스 혈중농도",
    "Tacrolimus trough level",
    "decimal",
    "Whole-blood trough level.",
    "loinc",
    "ng/mL",
)
col("rejection_episode", "거부반응 발생", "Rejection episode", "boolean", "Biopsy-proven acute rejection.")
col("updrs_iii", "UPDRS III 점수", "MDS-UPDRS part III", "integer", "Motor examination score.")
col("hoehn_yahr", "Hoehn-Yahr 병기", "Hoehn and Yahr stage", "decimal", "Disease stage (1-5).")
col(
    "levodopa_equivalent",
    "레보도파 등가용량",
    "Levodopa equivalent daily dose",
    "decimal",
    "Total LEDD.",
    None,
    "mg",
)
col(
    "excess_weight_loss",
    "초과체중 감소율",
    "Excess weight loss",
    "decimal",
    "Percent excess weight loss at one year.",
    None,
    "%",
)
# ophthalmology
col("eye_laterality", "눈 구분", "Laterality", "string", "Right (OD) or left (OS) eye.", "dicom")
col(
    "visual_acuity_logmar",
    "최대교정시력(logMAR)",
    "Best-corrected visual acuity (logMAR)",
    "decimal",
    "BCVA converted to logMAR.",
    None,
    "{logMAR}",
)
col("iop_mmhg", "안압", "Intraocular pressure", "decimal", "Goldmann applanation IOP.", None, "mm[Hg]")
col(
    "dr_grade",
    "당뇨망막병증 등급",
    "DR grade",
    "string",
    "International Clinical DR severity scale.",
    "local",
)
col("dme_present", "당뇨황반부종 여부", "Diabetic macular oedema", "boolean", "Centre-involving DME present.")
col(
    "image_field",
    "촬영 화각",
    "Image field",
    "string",
    "Macula-centred, disc-centred or ultra-widefield.",
    "local",
)
col(
    "rnfl_thickness_um",
    "망막신경섬유층 두께",
    "RNFL thickness",
    "decimal",
    "Average peripapillary RNFL thickness.",
    None,
    "um",
)
col(
    "gcipl_thickness_um",
    "신경절세포-내망상층 두께",
    "GCIPL thickness",
    "decimal",
    "Average macular GCIPL thickness.",
    None,
    "um",
)
col("cup_disc_ratio", "시신경유두 함몰비", "Cup-to-disc ratio", "decimal", "Vertical cup-to-disc ratio.")
col(
    "vf_md_db", "시야검사 평균편차", "Visual field mean deviation", "decimal", "Humphrey 24-2 MD.", None, "dB"
)
col("vf_psd_db", "패턴표준편차", "Pattern standard deviation", "decimal", "Humphrey 24-2 PSD.", None, "dB")
col("vfi_percent", "시야지수", "Visual field index", "decimal", "Humphrey VFI.", None, "%")
col("cct_um", "중심각막두께", "Central corneal thickness", "decimal", "Ultrasound pachymetry.", None, "um")
col(
    "cst_um",
    "중심 황반 두께",
    "Central subfield thickness",
    "decimal",
    "OCT central subfield thickness.",
    None,
    "um",
)
col(
    "injection_count",
    "주사 횟수",
    "Number of injections",
    "integer",
    "Intravitreal injections in the first year.",
)
col(
    "fluid_status",
    "망막 내·하 액체",
    "Retinal fluid",
    "string",
    "Intraretinal and subretinal fluid on OCT.",
    "local",
)
col("amd_type", "황반변성 유형", "AMD type", "string", "Neovascular or atrophic AMD subtype.", "local")
col("locs_grade", "수정체 혼탁 등급", "Lens opacity grade", "string", "LOCS III nuclear grade.", "local")
col(
    "iol_power_d",
    "인공수정체 도수",
    "IOL power",
    "decimal",
    "Implanted intraocular lens power.",
    None,
    "[diop]",
)
col("axial_length_mm", "안축장", "Axial length", "decimal", "Optical biometry axial length.", None, "mm")
col(
    "spherical_equivalent_d",
    "구면대응치",
    "Spherical equivalent",
    "decimal",
    "Cycloplegic spherical equivalent.",
    None,
    "[diop]",
)
col("atropine_use", "저농도 아트로핀 사용", "Low-dose atropine", "boolean", "Low-dose atropine prescribed.")
col("osdi_score", "OSDI 점수", "OSDI score", "decimal", "Ocular Surface Disease Index (0-100).")
col(
    "tbut_s",
    "눈물막 파괴 시간",
    "Tear break-up time",
    "decimal",
    "Fluorescein tear break-up time.",
    None,
    "s",
)
col(
    "schirmer_mm", "쉬르머 검사", "Schirmer test", "integer", "Wetting length after five minutes.", None, "mm"
)
col(
    "kmax_d",
    "최대 각막 굴절력",
    "Maximum keratometry",
    "decimal",
    "Kmax from Scheimpflug tomography.",
    None,
    "[diop]",
)
col("graft_status", "이식편 상태", "Graft status", "string", "Clear, failed or rejected graft.", "local")
col(
    "uveitis_site",
    "포도막염 부위",
    "Uveitis site",
    "string",
    "Anatomical site by SUN classification.",
    "local",
)
col(
    "ac_cell_grade",
    "전방 세포 등급",
    "Anterior chamber cell grade",
    "string",
    "SUN anterior chamber cell grade.",
    "local",
)
col(
    "pvr_grade",
    "증식유리체망막병증 등급",
    "PVR grade",
    "string",
    "Proliferative vitreoretinopathy grade.",
    "local",
)
col("deviation_pd", "편위량", "Deviation", "integer", "Deviation at distance.", None, "[p'diop]")
col(
    "rvo_type",
    "폐쇄 유형",
    "Occlusion type",
    "string",
    "Central, hemi or branch retinal vein occlusion.",
    "local",
)

DTYPE_COMMON = {
    "ehr": ["patient_id", "birth_year", "sex", "visit_date", "visit_type", "diagnosis_code"],
    "imaging": [
        "patient_id",
        "birth_year",
        "sex",
        "study_uid",
        "study_date",
        "modality",
        "manufacturer",
        "diagnosis_code",
    ],
    "genomics": [
        "patient_id",
        "sample_id",
        "birth_year",
        "sex",
        "diagnosis_code",
        "specimen_type",
        "sequencing_platform",
        "panel_name",
        "gene_symbol",
        "variant_hgvs",
        "variant_classification",
        "variant_allele_frequency",
        "mean_depth",
    ],
    "registry": [
        "patient_id",
        "birth_year",
        "sex",
        "enrollment_date",
        "diagnosis_code",
        "diagnosis_date",
        "follow_up_days",
        "vital_status",
    ],
    "claims": [
        "patient_id",
        "birth_year",
        "sex",
        "claim_month",
        "claim_type",
        "diagnosis_code",
        "secondary_diagnosis_codes",
        "edi_procedure_code",
        "edi_drug_code",
        "drug_atc_code",
        "total_cost_krw",
    ],
    "survey": [
        "patient_id",
        "birth_year",
        "sex",
        "survey_date",
        "instrument",
        "diagnosis_code",
        "total_score",
    ],
}
DTYPE_SYSTEMS = {
    "ehr": ["loinc"],
    "imaging": ["dicom"],
    "genomics": ["local"],
    "registry": ["edi"],
    "claims": ["edi", "atc"],
    "survey": ["local"],
}
KIND = {  # dtype -> (ko noun, en noun)
    "ehr": ("전자의무기록(EMR) 데이터셋", "Electronic health record dataset"),
    "imaging": ("의료영상 데이터셋", "Medical imaging dataset"),
    "genomics": ("유전체 데이터셋", "Genomic dataset"),
    "registry": ("레지스트리", "Registry"),
    "claims": ("건강보험 청구 기반 데이터셋", "Insurance-claims dataset"),
    "survey": ("설문조사 데이터셋", "Survey dataset"),
}

# --------------------------------------------------------------------------
# Topics
# --------------------------------------------------------------------------
TOPICS = []


def topic(
    key,
    areas,
    dtype,
    ko,
    en,
    dz,
    pop_ko,
    pop_en,
    rec_ko,
    rec_en,
    codes,
    systems,
    kw,
    cols,
    ages=(18, 90),
    extra=None,
):
    TOPICS.append(
        dict(
            key=key,
            areas=areas,
            dtype=dtype,
            ko=ko,
            en=en,
            dz=dz,
            pop_ko=pop_ko,
            pop_en=pop_en,
            rec_ko=rec_ko,
            rec_en=rec_en,
            codes=codes,
            systems=systems,
            kw=kw,
            cols=cols,
            ages=ages,
            extra=extra,
        )
    )


CA, CV, RS, OT, OP = "cancer", "cardiovascular", "respiratory", "other", "ophthalmology"

# ---- cancer
topic(
    "lung-ct",
    [CA, RS],
    "imaging",
    "폐암 흉부 CT 코호트",
    "Lung cancer chest CT cohort",
    "폐암",
    "폐암으로 진단받은 성인 환자",
    "adults diagnosed with lung cancer",
    "흉부 CT 영상(DICOM), 영상의학과 판독 소견과 TNM 병기",
    "chest CT series (DICOM), structured radiology findings and TNM stage",
    ["C34"],
    ["dicom"],
    [
        ("폐암", "lung cancer"),
        ("흉부 CT", "chest CT"),
        ("폐결절", "pulmonary nodule"),
        ("의료영상", "medical imaging"),
        ("저선량 CT", "low-dose CT"),
    ],
    [
        "body_part",
        "slice_thickness_mm",
        "contrast_used",
        "number_of_images",
        "nodule_size_mm",
        "tnm_stage",
        "histology_code",
        "smoking_status",
    ],
    extra=(
        "저선량 CT 선별검사에서 발견된 결절의 추적 영상도 포함됩니다.",
        "Follow-up scans of nodules found at low-dose CT screening are included.",
    ),
)
topic(
    "lung-emr",
    [CA, RS],
    "ehr",
    "폐암 환자 진료기록 EMR",
    "Lung cancer clinical records (EMR)",
    "폐암",
    "폐암으로 치료받은 환자",
    "patients treated for lung cancer",
    "진단, 병리 결과, 항암제 처방, 표적치료 반응과 생존 정보",
    "diagnoses, pathology results, anticancer prescriptions, targeted-therapy response and survival",
    ["C34"],
    ["atc", "loinc"],
    [
        ("폐암", "lung cancer"),
        ("비소세포폐암", "non-small cell lung cancer"),
        ("표적치료", "targeted therapy"),
        ("면역항암제", "immunotherapy"),
        ("EMR", "EMR"),
    ],
    [
        "tnm_stage",
        "histology_code",
        "egfr_mutation",
        "alk_status",
        "pdl1_tps_percent",
        "drug_atc_code",
        "ecog_ps",
        "smoking_status",
        "pack_years",
        "vital_status",
    ],
)
topic(
    "nsclc-ngs",
    [CA, RS],
    "genomics",
    "비소세포폐암 유전체 NGS 패널",
    "Non-small cell lung cancer NGS panel",
    "폐암",
    "비소세포폐암으로 진단받고 차세대염기서열분석(NGS)을 시행한 환자",
    "patients with non-small cell lung cancer who underwent next-generation sequencing",
    "종양 조직의 표적 유전자 패널 변이, 변이 대립유전자 빈도와 종양 돌연변이 부담",
    "targeted-panel tumour variants, variant allele frequencies and tumour mutational burden",
    ["C34"],
    ["local"],
    [
        ("비소세포폐암", "NSCLC"),
        ("NGS", "NGS"),
        ("EGFR", "EGFR"),
        ("유전체", "genomics"),
        ("체세포 변이", "somatic variants"),
    ],
    ["tnm_stage", "histology_code", "tmb", "pdl1_tps_percent"],
)
topic(
    "gastric-wsi",
    [CA],
    "imaging",
    "위암 병리 슬라이드",
    "Gastric cancer pathology whole-slide images",
    "위암",
    "위암으로 위절제술을 받은 환자",
    "patients who had gastrectomy for gastric cancer",
    "H&E 및 면역조직화학 염색 전체 슬라이드 영상과 병리 판독",
    "H&E and immunohistochemistry whole-slide images with pathology reports",
    ["C16"],
    ["dicom", "local"],
    [
        ("위암", "gastric cancer"),
        ("병리 슬라이드", "pathology slides"),
        ("디지털 병리", "digital pathology"),
        ("전체 슬라이드 영상", "whole-slide imaging"),
    ],
    [
        "slide_id",
        "stain",
        "lauren_type",
        "tnm_stage",
        "histology_code",
        "msi_status",
        "her2_status",
        "tumor_size_mm",
    ],
)
topic(
    "gastric-surgery",
    [CA],
    "registry",
    "위암 수술 레지스트리",
    "Gastric cancer surgery registry",
    "위암",
    "위암으로 근치적 위절제술을 받은 환자",
    "patients who had curative gastrectomy for gastric cancer",
    "수술 방법, 병리 병기, 수술 후 합병증, 보조 항암치료와 5년 생존",
    "operation type, pathological stage, postoperative "
    "complications, adjuvant chemotherapy and five-year survival",
    ["C16"],
    ["edi"],
    [
        ("위암", "gastric cancer"),
        ("위절제술", "gastrectomy"),
        ("수술 성적", "surgical outcomes"),
        ("레지스트리", "registry"),
    ],
    [
        "surgery_date",
        "edi_procedure_code",
        "tnm_stage",
        "lauren_type",
        "tumor_size_mm",
        "length_of_stay_days",
        "chemo_regimen",
        "bmi",
    ],
)
topic(
    "breast-ngs",
    [CA],
    "genomics",
    "유방암 유전체 NGS",
    "Breast cancer genomic NGS",
    "유방암",
    "유방암으로 진단받은 여성 환자",
    "women diagnosed with breast cancer",
    "생식세포 BRCA1/2 검사와 종양 유전자 패널 변이",
    "germline BRCA1/2 testing and tumour gene-panel variants",
    ["C50"],
    ["local"],
    [
        ("유방암", "breast cancer"),
        ("BRCA", "BRCA"),
        ("NGS", "NGS"),
        ("유전성 암", "hereditary cancer"),
        ("유전체", "genomics"),
    ],
    ["er_status", "her2_status", "ki67_percent", "tnm_stage"],
    ages=(20, 85),
)
topic(
    "breast-mammo",
    [CA],
    "imaging",
    "유방암 유방촬영술 영상",
    "Breast cancer mammography images",
    "유방암",
    "유방촬영술을 받은 여성 수검자와 유방암 환자",
    "women screened by mammography, including breast cancer patients",
    "유방촬영 영상, BI-RADS 판독과 조직검사 결과",
    "mammograms, BI-RADS assessments and biopsy outcomes",
    ["C50"],
    ["dicom"],
    [
        ("유방암", "breast cancer"),
        ("유방촬영술", "mammography"),
        ("BI-RADS", "BI-RADS"),
        ("선별검사", "screening"),
        ("인공지능", "AI"),
    ],
    ["body_part", "view_position", "birads_category", "tumor_size_mm", "number_of_images"],
    ages=(35, 80),
)
topic(
    "breast-chemo",
    [CA],
    "ehr",
    "유방암 항암화학요법 처방",
    "Breast cancer chemotherapy prescriptions",
    "유방암",
    "유방암으로 항암화학요법을 받은 환자",
    "patients receiving chemotherapy for breast cancer",
    "항암 요법, 투여 차수와 용량, 호중구 감소증 등 이상반응",
    "regimens, cycles and doses, and adverse events such as neutropenia",
    ["C50"],
    ["atc", "edi"],
    [
        ("유방암", "breast cancer"),
        ("항암화학요법", "chemotherapy"),
        ("처방", "prescriptions"),
        ("이상반응", "adverse events"),
    ],
    [
        "chemo_regimen",
        "cycle_number",
        "drug_atc_code",
        "edi_drug_code",
        "daily_dose_mg",
        "er_status",
        "her2_status",
        "weight_kg",
        "height_cm",
    ],
    ages=(25, 85),
)
topic(
    "crc-colonoscopy",
    [CA],
    "registry",
    "대장암 대장내시경 레지스트리",
    "Colorectal cancer colonoscopy registry",
    "대장암",
    "대장내시경 검사를 받은 성인과 대장암 환자",
    "adults undergoing colonoscopy, including colorectal cancer patients",
    "내시경 소견, 용종 개수와 조직 결과, 대장암 병기",
    "endoscopic findings, polyp counts and histology, and colorectal cancer stage",
    ["C18", "C20"],
    ["edi"],
    [("대장암", "colorectal cancer"), ("대장내시경", "colonoscopy"), ("용종", "polyp"), ("선종", "adenoma")],
    ["edi_procedure_code", "polyp_count", "histology_code", "tnm_stage", "msi_status", "cea_ng_ml"],
)
topic(
    "crc-emr",
    [CA],
    "ehr",
    "대장암 환자 EMR",
    "Colorectal cancer EMR",
    "대장암",
    "대장암으로 수술 또는 항암치료를 받은 환자",
    "patients operated on or treated for colorectal cancer",
    "진단, 수술, 항암제 처방, CEA 추적 검사와 재발 여부",
    "diagnoses, surgery, chemotherapy, serial CEA and recurrence",
    ["C18", "C20"],
    ["loinc", "atc"],
    [
        ("대장암", "colorectal cancer"),
        ("직장암", "rectal cancer"),
        ("CEA", "CEA"),
        ("재발", "recurrence"),
        ("EMR", "EMR"),
    ],
    [
        "tnm_stage",
        "msi_status",
        "cea_ng_ml",
        "lab_loinc_code",
        "drug_atc_code",
        "chemo_regimen",
        "vital_status",
    ],
)
topic(
    "hcc-mri",
    [CA],
    "imaging",
    "간세포암 MRI 코호트",
    "Hepatocellular carcinoma MRI cohort",
    "간암",
    "간세포암으로 진단받은 환자",
    "patients diagnosed with hepatocellular carcinoma",
    "간세포 특이 조영제 MRI, LI-RADS 판독과 AFP 수치",
    "gadoxetic-acid MRI, LI-RADS reports and AFP levels",
    ["C22", "B18.1"],
    ["dicom"],
    [
        ("간세포암", "hepatocellular carcinoma"),
        ("간암", "liver cancer"),
        ("MRI", "MRI"),
        ("LI-RADS", "LI-RADS"),
    ],
    ["body_part", "contrast_used", "tumor_size_mm", "bclc_stage", "child_pugh_class", "afp_ng_ml"],
)
topic(
    "liver-cancer-registry",
    [CA],
    "registry",
    "간암 레지스트리",
    "Liver cancer registry",
    "간암",
    "간암으로 새로 진단받은 환자",
    "patients newly diagnosed with liver cancer",
    "원인 간질환, BCLC 병기, 치료 방법(절제·색전술·이식)과 생존",
    "underlying liver disease, BCLC stage, treatment (resection, TACE, transplant) and survival",
    ["C22"],
    ["edi"],
    [("간암", "liver cancer"), ("간세포암", "HCC"), ("B형간염", "hepatitis B"), ("생존 분석", "survival")],
    ["bclc_stage", "child_pugh_class", "afp_ng_ml", "edi_procedure_code", "hbv_dna", "alt"],
)
topic(
    "thyroid-us",
    [CA],
    "imaging",
    "갑상선암 초음파 영상",
    "Thyroid cancer ultrasound images",
    "갑상선암",
    "갑상선 결절로 초음파 검사를 받은 환자",
    "patients with thyroid nodules examined by ultrasound",
    "갑상선 초음파 영상, K-TIRADS 범주와 세침흡인 세포검사 결과",
    "thyroid ultrasound images, K-TIRADS categories and fine-needle aspiration results",
    ["C73"],
    ["dicom"],
    [
        ("갑상선암", "thyroid cancer"),
        ("초음파", "ultrasound"),
        ("갑상선 결절", "thyroid nodule"),
        ("K-TIRADS", "K-TIRADS"),
    ],
    ["body_part", "k_tirads", "nodule_size_mm", "histology_code"],
    ages=(19, 85),
)
topic(
    "pancreas-ct",
    [CA],
    "imaging",
    "췌장암 조영증강 CT",
    "Pancreatic cancer contrast-enhanced CT",
    "췌장암",
    "췌장암으로 진단받은 환자",
    "patients diagnosed with pancreatic cancer",
    "췌장 프로토콜 CT, 절제 가능성 평가와 CA 19-9 수치",
    "pancreas-protocol CT, resectability assessment and CA 19-9 levels",
    ["C25"],
    ["dicom"],
    [
        ("췌장암", "pancreatic cancer"),
        ("CT", "CT"),
        ("절제 가능성", "resectability"),
        ("의료영상", "medical imaging"),
    ],
    ["body_part", "slice_thickness_mm", "contrast_used", "tumor_size_mm", "tnm_stage"],
)
topic(
    "prostate-psa",
    [CA],
    "ehr",
    "전립선암 PSA 추적 검사",
    "Prostate cancer PSA follow-up",
    "전립선암",
    "전립선암으로 진단받은 남성 환자",
    "men diagnosed with prostate cancer",
    "PSA 추적 검사, 글리슨 점수, 호르몬 치료 처방",
    "serial PSA tests, Gleason scores and hormone therapy",
    ["C61"],
    ["loinc", "atc"],
    [
        ("전립선암", "prostate cancer"),
        ("PSA", "PSA"),
        ("글리슨 점수", "Gleason score"),
        ("호르몬 치료", "androgen deprivation"),
    ],
    ["psa_ng_ml", "lab_loinc_code", "gleason_score", "tnm_stage", "drug_atc_code"],
    ages=(40, 95),
)
topic(
    "cancer-qol",
    [CA],
    "survey",
    "암 환자 삶의 질 설문",
    "Cancer patient quality-of-life survey",
    "암",
    "항암치료 중인 폐암·위암·유방암 환자",
    "lung, gastric and breast cancer patients on anticancer treatment",
    "EORTC QLQ-C30 점수, 통증과 피로 척도",
    "EORTC QLQ-C30 scores, pain and fatigue scales",
    ["C34", "C16", "C50"],
    ["local"],
    [
        ("삶의 질", "quality of life"),
        ("EORTC QLQ-C30", "EORTC QLQ-C30"),
        ("환자보고성과", "patient-reported outcomes"),
        ("암 생존자", "cancer survivors"),
    ],
    ["qlq_c30_global", "ecog_ps", "chemo_regimen", "tnm_stage"],
)
topic(
    "anticancer-claims",
    [CA],
    "claims",
    "항암제 건강보험 청구자료",
    "Anticancer drug insurance claims",
    "암",
    "항암제를 처방받은 암 환자",
    "cancer patients prescribed anticancer drugs",
    "청구 진단명, 항암제 주성분과 진료비",
    "claim diagnoses, anticancer active ingredients and costs",
    ["C34", "C50", "C18"],
    ["edi", "atc"],
    [
        ("항암제", "anticancer drugs"),
        ("청구자료", "claims"),
        ("의료비", "healthcare costs"),
        ("의약품 사용", "drug utilisation"),
    ],
    ["days_supplied", "daily_dose_mg"],
)
topic(
    "cervical-registry",
    [CA],
    "registry",
    "자궁경부암 레지스트리",
    "Cervical cancer registry",
    "자궁경부암",
    "자궁경부암으로 진단받은 여성 환자",
    "women diagnosed with cervical cancer",
    "HPV 검사 결과, FIGO 병기, 방사선·항암 치료와 생존",
    "HPV results, FIGO stage, chemoradiation and survival",
    ["C53"],
    ["edi"],
    [
        ("자궁경부암", "cervical cancer"),
        ("HPV", "HPV"),
        ("FIGO 병기", "FIGO stage"),
        ("방사선치료", "radiotherapy"),
    ],
    ["hpv_status", "figo_stage", "histology_code", "tumor_size_mm", "edi_procedure_code"],
    ages=(20, 85),
)
topic(
    "aml-genomics",
    [CA],
    "genomics",
    "급성골수성백혈병 유전체",
    "Acute myeloid leukaemia genomics",
    "급성골수성백혈병",
    "급성골수성백혈병으로 진단받은 환자",
    "patients diagnosed with acute myeloid leukaemia",
    "골수 검체의 골수성 유전자 패널 변이와 세포유전학 결과",
    "myeloid gene-panel variants and cytogenetics from bone-marrow samples",
    ["C92.0"],
    ["local"],
    [
        ("급성골수성백혈병", "acute myeloid leukaemia"),
        ("AML", "AML"),
        ("FLT3", "FLT3"),
        ("혈액암", "haematological cancer"),
    ],
    ["blast_percent", "flt3_itd"],
    ages=(18, 85),
)
topic(
    "lymphoma-petct",
    [CA],
    "imaging",
    "림프종 PET-CT 영상",
    "Lymphoma PET-CT images",
    "림프종",
    "비호지킨 림프종으로 치료받은 환자",
    "patients treated for non-Hodgkin lymphoma",
    "병기 설정 및 반응 평가 PET-CT, SUVmax와 Deauville 점수",
    "staging and response PET-CT, SUVmax and Deauville scores",
    ["C85"],
    ["dicom"],
    [
        ("림프종", "lymphoma"),
        ("PET-CT", "PET-CT"),
        ("반응 평가", "response assessment"),
        ("핵의학", "nuclear medicine"),
    ],
    ["body_part", "suv_max", "ann_arbor_stage", "number_of_images"],
)
# ---- cardiovascular
topic(
    "hf-echo",
    [CV],
    "imaging",
    "심부전 심초음파",
    "Heart failure echocardiography",
    "심부전",
    "심부전으로 입원 또는 외래 진료를 받은 성인 환자",
    "adults admitted or followed for heart failure",
    "경흉부 심초음파 영상과 좌심실 박출률, 이완기능 지표",
    "transthoracic echocardiograms with ejection fraction and diastolic indices",
    ["I50"],
    ["dicom"],
    [
        ("심부전", "heart failure"),
        ("심초음파", "echocardiography"),
        ("좌심실 박출률", "ejection fraction"),
        ("HFpEF", "HFpEF"),
        ("HFrEF", "HFrEF"),
    ],
    ["lvef_percent", "lvedd_mm", "e_e_prime", "la_volume_index", "nyha_class", "nt_probnp"],
)
topic(
    "hf-emr",
    [CV],
    "ehr",
    "심부전 외래 EMR",
    "Heart failure outpatient EMR",
    "심부전",
    "심부전으로 외래 추적 중인 환자",
    "outpatients followed for heart failure",
    "NT-proBNP 검사, 약물 처방(ARNI·SGLT2 억제제), 재입원과 사망",
    "NT-proBNP tests, prescriptions (ARNI, SGLT2 inhibitors), readmission and death",
    ["I50"],
    ["loinc", "atc"],
    [
        ("심부전", "heart failure"),
        ("NT-proBNP", "NT-proBNP"),
        ("재입원", "readmission"),
        ("SGLT2 억제제", "SGLT2 inhibitor"),
        ("EMR", "EMR"),
    ],
    [
        "nt_probnp",
        "lab_loinc_code",
        "drug_atc_code",
        "lvef_percent",
        "nyha_class",
        "systolic_bp",
        "heart_rate",
        "creatinine",
    ],
)
topic(
    "ami-registry",
    [CV],
    "registry",
    "급성심근경색 레지스트리",
    "Acute myocardial infarction registry",
    "급성심근경색",
    "급성심근경색으로 응급실에 내원한 환자",
    "patients presenting to the emergency department with acute myocardial infarction",
    "증상 발생 시각, 문-풍선 시간, 관상동맥 중재술 소견과 1년 주요 심혈관 사건",
    "symptom onset, door-to-balloon time, PCI findings and one-year major adverse cardiac events",
    ["I21"],
    ["edi"],
    [
        ("급성심근경색", "acute myocardial infarction"),
        ("STEMI", "STEMI"),
        ("관상동맥중재술", "PCI"),
        ("심혈관 사건", "MACE"),
        ("레지스트리", "registry"),
    ],
    [
        "stemi",
        "killip_class",
        "door_to_balloon_min",
        "culprit_vessel",
        "stent_count",
        "hs_troponin_i",
        "lvef_percent",
        "mace_1y",
    ],
    ages=(20, 95),
    extra=(
        "응급 심혈관 중재 시술팀이 전향적으로 등록하였습니다.",
        "Cases were enrolled prospectively by the emergency cardiac intervention team.",
    ),
)
topic(
    "af-ecg",
    [CV],
    "ehr",
    "심방세동 심전도",
    "Atrial fibrillation ECG",
    "심방세동",
    "심방세동으로 진단받은 환자",
    "patients diagnosed with atrial fibrillation",
    "12유도 심전도 파형 메타데이터, 리듬 판독과 심전도 간격 측정값",
    "12-lead ECG waveform metadata, confirmed rhythm labels and interval measurements",
    ["I48"],
    ["snomed-ct"],
    [("심방세동", "atrial fibrillation"), ("심전도", "ECG"), ("부정맥", "arrhythmia"), ("인공지능", "AI")],
    ["ecg_id", "rhythm_label", "heart_rate", "qrs_duration_ms", "qtc_ms", "sampling_rate_hz"],
)
topic(
    "af-anticoag",
    [CV],
    "ehr",
    "심방세동 항응고제 처방",
    "Atrial fibrillation anticoagulant prescriptions",
    "심방세동",
    "심방세동으로 항응고 치료를 받은 환자",
    "patients on anticoagulation for atrial fibrillation",
    "와파린·NOAC 처방, INR, CHA2DS2-VASc 점수와 출혈 사건",
    "warfarin and NOAC prescriptions, INR, CHA2DS2-VASc scores and bleeding events",
    ["I48"],
    ["atc", "edi"],
    [
        ("심방세동", "atrial fibrillation"),
        ("항응고제", "anticoagulant"),
        ("NOAC", "NOAC"),
        ("뇌졸중 예방", "stroke prevention"),
    ],
    [
        "drug_atc_code",
        "edi_drug_code",
        "prescription_date",
        "daily_dose_mg",
        "inr",
        "cha2ds2_vasc",
        "has_bled",
    ],
)
topic(
    "htn-bp",
    [CV],
    "ehr",
    "고혈압 외래 혈압 기록",
    "Hypertension outpatient blood pressure records",
    "고혈압",
    "고혈압으로 외래 진료를 받은 성인",
    "adults treated for hypertension as outpatients",
    "진료실 혈압, 가정혈압, 강압제 처방과 신기능 검사",
    "office and home blood pressure, antihypertensive prescriptions and kidney function",
    ["I10"],
    ["loinc", "atc"],
    [
        ("고혈압", "hypertension"),
        ("혈압", "blood pressure"),
        ("강압제", "antihypertensives"),
        ("외래", "outpatient"),
    ],
    ["systolic_bp", "diastolic_bp", "heart_rate", "drug_atc_code", "creatinine", "egfr_ckd_epi", "bmi"],
)
topic(
    "ccta",
    [CV],
    "imaging",
    "관상동맥 CT 조영술",
    "Coronary CT angiography",
    "관상동맥질환",
    "흉통으로 관상동맥 CT 조영술을 받은 환자",
    "patients referred for coronary CT angiography for chest pain",
    "관상동맥 CT 영상, 석회화 점수와 협착 정도(CAD-RADS)",
    "coronary CT images, calcium scores and stenosis grades (CAD-RADS)",
    ["I25", "I20"],
    ["dicom"],
    [
        ("관상동맥", "coronary artery"),
        ("CT 조영술", "CT angiography"),
        ("석회화 점수", "calcium score"),
        ("협심증", "angina"),
    ],
    ["body_part", "contrast_used", "slice_thickness_mm", "cac_score", "max_stenosis_percent"],
)
topic(
    "pci-registry",
    [CV],
    "registry",
    "경피적 관상동맥중재술 레지스트리",
    "Percutaneous coronary intervention registry",
    "관상동맥질환",
    "경피적 관상동맥중재술을 받은 환자",
    "patients who underwent percutaneous coronary intervention",
    "시술 적응증, 병변 특성, 스텐트 종류와 주요 심혈관 사건",
    "indications, lesion characteristics, stent types and major adverse cardiac events",
    ["I20", "I21", "I25"],
    ["edi"],
    [("관상동맥중재술", "PCI"), ("스텐트", "stent"), ("협심증", "angina"), ("심혈관 사건", "MACE")],
    ["edi_procedure_code", "culprit_vessel", "stent_count", "ldl_c", "mace_1y", "drug_atc_code"],
)
topic(
    "cardiac-rehab",
    [CV],
    "survey",
    "심장재활 프로그램 설문",
    "Cardiac rehabilitation survey",
    "관상동맥질환",
    "급성관상동맥증후군 후 심장재활에 참여한 환자",
    "patients attending cardiac rehabilitation after acute coronary syndrome",
    "운동능력, 삶의 질, 우울 척도와 재활 참여 횟수",
    "exercise capacity, quality of life, depression scales and session attendance",
    ["I21", "I25"],
    ["local"],
    [
        ("심장재활", "cardiac rehabilitation"),
        ("삶의 질", "quality of life"),
        ("운동부하검사", "exercise testing"),
        ("설문", "questionnaire"),
    ],
    ["rehab_sessions", "peak_vo2", "six_mwd_m", "phq9"],
)
topic(
    "tavi-registry",
    [CV],
    "registry",
    "대동맥판막 협착증 TAVI 레지스트리",
    "Aortic stenosis TAVI registry",
    "대동맥판막 협착증",
    "중증 대동맥판막 협착증으로 경피적 대동맥판막 치환술(TAVI)을 받은 환자",
    "patients with severe aortic stenosis treated by TAVI",
    "판막 면적, 압력차, STS 점수, 시술 합병증과 1년 생존",
    "valve area, gradients, STS score, procedural complications and one-year survival",
    ["I35.0"],
    ["edi"],
    [
        ("대동맥판막 협착증", "aortic stenosis"),
        ("TAVI", "TAVI"),
        ("판막", "heart valve"),
        ("고령", "elderly"),
    ],
    ["aortic_valve_area", "mean_gradient", "sts_score", "lvef_percent", "edi_procedure_code"],
    ages=(60, 99),
)
topic(
    "hcm-cmr",
    [CV],
    "imaging",
    "비후성 심근병증 심장 MRI",
    "Hypertrophic cardiomyopathy cardiac MRI",
    "비후성 심근병증",
    "비후성 심근병증으로 진단받은 환자",
    "patients diagnosed with hypertrophic cardiomyopathy",
    "심장 MRI 영상, 최대 심실벽 두께와 지연 조영증강",
    "cardiac MRI, maximal wall thickness and late gadolinium enhancement",
    ["I42.2"],
    ["dicom"],
    [
        ("비후성 심근병증", "hypertrophic cardiomyopathy"),
        ("심장 MRI", "cardiac MRI"),
        ("지연 조영증강", "LGE"),
        ("급사", "sudden death"),
    ],
    ["max_wall_thickness_mm", "lge_present", "lvef_percent", "contrast_used"],
    ages=(12, 90),
)
topic(
    "cmp-gene",
    [CV],
    "genomics",
    "유전성 심근병증 유전자 패널",
    "Inherited cardiomyopathy gene panel",
    "심근병증",
    "비후성·확장성 심근병증 환자와 가족",
    "patients with hypertrophic or dilated cardiomyopathy and their relatives",
    "심근병증 유전자 패널 변이와 가족력",
    "cardiomyopathy gene-panel variants and family history",
    ["I42.2", "I42.0"],
    ["local"],
    [
        ("심근병증", "cardiomyopathy"),
        ("유전자 패널", "gene panel"),
        ("MYBPC3", "MYBPC3"),
        ("가족 검사", "cascade screening"),
    ],
    ["lvef_percent", "max_wall_thickness_mm"],
    ages=(5, 85),
)
topic(
    "cv-claims",
    [CV],
    "claims",
    "심혈관질환 건강보험 청구자료",
    "Cardiovascular disease insurance claims",
    "심혈관질환",
    "심혈관질환으로 진료받은 환자",
    "patients treated for cardiovascular disease",
    "청구 진단명, 시술·처치 코드, 약제 처방과 진료비",
    "claim diagnoses, procedure codes, prescriptions and costs",
    ["I21", "I50", "I48"],
    ["edi", "atc"],
    [
        ("심혈관질환", "cardiovascular disease"),
        ("청구자료", "claims"),
        ("의료이용", "healthcare utilisation"),
        ("진료비", "costs"),
    ],
    ["length_of_stay_days", "days_supplied"],
)
topic(
    "lipid-statin",
    [CV, OT],
    "ehr",
    "이상지질혈증 스타틴 치료",
    "Dyslipidaemia statin therapy",
    "이상지질혈증",
    "이상지질혈증으로 지질저하제를 처방받은 환자",
    "patients prescribed lipid-lowering drugs for dyslipidaemia",
    "지질 검사, 스타틴·에제티미브 처방과 목표 LDL 도달 여부",
    "lipid panels, statin and ezetimibe prescriptions and LDL target attainment",
    ["E78", "I25"],
    ["loinc", "atc"],
    [
        ("이상지질혈증", "dyslipidaemia"),
        ("스타틴", "statin"),
        ("LDL 콜레스테롤", "LDL cholesterol"),
        ("심혈관 예방", "cardiovascular prevention"),
    ],
    ["ldl_c", "total_cholesterol", "lab_loinc_code", "drug_atc_code", "daily_dose_mg"],
)
topic(
    "ntprobnp-lab",
    [CV],
    "ehr",
    "심부전 NT-proBNP 검사 결과",
    "Heart failure NT-proBNP laboratory results",
    "심부전",
    "NT-proBNP 검사를 받은 심부전 의심 환자",
    "patients tested for NT-proBNP on suspicion of heart failure",
    "NT-proBNP와 신기능·전해질 검사 결과",
    "NT-proBNP with kidney function and electrolyte results",
    ["I50"],
    ["loinc"],
    [
        ("심부전", "heart failure"),
        ("NT-proBNP", "NT-proBNP"),
        ("진단검사", "laboratory tests"),
        ("바이오마커", "biomarker"),
    ],
    ["nt_probnp", "lab_loinc_code", "creatinine", "egfr_ckd_epi", "hemoglobin"],
)
topic(
    "holter",
    [CV],
    "ehr",
    "24시간 홀터 심전도",
    "24-hour Holter monitoring",
    "부정맥",
    "두근거림이나 실신으로 홀터 검사를 받은 환자",
    "patients monitored by Holter ECG for palpitations or syncope",
    "홀터 분석 요약, 심실조기수축 부담과 부정맥 사건",
    "Holter summaries, PVC burden and arrhythmia events",
    ["I49", "I48"],
    ["snomed-ct"],
    [("홀터", "Holter"), ("부정맥", "arrhythmia"), ("심실조기수축", "PVC"), ("심전도", "ECG")],
    ["ecg_id", "holter_duration_h", "pvc_burden", "heart_rate", "rhythm_label"],
    ages=(10, 95),
)
topic(
    "ohca-registry",
    [CV],
    "registry",
    "병원 밖 심정지 레지스트리",
    "Out-of-hospital cardiac arrest registry",
    "심정지",
    "병원 밖 심정지로 응급실에 이송된 환자",
    "patients brought to the emergency department after out-of-hospital cardiac arrest",
    "초기 리듬, 자발순환 회복, 목표체온유지치료와 신경학적 예후",
    "initial rhythm, return of spontaneous circulation, "
    "targeted temperature management and neurological outcome",
    ["I46"],
    ["local"],
    [
        ("심정지", "cardiac arrest"),
        ("심폐소생술", "CPR"),
        ("자발순환 회복", "ROSC"),
        ("응급의학", "emergency medicine"),
    ],
    ["initial_rhythm", "rosc", "cpc_score", "admission_date"],
    ages=(18, 99),
)
topic(
    "pah-registry",
    [CV, RS],
    "registry",
    "폐동맥고혈압 레지스트리",
    "Pulmonary arterial hypertension registry",
    "폐동맥고혈압",
    "우심도자술로 확진된 폐동맥고혈압 환자",
    "patients with pulmonary arterial hypertension confirmed by right heart catheterisation",
    "혈역학 지표, 6분 보행 거리와 표적치료제 처방",
    "haemodynamics, six-minute walk distance and targeted therapies",
    ["I27.0"],
    ["atc"],
    [
        ("폐동맥고혈압", "pulmonary arterial hypertension"),
        ("우심도자술", "right heart catheterisation"),
        ("희귀질환", "rare disease"),
        ("6분 보행", "six-minute walk"),
    ],
    ["mpap", "six_mwd_m", "nyha_class", "nt_probnp", "drug_atc_code"],
)
topic(
    "pad-angio",
    [CV],
    "imaging",
    "말초동맥질환 혈관조영술",
    "Peripheral arterial disease angiography",
    "말초동맥질환",
    "하지 말초동맥질환으로 혈관조영술을 받은 환자",
    "patients who had angiography for lower-limb peripheral arterial disease",
    "혈관조영 영상, 발목상완지수와 혈관 재개통 시술",
    "angiograms, ankle-brachial index and revascularisation",
    ["I73.9"],
    ["dicom", "edi"],
    [
        ("말초동맥질환", "peripheral arterial disease"),
        ("혈관조영술", "angiography"),
        ("발목상완지수", "ankle-brachial index"),
        ("혈관중재술", "endovascular therapy"),
    ],
    ["abi", "max_stenosis_percent", "edi_procedure_code", "contrast_used"],
    ages=(40, 95),
)
topic(
    "chd-registry",
    [CV],
    "registry",
    "선천성 심장질환 소아 레지스트리",
    "Paediatric congenital heart disease registry",
    "선천성 심장질환",
    "선천성 심장질환으로 수술받은 소아",
    "children operated on for congenital heart disease",
    "결손 유형, 수술 시 월령, 수술 방법과 장기 추적 결과",
    "defect type, age at surgery, operation and long-term follow-up",
    ["Q21"],
    ["edi"],
    [
        ("선천성 심장질환", "congenital heart disease"),
        ("소아", "paediatric"),
        ("심장수술", "cardiac surgery"),
        ("중격결손", "septal defect"),
    ],
    ["defect_type", "age_at_surgery_months", "edi_procedure_code", "weight_kg"],
    ages=(0, 18),
)
# ---- respiratory
topic(
    "copd-pft",
    [RS],
    "ehr",
    "만성폐쇄성폐질환 폐기능검사",
    "COPD pulmonary function tests",
    "만성폐쇄성폐질환",
    "만성폐쇄성폐질환(COPD)으로 진료받은 40세 이상 환자",
    "patients aged 40 and over treated for COPD",
    "폐활량 검사, 폐확산능, 급성 악화 횟수와 흡입제 처방",
    "spirometry, diffusing capacity, exacerbations and inhaler prescriptions",
    ["J44"],
    ["loinc", "atc"],
    [
        ("만성폐쇄성폐질환", "COPD"),
        ("폐기능검사", "pulmonary function test"),
        ("폐활량", "spirometry"),
        ("흡입제", "inhalers"),
    ],
    [
        "fev1_l",
        "fvc_l",
        "fev1_fvc_ratio",
        "fev1_percent_pred",
        "dlco_percent_pred",
        "bronchodilator_response",
        "gold_grade",
        "exacerbations_12m",
        "smoking_status",
        "pack_years",
    ],
    ages=(40, 95),
)
topic(
    "asthma-emr",
    [RS],
    "ehr",
    "천식 외래 EMR",
    "Asthma outpatient EMR",
    "천식",
    "천식으로 외래 진료를 받은 환자",
    "outpatients treated for asthma",
    "증상 조절 정도, 호산구 수, 호기 산화질소와 흡입 스테로이드 처방",
    "symptom control, eosinophil counts, FeNO and inhaled corticosteroid prescriptions",
    ["J45"],
    ["loinc", "atc"],
    [
        ("천식", "asthma"),
        ("외래", "outpatient"),
        ("흡입 스테로이드", "inhaled corticosteroid"),
        ("호산구", "eosinophils"),
        ("EMR", "EMR"),
    ],
    ["eosinophil_count", "feno_ppb", "act_score", "ics_use", "drug_atc_code", "fev1_l", "exacerbations_12m"],
    ages=(6, 90),
)
topic(
    "cap-admission",
    [RS],
    "ehr",
    "지역사회획득 폐렴 입원",
    "Community-acquired pneumonia admissions",
    "폐렴",
    "지역사회획득 폐렴으로 입원한 성인",
    "adults admitted with community-acquired pneumonia",
    "중증도 점수, 염증 표지자, 배양 결과와 항생제 처방",
    "severity scores, inflammatory markers, cultures and antibiotic prescriptions",
    ["J18"],
    ["loinc", "atc"],
    [("폐렴", "pneumonia"), ("입원", "hospitalisation"), ("항생제", "antibiotics"), ("CURB-65", "CURB-65")],
    [
        "admission_date",
        "discharge_date",
        "length_of_stay_days",
        "curb65",
        "crp",
        "procalcitonin",
        "spo2_percent",
        "culture_organism",
        "drug_atc_code",
        "icu_admission",
    ],
)
topic(
    "ipf-hrct",
    [RS],
    "imaging",
    "특발성 폐섬유증 HRCT",
    "Idiopathic pulmonary fibrosis HRCT",
    "특발성 폐섬유증",
    "특발성 폐섬유증으로 진단받은 환자",
    "patients diagnosed with idiopathic pulmonary fibrosis",
    "고해상도 흉부 CT, UIP 양상 판독과 폐기능 추적",
    "high-resolution chest CT, UIP pattern reads and lung-function follow-up",
    ["J84.1"],
    ["dicom"],
    [
        ("특발성 폐섬유증", "idiopathic pulmonary fibrosis"),
        ("HRCT", "HRCT"),
        ("간질성 폐질환", "interstitial lung disease"),
        ("항섬유화제", "antifibrotic"),
    ],
    ["body_part", "slice_thickness_mm", "hrct_pattern", "fvc_l", "dlco_percent_pred"],
    ages=(45, 95),
)
topic(
    "tb-registry",
    [RS],
    "registry",
    "폐결핵 치료 레지스트리",
    "Pulmonary tuberculosis treatment registry",
    "폐결핵",
    "폐결핵으로 치료를 시작한 환자",
    "patients starting treatment for pulmonary tuberculosis",
    "객담 도말·배양, 약제 내성과 치료 결과",
    "sputum smear and culture, drug resistance and treatment outcome",
    ["A15"],
    ["atc"],
    [
        ("결핵", "tuberculosis"),
        ("다제내성", "MDR-TB"),
        ("치료 성공률", "treatment success"),
        ("감염병", "infectious disease"),
    ],
    ["afb_smear", "culture_organism", "drug_resistance", "treatment_outcome", "drug_atc_code"],
)
topic(
    "covid-inpatient",
    [RS, OT],
    "ehr",
    "코로나19 입원 환자 코호트",
    "COVID-19 inpatient cohort",
    "코로나19",
    "코로나19로 입원한 환자",
    "patients hospitalised with COVID-19",
    "중증도, 산소 치료, 검사 결과, 백신 접종력과 퇴원 시 결과",
    "severity, oxygen therapy, laboratory results, vaccination history and outcome at discharge",
    ["U07.1", "J18"],
    ["loinc", "atc"],
    [("코로나19", "COVID-19"), ("입원", "hospitalisation"), ("중증도", "severity"), ("백신", "vaccination")],
    [
        "admission_date",
        "discharge_date",
        "who_severity",
        "spo2_percent",
        "crp",
        "vaccination_doses",
        "icu_admission",
        "vital_status",
    ],
    ages=(0, 99),
)
topic(
    "osa-psg",
    [RS, OT],
    "ehr",
    "폐쇄성 수면무호흡 수면다원검사",
    "Obstructive sleep apnoea polysomnography",
    "수면무호흡",
    "수면다원검사를 받은 코골이·수면무호흡 의심 환자",
    "patients with suspected sleep apnoea who underwent polysomnography",
    "무호흡-저호흡 지수, 산소포화도 지표와 양압기 처방",
    "apnoea-hypopnoea index, oximetry indices and CPAP prescription",
    ["G47.3"],
    ["local"],
    [
        ("수면무호흡", "sleep apnoea"),
        ("수면다원검사", "polysomnography"),
        ("양압기", "CPAP"),
        ("코골이", "snoring"),
    ],
    ["ahi", "odi", "spo2_percent", "bmi", "cpap_prescribed"],
)
topic(
    "cxr",
    [RS],
    "imaging",
    "흉부 X선 영상",
    "Chest X-ray images",
    "폐질환",
    "흉부 X선 촬영을 받은 외래·입원 환자",
    "outpatients and inpatients who had a chest radiograph",
    "흉부 X선 영상과 폐렴·결절·기흉 등 판독 라벨",
    "chest radiographs with labels for pneumonia, nodules, pneumothorax and other findings",
    ["J18", "J44"],
    ["dicom"],
    [
        ("흉부 X선", "chest X-ray"),
        ("판독 라벨", "report labels"),
        ("인공지능", "AI"),
        ("의료영상", "medical imaging"),
    ],
    ["view_position", "body_part", "report_finding"],
    ages=(0, 99),
)
topic(
    "bronchiectasis",
    [RS],
    "registry",
    "기관지확장증 레지스트리",
    "Bronchiectasis registry",
    "기관지확장증",
    "CT로 확진된 기관지확장증 환자",
    "patients with CT-confirmed bronchiectasis",
    "중증도 지수, 녹농균 집락, 급성 악화와 폐기능",
    "severity index, Pseudomonas colonisation, exacerbations and lung function",
    ["J47"],
    ["loinc"],
    [
        ("기관지확장증", "bronchiectasis"),
        ("녹농균", "Pseudomonas"),
        ("급성 악화", "exacerbation"),
        ("레지스트리", "registry"),
    ],
    ["bsi_score", "culture_organism", "exacerbations_12m", "fev1_percent_pred"],
)
topic(
    "icu-ventilation",
    [RS, OT],
    "ehr",
    "중환자실 인공호흡기 치료",
    "ICU mechanical ventilation",
    "호흡부전",
    "급성 호흡부전으로 중환자실에서 인공호흡기 치료를 받은 환자",
    "ICU patients ventilated for acute respiratory failure",
    "인공호흡기 설정, PaO2/FiO2 비, 중증도 점수와 이탈 결과",
    "ventilator settings, PaO2/FiO2 ratios, severity scores and weaning outcome",
    ["J96", "A41"],
    ["loinc"],
    [
        ("중환자실", "intensive care"),
        ("인공호흡기", "mechanical ventilation"),
        ("호흡부전", "respiratory failure"),
        ("ARDS", "ARDS"),
    ],
    ["admission_date", "ventilator_days", "pf_ratio", "peep", "apache_ii", "sofa", "vital_status"],
)
topic(
    "copd-claims",
    [RS],
    "claims",
    "COPD 흡입제 청구자료",
    "COPD inhaler claims",
    "만성폐쇄성폐질환",
    "흡입제를 처방받은 COPD 환자",
    "COPD patients dispensed inhalers",
    "흡입제 종류, 처방 일수, 입원과 진료비",
    "inhaler classes, days supplied, admissions and costs",
    ["J44"],
    ["edi", "atc"],
    [
        ("만성폐쇄성폐질환", "COPD"),
        ("흡입제", "inhalers"),
        ("청구자료", "claims"),
        ("약제 순응도", "adherence"),
    ],
    ["days_supplied", "length_of_stay_days"],
    ages=(40, 99),
)
topic(
    "asthma-act",
    [RS],
    "survey",
    "천식 조절 설문(ACT)",
    "Asthma Control Test survey",
    "천식",
    "천식으로 치료 중인 외래 환자",
    "outpatients treated for asthma",
    "천식조절검사(ACT) 점수와 흡입기 사용 습관",
    "Asthma Control Test scores and inhaler technique",
    ["J45"],
    ["local"],
    [
        ("천식", "asthma"),
        ("천식조절검사", "asthma control test"),
        ("설문", "questionnaire"),
        ("환자보고성과", "PROM"),
    ],
    ["act_score", "ics_use", "exacerbations_12m"],
    ages=(12, 90),
)
# ---- other
topic(
    "t2dm-hba1c",
    [OT],
    "ehr",
    "제2형 당뇨병 당화혈색소 검사",
    "Type 2 diabetes HbA1c laboratory results",
    "당뇨병",
    "제2형 당뇨병으로 진료받은 성인",
    "adults treated for type 2 diabetes",
    "당화혈색소, 공복 혈당과 신기능 검사 추이",
    "HbA1c, fasting glucose and kidney-function trajectories",
    ["E11"],
    ["loinc"],
    [
        ("당뇨병", "diabetes"),
        ("당화혈색소", "HbA1c"),
        ("혈당", "blood glucose"),
        ("만성질환", "chronic disease"),
    ],
    ["hba1c", "fasting_glucose", "lab_loinc_code", "creatinine", "egfr_ckd_epi", "urine_acr", "bmi"],
)
topic(
    "dm-cohort",
    [OT],
    "ehr",
    "당뇨병 EMR 코호트",
    "Diabetes EMR cohort",
    "당뇨병",
    "당뇨병으로 진단받은 성인 환자",
    "adults diagnosed with diabetes",
    "진단, 혈당강하제 처방, 합병증과 검사 결과",
    "diagnoses, glucose-lowering prescriptions, complications and laboratory results",
    ["E11"],
    ["atc", "loinc"],
    [
        ("당뇨병", "diabetes"),
        ("혈당강하제", "glucose-lowering drugs"),
        ("합병증", "complications"),
        ("EMR", "EMR"),
        ("메트포르민", "metformin"),
    ],
    [
        "secondary_diagnosis_codes",
        "drug_atc_code",
        "insulin_use",
        "hba1c",
        "egfr_ckd_epi",
        "systolic_bp",
        "bmi",
    ],
)
topic(
    "ckd-hd",
    [OT],
    "registry",
    "만성콩팥병 혈액투석 레지스트리",
    "Chronic kidney disease haemodialysis registry",
    "만성콩팥병",
    "말기 신부전으로 유지 투석 중인 환자",
    "patients on maintenance dialysis for end-stage kidney disease",
    "투석 방법, 투석 적절도, 빈혈 지표와 입원·사망",
    "dialysis modality, adequacy, anaemia markers, hospitalisation and death",
    ["N18"],
    ["loinc"],
    [
        ("만성콩팥병", "chronic kidney disease"),
        ("혈액투석", "haemodialysis"),
        ("말기신부전", "end-stage kidney disease"),
        ("투석", "dialysis"),
    ],
    ["dialysis_modality", "kt_v", "hemoglobin", "creatinine", "systolic_bp"],
)
topic(
    "stroke-mri",
    [OT],
    "imaging",
    "급성 허혈성 뇌졸중 MRI",
    "Acute ischaemic stroke MRI",
    "뇌졸중",
    "급성 허혈성 뇌졸중으로 응급실에 내원한 환자",
    "patients arriving at the emergency department with acute ischaemic stroke",
    "확산강조영상(DWI)·관류 MRI와 경색 부피, 재개통 치료 정보",
    "diffusion and perfusion MRI, infarct volume and reperfusion therapy",
    ["I63"],
    ["dicom"],
    [("뇌졸중", "stroke"), ("뇌경색", "cerebral infarction"), ("MRI", "MRI"), ("혈전제거술", "thrombectomy")],
    ["body_part", "infarct_volume_ml", "nihss", "thrombolysis", "thrombectomy"],
)
topic(
    "stroke-registry",
    [OT],
    "registry",
    "뇌졸중 레지스트리",
    "Stroke registry",
    "뇌졸중",
    "급성 뇌졸중으로 입원한 환자",
    "patients admitted with acute stroke",
    "발병-내원 시간, NIHSS, TOAST 분류, 재관류 치료와 90일 기능 예후",
    "onset-to-door time, NIHSS, TOAST class, reperfusion therapy and 90-day functional outcome",
    ["I63", "I61"],
    ["edi"],
    [
        ("뇌졸중", "stroke"),
        ("뇌경색", "cerebral infarction"),
        ("뇌출혈", "intracerebral haemorrhage"),
        ("mRS", "mRS"),
    ],
    ["onset_to_door_min", "nihss", "toast_class", "thrombolysis", "thrombectomy", "mrs_90d"],
)
topic(
    "dementia-cog",
    [OT],
    "survey",
    "치매 인지기능 평가",
    "Dementia cognitive assessment",
    "치매",
    "기억장애로 신경과를 방문한 60세 이상 환자",
    "patients aged 60 and over seen in neurology for memory complaints",
    "MMSE, 임상치매척도(CDR)와 신경심리검사 결과",
    "MMSE, Clinical Dementia Rating and neuropsychological test results",
    ["F00", "G30", "F03"],
    ["local"],
    [
        ("치매", "dementia"),
        ("알츠하이머병", "Alzheimer disease"),
        ("인지기능", "cognition"),
        ("MMSE", "MMSE"),
    ],
    ["mmse", "cdr", "apoe_genotype"],
    ages=(60, 99),
)
topic(
    "amyloid-pet",
    [OT],
    "imaging",
    "알츠하이머병 아밀로이드 PET",
    "Alzheimer's disease amyloid PET",
    "알츠하이머병",
    "인지저하로 아밀로이드 PET을 촬영한 환자",
    "patients with cognitive decline who had amyloid PET",
    "아밀로이드 PET 영상, SUVR과 APOE 유전자형",
    "amyloid PET scans, SUVR and APOE genotype",
    ["G30", "F00"],
    ["dicom"],
    [
        ("알츠하이머병", "Alzheimer disease"),
        ("아밀로이드 PET", "amyloid PET"),
        ("치매", "dementia"),
        ("핵의학", "nuclear medicine"),
    ],
    ["amyloid_suvr", "apoe_genotype", "mmse"],
    ages=(50, 95),
)
topic(
    "osteoporosis-dxa",
    [OT],
    "imaging",
    "골다공증 골밀도 검사",
    "Osteoporosis bone densitometry",
    "골다공증",
    "골밀도 검사(DXA)를 받은 폐경 후 여성과 50세 이상 남성",
    "postmenopausal women and men over 50 who had DXA",
    "요추·대퇴골 T-점수와 골절 병력",
    "lumbar and femoral T-scores and fracture history",
    ["M81"],
    ["dicom"],
    [("골다공증", "osteoporosis"), ("골밀도", "bone mineral density"), ("DXA", "DXA"), ("골절", "fracture")],
    ["t_score_lumbar", "body_part", "bmi"],
    ages=(50, 95),
)
topic(
    "ra-biologics",
    [OT],
    "ehr",
    "류마티스관절염 생물학적제제 치료",
    "Rheumatoid arthritis biologic therapy",
    "류마티스관절염",
    "생물학적제제를 투여받은 류마티스관절염 환자",
    "rheumatoid arthritis patients on biologic agents",
    "질병활성도(DAS28), 항CCP 항체와 생물학적제제 처방",
    "disease activity (DAS28), anti-CCP antibodies and biologic prescriptions",
    ["M05"],
    ["atc", "loinc"],
    [
        ("류마티스관절염", "rheumatoid arthritis"),
        ("생물학적제제", "biologics"),
        ("DAS28", "DAS28"),
        ("자가면역", "autoimmune"),
    ],
    ["das28", "anti_ccp", "crp", "drug_atc_code"],
)
topic(
    "hbv-cohort",
    [OT],
    "ehr",
    "만성 B형간염 항바이러스 치료",
    "Chronic hepatitis B antiviral therapy",
    "B형간염",
    "만성 B형간염으로 항바이러스제를 복용 중인 환자",
    "patients taking antivirals for chronic hepatitis B",
    "HBV DNA, 간기능 검사, 항바이러스제 처방과 간암 발생",
    "HBV DNA, liver enzymes, antiviral prescriptions and incident liver cancer",
    ["B18.1"],
    ["loinc", "atc"],
    [
        ("B형간염", "hepatitis B"),
        ("항바이러스제", "antivirals"),
        ("간기능", "liver function"),
        ("간암 감시", "HCC surveillance"),
    ],
    ["hbv_dna", "alt", "lab_loinc_code", "drug_atc_code"],
)
topic(
    "depression-phq9",
    [OT],
    "survey",
    "우울증 PHQ-9 설문",
    "Depression PHQ-9 survey",
    "우울증",
    "정신건강의학과 외래 환자",
    "psychiatric outpatients",
    "PHQ-9 점수와 항우울제 처방 여부",
    "PHQ-9 scores and antidepressant use",
    ["F32"],
    ["local"],
    [("우울증", "depression"), ("PHQ-9", "PHQ-9"), ("정신건강", "mental health"), ("설문", "questionnaire")],
    ["phq9"],
    ages=(18, 90),
)
topic(
    "sepsis-icu",
    [OT],
    "ehr",
    "패혈증 중환자 코호트",
    "Sepsis ICU cohort",
    "패혈증",
    "패혈증으로 중환자실에 입실한 성인",
    "adults admitted to intensive care with sepsis",
    "SOFA 점수, 젖산, 혈액 배양과 항생제 투여 시각",
    "SOFA scores, lactate, blood cultures and antibiotic timing",
    ["A41"],
    ["loinc", "atc"],
    [
        ("패혈증", "sepsis"),
        ("중환자실", "intensive care"),
        ("혈액 배양", "blood culture"),
        ("항생제", "antibiotics"),
    ],
    ["admission_date", "sofa", "lactate", "blood_culture", "drug_atc_code", "vital_status"],
)
topic(
    "gdm-registry",
    [OT],
    "registry",
    "임신성 당뇨 레지스트리",
    "Gestational diabetes registry",
    "임신성 당뇨",
    "임신성 당뇨로 진단받은 산모",
    "pregnant women diagnosed with gestational diabetes",
    "임신 주수, 혈당 검사, 인슐린 치료와 출생 체중",
    "gestational age, glucose tests, insulin treatment and birth weight",
    ["O24.4"],
    ["loinc"],
    [
        ("임신성 당뇨", "gestational diabetes"),
        ("산모", "pregnancy"),
        ("출생 체중", "birth weight"),
        ("모성 건강", "maternal health"),
    ],
    ["gestational_week", "fasting_glucose", "insulin_use", "birth_weight_g"],
    ages=(18, 48),
)
topic(
    "ktx-registry",
    [OT],
    "registry",
    "신장이식 레지스트리",
    "Kidney transplant registry",
    "신장이식",
    "신장이식을 받은 환자",
    "kidney transplant recipients",
    "공여자 유형, 면역억제제 농도, 거부반응과 이식신 생존",
    "donor type, immunosuppressant levels, rejection and graft survival",
    ["Z94.0", "N18"],
    ["loinc"],
    [
        ("신장이식", "kidney transplant"),
        ("면역억제제", "immunosuppression"),
        ("거부반응", "rejection"),
        ("이식신 생존", "graft survival"),
    ],
    ["donor_type", "tacrolimus_trough", "rejection_episode", "creatinine", "egfr_ckd_epi"],
)
topic(
    "parkinson",
    [OT],
    "registry",
    "파킨슨병 레지스트리",
    "Parkinson's disease registry",
    "파킨슨병",
    "파킨슨병으로 진단받은 환자",
    "patients diagnosed with Parkinson's disease",
    "운동 증상 점수, 병기와 도파민 약물 용량",
    "motor scores, disease stage and dopaminergic medication",
    ["G20"],
    ["atc"],
    [
        ("파킨슨병", "Parkinson's disease"),
        ("운동장애", "movement disorder"),
        ("레보도파", "levodopa"),
        ("신경퇴행", "neurodegeneration"),
    ],
    ["updrs_iii", "hoehn_yahr", "levodopa_equivalent"],
    ages=(40, 95),
)
topic(
    "bariatric",
    [OT],
    "registry",
    "비만 대사수술 레지스트리",
    "Bariatric surgery registry",
    "고도비만",
    "고도비만으로 대사수술을 받은 환자",
    "patients who had metabolic surgery for severe obesity",
    "수술 방법, 체중 감소, 당뇨 관해와 합병증",
    "procedure, weight loss, diabetes remission and complications",
    ["E66", "E11"],
    ["edi"],
    [
        ("비만", "obesity"),
        ("대사수술", "metabolic surgery"),
        ("체중 감소", "weight loss"),
        ("당뇨 관해", "diabetes remission"),
    ],
    ["edi_procedure_code", "bmi", "weight_kg", "excess_weight_loss", "hba1c"],
    ages=(18, 70),
)
# ---- ophthalmology
topic(
    "dr-fundus",
    [OP, OT],
    "imaging",
    "당뇨망막병증 안저사진",
    "Diabetic retinopathy fundus photographs",
    "당뇨망막병증",
    "당뇨병으로 안저 검사를 받은 환자",
    "patients with diabetes who had fundus photography",
    "컬러 안저사진, 당뇨망막병증 등급과 황반부종 여부",
    "colour fundus photographs, diabetic retinopathy grades and macular oedema",
    ["H36.0", "E11.3"],
    ["dicom"],
    [
        ("당뇨망막병증", "diabetic retinopathy"),
        ("안저사진", "fundus photography"),
        ("망막", "retina"),
        ("인공지능", "AI"),
        ("선별검사", "screening"),
    ],
    ["eye_laterality", "image_field", "dr_grade", "dme_present", "hba1c", "visual_acuity_logmar"],
    extra=(
        "두 명의 망막 전문의가 독립적으로 등급을 판정하였습니다.",
        "Each image was graded independently by two retina specialists.",
    ),
)
topic(
    "glaucoma-oct",
    [OP],
    "imaging",
    "녹내장 OCT",
    "Glaucoma OCT",
    "녹내장",
    "녹내장 또는 녹내장 의증으로 추적 관찰 중인 환자",
    "patients followed for glaucoma or suspected glaucoma",
    "시신경유두·황반부 빛간섭단층촬영(OCT), 망막신경섬유층 두께",
    "optic disc and macular OCT scans and retinal nerve fibre layer thickness",
    ["H40", "H40.1"],
    ["dicom"],
    [("녹내장", "glaucoma"), ("OCT", "OCT"), ("망막신경섬유층", "RNFL"), ("시신경", "optic nerve")],
    ["eye_laterality", "rnfl_thickness_um", "gcipl_thickness_um", "cup_disc_ratio", "iop_mmhg"],
)
topic(
    "glaucoma-vf",
    [OP],
    "ehr",
    "녹내장 시야검사",
    "Glaucoma visual field tests",
    "녹내장",
    "녹내장으로 정기 시야검사를 받은 환자",
    "glaucoma patients with regular visual field testing",
    "자동시야검사 지표(MD·PSD·VFI)와 진행 여부",
    "automated perimetry indices (MD, PSD, VFI) and progression",
    ["H40.1"],
    ["local"],
    [
        ("녹내장", "glaucoma"),
        ("시야검사", "visual field"),
        ("진행", "progression"),
        ("안과", "ophthalmology"),
    ],
    ["eye_laterality", "vf_md_db", "vf_psd_db", "vfi_percent", "iop_mmhg"],
)
topic(
    "glaucoma-iop",
    [OP],
    "ehr",
    "녹내장 안압 추적 기록",
    "Glaucoma intraocular pressure follow-up",
    "녹내장",
    "안압하강제를 사용하는 녹내장 환자",
    "glaucoma patients using pressure-lowering drops",
    "안압 측정값, 중심각막두께와 안약 처방",
    "intraocular pressure readings, central corneal thickness and eye-drop prescriptions",
    ["H40"],
    ["atc"],
    [
        ("녹내장", "glaucoma"),
        ("안압", "intraocular pressure"),
        ("안약", "eye drops"),
        ("추적 관찰", "follow-up"),
    ],
    ["eye_laterality", "iop_mmhg", "cct_um", "drug_atc_code", "visual_acuity_logmar"],
)
topic(
    "namd-antivegf",
    [OP],
    "registry",
    "습성 황반변성 항VEGF 주사 레지스트리",
    "Neovascular AMD anti-VEGF injection registry",
    "황반변성",
    "습성 연령관련 황반변성으로 항VEGF 주사를 받은 환자",
    "patients receiving anti-VEGF injections for neovascular age-related macular degeneration",
    "주사 약제와 횟수, 시력, 중심 황반 두께와 망막 액체",
    "agent and number of injections, visual acuity, central subfield thickness and retinal fluid",
    ["H35.3"],
    ["atc"],
    [
        ("황반변성", "macular degeneration"),
        ("항VEGF", "anti-VEGF"),
        ("유리체강내 주사", "intravitreal injection"),
        ("시력", "visual acuity"),
    ],
    ["eye_laterality", "drug_atc_code", "injection_count", "visual_acuity_logmar", "cst_um", "fluid_status"],
    ages=(50, 99),
)
topic(
    "amd-oct",
    [OP],
    "imaging",
    "황반변성 OCT 영상",
    "Macular degeneration OCT images",
    "황반변성",
    "연령관련 황반변성 환자",
    "patients with age-related macular degeneration",
    "황반부 OCT 볼륨 스캔과 병변 라벨",
    "macular OCT volume scans and lesion labels",
    ["H35.3"],
    ["dicom"],
    [("황반변성", "macular degeneration"), ("OCT", "OCT"), ("망막", "retina"), ("인공지능", "AI")],
    ["eye_laterality", "amd_type", "cst_um", "fluid_status"],
    ages=(50, 99),
)
topic(
    "cataract-surgery",
    [OP],
    "registry",
    "백내장 수술 레지스트리",
    "Cataract surgery registry",
    "백내장",
    "노년백내장으로 수술받은 환자",
    "patients operated on for age-related cataract",
    "수정체 혼탁 등급, 안축장, 인공수정체 도수와 수술 후 시력",
    "lens opacity grade, axial length, IOL power and postoperative acuity",
    ["H25"],
    ["edi"],
    [
        ("백내장", "cataract"),
        ("인공수정체", "intraocular lens"),
        ("수술 성적", "surgical outcomes"),
        ("시력", "visual acuity"),
    ],
    [
        "eye_laterality",
        "locs_grade",
        "axial_length_mm",
        "iol_power_d",
        "visual_acuity_logmar",
        "edi_procedure_code",
    ],
    ages=(40, 99),
)
topic(
    "myopia-kids",
    [OP],
    "ehr",
    "소아 근시 굴절검사",
    "Paediatric myopia refraction",
    "근시",
    "근시로 진료받은 학령기 아동",
    "school-age children seen for myopia",
    "조절마비 굴절검사, 안축장과 저농도 아트로핀 치료",
    "cycloplegic refraction, axial length and low-dose atropine treatment",
    ["H52.1"],
    ["atc"],
    [("근시", "myopia"), ("소아", "paediatric"), ("안축장", "axial length"), ("아트로핀", "atropine")],
    ["eye_laterality", "spherical_equivalent_d", "axial_length_mm", "atropine_use"],
    ages=(5, 18),
)
topic(
    "rvo",
    [OP],
    "imaging",
    "망막정맥폐쇄 영상",
    "Retinal vein occlusion imaging",
    "망막정맥폐쇄",
    "망막정맥폐쇄로 진단받은 환자",
    "patients diagnosed with retinal vein occlusion",
    "형광안저혈관조영, OCT와 황반부종 치료 경과",
    "fluorescein angiography, OCT and macular oedema treatment course",
    ["H34.8"],
    ["dicom"],
    [
        ("망막정맥폐쇄", "retinal vein occlusion"),
        ("형광안저혈관조영", "fluorescein angiography"),
        ("황반부종", "macular oedema"),
        ("망막", "retina"),
    ],
    ["eye_laterality", "rvo_type", "cst_um", "visual_acuity_logmar"],
    ages=(30, 95),
)
topic(
    "dry-eye",
    [OP],
    "survey",
    "안구건조증 OSDI 설문",
    "Dry eye OSDI survey",
    "안구건조증",
    "안구건조증으로 외래 진료를 받은 환자",
    "outpatients treated for dry eye disease",
    "OSDI 점수, 눈물막 파괴 시간과 쉬르머 검사",
    "OSDI scores, tear break-up time and Schirmer test",
    ["H04.1"],
    ["local"],
    [("안구건조증", "dry eye"), ("OSDI", "OSDI"), ("눈물막", "tear film"), ("설문", "questionnaire")],
    ["osdi_score", "tbut_s", "schirmer_mm"],
)
topic(
    "keratoplasty",
    [OP],
    "registry",
    "각막이식 레지스트리",
    "Corneal transplant registry",
    "원추각막",
    "원추각막 등으로 각막이식을 받은 환자",
    "patients who had corneal transplantation, mostly for keratoconus",
    "각막 굴절력, 이식 방법, 이식편 상태와 시력",
    "keratometry, graft technique, graft status and visual acuity",
    ["H18.6", "Z94.7"],
    ["edi"],
    [
        ("각막이식", "corneal transplant"),
        ("원추각막", "keratoconus"),
        ("이식편", "graft"),
        ("각막", "cornea"),
    ],
    ["eye_laterality", "kmax_d", "graft_status", "edi_procedure_code", "visual_acuity_logmar"],
    ages=(10, 90),
)
topic(
    "uveitis",
    [OP],
    "ehr",
    "포도막염 진료기록",
    "Uveitis clinical records",
    "포도막염",
    "포도막염으로 치료받은 환자",
    "patients treated for uveitis",
    "염증 부위와 등급, 스테로이드·면역억제제 처방과 합병증",
    "site and grade of inflammation, steroid and immunosuppressant prescriptions and complications",
    ["H20"],
    ["atc"],
    [
        ("포도막염", "uveitis"),
        ("안염증", "ocular inflammation"),
        ("면역억제제", "immunosuppressants"),
        ("베체트병", "Behçet disease"),
    ],
    ["eye_laterality", "uveitis_site", "ac_cell_grade", "drug_atc_code", "iop_mmhg"],
)
topic(
    "ird-genes",
    [OP],
    "genomics",
    "유전성 망막질환 유전자 패널",
    "Inherited retinal disease gene panel",
    "유전성 망막질환",
    "망막색소변성 등 유전성 망막질환 환자와 가족",
    "patients with inherited retinal diseases such as retinitis pigmentosa and their relatives",
    "망막질환 유전자 패널 변이와 표현형",
    "retinal-dystrophy gene-panel variants and phenotypes",
    ["H35.5"],
    ["local"],
    [
        ("유전성 망막질환", "inherited retinal disease"),
        ("망막색소변성", "retinitis pigmentosa"),
        ("유전자 패널", "gene panel"),
        ("희귀질환", "rare disease"),
    ],
    ["eye_laterality", "visual_acuity_logmar"],
    ages=(1, 80),
)
topic(
    "eye-claims",
    [OP],
    "claims",
    "안과 진료 건강보험 청구자료",
    "Eye care insurance claims",
    "안질환",
    "안과 진료를 받은 환자",
    "patients seen in ophthalmology",
    "청구 진단명, 안과 시술 코드, 점안제 처방과 진료비",
    "claim diagnoses, ophthalmic procedure codes, eye-drop prescriptions and costs",
    ["H25", "H40", "H36.0"],
    ["edi", "atc"],
    [
        ("안과", "ophthalmology"),
        ("청구자료", "claims"),
        ("의료이용", "healthcare utilisation"),
        ("백내장 수술", "cataract surgery"),
    ],
    ["days_supplied"],
    ages=(0, 99),
)
topic(
    "rd-registry",
    [OP],
    "registry",
    "망막박리 수술 레지스트리",
    "Retinal detachment surgery registry",
    "망막박리",
    "열공망막박리로 수술받은 환자",
    "patients operated on for rhegmatogenous retinal detachment",
    "박리 범위, 수술 방법, 증식유리체망막병증과 재유착 성공",
    "extent of detachment, surgical approach, PVR and reattachment success",
    ["H33"],
    ["edi"],
    [
        ("망막박리", "retinal detachment"),
        ("유리체절제술", "vitrectomy"),
        ("망막", "retina"),
        ("수술 성적", "surgical outcomes"),
    ],
    ["eye_laterality", "pvr_grade", "edi_procedure_code", "visual_acuity_logmar"],
)
topic(
    "strabismus",
    [OP],
    "ehr",
    "사시 진료기록",
    "Strabismus clinical records",
    "사시",
    "사시로 진료받은 소아와 성인",
    "children and adults treated for strabismus",
    "편위량, 양안시 기능과 수술 여부",
    "angle of deviation, binocular function and surgery",
    ["H50"],
    ["edi"],
    [
        ("사시", "strabismus"),
        ("소아안과", "paediatric ophthalmology"),
        ("양안시", "binocular vision"),
        ("사시 수술", "strabismus surgery"),
    ],
    ["deviation_pd", "edi_procedure_code", "visual_acuity_logmar"],
    ages=(1, 80),
)
topic(
    "uwf-fundus",
    [OP, OT],
    "imaging",
    "당뇨망막병증 초광각 안저사진",
    "Diabetic retinopathy ultra-widefield fundus images",
    "당뇨망막병증",
    "당뇨병으로 망막 주변부 검사를 받은 환자",
    "patients with diabetes who had ultra-widefield retinal imaging",
    "초광각 안저사진과 주변부 병변 등급",
    "ultra-widefield fundus images and peripheral lesion grades",
    ["H36.0", "E11.3"],
    ["dicom"],
    [
        ("당뇨망막병증", "diabetic retinopathy"),
        ("초광각 안저", "ultra-widefield"),
        ("안저사진", "fundus photography"),
        ("망막", "retina"),
    ],
    ["eye_laterality", "image_field", "dr_grade", "hba1c"],
)

TOPICS_BY_AREA = {a: [t for t in TOPICS if t["areas"][0] == a] for a in AREAS}

PURPOSES = {
    "registry": [
        ("1년 예후", "One-year outcome"),
        ("재입원 예측", "Readmission prediction"),
        ("생존 분석", "Survival analysis"),
        ("치료 반응", "Treatment response"),
    ],
    "ehr": [
        ("예측 모델 개발", "Prediction model development"),
        ("진료 패턴 분석", "Care pattern analysis"),
        ("약물 안전성", "Drug safety"),
    ],
    "imaging": [("AI 학습용 비식별 영상", "De-identified AI training"), ("판독 검증", "Reader validation")],
    "genomics": [("변이 빈도 분석", "Variant frequency analysis")],
    "claims": [("의료이용 분석", "Healthcare utilisation analysis")],
    "survey": [("환자보고성과 분석", "Patient-reported outcome analysis")],
}
COUNT_RANGE = {
    "ehr": (3000, 120000),
    "imaging": (800, 25000),
    "genomics": (150, 4000),
    "registry": (500, 20000),
    "claims": (20000, 300000),
    "survey": (200, 4000),
}
RECORD_FACTOR = {
    "ehr": (5, 40),
    "imaging": (1.2, 4),
    "genomics": (30, 150),
    "registry": (1, 3),
    "claims": (10, 60),
    "survey": (1, 4),
}
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
ACCESS_TEXT = {
    "PUBLIC": (
        "메타데이터와 집계 통계는 누구나 열람할 수 있으며, 개인 단위 자료는 제공하지 않습니다.",
        "Metadata and aggregate statistics are open to anyone; no individual-level data are released.",
    ),
    "RESTRICTED": (
        "환자 식별자는 모두 가명처리되었으며, 컨소시엄 연구자가 "
        "승인을 받아 안전한 분석 환경에서 이용할 수 있습니다.",
        "All patient identifiers are pseudonymised; consortium researchers can use the data in a secure "
        "analysis environment after approval.",
    ),
    "NON_PUBLIC": (
        "가명처리된 자료이며 기관 IRB 승인과 데이터심의위원회 심의를 거쳐야 이용할 수 있습니다.",
        "The data are pseudonymised and available only after IRB approval and review by the hospital's "
        "data access committee.",
    ),
}


# --------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------
def slugify(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def lc_first(s):
    if s.startswith(("Alzheimer", "Parkinson")) or len(s) < 2 or not s[1].islower():
        return s
    return s[0].lower() + s[1:]


def month_end(y, m):
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def add_days(d, n):
    return d + dt.timedelta(days=n)


def en_month(d):
    return f"{MONTHS[d.month - 1]} {d.year}"


def log_uniform(rng, lo, hi):
    return int(round(math.exp(rng.uniform(math.log(lo), math.log(hi)))))


def pick_access(rng, dtype):
    r = rng.random()
    if dtype == "genomics":
        return "PUBLIC" if r < 0.05 else ("RESTRICTED" if r < 0.35 else "NON_PUBLIC")
    return "PUBLIC" if r < 0.16 else ("RESTRICTED" if r < 0.62 else "NON_PUBLIC")


def pick_dept(rng, t):
    options = list(DEPTS["general"])
    if t["dtype"] in ("imaging", "genomics"):
        options += DEPTS[t["dtype"]] * 2
    if t["areas"][0] in DEPTS:
        options += DEPTS[t["areas"][0]] * 2
    return rng.choice(options)


def diag_scheme(hid, end_year):
    if hid == "gaon":
        return "icd-10"
    return "kcd-8" if end_year >= 2021 else "kcd-7"


class Dataset:
    """Plain record of one generated dataset before it becomes RDF."""


def titles(t, start, end, purpose=None):
    """(ko, en) title of a dataset on topic t; purpose marks a derived analysis dataset."""
    period = f"{start.year}–{end.year}"
    if purpose is None:
        return f"{t['ko']} ({period})", f"{t['en']} ({period})"
    p_ko, p_en = purpose
    noun_ko, noun_en = ("세트", "set") if t["dtype"] == "imaging" else ("코호트", "cohort")
    return (
        f"{t['ko']} 기반 {p_ko} {noun_ko} ({period})",
        f"{p_en} {noun_en} from the {lc_first(t['en'])} ({period})",
    )


def make_dataset(rng, h, t, start, end, seq, derived_from=None, purpose=None):
    hid, hko, hen, prefix, _count, scale = h[:6]
    d = Dataset()
    d.topic, d.hid, d.start, d.end = t, hid, start, end
    area = t["areas"][0]
    seq[area] = seq.get(area, 0) + 1
    d.identifier = f"{prefix}-{AREA_CODE[area]}-{seq[area]:04d}"
    d.title_ko, d.title_en = titles(t, start, end, purpose)
    d.imperfect = None
    d.slug = slugify(d.title_en)
    d.derived_from = derived_from
    # counts
    lo, hi = COUNT_RANGE[t["dtype"]]
    if derived_from is None:
        n = log_uniform(rng, lo, hi) * scale
        n = max(int(n), 120)
    else:
        n = max(int(derived_from.n * rng.uniform(0.15, 0.7)), 80)
    d.n = int(round(n, -1)) if n > 1000 else n
    f_lo, f_hi = RECORD_FACTOR[t["dtype"]]
    d.records = int(d.n * rng.uniform(f_lo, f_hi))
    a_lo, a_hi = t["ages"]
    d.min_age = a_lo if a_lo < 2 else max(0, a_lo + rng.choice([0, 0, 1, 2]))
    d.max_age = a_hi - rng.choice([0, 0, 1, 3, 5])
    # dates
    d.issued = add_days(end, rng.randint(20, 270))
    if d.issued < dt.date(2018, 1, 1):  # the consortium's catalogues start in 2018
        d.issued = add_days(dt.date(2018, 1, 8), rng.randint(0, 700))
    d.issued = min(d.issued, dt.date(2026, 10, 30))
    d.modified = min(add_days(d.issued, rng.choice([0, rng.randint(15, 900)])), dt.date(2026, 11, 20))
    d.access = pick_access(rng, t["dtype"])
    d.dept = pick_dept(rng, t)
    d.scheme = diag_scheme(hid, end.year)
    d.english = rng.random() < 0.35
    # keywords, coding systems, codes
    kw = t["kw"]
    d.keywords = kw[: rng.randint(3, min(5, len(kw)))]
    systems = [d.scheme]
    for s in t["systems"] + DTYPE_SYSTEMS[t["dtype"]]:
        if s not in systems:
            systems.append(s)
    d.systems = systems[: rng.choice([2, 3, 3]) if len(systems) > 2 else len(systems)]
    codes = t["codes"]
    d.codes = codes[: rng.randint(1, min(3, len(codes)))]
    # columns
    cols = []
    for c in DTYPE_COMMON[t["dtype"]]:
        if c in ("patient_id", "birth_year", "sex", "diagnosis_code") or rng.random() < 0.55:
            cols.append(c)
    for c in t["cols"]:
        if c not in cols and rng.random() < 0.7:
            cols.append(c)
    if derived_from is not None and "follow_up_days" not in cols:
        cols.append("follow_up_days")
    for c in DTYPE_COMMON[t["dtype"]] + t["cols"]:
        if len(cols) >= 5:
            break
        if c not in cols:
            cols.append(c)
    d.columns = cols[:20]
    # distributions
    d.second = rng.random() < 0.5
    d.second_format = {"imaging": "ZIP", "genomics": "JSON"}.get(t["dtype"], "PARQUET")
    d.compound = rng.random() < 0.5
    return d


def describe(d, h):
    t = d.topic
    hko, hen = h[1], h[2]
    dept_ko, dept_en, _mail = d.dept
    kind_ko, kind_en = KIND[t["dtype"]]
    subject = t["dz"] + ("환자" if d.compound else " 환자")
    access_ko, access_en = ACCESS_TEXT[d.access]
    if d.derived_from is None:
        s1_ko = (
            f"{hko} {josa(dept_ko, '이/가')} {d.start.year}년 {d.start.month}월부터 {d.end.year}년 "
            f"{d.end.month}월까지 {t['pop_ko']} {d.n:,}명의 자료로 구축한 {kind_ko}입니다."
        )
        s1_en = (
            f"{kind_en} built by the {dept_en} of {hen}, covering {d.n:,} {t['pop_en']} between "
            f"{en_month(d.start)} and {en_month(d.end)}."
        )
    else:
        src = d.derived_from
        s1_ko = (
            f"{src.title_ko}에서 {d.start.year}–{d.end.year}년 자료를 추출하여 만든 분석용 "
            f"데이터셋으로, {t['pop_ko']} {d.n:,}명을 포함합니다."
        )
        s1_en = (
            f"Analysis dataset derived from the {lc_first(src.title_en)}, restricted to "
            f"{d.start.year}–{d.end.year} "
            f"and covering {d.n:,} {t['pop_en']}."
        )
    s2_ko = f"{subject}의 {josa(t['rec_ko'], '을/를')} 기록하고 있습니다."
    s2_en = f"For each patient it records {t['rec_en']}."
    ko, en = [s1_ko, s2_ko], [s1_en, s2_en]
    if t["extra"] and d.derived_from is None:
        ko.append(t["extra"][0])
        en.append(t["extra"][1])
    ko.append(access_ko)
    en.append(access_en)
    return " ".join(ko), " ".join(en)


# Topic pools a hospital draws from when it should not use a whole disease area.
POOL_OVERRIDES = {
    "dasom": {
        "other": ["t2dm-hba1c", "dm-cohort", "ckd-hd", "stroke-registry", "stroke-mri"],
        "respiratory": ["osa-psg"],
    },
    "balgeun": {"other": ["t2dm-hba1c", "dm-cohort"]},
}
# purun's three deliberately imperfect datasets: (kind, topic, position in the file, comment)
PURUN_IMPERFECT = [
    (
        "notitle",
        "asthma-emr",
        8,
        "DELIBERATELY MALFORMED: this dataset has no dct:title at all -- the harvester must skip it.",
    ),
    (
        "nodesc",
        "htn-bp",
        17,
        "DELIBERATELY IMPERFECT: this dataset has no dct:description -- keep it, with a warning.",
    ),
    (
        "baddate",
        "crc-emr",
        26,
        'DELIBERATELY MALFORMED: dct:issued "2021-13-45" is not a valid xsd:date -- the harvester must '
        "drop the date, with a warning, and keep the dataset.",
    ),
]


def topic_pool(hid, area):
    keys = POOL_OVERRIDES.get(hid, {}).get(area)
    if keys is None:
        return list(TOPICS_BY_AREA[area])
    return [t for t in TOPICS if t["key"] in keys]


def random_period(rng):
    sy = rng.randint(2005, 2019)
    ey = min(sy + rng.randint(3, 10), 2025)
    start = dt.date(sy, rng.randint(1, 12), 1)
    end = month_end(ey, rng.randint(1, 12) if ey < 2025 else rng.randint(1, 9))
    return start, end


def generate():
    rng = random.Random(SEED)
    topic_by_key = {t["key"]: t for t in TOPICS}
    result = {}
    for h in HOSPITALS:
        hid, count, weights = h[0], h[4], h[7]
        seq, used_slugs, datasets = {}, [], []
        n_derived = 0 if hid == "haneul" else round(count / 6)
        n_base = count - n_derived
        pools = {a: [] for a in AREAS}
        while len(datasets) < n_base:
            area = rng.choices(AREAS, weights=weights)[0]
            if not pools[area]:
                pools[area] = topic_pool(hid, area)
                rng.shuffle(pools[area])
            t = pools[area].pop()
            for _attempt in range(20):
                start, end = random_period(rng)
                if slugify(titles(t, start, end)[1]) not in used_slugs:
                    break
            else:
                continue
            d = make_dataset(rng, h, t, start, end, seq)
            used_slugs.append(d.slug)
            datasets.append(d)
        sources = [d for d in datasets if d.topic["dtype"] in ("registry", "ehr", "imaging")] or datasets
        while n_derived:
            src = rng.choice(sources)
            t = src.topic
            purpose = rng.choice(PURPOSES[t["dtype"]])
            span = src.end.year - src.start.year
            sy = src.start.year + rng.randint(0, max(0, span - 3))
            ey = min(src.end.year, sy + rng.randint(2, 6))
            start = max(dt.date(sy, 1, 1), src.start)
            end = min(month_end(ey, 12), src.end)
            if slugify(titles(t, start, end, purpose)[1]) in used_slugs:
                continue
            d = make_dataset(rng, h, t, start, end, seq, derived_from=src, purpose=purpose)
            used_slugs.append(d.slug)
            datasets.append(d)
            n_derived -= 1
        if hid == "purun":
            for kind, key, pos, comment in PURUN_IMPERFECT:
                start, end = random_period(rng)
                d = make_dataset(rng, h, topic_by_key[key], start, end, seq)
                d.imperfect = (kind, comment)
                datasets.insert(pos, d)
        result[hid] = datasets
    return result


# --------------------------------------------------------------------------
# Datasets -> RDF model
# --------------------------------------------------------------------------
def dataset_node(d, h, blank_label=None):
    hid, hko, hen = h[0], h[1], h[2]
    t = d.topic
    base = domain(hid)
    iri = None if blank_label else f"{base}/dataset/{d.slug}"
    n = Node(iri=iri, label=blank_label)
    d.iri = iri
    n.add("rdf:type", Iri(NS["dcat"] + "Dataset"))
    n.add("dct:identifier", L(d.identifier))
    lang_pair(n, "dct:title", d.title_ko, d.title_en)
    desc_ko, desc_en = describe(d, h)
    lang_pair(n, "dct:description", desc_ko, desc_en)
    n.add("dcat:keyword", *[L(k, "ko") for k, _ in d.keywords], *[L(e, "en") for _, e in d.keywords])
    n.add("dcat:theme", *[Iri(DISEASE + a) for a in t["areas"]], Iri(HEAL))
    n.add("dct:type", Iri(DATATYPE + t["dtype"]))
    n.add("dct:accessRights", Iri(EU + "access-right/" + d.access))
    n.add("dct:publisher", Iri(f"{base}/org/{hid}"))
    dept_ko, dept_en, mail = d.dept
    cp = Node().add("rdf:type", Iri(NS["vcard"] + "Organization"))
    lang_pair(cp, "vcard:fn", dept_ko, dept_en)
    cp.add("vcard:hasEmail", Iri(f"mailto:{mail}@{hid}-hospital.example"))
    n.add("dcat:contactPoint", cp)
    n.add("dct:issued", L(d.issued.isoformat(), dtype="xsd:date"))
    n.add("dct:modified", L(d.modified.isoformat(), dtype="xsd:date"))
    period = Node().add("rdf:type", Iri(NS["dct"] + "PeriodOfTime"))
    period.add("dcat:startDate", L(d.start.isoformat(), dtype="xsd:date"))
    period.add("dcat:endDate", L(d.end.isoformat(), dtype="xsd:date"))
    n.add("dct:temporal", period)
    n.add("dct:language", Iri(KOR), *([Iri(ENG)] if d.english else []))
    n.add("dct:spatial", Iri(COUNTRY_KOR))
    n.add("healthdcatap:hasCodingSystem", *[Iri(CODESYS + s) for s in d.systems])
    for code in d.codes:
        en, ko = CODES[code]
        cv = Node().add("rdf:type", Iri(NS["skos"] + "Concept"))
        cv.add("skos:notation", L(code))
        lang_pair(cv, "skos:prefLabel", ko, en)
        cv.add("skos:inScheme", Iri(CODESYS + d.scheme))
        n.add("healthdcatap:hasCodeValues", cv)
    n.add("healthdcatap:numberOfUniqueIndividuals", L(d.n, dtype="xsd:nonNegativeInteger"))
    n.add("healthdcatap:numberOfRecords", L(d.records, dtype="xsd:nonNegativeInteger"))
    n.add("healthdcatap:minTypicalAge", L(d.min_age, dtype="xsd:nonNegativeInteger"))
    n.add("healthdcatap:maxTypicalAge", L(d.max_age, dtype="xsd:nonNegativeInteger"))
    years = f"{d.start.year}–{d.end.year}"
    lang_pair(
        n,
        "healthdcatap:populationCoverage",
        f"{t['pop_ko']} ({hko}, {years}년, 단일기관)",
        f"{t['pop_en'][0].upper()}{t['pop_en'][1:]} ({hen}, {years}, single centre)",
    )
    if d.derived_from is not None:
        n.add("prov:wasDerivedFrom", Iri(d.derived_from.iri))
    dists = [dist_node(d, h, 1, "CSV", iri)]
    if d.second:
        dists.append(dist_node(d, h, 2, d.second_format, iri))
    extra = []
    for dn in dists:
        if iri:
            n.add("dcat:distribution", Iri(dn.iri))
            extra.append(dn)
        else:
            n.add("dcat:distribution", dn)
    return n, extra


DIST_TITLES = {
    "CSV": ("가명처리 분석용 테이블 (CSV)", "Pseudonymised analysis table (CSV)"),
    "PARQUET": ("가명처리 분석용 테이블 (Parquet)", "Pseudonymised analysis table (Parquet)"),
    "ZIP": ("DICOM 영상 패키지 (안전 분석 환경 전용)", "DICOM image package (secure environment only)"),
    "JSON": ("변이 주석 파일 (JSON)", "Variant annotation file (JSON)"),
}


def dist_node(d, h, number, fmt, ds_iri):
    hid = h[0]
    n = Node(iri=f"{ds_iri}/distribution/{number}" if ds_iri else None)
    n.add("rdf:type", Iri(NS["dcat"] + "Distribution"))
    lang_pair(n, "dct:title", *DIST_TITLES[fmt])
    suffix = "" if number == 1 else f"/{fmt.lower()}"
    n.add("dcat:accessURL", Iri(f"{domain(hid)}/access/{d.slug}{suffix}"))
    n.add("dct:format", Iri(EU + "file-type/" + fmt))
    n.add("dcat:mediaType", Iri(MEDIA + FORMATS[fmt]))
    n.add("dct:license", Iri(LICENCE))
    if number == 1:
        columns = Lst()
        for c in d.columns:
            ko, en, datatype, desc, system, unit = _C[c]
            cn = Node().add("rdf:type", Iri(NS["csvw"] + "Column"))
            cn.add("csvw:name", L(c))
            lang_pair(cn, "csvw:titles", ko, en)
            cn.add("csvw:datatype", L(datatype))
            cn.add("dct:description", L(desc, "en"))
            if system == "diag":
                system = d.scheme
            if system and system in d.systems:
                cn.add("healthdcatap:hasCodingSystem", Iri(CODESYS + system))
            if unit:
                cn.add("hdcat:unit", L(unit))
            columns.append(cn)
        schema = Node().add("rdf:type", Iri(NS["csvw"] + "Schema")).add("csvw:column", columns)
        n.add("csvw:tableSchema", schema)
    return n


def org_node(h):
    hid, hko, hen = h[0], h[1], h[2]
    n = Node(iri=f"{domain(hid)}/org/{hid}")
    n.add("rdf:type", Iri(NS["foaf"] + "Organization"))
    lang_pair(n, "foaf:name", hko, hen)
    return n


def catalog_node(h, dataset_refs, next_page=None):
    hid, hko, hen = h[0], h[1], h[2]
    n = Node(iri=f"{domain(hid)}/catalog")
    n.add("rdf:type", Iri(NS["dcat"] + "Catalog"))
    lang_pair(n, "dct:title", f"{hko} 연구 데이터 카탈로그", f"{hen} research data catalogue")
    lang_pair(
        n,
        "dct:description",
        f"{josa(hko, '이/가')} 연구 목적으로 공개하는 데이터셋 "
        "메타데이터입니다. 개인 단위 자료는 포함하지 않습니다.",
        f"Metadata of the research datasets {hen} makes available. No individual-level data are included.",
    )
    n.add("dct:publisher", Iri(f"{domain(hid)}/org/{hid}"))
    if next_page:
        n.add("hydra:next", Iri(next_page))
    n.add("dcat:dataset", *dataset_refs)
    return n


def header(h, what):
    return (
        f"# {h[2]} ({h[1]}): {what}\n"
        "# Sample data for hdcat, generated by scripts/make_sample_consortium.py -- do not edit by hand.\n"
        "# Fictitious metadata and aggregate counts only; no patient-level values.\n"
    )


def build_files(data):
    """Return {relative path: (format, [nodes], text)}."""
    files = {}
    hmap = {h[0]: h for h in HOSPITALS}
    for hid in [h[0] for h in HOSPITALS]:
        h, datasets = hmap[hid], data[hid]
        if hid == "hanbit":
            size = math.ceil(len(datasets) / 3)
            pages = [datasets[i * size : (i + 1) * size] for i in range(3)]
            # build all nodes first so derived datasets know their source IRIs
            built = [[dataset_node(d, h) for d in page] for page in pages]
            for i, page in enumerate(built):
                nxt = f"catalog-page-{i + 2}.ttl" if i < 2 else None
                cat = catalog_node(h, [Iri(ds.iri) for ds, _ in page], nxt)
                nodes = [cat, org_node(h)]
                for ds, extra in page:
                    nodes += [ds] + extra
                path = f"hanbit/catalog-page-{i + 1}.ttl"
                text = TurtleWriter().document(
                    header(h, f"DCAT catalogue, page {i + 1} of 3 (next page via hydra:next)"), nodes
                )
                files[path] = ("turtle", nodes, text)
            continue
        blank = hid == "haneul"
        built = []
        for i, d in enumerate(datasets):
            label = f"dataset{i + 1:02d}" if blank else None
            node, extra = dataset_node(d, h, blank_label=label)
            if d.imperfect:
                kind, node.comment = d.imperfect
                if kind == "notitle":
                    node.props = [(p, v) for p, v in node.props if p != "dct:title"]
                elif kind == "nodesc":
                    node.props = [(p, v) for p, v in node.props if p != "dct:description"]
                else:
                    node.props = [
                        (p, L("2021-13-45", dtype="xsd:date") if p == "dct:issued" else v)
                        for p, v in node.props
                    ]
            built.append((d, node, extra))
        refs = [B(ds.label) if blank else Iri(ds.iri) for _d, ds, _e in built]
        nodes = [catalog_node(h, refs), org_node(h)]
        for _d, ds, extra in built:
            nodes += [ds] + extra
        if hid == "saebom":
            files["saebom/catalog.jsonld"] = ("json-ld", nodes, jsonld_document(nodes))
        elif hid == "gaon":
            files["gaon/catalog.rdf"] = (
                "xml",
                nodes,
                xml_document(
                    nodes,
                    f"{h[2]} ({h[1]}): DCAT catalogue in RDF/XML. Sample data generated by "
                    "scripts/make_sample_consortium.py; fictitious metadata only.",
                ),
            )
        elif hid == "mirae":
            files["mirae/catalog.nt"] = ("nt", nodes, nt_document(nodes))
        else:
            what = {
                "haneul": "DCAT catalogue whose datasets are blank nodes (no dataset IRIs)",
                "purun": "DCAT catalogue with three deliberately imperfect datasets (see comments)",
                "dasom": "DCAT catalogue (cardiology)",
                "balgeun": "DCAT catalogue (ophthalmology)",
            }[hid]
            files[f"{hid}/catalog.ttl"] = ("turtle", nodes, TurtleWriter().document(header(h, what), nodes))
    return files


TOML_HEAD = """# The bundled sample consortium: what `hdcat demo` harvests.
base_iri = "https://hdcat.example.org"
"""


def toml_text(files):
    first = {}
    for path in files:
        hid = path.split("/", 1)[0]
        first.setdefault(hid, path)
    out = [TOML_HEAD]
    for h in HOSPITALS:
        out.append(f"""
[[sources]]
name = "{h[0]}-dcat"
hospital = "{h[0]}"
kind = "dcat"
location = "consortium/{first[h[0]]}"
schedule = "{h[6]}"
""")
    return "".join(out)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


# --------------------------------------------------------------------------
# Verification (only with --check)
# --------------------------------------------------------------------------
def check(files):
    import logging

    from rdflib import BNode, Graph, Literal, Namespace, URIRef
    from rdflib.compare import isomorphic
    from rdflib.namespace import DCAT, DCTERMS, RDF

    logging.getLogger("rdflib.term").setLevel(logging.ERROR)  # purun's bad date is on purpose
    HYDRA = Namespace(NS["hydra"])
    ok = True
    per_h = {}
    for rel, (fmt, nodes, _text) in files.items():
        path = OUT / rel
        g = Graph()
        g.parse(path, format=fmt)
        expected = Graph()
        base = path.resolve().as_uri()

        def term(t):
            if t[0] == "iri":
                return URIRef(t[1])
            if t[0] == "bnode":
                return BNode(t[1])
            return Literal(t[1], lang=t[2], datatype=URIRef(t[3]) if t[3] else None)

        for s, p, o in triples(nodes, base=base):
            expected.add((term(s), term(p), term(o)))
        same = isomorphic(g, expected)
        ok &= same
        hid = rel.split("/", 1)[0]
        ds = list(g.subjects(RDF.type, DCAT.Dataset))
        titled = [x for x in ds if (x, DCTERMS.title, None) in g]
        nexts = [str(o) for o in g.objects(None, HYDRA.next)]
        acc = per_h.setdefault(hid, [0, 0, 0, []])
        acc[0] += len(ds)
        acc[1] += len(titled)
        acc[2] += len(g)
        acc[3] += nexts
        print(
            f"  {rel:32} {fmt:8} datasets={len(ds):3} titled={len(titled):3} triples={len(g):6} "
            f"isomorphic={'yes' if same else 'NO'}" + (f" next={nexts[0]}" if nexts else "")
        )
    print("per hospital:")
    total = 0
    for hid, (n, t, tr, _nx) in per_h.items():
        total += n
        print(f"  {hid:8} datasets={n:3} titled={t:3} triples={tr:6}")
    print(f"  total datasets={total}")
    return ok


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="parse the files back with rdflib and compare")
    args = ap.parse_args(argv)
    data = generate()
    files = build_files(data)
    for rel, (_fmt, _nodes, text) in files.items():
        write(OUT / rel, text)
    write(SAMPLES / "consortium.toml", toml_text(files))
    size = sum((OUT / rel).stat().st_size for rel in files)
    print(
        f"wrote {len(files)} catalogue files ({size / 1024:.0f} KiB) under {OUT.relative_to(ROOT)}"
        f" and {(SAMPLES / 'consortium.toml').relative_to(ROOT)}"
    )
    if args.check and not check(files):
        print("CHECK FAILED: a file does not parse to the generated graph", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
