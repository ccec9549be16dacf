"""Atom feeds, so people follow the catalogue in a feed reader instead of coming back to look: a search
(new and changed datasets that match it), a hospital (its datasets), a dataset (when it appeared and last
changed), a definition (its versions) and a person's access requests (each step). Written with feedgen;
every feed shows what its reader may see.

Each page that has a feed announces it (`<link rel="alternate">` and a visible link, from `PAGE_FEEDS`).
A feed reader cannot sign in, so the address the site shows a signed-in person carries their name and
feed key (web.auth): it reads as them, and only the feeds accept it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import Blueprint, Response, request, url_for
from flask_babel import gettext as _
from hdcat.catalog import NotFound, Unauthorized
from hdcat.ontology import hospitals
from hdcat.web.auth import FEED_CREDENTIALS, audit_restricted_read, feed_key, is_member, principal
from hdcat.web.compare import GO as COMPARE_GO
from hdcat.web.compare import KEEP as COMPARE_KEEP
from hdcat.web.context import catalog
from hdcat.web.i18n import lang, word

bp = Blueprint("feeds", __name__)
#: a search page's parameters that are not the search: its page, the ids ticked for comparison (and the
#: compare form's page buttons), and a private address's credentials
NOT_SEARCH = ("page", COMPARE_KEEP, COMPARE_GO, *FEED_CREDENTIALS)
ATOM = "application/atom+xml"
ENTRIES = 50
#: when nothing says when a thing happened, the feed still needs a time: the start of the epoch
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _when(value) -> datetime:
    """A stored date or time as an aware datetime (a date alone is its midnight, UTC)."""
    if not value:
        return _EPOCH
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = datetime.fromisoformat(str(value)[:10])
        except ValueError:
            return _EPOCH
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _feed(feed_id: str, title: str, link: str):
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(title)
    fg.author({"name": "hdcat"})
    fg.link(href=link, rel="alternate")
    fg.link(href=request.url, rel="self")
    fg.language(lang())
    return fg


def _answer(fg, entries: list[dict]) -> Response:
    """Entries newest first; the feed's `updated` is its newest entry's."""
    entries = sorted(entries, key=lambda e: e["updated"], reverse=True)[:ENTRIES]
    for e in reversed(entries):  # feedgen puts each new entry first
        fe = fg.add_entry()
        fe.id(e["id"])
        fe.title(e["title"])
        fe.link(href=e["link"])
        fe.updated(e["updated"])
        if e.get("summary"):
            fe.summary(e["summary"])
    fg.updated(entries[0]["updated"] if entries else _EPOCH)
    return Response(fg.atom_str(pretty=True), mimetype=ATOM)


def _dataset_entry(record: dict) -> dict:
    harvest = record.get("harvest") or {}
    changed = harvest.get("last_changed") or record.get("modified") or record.get("issued")
    hospital = (record.get("hospital") or {}).get("name_en", "")
    return {
        "id": record["iri"],
        "title": record.get("title") or record["id"],
        "link": url_for("pages.dataset", local_id=record["id"], _external=True),
        "updated": _when(changed),
        "summary": " · ".join(x for x in (hospital, record.get("description") or "") if x)[:500],
    }


def _records(ids: list[str]) -> list[dict]:
    members = is_member()
    out = []
    for local_id in ids:
        record = catalog().datasets.get(local_id, members=members)
        audit_restricted_read(record)
        out.append(record)
    return out


@bp.get("/search/feed.atom")
def search_feed():
    """The newest datasets matching a search (the same parameters as /search), newest change first."""
    from hdcat.search.query import FACETS
    from hdcat.web.search_views import search_service

    asked = {k: v for k, v in request.args.items() if k not in NOT_SEARCH}
    args = {k: request.args.getlist(k) if k in FACETS else v for k, v in asked.items() if k != "lang"}
    args.update(sort="modified", size=ENTRIES, page=1)
    result = search_service().search(args, members=is_member())
    q = request.args.get("q", "")
    link = url_for("search.page", _external=True, **asked)
    fg = _feed(link, f"hdcat: {q or _('all datasets')}", link)
    return _answer(fg, [_dataset_entry(r) for r in _records([h["id"] for h in result["hits"]])])


@bp.get("/hospitals/<hospital_id>/feed.atom")
def hospital_feed(hospital_id: str):
    hospital = next((h for h in hospitals() if h["id"] == hospital_id), None)
    if hospital is None:
        raise NotFound(f"no member hospital {hospital_id!r}")
    _total, rows = catalog().datasets.page(1, 10_000, hospital=hospital_id, members=is_member())
    link = url_for("pages.hospital", hospital_id=hospital_id, _external=True)
    fg = _feed(link, f"hdcat: {hospital['name_en']} · {hospital['name_ko']}", link)
    for record in rows:
        audit_restricted_read(record)
    return _answer(fg, [_dataset_entry(r) for r in rows])


@bp.get("/datasets/<local_id>/feed.atom")
def dataset_feed(local_id: str):
    """When the dataset appeared in the catalogue and when a harvest last found it changed."""
    record = _records([local_id])[0]
    link = url_for("pages.dataset", local_id=local_id, _external=True)
    fg = _feed(record["iri"], f"hdcat: {record.get('title') or local_id}", link)
    harvest = record.get("harvest") or {}
    entries = []
    if harvest.get("first_seen"):
        entries.append(
            {
                "id": f"{record['iri']}#first-seen",
                "title": _("New in the catalogue: %(title)s", title=record.get("title") or local_id),
                "link": link,
                "updated": _when(harvest["first_seen"]),
            }
        )
    if harvest.get("last_changed") and harvest.get("last_changed") != harvest.get("first_seen"):
        entries.append(
            {
                "id": f"{record['iri']}#changed-{harvest['last_changed']}",
                "title": _("Changed: %(title)s", title=record.get("title") or local_id),
                "link": link,
                "updated": _when(harvest["last_changed"]),
                "summary": _("harvest run %(run)s", run=harvest.get("run_id") or ""),
            }
        )
    return _answer(fg, entries)


@bp.get("/definitions/<def_id>/feed.atom")
def definition_feed(def_id: str):
    """Every published or deprecated version of a standard definition (drafts are work in progress)."""
    versions = [v for v in catalog().definitions.versions(drafts=False) if v["id"] == def_id]
    if not versions:
        raise NotFound(f"no definition {def_id!r}")
    link = url_for("definitions.latest", def_id=def_id, _external=True)
    fg = _feed(link, _("hdcat: definition %(id)s", id=def_id), link)
    return _answer(
        fg,
        [
            {
                "id": v["iri"],
                "title": f"{def_id} {v['version']} ({v['status']})",
                "link": url_for("definitions.page", def_id=def_id, version=v["version"], _external=True),
                "updated": _when(v.get("modified")),
            }
            for v in versions
        ],
    )


@bp.get("/access-requests/feed.atom")
def access_feed():
    """Each step of the access requests a person asked or decides on. The messages themselves stay on the
    request's page, behind sign-in: a feed is copied into readers and their caches, so an entry says who
    took which step and where the request stands, not what they wrote."""
    from hdcat.web.access_requests import requests_store

    who = principal()
    if who is None:
        raise Unauthorized("sign in, or use the private feed address shown on your access requests page")
    link = url_for("access.index", _external=True)
    # ids are names, not addresses: the same in either language (Atom ids never change)
    fg = _feed(
        f"urn:hdcat:access-requests:{who.user}", _("hdcat: access requests of %(user)s", user=who.user), link
    )
    entries = []
    for event in requests_store().timeline(who, limit=ENTRIES):
        r = event["request"]
        entries.append(
            {
                "id": f"urn:hdcat:access-request:{r['id']}:{event['seq']}",
                "title": _(
                    "%(step)s by %(who)s: %(dataset)s",
                    step=word(event["kind"]),
                    who=event["author"],
                    dataset=r["dataset_title"],
                ),
                "link": url_for("access.show", request_id=r["id"], _external=True),
                "updated": _when(event["at"]),
                "summary": _("Request %(id)s is %(status)s.", id=r["id"], status=word(event["status"])),
            }
        )
    return _answer(fg, entries)


def _args_of_page(*skip: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.args.items(multi=True) if k not in skip]


#: the pages that have a feed, and its address from the page's own request: a new feed is its route plus
#: one entry here (the layout announces whatever this gives)
PAGE_FEEDS = {
    "search.page": lambda view: (url_for("feeds.search_feed"), _args_of_page(*NOT_SEARCH)),
    "pages.hospital": lambda view: (url_for("feeds.hospital_feed", hospital_id=view["hospital_id"]), []),
    "pages.dataset": lambda view: (url_for("feeds.dataset_feed", local_id=view["local_id"]), []),
    "definitions.page": lambda view: (url_for("feeds.definition_feed", def_id=view["def_id"]), []),
    "access.index": lambda view: (url_for("feeds.access_feed"), []),
}


def feed_address() -> dict | None:
    """The feed of the page being shown, as an address for this reader: for a signed-in person it
    carries their name and feed key, so a feed reader sees what they see. None when the page has none."""
    build = PAGE_FEEDS.get(request.endpoint or "")
    if build is None:
        return None
    path, args = build(request.view_args or {})
    if not any(k == "lang" for k, _v in args):  # the feed in the language the page was read in
        args = [*args, ("lang", lang())]
    key = feed_key()
    if key:
        args = [*args, ("user", principal().user), ("key", key)]
    return {"href": path + ("?" + urlencode(args) if args else ""), "private": bool(key)}


def init_app(app) -> None:
    app.jinja_env.globals.update(feed_address=feed_address)
