"""Stable identifiers: IRIs hdcat mints and the short ids used in URLs.

Re-harvesting the same thing must yield the same IRI, so everything here is a
pure function of the source's own identifiers.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import urlsplit

from rdflib import URIRef

_SLUG_DROP = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_len: int = 60) -> str:
    """ASCII slug; Hangul and other scripts fall back to a short hash so slugs stay URL-safe."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _SLUG_DROP.sub("-", ascii_text.lower()).strip("-")[:max_len].strip("-")
    return slug or "h" + short_hash(text)


def short_hash(text: str, length: int = 10) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]


def iri_tail(iri) -> str:
    """The last path segment of an IRI hdcat minted (a hospital, a disease area, a run, a source's graph):
    no parsing, unlike `last_segment`, as listings and the home page's figures ask it once a row, a
    million times at 1,000,000 datasets."""
    return str(iri).rsplit("/", 1)[-1]


def last_segment(iri: str) -> str:
    """The most specific part of an IRI: fragment, else last path segment, else host."""
    parts = urlsplit(iri)
    if parts.fragment:
        return parts.fragment
    segments = [s for s in parts.path.split("/") if s]
    if segments:
        return segments[-1].rsplit(".", 1)[0] if "." in segments[-1] else segments[-1]
    return parts.netloc or iri


def dataset_iri(base: str, hospital: str, slug: str) -> URIRef:
    return URIRef(f"{base.rstrip('/')}/id/{hospital}/dataset/{slug}")


def source_graph_iri(base: str, source: str) -> URIRef:
    return URIRef(f"{base.rstrip('/')}/graph/source/{source}")


def consortium_graph_iri(base: str, source: str) -> URIRef:
    """Where a source's consortium-only datasets live (see catalog.visibility)."""
    return URIRef(f"{base.rstrip('/')}/graph/consortium/{source}")


def consortium_graph_prefix(base: str) -> str:
    return f"{base.rstrip('/')}/graph/consortium/"


def source_graph_prefix(base: str) -> str:
    return f"{base.rstrip('/')}/graph/source/"


def source_graphs(base: str, source: str) -> tuple[URIRef, URIRef]:
    """(public, consortium-only) graphs of one source; see catalog.visibility."""
    return source_graph_iri(base, source), consortium_graph_iri(base, source)


def runs_graph_iri(base: str) -> URIRef:
    return URIRef(f"{base.rstrip('/')}/graph/harvest-runs")


def lineage_graph_iri(base: str) -> URIRef:
    return URIRef(f"{base.rstrip('/')}/graph/lineage")


def conformance_graph_iri(base: str) -> URIRef:
    return URIRef(f"{base.rstrip('/')}/graph/conformance")


def hidden_conformance_graph_iri(base: str) -> URIRef:
    """Measurements about consortium-only datasets: under the consortium prefix, like the datasets."""
    return URIRef(f"{consortium_graph_prefix(base)}conformance")


def reference_graph_iri(base: str) -> URIRef:
    return URIRef(f"{base.rstrip('/')}/graph/reference")


def run_iri(base: str, run_id: str) -> URIRef:
    return URIRef(f"{base.rstrip('/')}/id/harvest-run/{run_id}")


def record_iri(base: str, source: str, local_id: str) -> URIRef:
    """A source's catalogue record of a dataset: one per source, since a dataset published by two sources
    has two harvest histories (first seen, last changed, the run)."""
    return URIRef(f"{base.rstrip('/')}/id/record/{source}/{local_id}")


_ID_OK = re.compile(r"^[a-z0-9][a-z0-9._-]{0,150}$")


def valid_local_id(value: str) -> bool:
    return bool(_ID_OK.match(value))


_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def safe_iri(value: str) -> bool:
    """An absolute IRI that can be written into SPARQL between <…> without escaping."""
    return (
        bool(value)
        and "://" in value[:20]
        and not _IRI_BAD.search(value)
        or value.startswith("urn:")
        and not _IRI_BAD.search(value)
    )
