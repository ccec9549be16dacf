"""/lineage?node=…: the lineage graph page (server-rendered SVG, no script needed) and its table view.

Nodes are titled (catalogue titles in the reader's language), coloured and labelled by hospital with a
legend, and the drawing is centred on the focus node; web/static/lineage.js adds pan and zoom on top.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from hdcat.catalog import MAX_DEPTH, Invalid, NotFound, whole_number
from hdcat.web import lineage_columns, lineage_layout, lineage_palette
from hdcat.web.auth import require_permission
from hdcat.web.context import catalog
from hdcat.web.lineage_titles import Titles, reader_language, shorten
from werkzeug.datastructures import MultiDict

bp = Blueprint("lineage_page", __name__)
COLLAPSE = ("none", "job", "hospital")
VIEWS = ("graph", "table")
TABLE_ABOVE = 1500  # more nodes than this: the table view, the graph on request


def _url(**changes) -> str:
    args = MultiDict(request.args)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        elif isinstance(value, list):
            args.setlist(key, value)
        else:
            args.setlist(key, [str(value)])
    return url_for("lineage_page.page", **{k: args.getlist(k) for k in args})


@bp.get("/lineage")
@require_permission("read:lineage")
def page():
    cat = catalog()
    node = request.args.get("node", "")
    if not node:
        raise Invalid(
            "parameter 'node': give dataset:<namespace>:<name> or job:<namespace>:<name>", field="node"
        )
    graph = cat.lineage.index.graph
    if node not in graph:
        raise NotFound(f"no lineage node {node!r}")
    depth = whole_number(request.args.get("depth", 1), "depth", 0, MAX_DEPTH)
    direction = request.args.get("direction", "both")
    collapse = request.args.get("collapse", "none")
    for name, value, allowed in (
        ("direction", direction, ("upstream", "downstream", "both")),
        ("collapse", collapse, COLLAPSE),
    ):
        if value not in allowed:
            raise Invalid(f"parameter {name!r}: one of {', '.join(allowed)}", field=name)
    expand = request.args.getlist("expand")[:200]
    titles = Titles(lambda local_id: cat.datasets.get(local_id, members=True), reader_language())
    layout = lineage_layout.build(
        graph,
        node,
        depth,
        direction,
        expand,
        collapse,
        group_of=cat.lineage.hospital_of,
        path_to=request.args.get("path"),
        title_of=titles,
    )
    view = request.args.get("view") or ("table" if len(layout.boxes) > TABLE_ABOVE else "graph")
    if view not in VIEWS:
        raise Invalid("parameter 'view': graph or table", field="view")
    columns = None
    if request.args.get("columns") == "1":
        try:
            found = cat.lineage.index.column_lineage(node)["graph"]
        except NotFound:
            found = []

        def describe(dataset: str):
            data = graph.nodes[dataset] if dataset in graph else {"name": dataset.rsplit(":", 1)[-1]}
            return shorten(titles(dataset, data), 60), lineage_layout.node_hospital(
                data, cat.lineage.hospital_of
            )

        columns = lineage_columns.group(found, node, describe)
    rows = []
    if view == "table":
        for box in layout.boxes:
            rows.append(
                {
                    "box": box,
                    "up": graph.in_degree(box.id) if box.id in graph else 0,
                    "down": graph.out_degree(box.id) if box.id in graph else 0,
                }
            )
    data = graph.nodes[node]
    return render_template(
        "lineage.html",
        layout=layout,
        node=node,
        data=data,
        depth=depth,
        direction=direction,
        collapse=collapse,
        view=view,
        rows=rows,
        url=_url,
        expand=expand,
        columns=columns,
        legend=lineage_palette.legend(b.hospital for b in layout.boxes),
        swatch=lineage_palette.swatch,
        title=titles(node, data),
        W=lineage_layout.NODE_W,
        H=lineage_layout.NODE_H,
    )
