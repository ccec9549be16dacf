"""Who may see a dataset's metadata: everyone, or members of the consortium only.

Metadata about health data is itself sensitive, so consortium-only datasets are
kept in a graph of their own (`…/graph/consortium/{source}`) beside the source's
public graph (`…/graph/source/{source}`). Keeping them apart in the store, not
just filtering them in views, is what lets `/sparql`, exports and every read
answer anonymous callers from the public graphs alone: nothing restricted can
leak through a query we did not think of.

A dataset is consortium-only when its access rights are RESTRICTED (EU
access-right vocabulary) or its source is configured `visibility = "consortium"`.
NON_PUBLIC data keeps public *metadata*: finding that data exists is the point
of a catalogue; getting the data is a separate, governed request.
"""

from __future__ import annotations

from hdcat.catalog.iris import consortium_graph_prefix
from hdcat.catalog.resources import closure, dataset_closure
from hdcat.ontology import DCAT, DCT, EU_ACCESS
from rdflib import URIRef
from rdflib.namespace import FOAF, RDF

PUBLIC = "public"
CONSORTIUM = "consortium"
LEVELS = (PUBLIC, CONSORTIUM)
CONSORTIUM_ACCESS = frozenset({EU_ACCESS.RESTRICTED})


def visibility_of(base: str, graph_name) -> str:
    """Who may read what a named graph holds: its name says it (see the module's docstring). Given several
    graphs (a dataset published by several sources), consortium when any of them is: what is read from
    them together holds consortium-only statements."""
    names = (graph_name,) if isinstance(graph_name, str) else tuple(graph_name)
    hidden = consortium_graph_prefix(base)
    return CONSORTIUM if any(str(g).startswith(hidden) for g in names) else PUBLIC


def visible_graphs_filter(base: str, members: bool) -> str:
    """A SPARQL filter on ?g that keeps consortium-only graphs from anyone who is not a member."""
    return "" if members else f'FILTER(!STRSTARTS(STR(?g), "{consortium_graph_prefix(base)}"))'


def consortium_datasets(graph, source_visibility: str = PUBLIC) -> set[URIRef]:
    """The datasets of `graph` (an rdflib Graph or a resources.GraphCopy) that go to the consortium graph."""
    datasets = {ds for ds in graph.subjects(RDF.type, DCAT.Dataset) if isinstance(ds, URIRef)}
    if source_visibility == CONSORTIUM:
        return datasets
    return {ds for ds in datasets if any((ds, DCT.accessRights, r) in graph for r in CONSORTIUM_ACCESS)}


def split(graph, hidden: set[URIRef], closures: dict | None = None) -> tuple[list, list]:
    """(public, consortium) triples: a node goes with the hidden datasets only if nothing public reaches it,
    so a publisher shared with a public dataset keeps its name in public, and a triple pointing at a
    hidden dataset (a catalogue's dcat:dataset, another dataset's derivation) goes with it.

    `graph` is best a resources.GraphCopy (dict lookups: one pass, no rdflib store per triple; an rdflib
    Graph works too). Lists of triples come back, not Graphs: the store writes them as they are.
    `closures` (dataset → resources.dataset_closure of it), when the caller cut them already."""
    if not hidden:
        return list(graph), []
    # a node is secret when every owner that reaches it is hidden: reached by a hidden one and by no other
    # (two sets, not the set of owners of every node, which was a large commit's biggest structure)
    by_hidden, by_others = set(), set()
    roots = list(graph.subjects(RDF.type, DCAT.Dataset))
    roots += list(graph.subjects(FOAF.primaryTopic, None))
    for root in roots:
        topic = graph.value(root, FOAF.primaryTopic)
        owner = topic if topic is not None else root
        cut = closures.get(root) if closures else None
        reached = by_hidden if owner in hidden else by_others
        reached.update(s for s, _, _ in (dataset_closure(graph, root) if cut is None else cut))
    for catalog in graph.subjects(RDF.type, DCAT.Catalog):  # what a catalogue itself reaches stays public
        by_others.update(s for s, _, _ in closure(graph, catalog))
    secret = (by_hidden - by_others) | set(hidden)
    by_hidden = by_others = None
    public, consortium = [], []
    for triple in graph:  # the graph's own tuples: a new one each was half a gigabyte at 100,000 datasets
        (consortium if triple[0] in secret or triple[2] in hidden else public).append(triple)
    return public, consortium
