"""Elasticsearch backend: index template owned by the code, bulk indexing, alias swap on rebuild.

Tested against Elasticsearch 7.10.2 (the newest server published on Maven Central, which the test
command starts) with the official 7.17 client; the client major is pinned to the server's.

Documents carry the same pre-analysed text as the embedded engine (analysis.py),
indexed with a whitespace analyzer, so both engines match the same datasets and
one conformance suite checks both. Every client error becomes SearchUnavailable.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

from hdcat.search.backends.base import (
    Capabilities,
    SearchBackend,
    SearchResult,
    SearchUnavailable,
    hit_from_document,
)
from hdcat.search.query import FACETS, FIELD_GROUPS, INTERNAL_FILTERS, Clause, SearchRequest

ALIAS = "hdcat-datasets"
TEXT_FIELDS = ("t_title", "t_keywords", "t_text", "t_columns", "t_codes")


def index_template(alias: str = ALIAS) -> dict:
    text = {"type": "text", "analyzer": "hdcat_terms", "index_options": "positions", "norms": True}
    properties = {name: dict(text) for name in TEXT_FIELDS}
    properties.update({name: {"type": "keyword"} for name in FACETS + INTERNAL_FILTERS})
    properties.update(
        {
            "id": {"type": "keyword"},
            "iri": {"type": "keyword"},
            "source": {"type": "keyword"},
            "title_sort": {"type": "keyword"},
            "modified": {"type": "date", "format": "yyyy-MM-dd", "ignore_malformed": True},
            "summary": {"type": "object", "enabled": False},
            "descriptions": {"type": "object", "enabled": False},
        }
    )
    return {
        "index_patterns": [f"{alias}-*"],
        "template": {
            "settings": {
                "number_of_shards": 1,
                "number_of_replicas": 0,
                "refresh_interval": "1s",
                "analysis": {
                    "analyzer": {
                        "hdcat_terms": {"type": "custom", "tokenizer": "whitespace", "filter": ["lowercase"]}
                    }
                },
            },
            "mappings": {"dynamic": "strict", "properties": properties},
        },
        "priority": 200,
    }


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"
    capabilities = Capabilities(persistent=True, alias_swap=True, updates=True)

    def __init__(self, url: str):
        """`url` is the server; a path names the alias to use (default hdcat-datasets), so
        several catalogues or test runs can share one cluster: http://host:9200/my-catalogue"""
        from urllib.parse import urlsplit

        from elasticsearch import Elasticsearch

        parts = urlsplit(url)
        self.url = f"{parts.scheme}://{parts.netloc}"
        self.alias = parts.path.strip("/") or ALIAS
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,100}", self.alias):
            raise SearchUnavailable(
                f"HDCAT_SEARCH_URL path {self.alias!r} is not a valid index alias "
                "(lower-case letters, digits, - and _)"
            )
        self.es = Elasticsearch(self.url, timeout=30, retry_on_timeout=True, max_retries=2)
        self._call(
            lambda: self.es.indices.put_index_template(name=self.alias, body=index_template(self.alias))
        )
        if not self._call(lambda: self.es.indices.exists_alias(name=self.alias)):
            self._create_and_point()

    def _call(self, fn):
        from elasticsearch.exceptions import ElasticsearchException

        try:
            return fn()
        except ElasticsearchException as exc:
            raise SearchUnavailable(
                f"Elasticsearch at {self.url}: {exc}; is it running? "
                "(`scripts/services start elasticsearch`, or unset HDCAT_SEARCH_URL "
                "for the embedded engine)"
            ) from None

    def _new_index(self) -> str:
        name = f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{int(time.time() * 1000) % 100000:05d}"
        self._call(lambda: self.es.indices.create(index=name))
        return name

    def _create_and_point(self) -> None:
        name = self._new_index()
        self._call(
            lambda: self.es.indices.update_aliases(
                body={"actions": [{"add": {"index": name, "alias": self.alias}}]}
            )
        )

    def _actions(self, documents, index):
        for doc in documents:
            yield {"_index": index, "_id": doc["id"], "_source": doc}

    def rebuild(self, documents: Iterable[dict]) -> int:
        from elasticsearch import helpers

        new = self._new_index()
        try:
            ok, errors = self._call(
                lambda: helpers.bulk(
                    self.es,
                    self._actions(documents, new),
                    chunk_size=500,
                    raise_on_error=False,
                    request_timeout=120,
                )
            )
        except Exception:
            self.es.indices.delete(index=new, ignore=[404])
            raise
        if errors:
            self.es.indices.delete(index=new, ignore=[404])
            raise SearchUnavailable(f"Elasticsearch refused {len(errors)} documents, first: {errors[0]}")
        self._call(lambda: self.es.indices.refresh(index=new))
        old = list(self._call(lambda: self.es.indices.get_alias(name=self.alias, ignore=[404])) or [])
        old = [o for o in old if o.startswith(self.alias + "-")]
        actions = [{"remove": {"index": o, "alias": self.alias}} for o in old] + [
            {"add": {"index": new, "alias": self.alias}}
        ]
        self._call(lambda: self.es.indices.update_aliases(body={"actions": actions}))
        for o in old:
            self._call(lambda o=o: self.es.indices.delete(index=o, ignore=[404]))
        return ok

    def update(self, documents: Iterable[dict], delete_ids: Iterable[str] = ()) -> int:
        """Deletes and writes through the alias in one bulk request, then a refresh so searches see them.
        A reindex running meanwhile builds a new index from the graph, which already holds these changes."""
        from elasticsearch import helpers

        documents = list(documents)
        written = {doc["id"] for doc in documents}
        actions = [
            {"_op_type": "delete", "_index": self.alias, "_id": i} for i in sorted(set(delete_ids) - written)
        ]
        actions += [{"_index": self.alias, "_id": doc["id"], "_source": doc} for doc in documents]
        if not actions:
            return 0
        _ok, errors = self._call(
            lambda: helpers.bulk(self.es, actions, chunk_size=500, raise_on_error=False, request_timeout=120)
        )
        errors = [e for e in errors if e.get("delete", {}).get("status") != 404]  # already gone is fine
        if errors:
            raise SearchUnavailable(f"Elasticsearch refused {len(errors)} updates, first: {errors[0]}")
        self._call(lambda: self.es.indices.refresh(index=self.alias))
        return len(documents)

    # ---- queries ------------------------------------------------------------------------
    def _clause(self, clause: Clause) -> dict:
        should = []
        for field, weight in FIELD_GROUPS[clause.group].items():
            for i, alt in enumerate(clause.alternatives):
                boost = weight * (1.0 if i == 0 else 0.8)
                if len(alt) == 1:
                    should.append({"term": {field: {"value": alt[0], "boost": boost}}})
                else:
                    should.append({"match_phrase": {field: {"query": " ".join(alt), "boost": boost}}})
            word = clause.alternatives[0][0]
            if clause.fuzzy:
                should.append(
                    {
                        "fuzzy": {
                            field: {
                                "value": word,
                                "fuzziness": 1 if len(word) < 8 else 2,
                                "transpositions": True,
                                "prefix_length": 0,
                                "boost": weight * 0.3,
                            }
                        }
                    }
                )
            if clause.prefix:
                should.append({"prefix": {field: {"value": word, "boost": weight * 0.5}}})
        return {"bool": {"should": should, "minimum_should_match": 1}}

    def _query(self, request: SearchRequest, relaxed: bool) -> dict:
        clauses = [self._clause(c) for c in request.must]
        body: dict = {
            "filter": [{"terms": {name: values}} for name, values in request.conditions()],
            "must_not": [self._clause(c) for c in request.must_not],
        }
        if relaxed:
            body["must"] = [{"bool": {"should": clauses, "minimum_should_match": 1}}]
        else:
            body["must"] = clauses or [{"match_all": {}}]
        return {"bool": body}

    def search(self, request: SearchRequest, any_word: bool = False) -> SearchResult:
        started = time.perf_counter()
        sort = None
        if request.sort == "modified" or (request.sort == "relevance" and not request.must):
            sort = [{"modified": {"order": "desc", "missing": "_last"}}]
        elif request.sort == "title":
            sort = [{"title_sort": {"order": "asc"}}]
        aggs = {name: {"terms": {"field": name, "size": 100}} for name in FACETS}

        def run(relaxed: bool):
            extra = {"sort": sort} if sort else {}
            return self._call(
                lambda: self.es.search(
                    index=self.alias,
                    query=self._query(request, relaxed),
                    from_=request.offset,
                    size=request.size,
                    aggs=aggs,
                    track_total_hits=True,
                    _source=["summary", "descriptions"],
                    **extra,
                )
            )

        response = run(any_word)
        hits = [
            hit_from_document(h["_source"], request, h["_score"] if sort is None else None)
            for h in response["hits"]["hits"]
        ]
        facets = {
            name: [
                {"value": b["key"], "count": int(b["doc_count"])}
                for b in response["aggregations"][name]["buckets"]
            ]
            for name in FACETS
        }
        return SearchResult(
            total=response["hits"]["total"]["value"],
            hits=hits,
            facets=facets,
            page=request.page,
            size=request.size,
            relaxed=any_word,
            took_ms=(time.perf_counter() - started) * 1000,
        )

    def count(self) -> int:
        return int(self._call(lambda: self.es.count(index=self.alias))["count"])

    def close(self) -> None:
        self.es.close()
