"""The import rules of docs/architecture.md, checked on the source: data flows one way."""

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
FORBIDDEN_LIBS = {
    "catalog": {"flask", "elasticsearch", "httpx", "requests", "werkzeug"},
    "ontology": {"flask", "elasticsearch", "httpx", "requests"},
}
#: the one exception: a store whose engine is a SPARQL server speaks HTTP to it, as the Oxigraph store
#: reads its disk; only its HTTP module does, and only with httpx
LIB_EXCEPTIONS = {"catalog/stores/sparql_http.py": {"httpx"}}


def _layer(module: str) -> str:
    """`hdcat.catalog.service` -> `catalog`; a third-party module -> its top-level name."""
    parts = module.split(".")
    return parts[1] if parts[0] == "hdcat" and len(parts) > 1 else parts[0]


def _imports(path: Path):
    tree = ast.parse(path.read_text("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_flow_one_way(package):
    files = list((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ has no modules"
    bad = []
    for f in files:
        for module in _imports(f):
            if module.split(".")[0] in ALLOWED:
                bad.append(
                    f"{f.relative_to(ROOT)} imports {module}: hdcat's own modules are imported as hdcat.*"
                )
            name = _layer(module)
            if name in ALLOWED and name != package and name not in ALLOWED[package]:
                bad.append(f"{f.relative_to(ROOT)} imports {name}")
            excepted = LIB_EXCEPTIONS.get(str(f.relative_to(ROOT)), set())
            if name in FORBIDDEN_LIBS.get(package, ()) and name not in excepted:
                bad.append(f"{f.relative_to(ROOT)} imports {name} (no I/O libraries in {package})")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("package", ["harvesters", "search", "web"])
def test_other_layers_use_only_catalogs_public_surface(package):
    """web, search and the harvesters import `from hdcat.catalog import …` names in its __all__, never its
    modules: the catalogue's inside can be rearranged without touching them."""
    import hdcat.catalog as catalog

    bad = []
    for f in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hdcat.catalog."):
                bad.append(f"{f.relative_to(ROOT)}:{node.lineno} imports {node.module}")
            elif isinstance(node, ast.ImportFrom) and node.module == "hdcat.catalog":
                bad += [
                    f"{f.relative_to(ROOT)}:{node.lineno} imports {a.name}, not in hdcat.catalog.__all__"
                    for a in node.names
                    if a.name not in catalog.__all__
                ]
            elif isinstance(node, ast.Import):
                bad += [
                    f"{f.relative_to(ROOT)}:{node.lineno} imports {a.name}"
                    for a in node.names
                    if a.name.startswith("hdcat.catalog.")
                ]
    assert not bad, "\n".join(bad)
    for name in catalog.__all__:  # and every public name resolves
        assert getattr(catalog, name) is not None, name


def test_no_vocabulary_iris_outside_ontology():
    """Vocabulary terms come from ontology's namespaces, not literal strings."""
    offenders = []
    for package in ("catalog", "harvesters", "web"):
        for f in (ROOT / package).rglob("*.py"):
            text = f.read_text("utf-8")
            for ns in (
                "http://www.w3.org/ns/dcat#",
                "http://purl.org/dc/terms/",
                "http://healthdataportal.eu/ns/health#",
                "https://w3id.org/hdcat/",
            ):
                if ns in text:
                    offenders.append(f"{f.relative_to(ROOT)}: {ns}")
    assert not offenders, offenders
