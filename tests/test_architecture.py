"""The import rules of ARCHITECTURE.md, checked on the source: data flows one way."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

ALLOWED = {
    "ontology": set(),
    "catalog": {"ontology"},
    "harvesters": {"catalog", "ontology"},
    "search": {"catalog", "ontology"},
    "web": {"catalog", "ontology", "harvesters", "search"},
}
FORBIDDEN_LIBS = {"catalog": {"flask", "elasticsearch", "httpx", "requests", "werkzeug"},
                  "ontology": {"flask", "elasticsearch", "httpx", "requests"}}


def _imports(path: Path):
    tree = ast.parse(path.read_text("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module.split(".")[0]


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_flow_one_way(package):
    files = list((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ has no modules"
    bad = []
    for f in files:
        for name in _imports(f):
            if name in ALLOWED and name != package and name not in ALLOWED[package]:
                bad.append(f"{f.relative_to(ROOT)} imports {name}")
            if name in FORBIDDEN_LIBS.get(package, ()):
                bad.append(f"{f.relative_to(ROOT)} imports {name} (no I/O libraries in {package})")
    assert not bad, "\n".join(bad)


def test_no_vocabulary_iris_outside_ontology():
    """Vocabulary terms come from ontology's namespaces, not literal strings."""
    offenders = []
    for package in ("catalog", "harvesters", "web"):
        for f in (ROOT / package).rglob("*.py"):
            text = f.read_text("utf-8")
            for ns in ("http://www.w3.org/ns/dcat#", "http://purl.org/dc/terms/", "http://healthdataportal.eu/ns/health#",
                       "https://w3id.org/hdcat/"):
                if ns in text:
                    offenders.append(f"{f.relative_to(ROOT)}: {ns}")
    assert not offenders, offenders
