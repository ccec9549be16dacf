"""The `hdcat` command line, run as a user runs it (a real process, a real store on disk)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from rdflib import Dataset

from tests.conftest import EXTERNAL, HDCAT, ROOT


def hdcat(*args, cwd, env=None, check=False):
    full_env = {**os.environ, "HDCAT_DATA_DIR": str(Path(cwd) / "var"), **(env or {})}
    full_env.pop("HDCAT_CONFIG", None)
    full_env.pop("HDCAT_SEARCH_URL", None)  # the CLI tests use the embedded engine unless they say
    full_env.update(env or {})
    result = subprocess.run(
        [*HDCAT, *args],
        cwd=cwd,
        env={**full_env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_help_lists_every_command(tmp_path):
    out = hdcat("--help", cwd=tmp_path, check=True).stdout
    for command in (
        "demo",
        "serve",
        "harvest",
        "export",
        "sources",
        "reindex",
        "bench",
        "users",
        "tokens",
        "audit",
    ):
        assert f"  {command} " in out


@pytest.mark.conformance
def test_one_off_harvest_then_export(tmp_path):
    ttl = EXTERNAL / "healthdcat-ap/ckanext-dcat_dataset_health.ttl"
    r = hdcat("harvest", f"dcat:{ttl}", "--hospital", "hanbit", cwd=tmp_path, check=True)
    assert "Harvest summary" in r.stderr and "changed" in r.stderr
    hdcat("export", "--format", "nquads", "-o", "all.nq", cwd=tmp_path, check=True)
    ds = Dataset()
    ds.parse(tmp_path / "all.nq", format="nquads")
    graphs = {str(g.identifier) for g in ds.graphs()}
    assert any(g.endswith("/graph/harvest-runs") for g in graphs)
    assert any("/graph/source/dcat-" in g for g in graphs)
    r = hdcat("export", "--format", "ttl", cwd=tmp_path, check=True)
    assert "HealthDCAT-AP test dataset" in r.stdout


@pytest.mark.conformance
def test_failed_source_exits_nonzero_and_says_why(tmp_path):
    (tmp_path / "hdcat.toml").write_text(f"""
[[sources]]
name = "good"
hospital = "hanbit"
kind = "dcat"
location = "{EXTERNAL / "dcat-ap-3.0.1/example-bee-population.ttl"}"
[[sources]]
name = "gone"
hospital = "gaon"
kind = "dcat"
location = "missing.ttl"
""")
    r = hdcat("harvest", cwd=tmp_path)
    assert r.returncode == 1
    assert "gone" in r.stderr and "no such file" in r.stderr
    assert "good" in r.stderr and "changed" in r.stderr


def test_bad_config_and_unknown_source_are_clear(tmp_path):
    (tmp_path / "hdcat.toml").write_text(
        '[[sources]]\nname = "Bad Name"\nhospital = "x"\nkind = "dcat"\nlocation = "a"\n'
    )
    r = hdcat("harvest", cwd=tmp_path)
    assert r.returncode == 2 and "source Bad Name: name" in r.stderr
    (tmp_path / "hdcat.toml").write_text("")
    r = hdcat("harvest", "nosuch", cwd=tmp_path)
    assert r.returncode == 2 and "neither a configured source" in r.stderr


def test_demo_without_serving_harvests_the_sample_consortium(tmp_path):
    r = hdcat("demo", "--no-serve", cwd=tmp_path, check=True)
    for h in ("hanbit", "saebom", "gaon", "mirae", "haneul", "purun", "dasom", "balgeun"):
        assert f"{h}-dcat" in r.stderr
    assert (tmp_path / "var" / "store").is_dir()


def test_repository_config_lists_the_same_sources_as_the_bundled_one():
    from hdcat.catalog.config import load_settings
    from hdcat.web.cli import bundled_config

    repo = load_settings(ROOT / "hdcat.toml", env={})
    bundled = load_settings(bundled_config(), env={})
    demo_only = {"gaon-ckan", "dasom-fhir"}  # need the demo's sample servers
    assert repo.sources == tuple(s for s in bundled.sources if s.name not in demo_only)
    assert {s.kind for s in bundled.sources} == {"dcat", "omop", "sql", "csv", "ckan", "fhir"}
    assert all(Path(s.location.removeprefix("sqlite:///")).is_file() for s in repo.sources)


@pytest.mark.conformance
def test_search_engine_down_keeps_the_harvest_and_marks_the_index_stale(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ttl = EXTERNAL / "dcat-ap-3.0.1/example-bee-population.ttl"
    r = hdcat("harvest", f"dcat:{ttl}", cwd=tmp_path, env={"HDCAT_SEARCH_URL": f"http://127.0.0.1:{port}"})
    assert r.returncode == 0, r.stderr
    assert "search index not updated" in r.stderr and "hdcat reindex" in r.stderr
    assert (tmp_path / "var" / "search" / "STALE").exists()
    r = hdcat("reindex", cwd=tmp_path, check=True)  # embedded engine this time
    assert "search index rebuilt: 1 datasets" in r.stderr
    assert not (tmp_path / "var" / "search" / "STALE").exists()


@pytest.mark.conformance
def test_users_tokens_and_audit_from_the_command_line(tmp_path):
    hdcat("users", "add", "alice", "--role", "steward", "--hospital", "hanbit", cwd=tmp_path, check=True)
    r = hdcat("users", "add", "alice", "--role", "steward", cwd=tmp_path)
    assert r.returncode == 2 and "exists already" in r.stderr
    r = hdcat("tokens", "issue", "--user", "alice", "--scope", "lineage:write", cwd=tmp_path, check=True)
    secret = r.stdout.strip().splitlines()[-1]
    assert secret.startswith("hdcat_")
    listing = hdcat("tokens", "list", cwd=tmp_path, check=True).stdout
    assert "alice" in listing and secret not in listing
    hdcat(
        "harvest", f"dcat:{EXTERNAL / 'dcat-ap-3.0.1/example-bee-population.ttl'}", cwd=tmp_path, check=True
    )
    r = hdcat("audit", "verify", cwd=tmp_path, check=True)
    assert "audit trail intact: 3 entries verified" in r.stdout  # user.add, token.issue, harvest.run
    entries = hdcat("audit", "list", cwd=tmp_path, check=True).stdout
    assert "harvest.run" in entries and "token.issue" in entries


def test_demo_harvests_a_source_of_every_bundled_kind(sample_catalog):
    runs = {r.source: r for r in sample_catalog.sample_runs}
    for name in ("hanbit-omop", "haneul-sql", "mirae-csv", "gaon-ckan", "dasom-fhir"):
        assert runs[name].outcome.value == "changed" and runs[name].found > 0, (name, runs[name].error)
    omop = sample_catalog.datasets.get("hanbit-omop-omop-main")
    assert omop["number_of_individuals"] == 28
    view = sample_catalog.datasets.get("haneul-main-copd-spirometry")
    assert view["derived_from"]
    assert sample_catalog.lineage.node_for("haneul-main-copd-spirometry")


def test_bench_command_runs_the_bench_scripts(tmp_path):
    r = hdcat("bench", "harvest", "--help", cwd=tmp_path, check=True)
    assert "Incremental harvesting" in r.stdout and "--rounds" in r.stdout
    r = hdcat("bench", "nosuch", cwd=tmp_path)
    assert r.returncode == 2 and "nosuch" in r.stderr


def test_one_off_harvest_takes_options(tmp_path):
    (tmp_path / "dict.csv").write_text(
        "테이블명;컬럼명;타입\npatient;id;string\npatient;birth_year;integer\n", encoding="utf-8"
    )
    header = '{"table": "테이블명", "column": "컬럼명", "type": "타입"}'
    plain = hdcat("harvest", "csv:dict.csv", cwd=tmp_path)
    assert plain.returncode == 1 and "set the delimiter option" in plain.stderr  # ',' is the default
    r = hdcat(
        "harvest",
        "csv:dict.csv",
        "-o",
        "delimiter=;",
        "--option",
        f"header={header}",
        cwd=tmp_path,
        check=True,
    )
    assert "changed" in r.stderr
    out = hdcat("export", "--format", "ttl", cwd=tmp_path, check=True).stdout
    assert "birth_year" in out and '"patient"' in out


def test_one_off_options_are_checked_before_harvesting(tmp_path):
    (tmp_path / "dict.csv").write_text("table,column\npatient,id\n", encoding="utf-8")
    r = hdcat("harvest", "csv:dict.csv", "-o", "delimeter=;", cwd=tmp_path)
    assert r.returncode == 2
    assert "csv sources have no option 'delimeter'" in r.stderr
    assert "delimiter, encoding, header, sheet" in r.stderr  # the accepted keys of the kind
    r = hdcat("harvest", "ckan:http://127.0.0.1:9/", "-o", "rows=many", cwd=tmp_path)
    assert r.returncode == 2 and "rows='many'" in r.stderr and "integer" in r.stderr.lower()
    # a list option takes commas: each item is checked by the kind's own rule
    r = hdcat("harvest", "fhir:http://127.0.0.1:9/fhir", "-o", "resources=Patient,Patient/../x", cwd=tmp_path)
    assert r.returncode == 2 and "'Patient/../x' is not a FHIR resource type" in r.stderr, r.stderr
    r = hdcat("harvest", "csv:dict.csv", "-o", "delimiter", cwd=tmp_path)
    assert r.returncode == 2 and "'delimiter' is not KEY=VALUE" in r.stderr
    r = hdcat("harvest", "-o", "rows=5", cwd=tmp_path)
    assert r.returncode == 2 and "name one" in r.stderr
