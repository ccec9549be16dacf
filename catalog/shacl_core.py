"""The part of SHACL Core that hdcat's own record shapes use, compiled to Python checks.

Why not pyshacl for this: every harvest checks every record against ontology/shapes.ttl, and pyshacl
spends about 5 ms a dataset building its report graph (5.5 s of a 20 s harvest of 1,000 datasets in
bench/results/pipeline.md), which alone would take eight minutes at 100,000 datasets. The record shapes
need only class and objects-of targets and property shapes with a predicate path and sh:minCount,
sh:maxCount, sh:nodeKind, sh:datatype and sh:or over datatypes; that subset is a loop over each focus
node's values. A shapes graph that uses anything else raises `Unsupported`, and callers fall back to
pyshacl, so nothing is ever checked less than the shapes say. tests/fast/test_shacl_core.py holds the
results to pyshacl's on the same graphs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD


class Unsupported(Exception):
    """The shapes use SHACL beyond this subset: validate them with pyshacl instead."""


_NODE_KEYS = {
    RDF.type,
    SH.targetClass,
    SH.targetObjectsOf,
    SH.targetSubjectsOf,
    SH.property,
    RDFS.comment,
    RDFS.label,
}
_PROPERTY_KEYS = {
    SH.path,
    SH.minCount,
    SH.maxCount,
    SH.nodeKind,
    SH.datatype,
    SH["or"],
    SH.severity,
    SH.message,
    SH.name,
    SH.description,
}
_KINDS = {
    SH.IRI: (URIRef,),
    SH.Literal: (Literal,),
    SH.BlankNode: (BNode,),
    SH.BlankNodeOrIRI: (BNode, URIRef),
    SH.BlankNodeOrLiteral: (BNode, Literal),
    SH.IRIOrLiteral: (URIRef, Literal),
}


@dataclass(frozen=True)
class Result:
    focus: object
    path: URIRef
    severity: URIRef
    message: str


@dataclass(frozen=True)
class PropertyCheck:
    path: URIRef
    severity: URIRef
    message: str
    min_count: int | None = None
    max_count: int | None = None
    node_kind: tuple | None = None
    #: each value must have one of these datatypes (sh:datatype, or sh:or of sh:datatype shapes)
    datatypes: frozenset | None = None

    def check(self, data: Graph, focus) -> Iterable[Result]:
        values = list(data.objects(focus, self.path))
        fail = Result(focus, self.path, self.severity, self.message)
        if self.min_count is not None and len(values) < self.min_count:
            yield fail
        if self.max_count is not None and len(values) > self.max_count:
            yield fail
        for value in values:
            if self.node_kind is not None and not isinstance(value, self.node_kind):
                yield fail
            if self.datatypes is not None and not _has_datatype(value, self.datatypes):
                yield fail


@dataclass(frozen=True)
class NodeCheck:
    target_classes: tuple
    target_objects_of: tuple
    target_subjects_of: tuple
    properties: tuple

    def focus_nodes(self, data: Graph) -> set:
        nodes = set()
        for cls in self.target_classes:
            for c in _with_subclasses(data, cls):
                nodes.update(data.subjects(RDF.type, c))
        for p in self.target_objects_of:
            nodes.update(data.objects(None, p))
        for p in self.target_subjects_of:
            nodes.update(data.subjects(p, None))
        return nodes


def _has_datatype(value, datatypes: frozenset) -> bool:
    """SHACL's sh:datatype: a literal of that datatype whose lexical form is valid for it."""
    if not isinstance(value, Literal) or getattr(value, "ill_typed", False):
        return False
    dtype = value.datatype or (RDF.langString if value.language else XSD.string)
    return dtype in datatypes


def _with_subclasses(data: Graph, cls) -> set:
    """The class and its rdfs:subClassOf descendants in the data graph (SHACL's class targets include
    them)."""
    found, todo = {cls}, [cls]
    while todo:
        for sub in data.subjects(RDFS.subClassOf, todo.pop()):
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def _one(shapes: Graph, node, key):
    values = list(shapes.objects(node, key))
    if len(values) > 1:
        raise Unsupported(f"{node} has {len(values)} values of {key}")
    return values[0] if values else None


def _datatypes_of_or(shapes: Graph, members) -> frozenset:
    out = set()
    for member in Collection(shapes, members):
        keys = set(shapes.predicates(member, None))
        if keys != {SH.datatype}:
            raise Unsupported("sh:or of anything but sh:datatype shapes")
        out.add(_one(shapes, member, SH.datatype))
    return frozenset(out)


def _property(shapes: Graph, node) -> PropertyCheck:
    keys = set(shapes.predicates(node, None))
    if keys - _PROPERTY_KEYS:
        raise Unsupported(f"property shape uses {sorted(str(k) for k in keys - _PROPERTY_KEYS)}")
    path = _one(shapes, node, SH.path)
    if not isinstance(path, URIRef):
        raise Unsupported("a path that is not a single predicate")
    datatypes = None
    if (node, SH.datatype, None) in shapes:
        datatypes = frozenset({_one(shapes, node, SH.datatype)})
    if (node, SH["or"], None) in shapes:
        alternatives = _datatypes_of_or(shapes, _one(shapes, node, SH["or"]))
        datatypes = alternatives if datatypes is None else datatypes & alternatives
    kind = _one(shapes, node, SH.nodeKind)
    if kind is not None and kind not in _KINDS:
        raise Unsupported(f"sh:nodeKind {kind}")
    message = _one(shapes, node, SH.message)
    if message is None:
        raise Unsupported("a property shape without sh:message")
    min_count, max_count = _one(shapes, node, SH.minCount), _one(shapes, node, SH.maxCount)
    return PropertyCheck(
        path=path,
        severity=_one(shapes, node, SH.severity) or SH.Violation,
        message=str(message),
        min_count=int(min_count) if min_count is not None else None,
        max_count=int(max_count) if max_count is not None else None,
        node_kind=_KINDS[kind] if kind is not None else None,
        datatypes=datatypes,
    )


def compile_shapes(shapes: Graph) -> tuple[NodeCheck, ...]:
    """The shapes graph as checks; `Unsupported` when it uses SHACL beyond this subset."""
    if (None, SH.deactivated, None) in shapes or (None, SH.sparql, None) in shapes:
        raise Unsupported("deactivated or SPARQL-based shapes")
    checks = []
    for shape in sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str):
        keys = set(shapes.predicates(shape, None))
        if keys - _NODE_KEYS or (shape, RDF.type, RDFS.Class) in shapes:
            raise Unsupported(f"node shape {shape} uses {sorted(str(k) for k in keys - _NODE_KEYS)}")
        checks.append(
            NodeCheck(
                target_classes=tuple(shapes.objects(shape, SH.targetClass)),
                target_objects_of=tuple(shapes.objects(shape, SH.targetObjectsOf)),
                target_subjects_of=tuple(shapes.objects(shape, SH.targetSubjectsOf)),
                properties=tuple(_property(shapes, p) for p in shapes.objects(shape, SH.property)),
            )
        )
    loose = set(shapes.subjects(SH.path, None)) - {
        p for c in shapes.subjects(RDF.type, SH.NodeShape) for p in shapes.objects(c, SH.property)
    }
    if loose:
        raise Unsupported("property shapes that are not under a node shape")
    return tuple(checks)


def validate(data: Graph, checks: tuple[NodeCheck, ...]) -> list[Result]:
    """Every result, as pyshacl would report it: one per failing constraint and value node."""
    results = []
    for check in checks:
        for focus in check.focus_nodes(data):
            for prop in check.properties:
                results.extend(prop.check(data, focus))
    return results
