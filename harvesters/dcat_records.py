"""A DCAT source cut into dataset records straight from the engine's parser, so that a re-harvest imports
only the records that changed since the source's last harvest (issue 16).

Pages in Turtle, N-Triples or RDF/XML are parsed by pyoxigraph into Oxigraph's terms (no rdflib term is
made for a record that did not change); each dataset's record is its closure (catalog.dataset_closure,
the same cut the store's reads make), hashed by content with blank-node labels ignored (the hashing the
commit uses). What the last harvest saw is kept per source in `data_dir/harvest-state/` — each record's
hash, short id and the warnings its import gave — tied to that harvest's run: when the store's last good
run of the source is another one (another process harvested it, a run failed after), or the source's
settings, the consortium's rules or hdcat's mapping changed, the source is imported whole, as it is when
a record's closure reaches a node another record reaches too (other than through the catalogue), when a
dataset is a blank node, or when more than a quarter of the records changed. Otherwise only the new and
changed records go through the import stage (one at a time, with the short ids a whole import would give
them, collisions resolved over every record in sorted order), the catalogues are imported again, and the
commit (catalog.PartialHarvest) rewrites those records alone; removed records go, unchanged ones keep their
stored statements and their earlier warnings.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pyoxigraph as ox
from hdcat.catalog import (
    OXIGRAPH_TERMS,
    Converted,
    GraphCopy,
    HarvestRun,
    PartialHarvest,
    closure,
    closure_hash,
    closure_texts,
    dataset_closure,
    hold_still_so_far,
    last_segment,
    objects_held_still,
    one_object_per_term,
    oxigraph_to_rdflib,
    short_hash,
    slugify,
)
from hdcat.harvesters.dcat_import import import_dcat, report_shapes
from hdcat.harvesters.rdf_parse import guess_format
from hdcat.ontology import DCAT, HDCAT, HYDRA, scratch_graph
from rdflib import Graph, Literal, URIRef

log = logging.getLogger("hdcat.harvest")

#: bump when the import stage maps a record differently: every source is then imported whole once
MAPPING = 1
#: above this share of changed records a whole import is cheaper than one import per record
MAX_CHANGED_SHARE = 0.25
#: records imported together: one rdflib graph of a whole large source and its import beside it were a first
#: harvest's peak memory; a thousand at a time costs no more time than all at once
RECORDS_AT_ONCE = 1_000
_OX_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "xml": ox.RdfFormat.RDF_XML}
_DECLARES_ENTITIES = re.compile(rb"<!ENTITY", re.IGNORECASE)
T = OXIGRAPH_TERMS
_TYPE, _DATASET, _SERIES, _CATALOG = (
    T.type,
    ox.NamedNode(str(DCAT.Dataset)),
    ox.NamedNode(str(DCAT.DatasetSeries)),
    ox.NamedNode(str(DCAT.Catalog)),
)
_DCAT_DATASET = ox.NamedNode(str(DCAT.dataset))
_LOCAL_ID = HDCAT.localId  # an rdflib Namespace attribute is a slow lookup, and this one is read per triple
_NEXT = {ox.NamedNode(str(HYDRA.next)), ox.NamedNode(str(HYDRA.nextPage))}


def parse_page(
    content: bytes, location: str, media_type: str | None, terms: dict | None = None
) -> list | None:
    """One page's triples in Oxigraph's terms, or None when the engine's parser is not the one for it
    (JSON-LD, with hdcat's copies of remote contexts; RDF/XML declaring entities; a syntax error, which the
    rdflib path reports with its message). `terms`, shared by a source's pages, makes each distinct term one
    object: the parser gives a new one for every occurrence, and a source's predicates, types, code-list
    concepts and agents occur on every record (the parsed source was a large first harvest's biggest part)."""
    fmt = guess_format(location, media_type, content)
    if fmt not in _OX_FORMATS or (fmt == "xml" and _DECLARES_ENTITIES.search(content[:1_000_000])):
        return None
    try:
        quads = ox.parse(content, format=_OX_FORMATS[fmt], base_iri=location)
        return list(one_object_per_term(quads, {} if terms is None else terms))
    except (SyntaxError, ValueError):
        return None


def next_pages(triples: list) -> list[str]:
    return sorted({o.value for _, p, o in triples if p in _NEXT and isinstance(o, ox.NamedNode)})


class Terms(Converted):
    """Oxigraph terms → rdflib terms, each distinct term once."""

    __slots__ = ()
    __call__ = Converted.__getitem__

    def __init__(self):
        super().__init__(oxigraph_to_rdflib)

    def triples(self, triples) -> list:
        return [(self[s], self[p], self[o]) for s, p, o in triples]


class RawSource:
    """Every page of a source in Oxigraph's terms, cut into dataset records."""

    def __init__(self, triples: list):
        self.triples = list(dict.fromkeys(triples))
        self.index = GraphCopy(self.triples)
        for series in list(self.index.subjects(_TYPE, _SERIES)):  # DCAT 3: every series is a dataset
            if (series, _TYPE, _DATASET) not in self.index:
                self.index.add((series, _TYPE, _DATASET))
                self.triples.append((series, _TYPE, _DATASET))
        self.datasets = sorted(
            set(self.index.subjects(_TYPE, _DATASET)), key=lambda n: (isinstance(n, ox.BlankNode), n.value)
        )
        self.catalogs = list(dict.fromkeys(self.index.subjects(_TYPE, _CATALOG)))
        self.records = {ds: dataset_closure(self.index, ds, terms=T) for ds in self.datasets}
        written = closure_texts(T)
        self.hashes = {ds.value: closure_hash(triples, written) for ds, triples in self.records.items()}
        self.catalog_triples = [t for c in self.catalogs for t in closure(self.index, c, terms=T)]
        self.owners()  # made here, where the reader holds the collector back (harvesters/dcat.py)

    def owners(self) -> dict:
        """Node → the datasets whose records reach it (made once: the cut and a partial import both ask)."""
        found = self.__dict__.get("_owners")
        if found is None:
            found = self._owners = {}
            for ds, triples in self.records.items():
                for s in {t[0] for t in triples}:
                    who = found.get(s)
                    if who is None:
                        found[s] = {ds}
                    else:
                        who.add(ds)
        return found

    def cut_apart(self) -> bool:
        """Can records be imported one by one: IRI datasets and catalogues, and no node two records reach
        unless the catalogue reaches it too (its statements are then imported with the catalogue)?"""
        if any(isinstance(n, ox.BlankNode) for n in self.datasets + self.catalogs):
            return False
        shared_ok = {s for s, _, _ in self.catalog_triples}
        return all(len(who) == 1 or node in shared_ok for node, who in self.owners().items())


class ReachedByUnchanged:
    """`iri in kept`: does a record that did not change reach this IRI (an rdflib term)? What a partial commit
    asks of the few subjects it rewrites; the set of every node the unchanged records reach, made as rdflib
    terms, was most of the source converted for a handful of questions."""

    def __init__(self, owners: dict, changed: set):
        self._owners, self._changed = owners, changed

    def __contains__(self, node) -> bool:
        if not isinstance(node, URIRef):  # a stored blank node's label is not the parser's
            return False
        who = self._owners.get(ox.NamedNode(str(node)), ())
        return any(ds not in self._changed for ds in who)


@dataclass
class State:
    """What the last harvest of a source saw, kept for the next one (see the module's docstring)."""

    fingerprint: str
    run: str = ""
    #: dataset IRI → {"hash", "local", "accepted", "warnings"}
    records: dict = field(default_factory=dict)
    shapes: dict = field(default_factory=dict)  # dataset IRI → its record-shape result lines

    @staticmethod
    def path(folder: Path, source: str) -> Path:
        return folder / "harvest-state" / f"{slugify(source)}-{short_hash(source, 8)}.json"

    @classmethod
    def load(cls, folder: Path, source: str) -> State | None:
        try:
            data = json.loads(cls.path(folder, source).read_text("utf-8"))
            return cls(**data)
        except (OSError, ValueError, TypeError):
            return None

    def save(self, folder: Path, source: str) -> None:
        path = self.path(folder, source)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.__dict__, ensure_ascii=False), "utf-8")
        os.replace(tmp, path)

    @classmethod
    def retag(cls, folder: Path, source: str, was: str, now: str) -> None:
        """The source read as before: its state, if it was the last good run's, is the new run's."""
        state = cls.load(folder, source)
        if state is not None and state.run == was:
            state.run = now
            state.save(folder, source)

    @classmethod
    def forget(cls, folder: Path, source: str) -> None:
        cls.path(folder, source).unlink(missing_ok=True)


def fingerprint(harvester) -> str:
    """Everything besides a record's content that its import depends on."""
    try:
        hdcat_version = version("hdcat")
    except PackageNotFoundError:
        hdcat_version = "unknown"
    shapes = Path(__file__).resolve().parents[1] / "ontology" / "shapes.ttl"
    src = harvester.source
    parts = [
        MAPPING,
        hdcat_version,
        hashlib.sha256(shapes.read_bytes()).hexdigest() if shapes.exists() else "",
        src.hospital,
        src.location,
        getattr(src, "visibility", ""),
        harvester.base_iri,
        harvester.threshold,
        harvester.max_literal_chars,
    ]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]


def base_ids(hospital: str, datasets: list) -> dict:
    return {ds: f"{hospital}-{slugify(last_segment(ds.value))}" for ds in datasets}


def local_ids(hospital: str, datasets: list, accepted: set) -> dict:
    """The short ids a whole import gives the accepted datasets (IRIs): a collision takes a hash suffix,
    in the datasets' sorted order (harvesters/dcat_import.py)."""
    used: Counter = Counter()
    out = {}
    for ds, local_id in base_ids(hospital, datasets).items():
        if ds not in accepted:
            continue
        if used[local_id]:
            local_id = f"{local_id}-{short_hash(ds.value, 6)}"
        used[local_id] += 1
        out[ds] = local_id
    return out


class RecordImport:
    """The import of one harvest of a DCAT source from its raw records: whole, or the changed records only."""

    def __init__(self, harvester, run: HarvestRun, raw: RawSource, state_dir: Path | None, last_run: str):
        self.h, self.run, self.raw = harvester, run, raw
        self.state_dir, self.last_run = state_dir, last_run
        self.fingerprint = fingerprint(harvester)
        self.terms = Terms()

    def _import(self, triples: list, **kwargs) -> Graph:
        return self._import_graph(self._as_rdflib(triples), **kwargs)

    def _as_rdflib(self, triples: list) -> Graph:
        graph = scratch_graph()
        graph.addN((s, p, o, graph) for s, p, o in self.terms.triples(triples))
        return graph

    def _import_graph(self, graph: Graph, **kwargs) -> Graph:
        h = self.h
        return import_dcat(
            graph,
            hospital=h.source.hospital,
            base_iri=h.base_iri,
            run=self.run,
            threshold=h.threshold,
            max_literal=h.max_literal_chars,
            **kwargs,
        )

    def previous(self) -> State | None:
        if self.state_dir is None or not getattr(self.h, "partial_ok", False):
            return None
        state = State.load(self.state_dir, self.h.source.name)
        if (
            state is None
            or state.fingerprint != self.fingerprint
            or not state.run
            or state.run != self.last_run
        ):
            return None
        return state

    def run_import(self):
        """The commit's input: a GraphCopy or Graph (whole import) or a catalog.PartialHarvest. Sets
        `run.after_commit` to keep what the next harvest needs once the commit stands."""
        state = self.previous()
        raw = self.raw
        if raw.cut_apart():
            with objects_held_still(collect_in_parts=True):  # _records says when a part is done
                part = self._partial(state) if state is not None else None
                return part if part is not None else self._whole_in_parts()
        self.lines = []
        source = self._as_rdflib(raw.triples)
        named = {ds: self.terms(ds) for ds in raw.datasets}
        # the parsed pages go before the import makes its graph beside this one: with both, they were a
        # large first harvest's peak (3.3 GiB at 20,000 datasets)
        self._let_go()
        raw = None
        graph = self._import_graph(source, shape_lines=self.lines)
        source = None
        report_shapes(self.lines, self.run)
        self.run.imported = len(named)
        self.accepted = {ds for ds, term in named.items() if (term, HDCAT.localId, None) in graph}
        self.ids = {ds: str(graph.value(named[ds], HDCAT.localId)) for ds in self.accepted}
        self.run.after_commit = self.remember
        return graph

    def _records(self, datasets: list, into: GraphCopy, lines: list) -> set:
        """Import these records, RECORDS_AT_ONCE at a time, into `into` without their short ids (a whole
        import resolves collisions over every record: `local_ids`); the datasets accepted."""
        raw, terms = self.raw, self.terms
        accepted = set()
        for start in range(0, len(datasets), RECORDS_AT_ONCE):
            part = datasets[start : start + RECORDS_AT_ONCE]
            triples = [t for ds in part for t in raw.records[ds]]
            out = self._import(triples, local_ids={terms(ds): "" for ds in part}, shape_lines=lines)
            accepted |= {ds for ds in part if (terms(ds), _LOCAL_ID, None) in out}
            into.merge(t for t in out if t[1] != _LOCAL_ID)
            out = None
            hold_still_so_far()  # this part's graphs collected, its result out of the later passes
        return accepted

    def _with_catalogs(self, into: GraphCopy, imported: set, accepted: set, ids: dict, lines: list) -> None:
        """The short ids of the datasets imported and accepted, and the catalogues: their own description
        again, and their links to every accepted dataset."""
        raw, terms = self.raw, self.terms
        into.merge((terms(ds), _LOCAL_ID, Literal(ids[ds])) for ds in imported)
        dropped = {terms(ds) for ds in raw.datasets if ds not in accepted}
        catalogs = self._import(raw.catalog_triples, shape_lines=lines)
        into.merge(t for t in catalogs if t[2] not in dropped)
        into.merge(
            (terms(c), DCAT.dataset, terms(o))
            for c in raw.catalogs
            for _, _, o in raw.index.triples((c, _DCAT_DATASET, None))
            if o in accepted
        )

    def _whole_in_parts(self) -> GraphCopy:
        """A whole import of a source whose records can be cut apart, a thousand records at a time: the
        same graph and warnings as `import_dcat` over the whole source (tests/test_partial_writes.py), without
        an rdflib graph of the whole source and one of its import beside it (a large first harvest's peak)."""
        raw = self.raw
        self.lines = lines = []
        graph = GraphCopy()
        accepted = self._records(raw.datasets, graph, lines)
        ids = local_ids(self.h.source.hospital, raw.datasets, accepted)
        self._with_catalogs(graph, accepted, accepted, ids, lines)
        self._reported(lines, len(raw.datasets), accepted, ids)
        self._let_go()
        return graph

    def _reported(self, lines: list, imported: int, accepted: set, ids: dict) -> None:
        """The run says what one import of the whole source would (each warning once, the shape results
        sorted), and keeps for `remember` what the next harvest needs once the commit stands."""
        run = self.run
        run.warnings = list(dict.fromkeys(run.warnings))
        report_shapes(lines, run)
        run.imported = imported
        self.accepted, self.ids = accepted, ids
        run.after_commit = self.remember

    def _partial(self, state: State) -> PartialHarvest | None:
        raw, run = self.raw, self.run
        records = state.records
        changed = [ds for ds in raw.datasets if records.get(ds.value, {}).get("hash") != raw.hashes[ds.value]]
        if len(changed) > MAX_CHANGED_SHARE * max(len(raw.datasets), 1):
            return None
        unchanged = [ds for ds in raw.datasets if ds.value in records and ds not in changed]
        self.lines = lines = []
        graph = GraphCopy()
        fresh = self._records(changed, graph, lines)
        accepted = fresh | {ds for ds in unchanged if records[ds.value]["accepted"]}
        ids = local_ids(self.h.source.hospital, raw.datasets, accepted)
        if any(records[ds.value].get("local") != ids.get(ds) for ds in unchanged):
            return None  # a changed record took or gave up a short id an unchanged one collided with
        self._with_catalogs(graph, fresh, accepted, ids, lines)
        # the run says what a whole import would: the unchanged records' earlier warnings with the new ones
        for ds in unchanged:
            for line in records[ds.value].get("warnings", []):
                run.warn(line)
            if records[ds.value].get("skipped"):
                run.skip(ds.value, records[ds.value]["skipped"])
            lines += state.shapes.get(ds.value, [])
        self._reported(lines, len(changed), accepted, ids)
        part = PartialHarvest(
            graph,
            unchanged={self.terms(ds) for ds in unchanged if ds in accepted},
            kept=ReachedByUnchanged(raw.owners(), set(changed)),
        )
        self._let_go()
        return part

    def _let_go(self) -> None:
        """Keep of the parsed pages only what `remember` needs once the commit stands (the nodes each record
        reaches, the datasets, their hashes), so that they are freed before the commit makes its own copy of
        the source: a first harvest held both at once at its peak."""
        raw = self.raw
        self.owners, self.datasets, self.hashes = raw.owners(), raw.datasets, raw.hashes
        self.raw = self.terms = None

    def _reaching(self, text: str) -> set:
        """The datasets (their IRIs as text) whose records reach the node a warning names: by the text
        str() of its rdflib term gives, an IRI or a blank node's label."""
        for kind in (ox.NamedNode, ox.BlankNode):
            try:
                who = self.owners.get(kind(text))
            except ValueError:  # not an IRI, or not a blank node label
                continue
            if who:
                return {ds.value for ds in who}
        return set()

    def remember(self, run_iri: str) -> None:
        """Keep, for the next harvest, each record's hash, short id, and the warnings that name a node it
        reaches first (the warnings of the catalogues are made again by every import)."""
        if self.state_dir is None:
            return
        run = self.run
        shapes_seen = set(self.lines)
        state = State(self.fingerprint, run=run_iri)
        skipped = {item.record: item.reason for item in run.skipped}
        for ds in self.datasets:
            state.records[ds.value] = {
                "hash": self.hashes[ds.value],
                "local": self.ids.get(ds),
                "accepted": ds in self.accepted,
                "skipped": skipped.get(ds.value),
                "warnings": [],
            }
        for line in run.warnings:
            if line in shapes_seen or line.startswith("… and "):
                continue
            for ds in self._reaching(line.split(": ", 1)[0]):
                state.records[ds]["warnings"].append(line)
        for line in shapes_seen:
            for ds in self._reaching(line.split(": ", 1)[0]):
                state.shapes.setdefault(ds, []).append(line)
        state.save(self.state_dir, self.h.source.name)
