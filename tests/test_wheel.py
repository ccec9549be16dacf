"""hdcat as users install it: the built wheel alone in a fresh virtualenv (no extras, no editable install,
no clone on the path), then the demo harvest, an OpenLineage event, the starter definitions and a search.

This is the test that catches a module imported at run time but missing from the dependencies, or a
data file read at run time but missing from the package data. It runs in CI every time.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import zipfile
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.timeout(900)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def wheel(wheel_install) -> Path:
    """`pip wheel` of the clone (built in the background from the session's start: tests/wheel_install.py)."""
    return wheel_install[0]


@pytest.fixture(scope="module")
def installed(wheel_install) -> Path:
    """A fresh venv holding the wheel and its declared dependencies, nothing else."""
    return wheel_install[1]


def test_the_wheel_adds_one_top_level_package_with_its_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"hdcat", wheel.name.split("-py3")[0] + ".dist-info"}
    for data in (
        "hdcat/ontology/definitions/cancer-core.json",
        "hdcat/ontology/openlineage/OpenLineage-2-0-2.schema.json",
        "hdcat/ontology/openlineage/facets/SchemaDatasetFacet.json",
        "hdcat/harvesters/samples/consortium.toml",
        "hdcat/harvesters/samples/consortium/hanbit/omop.sqlite",
        "hdcat/web/templates/base.html",
        "hdcat/web/static/style.css",
        "hdcat/web/translations/ko/LC_MESSAGES/messages.mo",  # compiled: the site in Korean (web/i18n.py)
        "hdcat/ontology/shapes.ttl",
        "hdcat/web/citation_styles/apa.csl",
        "hdcat/web/citation_styles/vancouver.csl",
    ):
        assert data in names, f"{data} is not in the wheel"
    metadata = (
        zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    )
    assert "License-Expression: Apache-2.0" in metadata


def test_the_installed_wheel_runs_the_demo_and_serves_lineage_definitions_and_search(installed, tmp_path):
    hdcat = str(installed / "bin/hdcat")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HDCAT_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(HDCAT_DATA_DIR=str(tmp_path / "var"), COLUMNS="200")

    def run(*args, stdin=None):
        r = subprocess.run(
            [hdcat, *args], cwd=tmp_path, env=env, input=stdin, capture_output=True, text=True, timeout=600
        )
        assert r.returncode == 0, f"hdcat {' '.join(args)}:\n{r.stderr[-3000:]}"
        return r

    from importlib.metadata import version

    assert run("--version").stdout.strip().endswith(version("hdcat"))
    # nothing of the clone is importable in that venv: it runs from site-packages alone
    probe = subprocess.run(
        [
            str(installed / "bin/python"),
            "-c",
            "import hdcat.web.app, sys; print(hdcat.web.app.__file__); import catalog",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert "site-packages" in probe.stdout and "No module named 'catalog'" in probe.stderr

    demo = run("demo", "--no-serve")
    assert "Harvest summary" in demo.stderr and "search index rebuilt" in demo.stderr
    run("users", "add", "etl", "--role", "steward", "--hospital", "hanbit")
    token = (
        run("tokens", "issue", "--user", "etl", "--scope", "lineage:write").stdout.strip().splitlines()[-1]
    )

    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [hdcat, "serve", "--port", str(port)], cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    http = httpx.Client(timeout=60)  # the first search loads the Korean analyser while the server warms up
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
        event = {
            "eventType": "COMPLETE",
            "eventTime": "2026-11-30T01:00:00Z",
            "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.25.0/integration/dbt",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": "0193c2a4-8f6e-7c3a-9d55-3f2b1e0a6b11"},
            "job": {"namespace": "hanbit-dbt", "name": "cdm.condition_summary"},
            "inputs": [{"namespace": "postgres://hanbit-db:5432", "name": "cdm.condition_occurrence"}],
            "outputs": [{"namespace": "postgres://hanbit-db:5432", "name": "mart.condition_summary"}],
        }
        posted = http.post(base + "/api/v1/lineage", json=event, headers={"Authorization": f"Bearer {token}"})
        assert posted.status_code == 201, posted.text
        definitions = http.get(base + "/api/v1/definitions").json()
        ids = {d["id"] for d in definitions["definitions"]}
        assert {"cancer-core", "cardiovascular-core", "respiratory-core"} <= ids
        found = http.get(base + "/api/v1/search", params={"q": "폐암"}).json()
        assert found["total"] > 0 and found["facets"]["hospital"]
        assert http.get(base + "/readyz").json()["status"] == "ready"
        korean = http.get(base + "/definitions", params={"lang": "ko"}).text  # .mo from site-packages
        assert '<html lang="ko">' in korean and "데이터셋 표준 정의" in korean
        # the citation styles and their libraries come with the wheel (citeproc-py, bibtexparser, rispy)
        first = found["hits"][0]["id"]
        page = http.get(f"{base}/datasets/{first}", params={"lang": "en"}).text
        assert "[Data set]" in page and "[Internet]" in page
        assert http.get(f"{base}/datasets/{first}/cite.ris").text.startswith("TY  - DATA")
    finally:
        http.close()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(60)
        finally:
            if server.poll() is None:
                server.kill()
                pytest.fail("the server did not stop on SIGTERM:\n" + log.read_text()[-3000:])
    assert server.returncode == 0, log.read_text()[-3000:]
    assert not (tmp_path / "var" / "server.json").exists()
