"""Import stage shared by every harvester that ends in DCAT: pick datasets, check, identify.

A record is skipped — and reported with the reason — only when it cannot be
used at all: it has no title. A value that is not valid for its datatype
(`"2021-02-30"^^xsd:date`) is dropped with a warning naming the property and
the value, and the rest of the record is kept: one bad date must not hide a
dataset, and a malformed value is never reinterpreted as another one. Records
that miss other DCAT-AP properties are kept and the gaps reported as warnings,
because real publishers' records are rarely complete (see docs/standards.md).
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from hdcat.catalog import (
    HarvestRun,
    Unsupported,
    closure,
    compile_shapes,
    dataset_closure,
    dataset_iri,
    last_segment,
    short_hash,
    slugify,
)
from hdcat.catalog import validate_shapes as validate_core
from hdcat.harvesters.privacy import protect
from hdcat.ontology import (
    DCAT,
    DCT,
    HDCAT,
    HYDRA,
    hospital_iri,
    literal_problem,
    scratch_graph,
    shacl_validate,
    shapes_graph,
)
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

MAX_WARNINGS = 500


def _label(raw: Graph, node) -> str:
    if isinstance(node, URIRef):
        return str(node)
    ident = raw.value(node, DCT.identifier)
    title = raw.value(node, DCT.title)
    if ident:
        what = "identifier " + str(ident)
    elif title:
        what = "title " + repr(str(title))
    else:
        what = "no identifier"
    return f"blank-node dataset ({what})"


def problem(raw: Graph, triples: list, node) -> str | None:
    """Why a dataset record cannot be used, or None when it can."""
    titles = [
        o for s, p, o in triples if s == node and p == DCT.title and isinstance(o, Literal) and str(o).strip()
    ]
    if not titles:
        return "no dct:title: a dataset without a title cannot be listed or found"
    return None


def _stable(triples: list) -> str:
    """The same text for the same record on every parse (blank-node labels differ between parses)."""
    return "\n".join(
        sorted(" ".join("_:" if isinstance(t, BNode) else t.n3() for t in triple) for triple in triples)
    )


def slug_for(raw: Graph, node) -> str:
    if isinstance(node, URIRef):
        return slugify(last_segment(str(node)))
    ident = raw.value(node, DCT.identifier)
    if ident is not None:
        return slugify(last_segment(str(ident)) if "://" in str(ident) else str(ident))
    titles = {t.language: str(t) for t in raw.objects(node, DCT.title)}
    return slugify(titles.get("en") or next(iter(titles.values()), "dataset"))


def drop_oversized(raw: Graph, run: HarvestRun, limit: int) -> None:
    """Values longer than `limit` characters are dropped with a warning naming the subject and property;
    the rest of the record stays (a record left without a title is then skipped as any untitled one)."""
    for s, p, o in [(s, p, o) for s, p, o in raw if isinstance(o, Literal) and len(o) > limit]:
        raw.remove((s, p, o))
        run.warn(
            f"{s}: a {raw.namespace_manager.normalizeUri(p)} value of {len(o):,} characters was dropped "
            f"(values may be at most {limit:,} characters; max_literal_chars in hdcat.toml)"
        )


def drop_malformed(raw: Graph, run: HarvestRun) -> None:
    """Values that are not valid for their datatype (hdcat.ontology.literal_problem) are dropped, each with
    a warning naming the subject, the property and the value; the record keeps everything else."""
    qname = raw.namespace_manager.normalizeUri
    for s, p, o in [(s, p, o) for s, p, o in raw if literal_problem(o)]:
        raw.remove((s, p, o))
        run.warn(
            f"{_owner(raw, s)}: {qname(p)} value {str(o)!r} is {literal_problem(o)}; the value was dropped"
        )


def _owner(raw: Graph, node) -> str:
    """A name for the record a node belongs to: its IRI, or the dataset a blank node hangs from."""
    seen = set()
    while isinstance(node, BNode) and node not in seen:
        if (node, RDF.type, DCAT.Dataset) in raw:
            return _label(raw, node)
        seen.add(node)
        node = next(raw.subjects(None, node), node)
    return str(node) if isinstance(node, URIRef) else "a blank node"


def import_dcat(
    raw: Graph,
    *,
    hospital: str,
    base_iri: str,
    run: HarvestRun,
    threshold: int = 10,
    max_literal: int = 100_000,
    complete=None,
    local_ids: dict | None = None,
    shape_lines: list | None = None,
) -> Graph:
    """The source's new graph: kept datasets (with hdcat:localId, hdcat:hospital) and their catalogues.
    `complete(graph)`, if given, adds what a harvester writes once records have their IRIs and local ids
    (before the shapes are checked, so the run reports only what is still missing).

    For a harvest that imports some records of a source alone (harvesters/dcat_records.py): `local_ids`
    (dataset node → its short id) gives the ids a whole-source import would make, since collisions are
    resolved across every record; `shape_lines`, when given, receives the record shapes' results instead of
    the run (the caller reports them with the other records', see `report_shapes`)."""
    drop_oversized(raw, run, max_literal)
    drop_malformed(raw, run)
    out = scratch_graph()
    for series in set(raw.subjects(RDF.type, DCAT.DatasetSeries)):
        raw.add((series, RDF.type, DCAT.Dataset))  # DCAT 3: every series is a dataset
    datasets = sorted(set(raw.subjects(RDF.type, DCAT.Dataset)), key=lambda n: (isinstance(n, BNode), str(n)))
    used_ids: Counter = Counter()
    accepted = []
    for node in datasets:
        triples = dataset_closure(raw, node)  # with the data services that serve it
        reason = problem(raw, triples, node)
        if reason:
            run.skip(_label(raw, node), reason)
            continue
        local_id = f"{hospital}-{slug_for(raw, node)}"
        if local_ids is not None:
            local_id = local_ids[node]
        elif used_ids[local_id]:
            local_id = (
                f"{local_id}-{short_hash(str(node) if isinstance(node, URIRef) else _stable(triples), 6)}"
            )
        used_ids[local_id] += 1
        iri = (
            node
            if isinstance(node, URIRef)
            else dataset_iri(base_iri, hospital, local_id.removeprefix(f"{hospital}-"))
        )
        accepted.append((node, triples, local_id, iri))
    kept: dict = {node: iri for node, _, _, iri in accepted}  # source node → the IRI it is stored under
    hosp = hospital_iri(hospital)
    qname = raw.namespace_manager.normalizeUri
    kept_triples = []
    for node, triples, local_id, iri in accepted:
        record = [(kept.get(s, s), p, kept.get(o, o)) for s, p, o in triples]  # links follow the minted IRIs
        kept_triples += protect(record, iri, _label(raw, node), threshold, run, qname)
        kept_triples += [(iri, HDCAT.localId, Literal(local_id)), (iri, HDCAT.hospital, hosp)]
    out.addN((s, p, o, out) for s, p, o in kept_triples)
    dropped = set(datasets) - set(kept)
    for catalog in set(raw.subjects(RDF.type, DCAT.Catalog)):
        # the catalogue's own description and its data services (dcat:service), which closure walks into;
        # links to a skipped dataset go, links to a kept one follow its stored IRI
        for s, p, o in closure(raw, catalog):
            if str(p).startswith(str(HYDRA)) or o in dropped:
                continue
            if s == catalog and p == DCAT.dataset and o not in kept:
                continue
            out.add((kept.get(s, s), p, kept.get(o, o)))
    if complete is not None:
        complete(out)
    if shape_lines is None:
        _check_shapes(out, run)
    else:
        shape_lines += _shape_lines(out)
    return out


@lru_cache(maxsize=1)
def _compiled_shapes():
    """ontology/shapes.ttl as Python checks, or None when it outgrew catalog/shacl_core's subset."""
    try:
        return compile_shapes(shapes_graph())
    except Unsupported:
        return None


def shape_results(graph: Graph) -> list[tuple[str, str, str]]:
    """(focus, message, "violation"|"warning") for every SHACL result of the record shapes on `graph`."""
    compiled = _compiled_shapes()
    if compiled is not None:
        return [
            (str(r.focus), r.message, "violation" if r.severity == SH.Violation else "warning")
            for r in validate_core(graph, compiled)
        ]
    # allow_warnings=False: with True, pyshacl reports "conforms" when only warnings were found
    # and it is exactly those (missing recommended properties) that stewards need to see
    _conforms, report, _ = shacl_validate(
        graph, shacl_graph=shapes_graph(), inference="none", allow_warnings=False, advanced=False
    )
    return [
        (
            str(report.value(r, SH.focusNode)),
            str(report.value(r, SH.resultMessage)),
            "violation" if report.value(r, SH.resultSeverity) == SH.Violation else "warning",
        )
        for r in report.subjects(RDF.type, SH.ValidationResult)
    ]


def _shape_lines(graph: Graph) -> list[str]:
    return [f"{focus}: {message} ({level})" for focus, message, level in shape_results(graph)]


def _check_shapes(graph: Graph, run: HarvestRun) -> None:
    """Report SHACL results as warnings on the run; they never drop a record."""
    report_shapes(_shape_lines(graph), run)


def report_shapes(lines, run: HarvestRun) -> None:
    """Shape results (each once, sorted) as the run's warnings, at most MAX_WARNINGS of them."""
    results = sorted(set(lines))
    for line in results[:MAX_WARNINGS]:
        run.warn(line)
    if len(results) > MAX_WARNINGS:
        run.warn(f"… and {len(results) - MAX_WARNINGS} more shape results")
