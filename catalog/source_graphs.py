"""Committing harvests: each source's datasets live in two named graphs, replaced whole.

A source's graphs are written only here, and only after its harvest succeeded, so a failed
harvest leaves the last good data in place. Every dataset gets a catalogue record (first seen,
last changed, the run that changed it) so readers can tell what a harvest did; a record
survives re-harvests that leave its dataset unchanged.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field

from hdcat.catalog.config import Settings
from hdcat.catalog.errors import HdcatError
from hdcat.catalog.graph_diff import diff, write_graphs
from hdcat.catalog.iris import (
    record_iri,
    runs_graph_iri,
    short_hash,
    source_graph_iri,
    source_graphs,
)
from hdcat.catalog.resources import RDFLIB, Converted, GraphCopy, Terms, dataset_closure, subject_tree
from hdcat.catalog.run_log import RunLog
from hdcat.catalog.runs import HarvestRun, Outcome
from hdcat.catalog.shared_datasets import conflicts
from hdcat.catalog.values_blocks import in_parts
from hdcat.catalog.visibility import CONSORTIUM, PUBLIC, consortium_datasets, split
from hdcat.ontology import DCAT, DCT, EU_ACCESS, HDCAT, PROV, bind_prefixes, sparql_prefixes
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, RDF, XSD

P = sparql_prefixes("dcat", "dct", "hdcat", "foaf", "prov")

#: does a consortium-visibility source still have a dataset in its public graph?
PUBLIC_DATASET_IN = P + "ASK {{ GRAPH <{graph}> {{ ?d a dcat:Dataset }} }}"
#: does a public source have a dataset in its consortium graph that its access rights do not put there?
UNRESTRICTED_DATASET_IN = (
    P
    + """ASK {{ GRAPH <{graph}> {{ ?d a dcat:Dataset
    FILTER NOT EXISTS {{ ?d dct:accessRights <{restricted}> }} }} }}"""
)
#: the catalogue records of the given graphs (`{graphs}`: IRIs in angle brackets, space-separated). The graphs
#: come first and the short id is an OPTIONAL of its own: with the OPTIONAL inside `GRAPH ?g`, Oxigraph read
#: every record of every graph before keeping the source's (55 s at 1,000,000 datasets, 2 ms now)
PREVIOUS_RECORDS = (
    P
    + """SELECT ?g ?ds ?hash ?issued ?modified ?run ?local WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{
    ?rec foaf:primaryTopic ?ds ; hdcat:contentHash ?hash ; dct:issued ?issued ;
         dct:modified ?modified ; prov:wasGeneratedBy ?run }}
    OPTIONAL {{ GRAPH ?g {{ ?ds hdcat:localId ?local }} }} }}"""
)
#: PREVIOUS_RECORDS of named datasets: one branch a dataset (`{branches}`, RECORD_OF joined by UNION), which
#: Oxigraph answers by index lookups; VALUES ?ds would be joined after reading every record (143 ms for 50 of
#: 5,000), and a query of more than some fifty branches takes longer to plan than to answer
PREVIOUS_RECORDS_OF = (
    P
    + """SELECT ?g ?ds ?hash ?issued ?modified ?run ?local WHERE {{ VALUES ?g {{ {graphs} }}
    GRAPH ?g {{ {branches} }} }}"""
)
RECORD_OF = """{{ BIND(<{ds}> AS ?ds) ?rec foaf:primaryTopic <{ds}> ; hdcat:contentHash ?hash ;
    dct:issued ?issued ; dct:modified ?modified ; prov:wasGeneratedBy ?run
    OPTIONAL {{ <{ds}> hdcat:localId ?local }} }}"""
#: the graph of each dataset with a catalogue record in the given graphs: what a partial commit needs of
#: the datasets it leaves as they are
RECORD_GRAPHS = (
    P + """SELECT ?g ?ds WHERE {{ GRAPH ?g {{ ?rec foaf:primaryTopic ?ds }} VALUES ?g {{ {graphs} }} }}"""
)
#: short ids held outside the given graphs (`{graphs}`: IRIs in angle brackets, comma-separated) by the named
#: datasets or equal to the named ids (`{named}`: a VALUES block of either): a commit names its own, so it
#: reads what its datasets need, not every short id of the catalogue (at 1,000,000 datasets in many
#: sources, every commit of any source read a million rows)
LOCAL_IDS_ELSEWHERE = (
    P
    + """SELECT ?id ?ds WHERE {{ {named} GRAPH ?g {{ ?ds hdcat:localId ?id }}
    FILTER(?g NOT IN ({graphs})) }}"""
)


def closure_hash(triples, written: Converted | None = None) -> str:
    """A content hash of one dataset's description (its triples cut out by resources.dataset_closure) that
    ignores blank-node labels. `written`: term → its N-Triples form (`texts()`), shared across the datasets
    of one commit (themes, agents and predicates repeat on every one); `texts(OXIGRAPH_TERMS)` when the
    triples hold Oxigraph's terms (a harvest's raw records)."""
    text = (texts() if written is None else written).__getitem__
    # a line a triple in one expression: a re-harvest hashes every record of a changed page (104 ms against
    # 72 ms for the 1,000 records of bench/pipeline_bench.py's page with a loop and a list a triple)
    lines = sorted([f"{text(s)} {text(p)} {text(o)}" for s, p, o in triples])
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:32]


def texts(terms: Terms = RDFLIB) -> Converted:
    """The N-Triples forms `closure_hash` writes, each distinct term's made once."""
    return Converted(terms.text)


@dataclass
class PartialHarvest:
    """What a re-harvest that imported only the records that changed brings to its commit (see
    harvesters/dcat_records.py): `graph`, the imported statements of the new and changed records and of the
    source's catalogues; `unchanged`, the datasets whose stored statements stay as they are; `kept`, every
    node an unchanged record reaches (a node no longer reached by a changed record may still be theirs).
    Whatever else the changed and removed datasets held in the store goes."""

    graph: Graph
    unchanged: set = field(default_factory=set)
    kept: set = field(default_factory=set)
    #: called with the run once the commit stands (the harvester keeps what it needs for the next one)
    on_commit: object = None


def for_commit(graph):
    """A harvest's graph as the dicts its commit reads (resources.GraphCopy), made in one pass. The runner
    makes it before the commit and lets go of the rdflib graph: a large first harvest held both, and
    the store's write beside them, at its peak."""
    if graph is None or isinstance(graph, GraphCopy):
        return graph
    if isinstance(graph, PartialHarvest):
        graph.graph = for_commit(graph.graph)
        return graph
    return GraphCopy(graph)


class PartialMismatch(HdcatError):
    """The store no longer holds what a partial re-harvest assumed (another writer changed the source):
    the source must be imported whole."""


class SourceGraphs:
    """Writes sources' graphs. `writes` is held for a whole commit: two harvests of one source, or a
    run recorded meanwhile, never interleave."""

    def __init__(self, store, settings: Settings, runs: RunLog, writes: threading.RLock):
        self.store = store
        self.settings = settings
        self.base = settings.base_iri
        self.runs = runs
        self.writes = writes

    def public_graph(self, source: str) -> URIRef:
        return source_graph_iri(self.base, source)

    def graphs_of(self, source: str) -> tuple[URIRef, URIRef]:
        """(public, consortium-only) graphs of one source; see catalog.visibility."""
        return source_graphs(self.base, source)

    def split_is_current(self, source: str) -> bool:
        """Does the stored public/consortium split still follow the source's `visibility` setting?
        If someone changed the setting, the next harvest must re-split even when the data read the same."""
        config = self.settings.source(source)
        public, hidden = self.graphs_of(source)
        if config is not None and config.visibility == CONSORTIUM:
            q = PUBLIC_DATASET_IN.format(graph=public)
        else:
            q = UNRESTRICTED_DATASET_IN.format(graph=hidden, restricted=EU_ACCESS.RESTRICTED)
        return not self.store.query(q).askAnswer

    def last_good_pages(self, source: str) -> list[tuple[str, str]]:
        """The pages (location, content hash) the source's last good harvest read, in order."""
        good = self.runs.last_good(source)
        if good is None or not self.split_is_current(source):
            return []
        g = self.store.read_view(runs_graph_iri(self.base))
        pages = [
            (
                int(g.value(p, HDCAT.order)),
                str(g.value(p, HDCAT.location)),
                str(g.value(p, HDCAT.contentHash)),
            )
            for p in g.objects(URIRef(good["iri"]), HDCAT.page)
        ]
        return [(loc, digest) for _, loc, digest in sorted(pages)]

    def commit_unchanged(self, run: HarvestRun) -> HarvestRun:
        """Record a run whose source read exactly as last time: nothing to import or rewrite."""
        last = self.runs.last_good(run.source)
        run.found = last["found"] if last else 0
        run.finish(Outcome.UNCHANGED)
        self.runs.record(run)
        return run

    def commit_harvest(self, run: HarvestRun, graph: Graph | None) -> HarvestRun:
        """Replace the source's graphs with `graph` and record the run; None means the harvest failed.
        The run's outcome says whether anything changed (Outcome.CHANGED), which is what derived data
        (caches, lineage, conformance) must follow."""
        with self.writes:
            return self._commit(run, graph)

    def _commit(self, run: HarvestRun, graph) -> HarvestRun:
        partial = graph if isinstance(graph, PartialHarvest) else None
        graph = partial.graph if partial else graph
        if graph is None or (run.outcome and run.outcome.failed):
            if not (run.outcome and run.outcome.failed):
                run.finish(Outcome.FAILED, run.error or "harvest produced no graph")
            self.runs.record(run)
            return run
        name, hidden_name = self.graphs_of(run.source)
        # a partial commit reads the records of the datasets it rewrites or removes, and only the graph of
        # the others (a 1 %-changed re-harvest of 5,000 datasets read all 5,000 records: a quarter second)
        previous = (
            self._record_graphs(name, hidden_name) if partial else self._previous_records(name, hidden_name)
        )
        if partial and any(ds not in previous for ds in partial.unchanged):
            raise PartialMismatch(f"the store no longer holds every unchanged dataset of {run.source}")
        if partial:
            previous.update(
                self._previous_records(
                    name,
                    hidden_name,
                    only=[ds for ds in previous if ds not in partial.unchanged],
                    among=len(previous),
                )
            )
        self._dedupe_local_ids(graph, name, hidden_name)
        # the harvested triples as dicts (for_commit): every lookup below (hashes, conflicts, the
        # public/consortium split) is a dict lookup, not an rdflib store call
        index = for_commit(graph)
        qname = bind_prefixes(Graph()).namespace_manager.normalizeUri
        for line in conflicts(self.store, self.base, index, (name, hidden_name), run.source, qname):
            run.warn(line)  # a dataset other sources publish too, described differently there
        written = texts()
        # each dataset's record cut once, for its hash and for the public/consortium split
        closures = {
            ds: dataset_closure(index, ds)
            for ds in dict.fromkeys(index.subjects(RDF.type, DCAT.Dataset))
            if isinstance(ds, URIRef)
        }
        current = {ds: closure_hash(triples, written) for ds, triples in closures.items()}
        written = None  # every distinct term's text: not to be held through the write
        fresh = dict(current)  # the datasets this commit writes
        for ds in partial.unchanged if partial else ():
            current[ds] = previous[ds]["hash"]
        added = [ds for ds in current if ds not in previous]
        changed = [ds for ds in current if ds in previous and previous[ds]["hash"] != current[ds]]
        removed = [ds for ds in previous if ds not in current]
        run.found = len(current)
        run.added, run.changed, run.removed = len(added), len(changed), len(removed)
        run.touched = {previous[ds]["local"] for ds in changed + removed if previous[ds]["local"]} | {
            str(index.value(ds, HDCAT.localId)) for ds in added + changed if index.value(ds, HDCAT.localId)
        }
        split_is_current = not previous or self.split_is_current(run.source)
        if not run.touched or not split_is_current:
            # a visibility change re-splits every dataset, changed or not: what follows the commit (the
            # search index, the kept maps and lineage) must follow it all
            run.touched = None
        if not added and not changed and not removed and previous and split_is_current:
            run.finish(Outcome.UNCHANGED)
            self.runs.record(run)
            return run
        self._add_records(run, index, fresh, previous, name)
        config = self.settings.source(run.source)
        secret = consortium_datasets(index, config.visibility if config else PUBLIC)
        if partial:  # links to unchanged consortium-only datasets go with them, as a whole import puts them
            secret |= {ds for ds in partial.unchanged if previous[ds]["graph"] == str(hidden_name)}
        public, hidden = split(index, secret, closures)
        closures = None
        run.finish(Outcome.CHANGED)
        # the source's graphs and its run record in one transaction: never one without the other
        writes = {name: public, hidden_name: hidden}
        add = {self.runs.graph_iri: run.to_graph(self.base, name)}
        if partial:
            gone = [ds for ds in previous if ds not in fresh and ds not in partial.unchanged]
            locals_ = {previous[ds]["local"] for ds in gone + list(fresh) if ds in previous}
            locals_ |= {str(index.value(ds, HDCAT.localId)) for ds in fresh}
            records = {record_iri(self.base, run.source, local) for local in locals_ if local}
            self._patch_part(run, writes, add, list(fresh) + gone + list(records), partial.kept)
        elif previous:  # only what changed is written; unchanged datasets' statements stay as stored
            write_graphs(self.store, writes, add=add)
        else:
            self.store.replace_graphs(writes, add=add)
        self.runs.forget()  # the run went in with the graphs, not through runs.record
        return run

    def _patch_part(self, run: HarvestRun, writes: dict, add: dict, datasets: list, kept: set) -> None:
        """Write a partial re-harvest: the stored statements of every subject its graph describes, of the
        datasets it wrote or that are gone and of their catalogue records (and what those reached that no
        unchanged record reaches) give way to `writes`, in one transaction."""
        views = {name: self.store.read_view(name) for name in writes}
        subjects = {s for triples in writes.values() for s, _, _ in triples if isinstance(s, URIRef)}
        for ds in datasets:
            subjects.add(ds)
            for view in views.values():
                subjects |= {
                    s for s, _, _ in dataset_closure(view, ds) if isinstance(s, URIRef) and s not in kept
                }
        diffs, forms = {}, {}
        for name, triples in writes.items():
            g = views[name]
            old = [t for s in subjects for t in subject_tree(g, s)]
            d = diff(old, triples)
            if d is None:
                raise PartialMismatch(f"the stored graph of {run.source} cannot be patched record by record")
            diffs[name] = d
            forms[name] = self.store.lexical_forms_without(name, {str(s) for s in subjects}, triples)
        self.store.patch_graphs(writes, diffs, add=add, forms=forms)

    def _add_records(
        self, run: HarvestRun, graph: GraphCopy, current: dict, previous: dict, name: URIRef
    ) -> None:
        """A catalogue record per dataset, added to `graph`; an unchanged dataset keeps its dates and the run
        that changed it."""
        now = Literal(run.started.isoformat(), datatype=XSD.dateTime)
        run_node = run.iri(self.base)
        for ds, digest in current.items():
            rec = record_iri(self.base, run.source, str(graph.value(ds, HDCAT.localId)))
            old = previous.get(ds)
            unchanged = old is not None and old["hash"] == digest
            graph.add((rec, RDF.type, DCAT.CatalogRecord))
            graph.add((rec, FOAF.primaryTopic, ds))
            graph.add((rec, HDCAT.contentHash, Literal(digest)))
            # the dates come back in the form the store keeps them, as a SPARQL read gives them
            graph.add((rec, DCT.issued, Literal(old["issued"], datatype=XSD.dateTime) if old else now))
            graph.add(
                (rec, DCT.modified, Literal(old["modified"], datatype=XSD.dateTime) if unchanged else now)
            )
            graph.add((rec, PROV.wasGeneratedBy, URIRef(old["run"]) if unchanged else run_node))
            graph.add((rec, HDCAT.source, URIRef(name)))

    def _record_graphs(self, *names: URIRef) -> dict:
        """Dataset → {"graph", "hash": None}: where each dataset's catalogue record is, and no more; the hash
        of a dataset a partial commit leaves as it is is its own (`current` takes it from here)."""
        q = RECORD_GRAPHS.format(graphs=" ".join(f"<{n}>" for n in names))
        return {URIRef(ds): {"graph": g, "hash": None} for g, ds in self.store.select_text(q)}

    #: `_previous_records` names the datasets it reads, this many a query, while they are fewer than a
    #: sixth of the source's (then one query over every record is cheaper: 0.05 ms a record, 0.3 named)
    NAMED_AT_ONCE, NAMED_SHARE = 50, 1 / 6

    def _previous_records(self, *names: URIRef, only: list | None = None, among: int = 0) -> dict:
        """Dataset → its catalogue record, read as text (a source's thousands of rows need no rdflib term
        each; `_add_records` makes the few it writes again). `only`: of these datasets alone, of `among`."""
        graphs = " ".join(f"<{n}>" for n in names)
        if only is None or len(only) > self.NAMED_SHARE * among:
            rows = self.store.select_text(PREVIOUS_RECORDS.format(graphs=graphs))
        else:
            rows = []
            for start in range(0, len(only), self.NAMED_AT_ONCE):
                part = only[start : start + self.NAMED_AT_ONCE]
                branches = " UNION ".join(RECORD_OF.format(ds=ds) for ds in part)
                rows += self.store.select_text(PREVIOUS_RECORDS_OF.format(graphs=graphs, branches=branches))
        wanted = None if only is None else set(only)
        return {
            URIRef(ds): {
                "hash": digest,
                "issued": issued,
                "modified": modified,
                "run": run,
                "local": local,
                "graph": g,
            }
            for g, ds, digest, issued, modified, run, local in rows
            if wanted is None or URIRef(ds) in wanted
        }

    def _dedupe_local_ids(self, graph: Graph, *names: URIRef) -> None:
        """A dataset another source publishes too keeps the short id it has there (one dataset, one id and
        one URL, whichever source came first); a short id already used by another source's other dataset
        gets a hash suffix."""
        own = list(graph.subject_objects(HDCAT.localId))
        datasets = in_parts(f"<{ds}>" for ds in dict.fromkeys(ds for ds, _ in own) if isinstance(ds, URIRef))
        ids = in_parts(Literal(i).n3() for i in sorted({str(i) for _, i in own}))
        blocks = [f"VALUES ?ds {{ {p} }}" for p in datasets] + [f"VALUES ?id {{ {p} }}" for p in ids]
        graphs = ", ".join(f"<{n}>" for n in names)
        taken: dict = {}
        ids_of: dict = {}
        for block in blocks:
            q = LOCAL_IDS_ELSEWHERE.format(named=block, graphs=graphs)
            for local_id, ds in self.store.select_text(q):
                taken[local_id] = URIRef(ds)
                ids_of.setdefault(URIRef(ds), set()).add(local_id)
        for ds, local_id in own:
            if ds in ids_of:
                graph.set((ds, HDCAT.localId, Literal(min(ids_of[ds]))))
                continue
            owner = taken.get(str(local_id))
            if owner is not None and owner != ds:
                graph.set((ds, HDCAT.localId, Literal(f"{local_id}-{short_hash(str(ds), 6)}")))
