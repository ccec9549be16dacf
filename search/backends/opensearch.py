"""OpenSearch backend: the Elasticsearch backend's index, queries and alias swap, spoken through
opensearch-py.

The Elasticsearch 7.17 client refuses an OpenSearch 2.x server (it checks the product it talks to:
"The client noticed that the server is not Elasticsearch"), so OpenSearch has its own client; the
index template, the queries and the retries are the same code. Chosen by the scheme
`opensearch+http://host:9200[,opensearch+http://host2:9200][/alias]`. Tested against OpenSearch 2.19.6
(`scripts/services start opensearch`) with the search-conformance suite.
"""

from __future__ import annotations

from hdcat.search.backends.elasticsearch import ElasticsearchBackend

PREFIX = "opensearch+"


class OpenSearchBackend(ElasticsearchBackend):
    name = "opensearch"
    engine = "OpenSearch"
    service = "opensearch"

    def __init__(self, url: str, shards: int = 1, replicas: int = 0):
        plain = ",".join(part.strip().removeprefix(PREFIX) for part in url.split(","))
        super().__init__(plain, shards=shards, replicas=replicas)

    def _client(self, hosts: list[str]):
        from opensearchpy import OpenSearch

        return OpenSearch(
            hosts, timeout=30, retry_on_timeout=True, max_retries=3, retry_on_status=(502, 503, 504)
        )

    def _client_error(self) -> type[Exception]:
        from opensearchpy.exceptions import OpenSearchException

        return OpenSearchException

    def _helpers(self):
        from opensearchpy import helpers

        return helpers

    def _create_index(self, name: str, settings: dict) -> None:
        self.es.indices.create(index=name, body={"settings": settings})

    def _search_body(self, body: dict) -> dict:
        return self.es.search(index=self.alias, body=body)
