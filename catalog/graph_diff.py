"""What differs between a graph the store holds and the graph a harvest brings, so a re-harvest in which
1 % of the datasets changed writes those statements alone instead of the whole source (issue 16).

Blank nodes make two reads of the same data differ in labels only, so statements are compared as units:
a statement whose object is an IRI or a literal is a unit of its own; the blank-node objects of one
subject and predicate (a dataset's temporal coverage, contact point, a distribution's table schema with
its column list) are one unit, compared by their content with labels ignored. A unit that changed is
deleted whole and written anew. Deleting a blank-node tree needs no label: it is matched by its shape
below the IRI it hangs from (`removed_trees`, blank nodes standing for variables), which is exact when
every blank node hangs from exactly one statement, the shape RDF parsers give nested `[ … ]` and lists.
A graph whose blank nodes are shared or cyclic gets no diff (None) and is replaced whole, as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hdcat.catalog.stores.lexical_forms import stored_forms
from hdcat.ontology import plain
from rdflib import BNode, Literal

#: deeper blank-node nesting than this (a list of hundreds of columns) is replaced whole, not diffed
MAX_DEPTH = 400


@dataclass
class GraphDiff:
    """Statements to delete (`removed`: no blank nodes; `removed_trees`: one list of triples per blank-node
    tree, its blank nodes standing for variables) and to add (`added`, its blank nodes new)."""

    removed: list = field(default_factory=list)
    removed_trees: list = field(default_factory=list)
    added: list = field(default_factory=list)

    @property
    def writes(self) -> int:
        """Statements deleted or added: what the store writes for this diff."""
        return len(self.removed) + sum(len(t) for t in self.removed_trees) + len(self.added)

    def __bool__(self) -> bool:
        return bool(self.removed or self.removed_trees or self.added)


class _Units:
    """One graph's statements as units (see the module's docstring); `ok` is False when they cannot be
    formed. Literals are compared in the form the store keeps (`forms`: see stores/lexical_forms), since
    values read back through SPARQL (a record's first-seen date) come in that form: a change of lexical
    form alone is no change of statement, and the record of lexical forms is written anew with the graph."""

    def __init__(self, triples, forms: dict):
        self._forms = forms
        self.by_subject: dict = {}
        incoming: dict = {}
        for s, p, o in triples:
            self.by_subject.setdefault(s, []).append((s, p, o))
            if isinstance(o, BNode):
                incoming[o] = incoming.get(o, 0) + 1
        self.ok = all(n == 1 for n in incoming.values()) and all(
            b in incoming for b in self.by_subject if isinstance(b, BNode)
        )
        self.units: dict = {}
        self._canon: dict = {}
        if not self.ok:
            return
        reached = 0
        for s, found in self.by_subject.items():
            if isinstance(s, BNode):
                continue
            groups: dict = {}
            for t in found:
                if isinstance(t[2], BNode):
                    groups.setdefault(t[1], []).append(t[2])
                else:
                    self.units[(s, t[1], self._key(t[2]))] = [t]
            for p, nodes in groups.items():
                shapes = []
                for node in nodes:
                    shape, count = self._shape(node, 0)
                    if shape is None:
                        self.ok = False
                        return
                    shapes.append(shape)
                    reached += count
                self.units[(s, p, tuple(sorted(shapes)))] = [
                    t for node in nodes for t in [(s, p, node), *self._tree(node)]
                ]
        self.ok = reached == len(incoming)  # every blank node hangs below an IRI (none in a cycle of its own)

    def _shape(self, node, depth):
        """(the content of a blank node's tree, labels left out; how many blank nodes it holds), or
        (None, 0) when it nests too deep."""
        if depth > MAX_DEPTH:
            return None, 0
        parts, count = [], 1
        for _, p, o in self.by_subject.get(node, ()):
            if isinstance(o, BNode):
                shape, n = self._shape(o, depth + 1)
                if shape is None:
                    return None, 0
                parts.append((p, shape))
                count += n
            else:
                parts.append((p, self._key(o)))
        return repr(sorted(parts, key=repr)), count

    def _key(self, term):
        if not isinstance(term, Literal):
            return term
        return plain(self._forms.get(term, term))

    def _tree(self, node) -> list:
        out, todo = [], [node]
        while todo:
            for t in self.by_subject.get(todo.pop(), ()):
                out.append(t)
                if isinstance(t[2], BNode):
                    todo.append(t[2])
        return out


def diff(old_triples, new_triples) -> GraphDiff | None:
    """The statements that turn `old_triples` (as the store holds them) into `new_triples`, or None when
    either graph's blank nodes do not form trees below IRIs (then the graph is to be replaced whole)."""
    old_triples, new_triples = list(old_triples), list(new_triples)
    forms = stored_forms(o for triples in (old_triples, new_triples) for _, _, o in triples)
    old, new = _Units(old_triples, forms), _Units(new_triples, forms)
    if not (old.ok and new.ok):
        return None
    out = GraphDiff()
    for unit, triples in old.units.items():
        if unit in new.units:
            continue
        if isinstance(triples[0][2], BNode):
            out.removed_trees += _split_trees(triples)
        else:
            out.removed += triples
    for unit, triples in new.units.items():
        if unit not in old.units:
            out.added += triples
    return out


def _split_trees(triples: list) -> list:
    """The triples of one unit (every tree below one subject and predicate) as one list per tree."""
    trees, anchor = [], triples[0][0]
    for t in triples:
        if t[0] == anchor:  # (subject, predicate, the next tree's root); the tree's own subjects are blank
            trees.append([])
        trees[-1].append(t)
    return trees


def write_graphs(store, graphs: dict, add: dict | None = None) -> dict | None:
    """Make each named graph in `graphs` (name → its new triples) hold exactly those, and add `add`, in one
    transaction: through `store.patch_graphs` with what differs from what the store holds, or, when a graph
    cannot be diffed or most of it changed, through `store.replace_graphs`. Returns the diffs written, or
    None when the graphs were replaced whole."""
    graphs = {name: list(triples) for name, triples in graphs.items()}
    diffs: dict | None = {}
    for name, triples in graphs.items():
        d = diff(store.graph_triples(name), triples)
        if d is None or d.writes > max(len(triples), 1) // 2:
            diffs = None
            break
        diffs[name] = d
    if diffs is None:
        store.replace_graphs(graphs, add=add)
    else:
        store.patch_graphs(graphs, diffs, add=add)
    return diffs
