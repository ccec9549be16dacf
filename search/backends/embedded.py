"""The embedded engine: tantivy (Rust, Lucene-like) in the data directory, zero set-up.

Chosen by measurement (docs/baselines.md: 0.7 ms p50 per query and 1.4 ms p95 per
facet count at 100k datasets, against 18 ms and 125 ms for SQLite FTS5).
Text arrives pre-analysed (analysis.py) and is indexed with a whitespace
tokenizer, so this engine and Elasticsearch see the same terms. A rebuild
writes a new index folder and then repoints CURRENT, so searches never see a
half-built index.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

import tantivy
from hdcat.search.backends.base import Capabilities, SearchBackend, SearchResult, hit_from_document
from hdcat.search.query import FACETS, FIELD_GROUPS, INTERNAL_FILTERS, Clause, SearchRequest

TEXT_FIELDS = ("t_title", "t_keywords", "t_text", "t_columns", "t_codes")
_HEAP = 64_000_000


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw", fast=True)
    # what a hit shows, stored and not indexed: as a raw text field each document's JSON was one term of
    # the term dictionary, 307 of the 374 MB of the index of 100,000 datasets, and every merge rewrote it
    # (36 s for the first update after a rebuild at that size, which merged the rebuild's seven segments)
    sb.add_bytes_field("doc", stored=True)
    for name in TEXT_FIELDS:
        sb.add_text_field(name, stored=False, tokenizer_name="whitespace", index_option="position")
    for name in FACETS + INTERNAL_FILTERS:
        sb.add_text_field(name, stored=False, tokenizer_name="raw", fast=True)
    sb.add_text_field("title_sort", stored=False, tokenizer_name="raw", fast=True)
    sb.add_date_field("modified", stored=False, fast=True, indexed=True)
    return sb.build()


def _date(value: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(value[:10]) if value else dt.datetime(1970, 1, 1)
    except ValueError:
        return dt.datetime(1970, 1, 1)


class EmbeddedBackend(SearchBackend):
    name = "embedded"
    capabilities = Capabilities(persistent=True, alias_swap=True, updates=True)

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.schema = _schema()
        self._lock = threading.RLock()
        self.index = self._open_current()

    # ---- index folders -------------------------------------------------------------
    def _current_file(self) -> Path:
        return self.folder / "CURRENT"

    def _open_current(self) -> tantivy.Index:
        name = self._current_file().read_text().strip() if self._current_file().exists() else None
        if not name or not (self.folder / name).is_dir():
            name = self._new_folder()
            tantivy.Index(self.schema, path=str(self.folder / name))
            self._point_to(name)
        try:
            return tantivy.Index(self.schema, path=str(self.folder / name), reuse=True)
        except ValueError:
            # written by another hdcat version (another schema): start empty; the index holds 0 documents,
            # so the next sync, `hdcat serve` or `hdcat reindex` rebuilds it from the graph. The old folder
            # goes: nothing here can read it, and it is derived data (374 MB at 100,000 datasets)
            older, name = name, self._new_folder()
            index = tantivy.Index(self.schema, path=str(self.folder / name))
            self._point_to(name)
            shutil.rmtree(self.folder / older, ignore_errors=True)
            return index

    def _new_folder(self) -> str:
        name = f"index-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
        (self.folder / name).mkdir(parents=True)
        return name

    def _point_to(self, name: str) -> None:
        tmp = self.folder / "CURRENT.tmp"
        tmp.write_text(name)
        os.replace(tmp, self._current_file())

    # ---- writes -------------------------------------------------------------------------
    def _document(self, doc: dict) -> tantivy.Document:
        shown = {"summary": doc["summary"], "descriptions": doc.get("descriptions") or {}}
        fields = {
            "id": doc["id"],
            "doc": json.dumps(shown, ensure_ascii=False).encode(),
            "title_sort": doc["title_sort"],
            "modified": _date(doc["modified"]),
        }
        for name in TEXT_FIELDS:
            fields[name] = doc[name]
        for name in FACETS + INTERNAL_FILTERS:
            if doc.get(name):
                fields[name] = list(doc[name])
        return tantivy.Document(**fields)

    def rebuild(self, documents: Iterable[dict]) -> int:
        with self._lock:
            old = self._current_file().read_text().strip() if self._current_file().exists() else None
            name = self._new_folder()
            index = tantivy.Index(self.schema, path=str(self.folder / name))
            writer = index.writer(heap_size=_HEAP, num_threads=1)
            count = 0
            for doc in documents:
                writer.add_document(self._document(doc))
                count += 1
            writer.commit()
            writer.wait_merging_threads()
            self._point_to(name)
            self.index = tantivy.Index(self.schema, path=str(self.folder / name), reuse=True)
            if old and old != name:
                shutil.rmtree(self.folder / old, ignore_errors=True)
            return count

    def update(self, documents: Iterable[dict], delete_ids: Iterable[str] = ()) -> int:
        """One tantivy commit: deletes and additions become visible to searchers together."""
        documents = list(documents)
        with self._lock:
            writer = self.index.writer(heap_size=_HEAP, num_threads=1)
            for local_id in {*delete_ids, *(doc["id"] for doc in documents)}:
                writer.delete_documents_by_term("id", local_id)
            for doc in documents:
                writer.add_document(self._document(doc))
            writer.commit()
            writer.wait_merging_threads()
            self.index.reload()
            return len(documents)

    # ---- reads ---------------------------------------------------------------------------
    def _phrase(self, field: str, phrase: tuple[str, ...]) -> tantivy.Query:
        if len(phrase) == 1:
            return tantivy.Query.term_query(self.schema, field, phrase[0])
        return tantivy.Query.phrase_query(self.schema, field, list(phrase))

    def _clause(self, clause: Clause) -> tantivy.Query:
        should = []
        for field, weight in FIELD_GROUPS[clause.group].items():
            for i, alt in enumerate(clause.alternatives):
                q = self._phrase(field, alt)
                boost = weight * (1.0 if i == 0 else 0.8)
                should.append((tantivy.Occur.Should, tantivy.Query.boost_query(q, boost)))
            if clause.fuzzy:
                word = clause.alternatives[0][0]
                fuzzy = tantivy.Query.fuzzy_term_query(
                    self.schema, field, word, distance=1 if len(word) < 8 else 2, transposition_cost_one=True
                )
                should.append((tantivy.Occur.Should, tantivy.Query.boost_query(fuzzy, weight * 0.3)))
            if clause.prefix:
                prefix = tantivy.Query.regex_query(
                    self.schema, field, re.escape(clause.alternatives[0][0]) + ".+"
                )
                should.append((tantivy.Occur.Should, tantivy.Query.boost_query(prefix, weight * 0.5)))
        return tantivy.Query.boolean_query(should)

    def _filters(self, request: SearchRequest) -> list:
        out = []
        for name, values in request.conditions():
            any_of = [(tantivy.Occur.Should, tantivy.Query.term_query(self.schema, name, v)) for v in values]
            out.append((tantivy.Occur.Must, tantivy.Query.boolean_query(any_of)))
        return out

    def _query(self, request: SearchRequest, relaxed: bool) -> tantivy.Query:
        occur = tantivy.Occur.Should if relaxed else tantivy.Occur.Must
        parts = [(occur, self._clause(c)) for c in request.must]
        if relaxed and parts:
            parts = [(tantivy.Occur.Must, tantivy.Query.boolean_query(parts))]
        parts += [(tantivy.Occur.MustNot, self._clause(c)) for c in request.must_not]
        parts += self._filters(request)
        if not request.must:
            parts.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(parts)

    def search(self, request: SearchRequest, any_word: bool = False) -> SearchResult:
        started = time.perf_counter()
        searcher = self.index.searcher()
        query = self._query(request, relaxed=any_word)
        kwargs = {}
        if request.sort == "modified" or (request.sort == "relevance" and not request.must):
            kwargs = {"order_by_field": "modified", "order": tantivy.Order.Desc}
        elif request.sort == "title":
            kwargs = {"order_by_field": "title_sort", "order": tantivy.Order.Asc}
        # tantivy refuses a limit of 0 (a count alone, as the charts ask): one hit is asked for and dropped
        result = searcher.search(
            query, limit=max(request.size, 1), offset=request.offset, count=True, **kwargs
        )
        hits = []
        for score, address in result.hits[: request.size]:
            doc = json.loads(searcher.doc(address)["doc"][0])
            hits.append(hit_from_document(doc, request, score if not kwargs else None))
        aggs = {name: {"terms": {"field": name, "size": request.facet_size}} for name in request.facet_names}
        raw = searcher.aggregate(query, aggs) if result.count else {}
        facets = {
            name: [
                {"value": b["key"], "count": int(b["doc_count"])}
                for b in raw.get(name, {}).get("buckets", [])
            ]
            for name in request.facet_names
        }
        return SearchResult(
            total=result.count,
            hits=hits,
            facets=facets,
            page=request.page,
            size=request.size,
            relaxed=any_word,
            took_ms=(time.perf_counter() - started) * 1000,
        )

    def count(self) -> int:
        return self.index.searcher().num_docs
