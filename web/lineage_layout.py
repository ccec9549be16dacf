"""Lay out a lineage neighbourhood for the page: choose nodes, collapse, place in layers, route edges.

Server-side and plain SVG, so the page needs no script, no CDN, and stays readable at a thousand
nodes: datasets and jobs sit in columns by their distance from the focus node (upstream left,
downstream right), ordered within a column by their neighbours' positions to limit crossings. The
drawing is padded so the focus node is at its centre: the SVG is scaled to the width of the page by its
viewBox, and the node a reader came for is then in the middle, whatever the depth on either side.
Boxes carry titles (`title_of`), wrapped over two lines at word boundaries, not ids cut in the middle.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field

import networkx as nx
from hdcat.web.lineage_titles import wrap

NODE_W, NODE_H, COL_GAP, ROW_GAP, MARGIN = 220, 56, 56, 10, 20
LINE_UNITS = 28  # half-width characters of 12 px text that fit a box, beside the ◎ link


@dataclass
class Box:
    id: str
    title: str
    kind: str  # DATASET, JOB, GROUP
    lines: list[str] = field(default_factory=list)  # the title wrapped to fit the box
    x: int = 0
    y: int = 0
    hidden: int = 0  # neighbours not shown
    hospital: str | None = None
    catalog_id: str | None = None
    members: int = 1


@dataclass
class Layout:
    boxes: list[Box]
    edges: list[dict]
    width: int
    height: int
    root: str
    hidden_total: int = 0
    path: list[str] = field(default_factory=list)

    @property
    def focus(self) -> Box | None:
        return next((b for b in self.boxes if b.id == self.root), None)


def choose(graph: nx.DiGraph, root: str, depth: int, direction: str, expand: list[str]) -> set[str]:
    def around(node, d, how):
        seen, frontier = {node}, {node}
        steps = (
            [graph.predecessors]
            if how == "upstream"
            else [graph.successors]
            if how == "downstream"
            else [graph.predecessors, graph.successors]
        )
        for step in steps:
            frontier = {node}
            for _ in range(d):
                frontier = {m for n in frontier for m in step(n)} - seen
                seen |= frontier
        return seen

    nodes = around(root, depth, direction)
    for node in expand:
        if node in graph:
            nodes |= around(node, 1, "both")
    return nodes


def collapse_jobs(sub: nx.DiGraph) -> nx.DiGraph:
    out = nx.DiGraph()
    for n, d in sub.nodes(data=True):
        if d.get("type") != "JOB":
            out.add_node(n, **d)
    for n, d in sub.nodes(data=True):
        if d.get("type") == "JOB":
            for a in sub.predecessors(n):
                for b in sub.successors(n):
                    if a in out and b in out:
                        label = (
                            out.edges[a, b]["label"] + ", " + d.get("name", n)
                            if out.has_edge(a, b)
                            else d.get("name", n)
                        )
                        out.add_edge(a, b, label=label)
    for a, b in sub.edges:
        if a in out and b in out and not out.has_edge(a, b):
            out.add_edge(a, b)
    return out


def collapse_groups(sub: nx.DiGraph, group_of) -> nx.DiGraph:
    out = nx.DiGraph()
    for _n, d in sub.nodes(data=True):
        g = group_of(d) or "other"
        key = f"group:{g}"
        if key not in out:
            out.add_node(key, type="GROUP", name=g, members=0)
        out.nodes[key]["members"] += 1
    for a, b in sub.edges:
        ga, gb = f"group:{group_of(sub.nodes[a]) or 'other'}", f"group:{group_of(sub.nodes[b]) or 'other'}"
        if ga != gb:
            count = out.edges[ga, gb]["count"] + 1 if out.has_edge(ga, gb) else 1
            out.add_edge(ga, gb, count=count, label=f"{count} links")
    return out


def layers(sub: nx.DiGraph, root: str) -> dict[str, int]:
    layer = {root: 0}
    for step, sign in ((sub.successors, 1), (sub.predecessors, -1)):
        queue = deque([root])
        seen = {root}
        while queue:
            n = queue.popleft()
            for m in step(n):
                if m not in seen:
                    seen.add(m)
                    if m not in layer:
                        layer[m] = layer[n] + sign
                    queue.append(m)
    for n in sub.nodes:  # reached only through expansions: place beside a placed neighbour
        if n not in layer:
            near = [layer[m] + 1 for m in sub.predecessors(n) if m in layer] + [
                layer[m] - 1 for m in sub.successors(n) if m in layer
            ]
            layer[n] = near[0] if near else 0
    return layer


def build(
    graph: nx.DiGraph,
    root: str,
    depth: int = 1,
    direction: str = "both",
    expand=(),
    collapse: str = "none",
    group_of=None,
    path_to: str | None = None,
    title_of=None,
) -> Layout:
    """`group_of(node data)` → hospital id or None; `title_of(node id, node data)` → what the box says."""
    nodes = choose(graph, root, depth, direction, list(expand))
    sub = graph.subgraph(nodes).copy()
    hidden = {
        n: sum(1 for m in list(graph.predecessors(n)) + list(graph.successors(n)) if m not in nodes)
        for n in nodes
    }
    shown_root = root
    if collapse == "job":
        sub = collapse_jobs(sub)
    elif collapse == "hospital" and group_of is not None:
        sub = collapse_groups(sub, group_of)
        shown_root = f"group:{group_of(graph.nodes[root]) or 'other'}"
    layer = layers(sub, shown_root)
    columns: dict[int, list[str]] = defaultdict(list)
    for n in sub.nodes:
        columns[layer[n]].append(n)
    order = sorted(columns)
    position: dict[str, int] = {}
    for col in order:  # one barycentre pass, left to right

        def key(n):
            around = [
                position[m] for m in list(sub.predecessors(n)) + list(sub.successors(n)) if m in position
            ]
            return (sum(around) / len(around) if around else 1e9, sub.nodes[n].get("type", ""), n)

        for i, n in enumerate(sorted(columns[col], key=key)):
            position[n] = i
    tallest = max(len(v) for v in columns.values())
    boxes = []
    for n in sub.nodes:
        d = sub.nodes[n]
        col = order.index(layer[n])
        offset = (tallest - len(columns[layer[n]])) * (NODE_H + ROW_GAP) // 2
        title = _title(n, d, title_of)
        kind = d.get("type", "DATASET")
        boxes.append(
            Box(
                id=n,
                title=title,
                kind=kind,
                lines=wrap(("⚙ " if kind == "JOB" else "") + title, LINE_UNITS),
                x=MARGIN + col * (NODE_W + COL_GAP),
                y=MARGIN + offset + position[n] * (NODE_H + ROW_GAP),
                hidden=hidden.get(n, 0),
                hospital=node_hospital(d, group_of),
                catalog_id=d.get("catalogId"),
                members=d.get("members", 1),
            )
        )
    width = MARGIN * 2 + len(order) * NODE_W + (len(order) - 1) * COL_GAP
    height = MARGIN * 2 + tallest * (NODE_H + ROW_GAP) - ROW_GAP
    focus = next((b for b in boxes if b.id == shown_root), None)  # a job's page collapsed by job has none
    if focus is not None:
        width, height = _centre_on(focus, boxes, width, height)
    where = {b.id: b for b in boxes}
    path_nodes: list[str] = []
    if path_to and path_to in sub and shown_root in sub:
        for a, b in ((shown_root, path_to), (path_to, shown_root)):
            if nx.has_path(sub, a, b):
                path_nodes = nx.shortest_path(sub, a, b)
                break
    on_path = set(zip(path_nodes, path_nodes[1:], strict=False))
    edges = []
    for a, b, d in sub.edges(data=True):
        pa, pb = where[a], where[b]
        x1, y1, x2, y2 = pa.x + NODE_W, pa.y + NODE_H // 2, pb.x, pb.y + NODE_H // 2
        mid = (x1 + x2) // 2
        edges.append(
            {
                "from": a,
                "to": b,
                "d": f"M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}",
                "label": d.get("label"),
                "on_path": (a, b) in on_path,
            }
        )
    return Layout(
        boxes=sorted(boxes, key=lambda b: (b.x, b.y)),
        edges=edges,
        width=width,
        height=height,
        root=shown_root,
        hidden_total=sum(b.hidden for b in boxes) if collapse == "none" else 0,
        path=path_nodes,
    )


def _centre_on(focus: Box, boxes: list[Box], width: int, height: int) -> tuple[int, int]:
    """Pad the drawing so `focus` is at its centre: move every box, and give the new width and height.
    Upstream-only or lopsided neighbourhoods get blank space on the short side, which is the price of
    the focus node being where the eye lands when the SVG is scaled to the page."""
    cx, cy = focus.x + NODE_W // 2, focus.y + NODE_H // 2
    half_w, half_h = max(cx, width - cx), max(cy, height - cy)
    dx, dy = half_w - cx, half_h - cy
    for b in boxes:
        b.x += dx
        b.y += dy
    return 2 * half_w, 2 * half_h


def node_hospital(data: dict, group_of) -> str | None:
    """The hospital a node is coloured by: a group's own, the node's annotated one, else `group_of`'s."""
    if data.get("type") == "GROUP":
        return data.get("name")
    return data.get("hospital") or (group_of(data) if group_of else None)


def _title(node: str, data: dict, title_of) -> str:
    if data.get("type") == "GROUP":
        return f"{title_of(node, data) if title_of else data.get('name')} ({data.get('members')})"
    if title_of is not None:
        return title_of(node, data)
    return str(data.get("name") or node.rsplit(":", 1)[-1])
