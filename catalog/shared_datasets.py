"""A dataset published by several sources: which source speaks first, and where their descriptions disagree.

The same dataset IRI may come from two sources (a hospital's own catalogue and a national portal that
re-publishes it). Each source keeps its own named graph, replaced whole by its own harvests, so neither
source can overwrite the other. Readers see one dataset: one record, one short id, every source named,
and the statements of all its sources together. Where a property DCAT-AP allows at most once (a title
per language, issued, modified, …) is given different values by two sources, the record shows the
value of the first source in `source_order`, and the harvest run that brought the disagreement says
so in a warning, so a steward can settle it at the source.
"""

from __future__ import annotations

from hdcat.catalog.iris import consortium_graph_prefix, iri_tail, source_graph_prefix
from hdcat.catalog.values_blocks import in_parts
from hdcat.ontology import DCAT, DCT, HDCAT, sparql_prefixes
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF

#: properties that DCAT-AP 3 / HealthDCAT-AP allow at most once on a dataset (per language for texts)
SINGLE_VALUED = (
    DCT.title,
    DCT.description,
    DCT.issued,
    DCT.modified,
    DCT.accessRights,
    DCT.publisher,
    DCAT.version,
    HDCAT.hospital,
)

#: single-valued statements about the given datasets in other sources' graphs
#: (`{datasets}`: IRIs in angle brackets; `{props}`, `{own}`: IRIs in angle brackets, comma-separated).
#: The properties are a FILTER, not a second VALUES block: rdflib's evaluator joins two VALUES tables with
#: the graph pattern as nested loops (6.4 s against 0.2 s for 40 datasets in 8 sources; 65 % of harvesting
#: the sample consortium into the memory store), and Oxigraph is faster with the FILTER too.
ELSEWHERE = (
    sparql_prefixes("dcat", "dct", "hdcat")
    + """SELECT ?ds ?g ?p ?o WHERE {{ VALUES ?ds {{ {datasets} }}
    GRAPH ?g {{ ?ds a dcat:Dataset ; ?p ?o }}
    FILTER(?p IN ({props}) && ?g NOT IN ({own})
           && (STRSTARTS(STR(?g), "{sources}") || STRSTARTS(STR(?g), "{hidden}"))) }}"""
)


def source_of(graph_name) -> str:
    """The source a graph belongs to: `…/graph/source/{name}` and `…/graph/consortium/{name}` are `name`'s."""
    return iri_tail(graph_name)


def source_order(base: str, graph_name) -> tuple:
    """The order in which a dataset's graphs are read: by source name, a source's public graph before its
    consortium one. The first graph's values are the ones a record shows where sources disagree."""
    return (source_of(graph_name), str(graph_name).startswith(consortium_graph_prefix(base)), str(graph_name))


def _key(prop, value) -> tuple:
    """What must agree: a text per language, anything else as one value."""
    lang = value.language if isinstance(value, Literal) else None
    return (prop, lang)


def _shown(value) -> str:
    if isinstance(value, Literal):
        return repr(str(value)) + (f"@{value.language}" if value.language else "")
    return f"<{value}>"


def conflicts(store, base: str, graph, own_graphs, source: str, qname) -> list[str]:
    """Warnings, one per dataset and property, where the committing source's `graph` and another source's
    graph give a dataset different values for a single-valued property. Blank nodes (a publisher described
    inline) cannot be compared across graphs and are left out."""
    mine: dict = {}
    for ds in dict.fromkeys(graph.subjects(RDF.type, DCAT.Dataset)):  # each dataset once
        if not isinstance(ds, URIRef):
            continue
        for prop in SINGLE_VALUED:
            for value in graph.objects(ds, prop):
                if not isinstance(value, BNode):
                    mine.setdefault(ds, {}).setdefault(_key(prop, value), set()).add(value)
    if not mine:
        return []
    theirs: dict = {}
    shared = {
        "props": ", ".join(f"<{p}>" for p in SINGLE_VALUED),
        "own": ", ".join(f"<{g}>" for g in own_graphs),
        "sources": source_graph_prefix(base),
        "hidden": consortium_graph_prefix(base),
    }
    for named in in_parts(f"<{ds}>" for ds in mine):
        for row in store.query(ELSEWHERE.format(datasets=named, **shared)):
            if isinstance(row.o, BNode):
                continue
            value = row.o
            theirs.setdefault((row.ds, source_of(row.g)), {}).setdefault(_key(row.p, value), set()).add(value)
    out = []
    for (ds, other), values in sorted(theirs.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        first = min(source, other)
        for key in sorted(set(values) & set(mine.get(ds, {})), key=lambda k: (str(k[0]), k[1] or "")):
            here, there = mine[ds][key], values[key]
            if {v.n3() for v in here} == {v.n3() for v in there}:
                continue
            prop, lang = key
            out.append(
                f"{ds}: {qname(prop)}{'@' + lang if lang else ''} is "
                f"{', '.join(sorted(map(_shown, here)))} here but {', '.join(sorted(map(_shown, there)))} "
                f"in source {other!r}, which publishes the same dataset; the catalogue shows the value of "
                f"source {first!r} (the first by name)"
            )
    return out
