"""Elasticsearch backend: index template owned by the code, bulk indexing, alias swap on rebuild.

Tested against Elasticsearch 7.10.2 (the newest server published on Maven Central, which the test
command starts) with the official 7.17 client; the client major is pinned to the server's.

On a cluster the URL lists every node (http://a:9200,http://b:9200/alias): the client spreads
requests over them and, when one stops answering, retries on the others. Shards and replicas come
from `[search]` in hdcat.toml and are applied when an index is created. Bulk writes retry the
documents a cluster turned away for a passing reason (a node closing, a shard moving, a full queue),
so a node lost in the middle of a reindex costs time, never documents.

Documents carry the same pre-analysed text as the embedded engine (analysis.py),
indexed with a whitespace analyzer, so both engines match the same datasets and
one conformance suite checks both. Every client error becomes SearchUnavailable.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
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
log = logging.getLogger("hdcat.search")
TEXT_FIELDS = ("t_title", "t_keywords", "t_text", "t_columns", "t_codes")


#: a bulk item refused for one of these reasons is sent again (a shard between nodes, a node closing)
TRANSIENT_STATUSES = {429, 500, 502, 503, 504, "N/A"}
#: rounds of resending refused items, each after a longer pause (1, 2, 4, 8, 16 s)
BULK_ROUNDS = 6
#: seconds one bulk request of BULK_CHUNK items may take before it is abandoned and sent to the next node.
#: A chunk normally takes well under a second; a request caught by a node that stops (or a master election)
#: can hang until the socket times out, so this bound, not the engine, decides how long a failover takes.
BULK_REQUEST_SECONDS = 30
BULK_CHUNK = 500
#: seconds a new index waits for its replicas to start before a rebuild writes to it
REPLICAS_SECONDS = 30


def _transient(error: dict) -> bool:
    info = next(iter(error.values()))
    return info.get("status") in TRANSIENT_STATUSES


def _item_key(item: dict) -> tuple[str, str]:
    if "_op_type" in item:
        return item["_op_type"], item["_id"]
    return "index", item["_id"]


def _error_key(error: dict) -> tuple[str, str]:
    op, info = next(iter(error.items()))
    return op, info["_id"]


def split_url(url: str) -> tuple[list[str], str]:
    """(node URLs, alias) of `http://host:port[,http://host2:port...][/alias]`; the alias may follow
    any one node (the last is usual) and defaults to hdcat-datasets."""
    from urllib.parse import urlsplit

    hosts, aliases = [], set()
    for part in url.split(","):
        parts = urlsplit(part.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SearchUnavailable(
                f"search URL {url!r}: each node must be http(s)://host:port, comma-separated"
            )
        hosts.append(f"{parts.scheme}://{parts.netloc}")
        if parts.path.strip("/"):
            aliases.add(parts.path.strip("/"))
    if len(aliases) > 1:
        raise SearchUnavailable(f"search URL {url!r} names several aliases: {sorted(aliases)}")
    alias = aliases.pop() if aliases else ALIAS
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,100}", alias):
        raise SearchUnavailable(
            f"HDCAT_SEARCH_URL path {alias!r} is not a valid index alias "
            "(lower-case letters, digits, - and _)"
        )
    return hosts, alias


def index_template(alias: str = ALIAS, shards: int = 1, replicas: int = 0) -> dict:
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
                "number_of_shards": shards,
                "number_of_replicas": replicas,
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

    #: open_backend passes `shards` and `replicas` from [search]
    index_layout = True

    def __init__(self, url: str, shards: int = 1, replicas: int = 0):
        """`url` is the server, or every node of a cluster comma-separated; a path names the alias to use
        (default hdcat-datasets), so several catalogues or test runs can share one cluster:
        http://host:9200/my-catalogue"""
        hosts, self.alias = split_url(url)
        self.url = ",".join(hosts)
        self.shards, self.replicas = shards, replicas
        #: bulk items sent again after a passing refusal, since this backend was opened
        self.resent = 0
        self.es = self._client(hosts)
        self._call(
            lambda: self.es.indices.put_index_template(
                name=self.alias, body=index_template(self.alias, shards, replicas)
            )
        )
        if not self._call(lambda: self.es.indices.exists_alias(name=self.alias)):
            self._first_index()

    def _client(self, hosts: list[str]):
        """A request that fails on one node (connection lost, timeout, 502/503/504) is retried on the next."""
        from elasticsearch import Elasticsearch

        return Elasticsearch(
            hosts, timeout=30, retry_on_timeout=True, max_retries=3, retry_on_status=(502, 503, 504)
        )

    # ---- what differs between client libraries (OpenSearchBackend overrides these) -----------
    engine = "Elasticsearch"
    service = "elasticsearch"

    def _client_error(self) -> type[Exception]:
        from elasticsearch.exceptions import ElasticsearchException

        return ElasticsearchException

    def _helpers(self):
        from elasticsearch import helpers

        return helpers

    def _create_index(self, name: str, settings: dict) -> None:
        self.es.indices.create(index=name, settings=settings)

    def _search_body(self, body: dict) -> dict:
        """The 7.17 client takes a search's parts as arguments (its `body=` is deprecated)."""
        return self.es.search(
            index=self.alias, **{("from_" if k == "from" else k): v for k, v in body.items()}
        )

    def _call(self, fn):
        try:
            return fn()
        except self._client_error() as exc:
            raise SearchUnavailable(
                f"{self.engine} at {self.url}: {exc}; is it running? "
                f"(`scripts/services start {self.service}`, or unset HDCAT_SEARCH_URL "
                "for the embedded engine)"
            ) from None

    def _new_index(self) -> str:
        name = f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
        self._call(lambda: self._create_index(name, self._settings()))
        if self.replicas:
            self._await_copies(name)
        return name

    def _settings(self) -> dict:
        return {"number_of_shards": self.shards, "number_of_replicas": self.replicas}

    def _first_index(self) -> None:
        """The alias's first index, under the one name every process gives it: harvest workers started
        together open an empty cluster at once, and each made an index of its own and aliased it (two
        indices behind one alias take no writes), or, named from the clock within the same millisecond,
        all but one were refused and ran without search. Whoever creates it first, all alias the same."""
        name = f"{self.alias}-first"

        def create() -> None:
            try:
                self._create_index(name, self._settings())
            except self._client_error() as exc:
                if exc.args[1:2] != ("resource_already_exists_exception",):  # (status, error type, info)
                    raise

        self._call(create)
        if self.replicas:
            self._await_copies(name)
        self._call(
            lambda: self.es.indices.update_aliases(
                body={"actions": [{"add": {"index": name, "alias": self.alias}}]}
            )
        )

    def _await_copies(self, name: str) -> None:
        """Every replica of a new index started before the first write. A replica still being copied when its
        primary's node stops cannot take the primary's place, so that shard's writes wait for the lost node
        (CI saw a rebuild stall past 200 s so); an empty index's replicas start within moments. If they do not
        within REPLICAS_SECONDS (fewer nodes than copies asked for), the write goes ahead on the primaries."""
        health = self._call(
            lambda: self.es.cluster.health(
                index=name, wait_for_status="green", timeout=f"{REPLICAS_SECONDS}s", ignore=[408]
            )
        )
        if health.get("status") != "green":
            log.warning(
                "%s: the replicas of %s are not all started after %s s (%s); writing on the primaries",
                self.engine,
                name,
                REPLICAS_SECONDS,
                health.get("status"),
            )

    def _actions(self, documents, index):
        for doc in documents:
            yield {"_index": index, "_id": doc["id"], "_source": doc}

    def _bulk(self, actions: list[dict]) -> tuple[int, list[dict]]:
        """Send `actions`; the items refused for a passing reason (TRANSIENT_STATUSES: a node closed, a
        primary moving to a replica, a full write queue, a connection lost) are sent again, up to
        BULK_ROUNDS times with a growing pause. Every action names its _id, so sending one twice writes
        the same document, never a second one. (number written, errors that remain)"""
        helpers = self._helpers()
        written, pending = 0, actions
        for round_ in range(BULK_ROUNDS):
            ok, errors = self._call(
                lambda pending=pending: helpers.bulk(
                    self.es,
                    pending,
                    chunk_size=BULK_CHUNK,
                    raise_on_error=False,
                    raise_on_exception=False,
                    max_retries=3,
                    initial_backoff=1,
                    request_timeout=BULK_REQUEST_SECONDS,
                )
            )
            written += ok
            again = {_error_key(e) for e in errors if _transient(e)}
            if not again or len(again) < len(errors) or round_ == BULK_ROUNDS - 1:
                return written, errors
            pending = [a for a in pending if _item_key(a) in again]
            self.resent += len(pending)
            time.sleep(2**round_)
        return written, errors

    def rebuild(self, documents: Iterable[dict]) -> int:
        new = self._new_index()
        try:
            ok, errors = self._bulk(list(self._actions(documents, new)))
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
        documents = list(documents)
        written = {doc["id"] for doc in documents}
        actions = [
            {"_op_type": "delete", "_index": self.alias, "_id": i} for i in sorted(set(delete_ids) - written)
        ]
        actions += [{"_index": self.alias, "_id": doc["id"], "_source": doc} for doc in documents]
        if not actions:
            return 0
        _ok, errors = self._bulk(actions)
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
        aggs = {name: {"terms": {"field": name, "size": request.facet_size}} for name in request.facet_names}

        def run(relaxed: bool):
            body = {
                "query": self._query(request, relaxed),
                "from": request.offset,
                "size": request.size,
                "aggs": aggs,
                "track_total_hits": True,
                "_source": ["summary", "descriptions"],
            }
            if sort:
                body["sort"] = sort
            return self._call(lambda: self._search_body(body))

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
            for name in request.facet_names
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
