"""CKAN portals through their action API (`package_search`), mapped to DCAT.

The location is the portal's base URL (`https://portal.example/`); the API is
`{base}/api/3/action/`. A location that already ends in `/api/3/action` or
`/api/action` is used as it is. Pages of `rows` packages are read with
`start=0, rows, 2·rows, …` until CKAN's `count` is reached; each page is one
job. Every package dict becomes a dcat:Dataset with what maps (title, notes,
tags, dates, organization, licence, maintainer, resources); other fields and
extras are ignored. Translations (ckanext-fluent's `*_translated` fields, or
language dicts in the plain fields) become language-tagged literals
(ckan_fluent.py); a resource's `format` becomes an EU file-type IRI when the
list names it (file_types.py). The import stage is the shared DCAT one
(dcat_import.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from hdcat.catalog import ConfigError, HarvestRun
from hdcat.harvesters import ckan_fluent as fluent
from hdcat.harvesters.base import Harvester, RunContext
from hdcat.harvesters.errors import FetchError, ParseError
from hdcat.harvesters.fetch import Fetched
from hdcat.harvesters.file_types import file_type, media_type
from hdcat.harvesters.policy import FetchRefused
from hdcat.ontology import DCAT, DCT, FOAF, VCARD
from marshmallow import Schema, fields, validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

API_SUFFIXES = ("/api/3/action", "/api/action")
#: Oldest first, so datasets created while we page land on the last page instead of shifting the others.
SORT = "metadata_created asc"
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^\s/]+")


class CkanOptions(Schema):
    rows = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    max_pages = fields.Integer(load_default=10_000, validate=validate.Range(min=1, max=1_000_000))
    #: a Solr filter query passed to package_search, e.g. "organization:hanbit-hospital"
    fq = fields.String(load_default="")


@dataclass
class CkanRun(RunContext):
    """What one CKAN harvest remembers between pages."""

    #: names of the packages read so far, to notice a portal that repeats a page
    seen: set[str] = field(default_factory=set)


def split_location(location: str) -> tuple[str, str]:
    """(portal base URL, action API URL) of a CKAN location, both without a trailing slash."""
    loc = location.strip().rstrip("/")
    for suffix in API_SUFFIXES:
        if loc.endswith(suffix):
            return loc[: -len(suffix)], loc
    return loc, loc + API_SUFFIXES[0]


class CkanHarvester(Harvester):
    kind = "ckan"
    title = "CKAN portal (action API package_search, paged; packages mapped to DCAT)"
    options_schema = CkanOptions

    def validate_config(self) -> None:
        super().validate_config()
        self.max_jobs = self.options["max_pages"]
        if urlsplit(self.source.location.strip()).scheme not in ("http", "https"):
            raise ConfigError(
                f"source {self.source.name}: location {self.source.location!r} is not an http(s) URL; "
                "give the CKAN portal's base URL, e.g. https://portal.example/",
                field="location",
            )
        self.portal, self.api = split_location(self.source.location)

    def new_context(self, run: HarvestRun) -> CkanRun:
        return CkanRun(run=run)

    # ---- gather / fetch ---------------------------------------------------------
    def page_url(self, start: int) -> str:
        params = {"rows": self.options["rows"], "start": start, "sort": SORT}
        if self.options.get("fq"):
            params["fq"] = self.options["fq"]
        return f"{self.api}/package_search?{urlencode(params)}"

    def gather(self, ctx: CkanRun) -> list[str]:
        return [self.page_url(0)]

    def fetch(self, job: str, ctx: CkanRun) -> Fetched:
        try:
            return self.fetcher.get(job, accept="application/json", policy=self.policy)
        except FetchRefused:
            raise
        except FetchError as exc:
            said = self._ckan_error_of_failed(job, exc.message)
            if said:
                raise FetchError(f"{exc.message}; CKAN said: {said}") from None
            raise

    def _ckan_error_of_failed(self, url: str, message: str) -> str | None:
        """CKAN explains 4xx answers in a JSON body the Fetcher does not keep: read it once more."""
        if not re.search(r"HTTP 4\d\d", message):
            return None
        try:
            body = json.loads(self.fetcher.error_body(url, "application/json") or b"")
        except Exception:
            return None
        if isinstance(body, dict) and body.get("success") is False:
            return _ckan_error(body.get("error"))
        return None

    # ---- parse -------------------------------------------------------------------
    def parse(self, fetched: Fetched, ctx: CkanRun, into: Graph) -> list[str]:
        run, url = ctx.run, fetched.location
        body = _load_json(fetched)
        if not isinstance(body, dict):
            raise ParseError(
                f"{url}: expected CKAN's JSON object with 'success' and 'result', got a JSON "
                f"{type(body).__name__}; is the location a CKAN portal?"
            )
        if body.get("success") is False:
            raise ParseError(
                f"{url}: CKAN answered success: false ({_ckan_error(body.get('error'))}); "
                "check the location, the fq option and whether the API needs a login"
            )
        if "result" not in body:
            raise ParseError(
                f"{url}: the answer has no 'result'; is the location a CKAN portal "
                "(its API is at /api/3/action/)?"
            )
        result = body["result"]
        if not isinstance(result, dict) or not isinstance(result.get("results"), list):
            raise ParseError(
                f"{url}: 'result' is not a package_search result (an object with a 'results' list); "
                "is the location a CKAN portal?"
            )
        packages = result["results"]
        count = result.get("count")
        start = _start_of(ctx.job or url)  # the job's URL: a redirect may have dropped `start`
        new = 0
        for i, package in enumerate(packages):
            key = self.map_package(package, into, run, where=f"{url} result {i + 1}")
            if key and key not in ctx.seen:
                ctx.seen.add(key)
                new += 1
        nxt = start + len(packages)
        if not packages:
            if isinstance(count, int) and start < count:
                run.warn(
                    f"CKAN reported {count} datasets but the page at start={start} was empty; "
                    f"stopped after {len(ctx.seen)} datasets"
                )
            return []
        if new == 0:
            run.warn(
                f"the page at start={start} repeated datasets already read; stopped paging "
                f"(does {self.api} ignore the start parameter?)"
            )
            return []
        if isinstance(count, bool) or not isinstance(count, int):
            return [self.page_url(nxt)] if len(packages) >= self.options["rows"] else []
        return [self.page_url(nxt)] if nxt < count else []

    def map_package(self, pkg, into: Graph, run: HarvestRun, where: str) -> str | None:
        """Add one CKAN package as a dcat:Dataset; returns its name (or id), None when skipped."""
        if not isinstance(pkg, dict):
            run.skip(where, f"not a CKAN package (a JSON {type(pkg).__name__}, not an object)")
            return None
        name = _text(pkg.get("name")) or _text(pkg.get("id"))
        if not name:
            run.skip(where, "no name or id: a CKAN package needs one to be identified")
            return None
        page = f"{self.portal}/dataset/{quote(name, safe='')}"
        titles = fluent.literals(pkg, "title", run, page)
        if not titles:
            run.skip(page, "no title: a dataset without a title cannot be listed or found")
            return None
        extras = _extras(pkg)
        own = _iri(pkg.get("uri")) or _iri(extras.get("uri"))
        ds = own or URIRef(page)
        into.add((ds, RDF.type, DCAT.Dataset))
        for title in titles:
            into.add((ds, DCT.title, title))
        for notes in fluent.literals(pkg, "notes", run, page):
            into.add((ds, DCT.description, notes))
        for word in fluent.literals(pkg, "tags", run, page, also=("keywords",)):
            into.add((ds, DCAT.keyword, word))
        identifier = _text(pkg.get("identifier")) or _text(extras.get("identifier")) or name
        into.add((ds, DCT.identifier, Literal(identifier)))
        for prop, keys in (
            (DCT.issued, ("issued", "dcat_issued", "metadata_created")),
            (DCT.modified, ("modified", "dcat_modified", "metadata_modified")),
        ):
            value = _first(pkg, extras, keys)
            if value:
                lit = _date_literal(value)
                if lit is None:
                    run.warn(f"{page}: {keys[0]} {value!r} is not a date; left out")
                else:
                    into.add((ds, prop, lit))
        into.add((ds, DCAT.landingPage, URIRef(page)))
        if _iri(pkg.get("url")):
            into.add((ds, DCAT.landingPage, _iri(pkg.get("url"))))
        publisher = self._publisher(pkg, extras, into)
        if publisher is not None:
            into.add((ds, DCT.publisher, publisher))
        contact = _contact(pkg, into)
        if contact is not None:
            into.add((ds, DCAT.contactPoint, contact))
        license_ = _license(pkg, into)
        if license_ is not None:
            into.add((ds, DCT.license, license_))
        for res in pkg.get("resources") or []:
            if isinstance(res, dict):
                self._distribution(ds, page, res, license_, into, run)
        return name

    def _publisher(self, pkg: dict, extras: dict, into: Graph):
        org = pkg.get("organization")
        if isinstance(org, dict) and _text(org.get("title") or org.get("name")):
            node = (
                URIRef(f"{self.portal}/organization/{quote(org['name'], safe='')}")
                if _text(org.get("name"))
                else BNode()
            )
            into.add((node, RDF.type, FOAF.Organization))
            into.add((node, FOAF.name, Literal(_text(org.get("title")) or org["name"])))
            return node
        agents = pkg.get("publisher")
        agent = agents[0] if isinstance(agents, list) and agents else agents
        if isinstance(agent, dict) and _text(agent.get("name")):  # ckanext-dcat scheming
            node = _iri(agent.get("uri")) or BNode()
            into.add((node, RDF.type, FOAF.Agent))
            into.add((node, FOAF.name, Literal(agent["name"].strip())))
            if _mailto(agent.get("email")):
                into.add((node, FOAF.mbox, _mailto(agent.get("email"))))
            if _iri(agent.get("url")):
                into.add((node, FOAF.homepage, _iri(agent.get("url"))))
            return node
        if _text(extras.get("dcat_publisher_name")):  # ckanext-dcat's older extras
            node = BNode()
            into.add((node, RDF.type, FOAF.Agent))
            into.add((node, FOAF.name, Literal(extras["dcat_publisher_name"].strip())))
            if _mailto(extras.get("dcat_publisher_email")):
                into.add((node, FOAF.mbox, _mailto(extras.get("dcat_publisher_email"))))
            return node
        return None

    def _distribution(self, ds, page: str, res: dict, license_, into: Graph, run: HarvestRun) -> None:
        own = _iri(res.get("uri"))
        rid = _text(res.get("id"))
        node = own or (URIRef(f"{page}/resource/{quote(rid, safe='')}") if rid else BNode())
        into.add((ds, DCAT.distribution, node))
        into.add((node, RDF.type, DCAT.Distribution))
        where = f"{page} resource {rid or _text(res.get('url')) or '(no id)'}"
        for title in fluent.literals(res, "name", run, where):
            into.add((node, DCT.title, title))
        for text in fluent.literals(res, "description", run, where):
            into.add((node, DCT.description, text))
        access = _iri(res.get("access_url")) or _iri(res.get("url"))
        if access is not None:
            into.add((node, DCAT.accessURL, access))
        download = _iri(res.get("download_url")) or (
            _iri(res.get("url")) if res.get("url_type") == "upload" else None
        )
        if download is not None:
            into.add((node, DCAT.downloadURL, download))
        self._format(node, res, into)
        size = res.get("size")
        if isinstance(size, str) and size.strip().isdigit():
            size = int(size)
        if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
            into.add((node, DCAT.byteSize, Literal(size, datatype=XSD.nonNegativeInteger)))
        for prop, key in ((DCT.issued, "created"), (DCT.modified, "last_modified")):
            lit = _date_literal(res.get(key)) if _text(res.get(key)) else None
            if lit is not None:
                into.add((node, prop, lit))
        if isinstance(license_, URIRef):  # as ckanext-dcat does: the package's licence on each distribution
            into.add((node, DCT.license, license_))

    @staticmethod
    def _format(node, res: dict, into: Graph) -> None:
        """`format` as an EU file-type IRI when the list names it (else the portal's text), and a media
        type — `mimetype`, or a `format` that is one — as IANA's IRI when it is a known one."""
        fmt = _text(res.get("format"))
        if fmt:
            into.add((node, DCT.format, file_type(fmt) or Literal(fmt)))
        media = media_type(res.get("mimetype")) or media_type(fmt)
        if media is not None:
            into.add((node, DCAT.mediaType, media))


# ---- helpers -------------------------------------------------------------------------
def _load_json(fetched: Fetched):
    url = fetched.location
    head = fetched.content[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or fetched.media_type == "text/html":
        raise ParseError(
            f"{url}: got an HTML page where the CKAN API's JSON was expected; give the portal's "
            "base URL (hdcat adds /api/3/action/) and check that its API is public"
        )
    try:
        return json.loads(fetched.content)
    except UnicodeDecodeError as exc:
        raise ParseError(f"{url}: the answer is not UTF-8 text ({exc.reason}); is this a CKAN API?") from None
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"{url}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno} of "
            f"{len(fetched.content)} bytes); the answer may have been cut off — try again, "
            "or lower the rows option"
        ) from None


def _ckan_error(error) -> str:
    """CKAN's error object ({"__type": "Validation Error", "message": …, field: [msgs]}) as one line."""
    if isinstance(error, dict):
        kind = error.get("__type")
        parts = []
        if _text(error.get("message")):
            parts.append(error["message"].strip())
        for key, value in error.items():
            if key in ("__type", "message"):
                continue
            text = "; ".join(map(str, value)) if isinstance(value, list) else str(value)
            parts.append(f"{key}: {text}")
        text = ", ".join(parts) or "no message"
        return f"{kind}: {text}" if kind else text
    if error:
        return str(error)
    return "no error message"


def _start_of(url: str) -> int:
    try:
        return int(parse_qs(urlsplit(url).query).get("start", ["0"])[0])
    except ValueError:
        return 0


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _iri(value) -> URIRef | None:
    """An absolute URL as an IRI (spaces and other unsafe characters escaped), else None."""
    text = _text(value)
    if not text or not _ABSOLUTE.match(text):
        return None
    return URIRef(quote(text, safe=":/?#[]@!$&'()*+,;=%~"))


def _mailto(value) -> URIRef | None:
    text = _text(value).removeprefix("mailto:")
    if not text or "@" not in text or any(c.isspace() for c in text):
        return None
    return URIRef("mailto:" + quote(text, safe="@+.-_!~*'()"))


def _extras(pkg: dict) -> dict:
    out = {}
    for item in pkg.get("extras") or []:
        if isinstance(item, dict) and isinstance(item.get("key"), str):
            out[item["key"]] = item.get("value")
    return out


def _first(pkg: dict, extras: dict, keys) -> str:
    for key in keys:
        value = _text(pkg.get(key)) or _text(extras.get(key))
        if value:
            return value
    return ""


def _date_literal(value) -> Literal | None:
    """CKAN's ISO timestamps as xsd:dateTime (xsd:date when there is no time); None when unreadable."""
    text = _text(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return Literal(date.fromisoformat(text).isoformat(), datatype=XSD.date)
        except ValueError:
            return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        return None
    return Literal(parsed.isoformat(), datatype=XSD.dateTime)


def _person(value) -> tuple[str, str]:
    """(name, email) of a maintainer/author field: plain text, or the JSON some portals (EnviDat) store in
    it."""
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            value = json.loads(value)
        except ValueError:
            return value.strip(), ""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, dict)), None)
    if isinstance(value, dict):
        name = " ".join(p for p in (_text(value.get("given_name")), _text(value.get("name"))) if p)
        return name, _text(value.get("email"))
    return _text(value), ""


def _contact(pkg: dict, into: Graph):
    candidates = [
        (pkg.get("maintainer"), pkg.get("maintainer_email")),
        (pkg.get("author"), pkg.get("author_email")),
    ]
    contacts = pkg.get("contact")
    if isinstance(contacts, list) and contacts and isinstance(contacts[0], dict):  # ckanext-dcat scheming
        candidates.insert(0, (contacts[0].get("name"), contacts[0].get("email")))
    for who, email in candidates:
        name, inner_email = _person(who)
        mail = _mailto(email) or _mailto(inner_email)
        if name or mail:
            node = BNode()
            into.add((node, RDF.type, VCARD.Kind))
            if name:
                into.add((node, VCARD.fn, Literal(name)))
            if mail is not None:
                into.add((node, VCARD.hasEmail, mail))
            return node
    return None


def _license(pkg: dict, into: Graph):
    url = _iri(pkg.get("license_url"))
    if url is not None:
        return url
    title, ident = _text(pkg.get("license_title")), _text(pkg.get("license_id"))
    if not (title or ident):
        return None
    node = BNode()
    into.add((node, RDF.type, DCT.LicenseDocument))
    if title:
        into.add((node, RDFS.label, Literal(title)))
    if ident:
        into.add((node, DCT.identifier, Literal(ident)))
    return node
