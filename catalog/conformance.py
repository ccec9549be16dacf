"""How well harvested datasets follow the consortium's definitions, as DQV measurements in the graph.

Two kinds of result per (dataset, definition version):
- declared: the dataset says `dct:conformsTo` the version. It is checked with SHACL shapes derived
  from the definition (pyshacl): every required element present as a column (by its name or an
  alias), with a compatible datatype, unit and coding system. `sh:conforms` is that verdict.
- suggested: the dataset does not say so, but its columns, codes and units resemble the
  definition (a looser matcher: column names, titles in English and Korean, concept codes).
Both carry a score (required elements weigh twice optional ones; a matched element with a wrong
type, unit or coding system counts half) and the lists of what is missing or wrong.

Results live in two graphs (`{base}/graph/conformance`, and one under the consortium prefix for
consortium-only datasets); catalog.conformance_service decides when they are recomputed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache

from hdcat.catalog.definitions import coding_system_iri
from hdcat.catalog.iris import short_hash
from hdcat.catalog.values_blocks import in_parts
from hdcat.ontology import CSVW, DCAT, DCT, DQV, HDCAT, HEALTH, PROV, bind_prefixes, shacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD

SUGGEST_AT = 0.3
#: datatypes a column may declare for each element datatype (CSVW names and XSD local names)
COMPATIBLE = {
    "string": {"string", "token", "normalizedstring", "anyuri"},
    "code": {"string", "token", "code", "integer", "normalizedstring"},
    "integer": {"integer", "int", "long", "short", "nonnegativeinteger", "positiveinteger"},
    "decimal": {"decimal", "double", "float", "number", "integer"},
    "boolean": {"boolean"},
    "date": {"date", "datetime"},
    "dateTime": {"datetime", "date"},
}
_ICD_FAMILY = {"ICD-10", "KCD-7", "KCD-8"}
_XSD_CASE = {
    "datetime": "dateTime",
    "nonnegativeinteger": "nonNegativeInteger",
    "positiveinteger": "positiveInteger",
    "normalizedstring": "normalizedString",
    "anyuri": "anyURI",
}
_EXTRA = {
    "code",
    "cd",
    "date",
    "dt",
    "value",
    "val",
    "percent",
    "pct",
    "status",
    "result",
    "level",
    "yn",
    "flag",
    "l",
    "ml",
    "mmhg",
    "mg",
    "dl",
    "kg",
    "m2",
    "pred",
    "min",
    "bpm",
}  # the words and units columns add


_NOT_A_NAME_CHARACTER = re.compile(r"[^0-9a-z가-힣]+")


@lru_cache(maxsize=65_536)
def _norm(text: str | None) -> str:
    """Kept: a whole-catalogue pass compares the same column and element names hundreds of thousands of
    times (this was a third of scoring)."""
    return _NOT_A_NAME_CHARACTER.sub("_", (text or "").lower()).strip("_")


def aliases(element: dict) -> set[str]:
    """Names a column may carry for this element: its name, its labels, its concept code."""
    out = {element["name"]}
    for text in (element.get("label") or {}).values():
        if text:
            out.add(_norm(text))
    if element.get("concept") and element["concept"].get("code"):
        out.add(_norm(element["concept"]["code"]))
    return {a for a in out if a}


def _column_names(columns: list[dict]) -> list[tuple[dict, set[str], set[str]]]:
    """Each column with the names it answers to and its name's words, worked out once a record."""
    return [
        (
            col,
            {_norm(col.get("name")), _norm(col.get("title")), _norm(col.get("title_ko"))},
            set(_norm(col.get("name")).split("_")),
        )
        for col in columns
    ]


def _find(element: dict, columns: list[tuple[dict, set[str], set[str]]]) -> dict | None:
    names = aliases(element)
    for col, col_names, _ in columns:
        if col_names & names:
            return col
    want = set(element["name"].split("_"))
    for col, _, have in columns:  # histology ~ histology_code, systolic_bp ~ systolic_bp_value
        if want <= have and have - want <= _EXTRA:
            return col
    return None


def _problems(element: dict, col: dict) -> list[str]:
    out = []
    dtype = (col.get("datatype") or "").lower()
    if dtype and dtype not in COMPATIBLE[element["datatype"]]:
        out.append(f"{element['name']}: datatype {col['datatype']}, expected {element['datatype']}")
    if element.get("unit") and col.get("unit") and element["unit"].lower() != col["unit"].lower():
        out.append(f"{element['name']}: unit {col['unit']}, expected {element['unit']}")
    cs = (col.get("coding_system") or {}).get("notation")
    want = element.get("coding_system")
    if want and cs and cs != want and not ({cs, want} <= _ICD_FAMILY) and want != "local":
        out.append(f"{element['name']}: coding system {cs}, expected {want}")
    return out


def assess(definition: dict, record: dict) -> dict:
    """Score one dataset record against one definition: what matched, what is missing or wrong."""
    columns = _column_names(record.get("columns") or [])
    total = got = 0.0
    missing, wrong, matched = [], [], {}
    for e in definition["elements"]:
        weight = 2.0 if e.get("required") else 1.0
        total += weight
        col = _find(e, columns)
        if col is None:
            if e.get("required"):
                missing.append(e["name"])
            continue
        problems = _problems(e, col)
        matched[e["name"]] = col["name"]
        wrong += problems
        got += weight * (0.5 if problems else 1.0)
    return {
        "score": round(got / total, 3) if total else 0.0,
        "missing": missing,
        "wrong": wrong,
        "matched": matched,
        "conforms": not missing and not any(p.split(":")[0] in _required(definition) for p in wrong),
    }


def _required(definition: dict) -> set[str]:
    return {e["name"] for e in definition["elements"] if e.get("required")}


# ---- SHACL ------------------------------------------------------------------------------------
def _columns_path(g: Graph) -> BNode:
    """dataset → its columns, whether the table schema hangs off a distribution or the dataset, and
    whether csvw:column holds an RDF list or the columns themselves."""
    seqs = []
    for head in ([DCAT.distribution, CSVW.tableSchema, CSVW.column], [CSVW.tableSchema, CSVW.column]):
        for listed in (True, False):
            tail = []
            if listed:
                rest = BNode()
                g.add((rest, SH.zeroOrMorePath, RDF.rest))
                tail = [rest, RDF.first]
            node = BNode()
            Collection(g, node, head + tail)
            seqs.append(node)
    alternatives, path = BNode(), BNode()
    Collection(g, alternatives, seqs)
    g.add((path, SH.alternativePath, alternatives))
    return path


def _strings(values) -> list[Literal]:
    """RDF 1.1 makes "x" and "x"^^xsd:string the same value, but stores and SHACL's sh:in compare
    terms: list both spellings."""
    return [lit for v in values for lit in (Literal(v), Literal(v, datatype=XSD.string))]


def _in(g: Graph, values) -> BNode:
    node = BNode()
    Collection(g, node, list(values))
    return node


def _named(g: Graph, element: dict) -> BNode:
    shape, prop = BNode(), BNode()
    g.add((shape, SH.property, prop))
    g.add((prop, SH.path, CSVW.name))
    g.add((prop, SH["in"], _in(g, _strings(sorted(aliases(element))))))
    g.add((prop, SH.minCount, Literal(1)))
    return shape


def _wrong(g: Graph, element: dict, path, predicate, allowed, what: str, shape_iri, label: str) -> None:
    """No column for this element may carry `predicate` with a value outside `allowed`."""
    present, inside, outside, both = BNode(), BNode(), BNode(), BNode()
    g.add((present, SH.property, _prop(g, predicate, SH.minCount, Literal(1))))
    g.add((inside, SH.property, _prop(g, predicate, SH["in"], _in(g, allowed))))
    g.add((outside, SH["not"], inside))
    g.add((both, SH["and"], _in(g, [_named(g, element), present, outside])))
    prop = BNode()
    g.add((shape_iri, SH.property, prop))
    g.add((prop, SH.path, path))
    g.add((prop, SH.qualifiedValueShape, both))
    g.add((prop, SH.qualifiedMaxCount, Literal(0)))
    g.add((prop, SH.name, Literal(element["name"])))
    g.add((prop, SH.message, Literal(f"{label}: wrong {what}")))


def _prop(g: Graph, path, key, value) -> BNode:
    node = BNode()
    g.add((node, SH.path, path))
    g.add((node, key, value))
    return node


#: XSD datatypes a column may name by IRI, when the element's datatype allows them
_XSD_BY_IRI = ("string", "integer", "decimal", "boolean", "date", "dateTime", "token", "double", "float")


def _label(element: dict) -> str:
    texts = element.get("label") or {}
    return f"{element['name']} ({texts.get('en') or texts.get('ko') or ''})"


def _value_rules(element: dict) -> list[tuple]:
    """(predicate, allowed values, what is wrong) for every column property the element constrains: one
    list for the SHACL shapes (`shapes`) and the direct check (`check_declared`), so they cannot drift."""
    types = sorted(COMPATIBLE[element["datatype"]])
    spellings = sorted(set(types) | {_XSD_CASE.get(t, t) for t in types})  # "datetime" and "dateTime"
    allowed = _strings(spellings) + [XSD[t] for t in _XSD_BY_IRI if t.lower() in types]
    rules = [(CSVW.datatype, allowed, f"datatype (expected {element['datatype']})")]
    if element.get("unit"):
        rules.append((HDCAT.unit, _strings([element["unit"]]), f"unit (expected {element['unit']})"))
    system = element.get("coding_system")
    if system and system != "local":
        family = _ICD_FAMILY if system in _ICD_FAMILY else {system}
        rules.append(
            (
                HEALTH.hasCodingSystem,
                [coding_system_iri(c) for c in sorted(family)],
                f"coding system (expected {system})",
            )
        )
    return rules


def shapes(definition: dict) -> Graph:
    """SHACL for one definition version: required elements present, types, units and code systems right."""
    g = bind_prefixes(Graph())
    shape = URIRef(f"{definition['iri']}/shape")
    g.add((shape, RDF.type, SH.NodeShape))
    g.add((shape, SH.targetSubjectsOf, DCT.conformsTo))
    g.add((shape, DCT.source, URIRef(definition["iri"])))
    for e in definition["elements"]:
        label = _label(e)
        if e.get("required"):
            prop = BNode()
            g.add((shape, SH.property, prop))
            g.add((prop, SH.path, _columns_path(g)))
            g.add((prop, SH.qualifiedValueShape, _named(g, e)))
            g.add((prop, SH.qualifiedMinCount, Literal(1)))
            g.add((prop, SH.name, Literal(e["name"])))
            g.add((prop, SH.message, Literal(f"{label}: required element missing")))
        for predicate, allowed, what in _value_rules(e):
            _wrong(g, e, _columns_path(g), predicate, allowed, what, shape, label)
    return g


def validate_declared(definition: dict, data: Graph, shape_graph: Graph, dataset) -> tuple[bool, list[str]]:
    """SHACL on one dataset. The downloadable shapes target every subject of dct:conformsTo; here the
    dataset alone is the focus node (a distribution may claim a standard of its own)."""
    shapes_for_one = Graph()
    shapes_for_one += shape_graph
    shape = URIRef(f"{definition['iri']}/shape")
    shapes_for_one.remove((shape, SH.targetSubjectsOf, DCT.conformsTo))
    shapes_for_one.add((shape, SH.targetNode, URIRef(dataset)))
    conforms, results, _ = shacl_validate(
        data, shacl_graph=shapes_for_one, advanced=False, inference="none", allow_warnings=True
    )
    messages = sorted({str(m) for m in results.objects(None, SH.resultMessage)})
    return bool(conforms), messages


def check_declared(definition: dict, data: Graph, dataset) -> tuple[bool, list[str]]:
    """What `validate_declared` answers, computed straight from the definition: the same verdict and the
    same messages as pyshacl on `shapes(definition)`, without pyshacl.

    Why: pyshacl took 3.3 s per declared dataset on these shapes (qualified value shapes under sh:and
    and sh:not; bench/results/pipeline.md), 80% of a first harvest. The shapes stay the published
    artefact (`hdcat definitions export --format shacl`); tests/test_conformance_check.py holds
    this function to pyshacl's answers on the samples and on generated table schemas."""
    columns = _declared_columns(data, URIRef(dataset))
    messages = set()
    for e in definition["elements"]:
        label = _label(e)
        names = _strings(sorted(aliases(e)))
        named = [c for c in columns if _all_in(data.objects(c, CSVW.name), names, at_least_one=True)]
        if e.get("required") and not named:
            messages.add(f"{label}: required element missing")
        for predicate, ok, what in _value_rules(e):
            if any(
                not _all_in(data.objects(c, predicate), ok, at_least_one=True)
                for c in named
                if (c, predicate, None) in data
            ):
                messages.add(f"{label}: wrong {what}")
    return not messages, sorted(messages)


def _all_in(values, allowed: list, at_least_one: bool) -> bool:
    """sh:in over every value (term equality, as SHACL compares), with sh:minCount 1 when asked."""
    values = list(values)
    return (bool(values) or not at_least_one) and all(v in allowed for v in values)


def _declared_columns(data: Graph, dataset) -> list:
    """The value nodes of the shapes' column path: dataset (→ dcat:distribution) → csvw:tableSchema →
    csvw:column, then either that node itself or the members of the RDF list it heads."""
    heads = [s for d in data.objects(dataset, DCAT.distribution) for s in data.objects(d, CSVW.tableSchema)]
    heads += list(data.objects(dataset, CSVW.tableSchema))
    out, seen = [], set()
    for schema in heads:
        for column in data.objects(schema, CSVW.column):
            found, visited, todo = [column], {column}, [column]
            while todo:  # (rdf:rest)* rdf:first
                node = todo.pop()
                found += list(data.objects(node, RDF.first))
                for rest in data.objects(node, RDF.rest):
                    if rest not in visited:
                        visited.add(rest)
                        todo.append(rest)
            for f in found:
                if f not in seen:
                    seen.add(f)
                    out.append(f)
    return out


# ---- DQV ----------------------------------------------------------------------------------------
def measurement_graph(base: str, results: list[dict]) -> Graph:
    g = bind_prefixes(Graph())
    metric = HDCAT.conformanceScore
    g.add((metric, RDF.type, DQV.Metric))
    g.add((metric, DQV.expectedDataType, XSD.decimal))
    now = Literal(datetime.now(UTC).isoformat(timespec="seconds"), datatype=XSD.dateTime)
    for r in results:
        m = URIRef(f"{base}/id/measurement/{short_hash(r['dataset'] + r['definition'], 16)}")
        g.add((m, RDF.type, DQV.QualityMeasurement))
        g.add((m, DQV.computedOn, URIRef(r["dataset"])))
        g.add((m, DQV.isMeasurementOf, metric))
        g.add((m, DQV.value, Literal(r["score"], datatype=XSD.decimal)))
        g.add((m, HDCAT.definition, URIRef(r["definition"])))
        g.add((m, HDCAT.declared, Literal(r["declared"])))
        g.add((m, SH.conforms, Literal(r["conforms"])))
        g.add((m, PROV.generatedAtTime, now))
        if r.get("source"):  # which harvest's datasets it scored: a re-harvest replaces exactly these
            g.add((m, HDCAT.source, URIRef(r["source"])))
        for name in r["missing"]:
            g.add((m, HDCAT.missingElement, Literal(name)))
        for problem in r["wrong"]:
            g.add((m, HDCAT.problem, Literal(problem)))
    return g


def read_measurements(
    store, graph_iri: URIRef, dataset: str | None = None, definition: str | None = None
) -> list[dict]:
    g = store.graph(graph_iri)
    if dataset:
        nodes = set(g.subjects(DQV.computedOn, URIRef(dataset)))
    elif definition:
        nodes = set(g.subjects(HDCAT.definition, URIRef(definition)))
    else:
        nodes = set(g.subjects(RDF.type, DQV.QualityMeasurement))
    out = []
    for m in nodes:
        d = g.value(m, HDCAT.definition)
        if definition and str(d) != definition:
            continue
        out.append(
            {
                "dataset": str(g.value(m, DQV.computedOn)),
                "definition": str(d),
                "score": float(g.value(m, DQV.value)),
                "declared": bool(g.value(m, HDCAT.declared).toPython()),
                "conforms": bool(g.value(m, SH.conforms).toPython()),
                "missing": sorted(str(x) for x in g.objects(m, HDCAT.missingElement)),
                "wrong": sorted(str(x) for x in g.objects(m, HDCAT.problem)),
            }
        )
    out.sort(key=lambda r: (-r["score"], r["dataset"]))
    return out


#: every statement of the measurements in one result graph computed on the given datasets (`{datasets}`:
#: IRIs in angle brackets)
MEASUREMENTS_OF = (
    "SELECT ?m ?p ?o WHERE {{ GRAPH <{graph}> {{ ?m <" + str(DQV.computedOn) + "> ?on ; ?p ?o }}"
    " VALUES ?on {{ {datasets} }} }}"
)


def measurements_by_dataset(store, graph_iri: URIRef, datasets) -> dict[str, list[dict]]:
    """dataset IRI → its measurements in one result graph, as `read_measurements` gives them, read by a
    query for every 500 datasets: a whole pass over the catalogue (the index) asked two store lookups a
    dataset, which on a SPARQL server were two requests a dataset (most of a reindex on Fuseki)."""
    statements: dict = {}
    for named in in_parts(f"<{d}>" for d in dict.fromkeys(datasets)):
        for m, p, o in store.select_text(MEASUREMENTS_OF.format(graph=graph_iri, datasets=named)):
            statements.setdefault(m, {}).setdefault(p, []).append(o)
    found: dict = {}
    for about in statements.values():
        first = {p: values[0] for p, values in about.items()}
        entry = {
            "dataset": first[str(DQV.computedOn)],
            "definition": first.get(str(HDCAT.definition), "None"),
            "score": float(first[str(DQV.value)]),
            "declared": first.get(str(HDCAT.declared)) in _TRUE,
            "conforms": first.get(str(SH.conforms)) in _TRUE,
            "missing": sorted(about.get(str(HDCAT.missingElement), [])),
            "wrong": sorted(about.get(str(HDCAT.problem), [])),
        }
        found.setdefault(entry["dataset"], []).append(entry)
    return found


#: the lexical forms of xsd:boolean true
_TRUE = ("true", "1")
