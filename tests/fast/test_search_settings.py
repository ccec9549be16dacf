"""`[search]` shards and replicas: read from hdcat.toml, overridden by the environment, bad values named;
and the search URL of a cluster (every node, one alias) parsed the way the backends use it."""

from __future__ import annotations

import pytest
from hdcat.catalog import ConfigError
from hdcat.catalog.config import SearchConfig, load_settings
from hdcat.search.backends import SearchUnavailable
from hdcat.search.backends.elasticsearch import index_template, split_url


def write(tmp_path, text: str):
    path = tmp_path / "hdcat.toml"
    path.write_text(text, "utf-8")
    return path


def test_defaults_are_one_shard_and_no_replica(tmp_path):
    assert load_settings(write(tmp_path, ""), env={}).search == SearchConfig(shards=1, replicas=0)


def test_the_file_and_then_the_environment(tmp_path):
    path = write(tmp_path, "[search]\nshards = 3\nreplicas = 1\n")
    assert load_settings(path, env={}).search == SearchConfig(shards=3, replicas=1)
    env = {"HDCAT_SEARCH_REPLICAS": "2"}
    assert load_settings(path, env=env).search == SearchConfig(shards=3, replicas=2)


@pytest.mark.parametrize(
    "toml, env, named",
    [
        ("[search]\nshards = 0\n", {}, "[search] shards"),
        ("[search]\nreplicas = -1\n", {}, "[search] replicas"),
        ("[search]\nreplica = 1\n", {}, "[search] replica"),  # a misspelt key is refused, not ignored
        ("", {"HDCAT_SEARCH_SHARDS": "many"}, "HDCAT_SEARCH_SHARDS='many'"),
        ("", {"HDCAT_SEARCH_REPLICAS": "17"}, "HDCAT_SEARCH_REPLICAS='17'"),
    ],
)
def test_bad_values_are_named(tmp_path, toml, env, named):
    with pytest.raises(ConfigError) as error:
        load_settings(write(tmp_path, toml), env=env)
    assert named in error.value.message


def test_the_template_carries_the_layout():
    settings = index_template("x", shards=3, replicas=1)["template"]["settings"]
    assert (settings["number_of_shards"], settings["number_of_replicas"]) == (3, 1)


def test_a_cluster_url_lists_every_node_and_one_alias():
    assert split_url("http://a:9200,http://b:9201/my-cat") == (["http://a:9200", "http://b:9201"], "my-cat")
    assert split_url("http://a:9200") == (["http://a:9200"], "hdcat-datasets")
    with pytest.raises(SearchUnavailable, match="several aliases"):
        split_url("http://a:9200/one,http://b:9200/two")
    with pytest.raises(SearchUnavailable, match="each node must be"):
        split_url("http://a:9200,b:9200")
