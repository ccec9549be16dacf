"""Docs kept true: every CLI command, setting and environment variable appears in the README, and every
document the code cites is in the repository."""

from __future__ import annotations

import re

from click.testing import CliRunner
from hdcat.web.cli import main

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text("utf-8")


def test_every_cli_command_is_documented():
    import click

    for name, command in main.commands.items():
        assert f"hdcat {name}" in README, f"`hdcat {name}` is not in README.md"
        if isinstance(command, click.Group):
            for sub in command.commands:
                assert f"hdcat {name} {sub}" in README, f"`hdcat {name} {sub}` is not in README.md"


def test_every_environment_variable_is_documented():
    names = set()
    for package in ("catalog", "web", "harvesters"):
        for f in (ROOT / package).rglob("*.py"):
            names |= set(re.findall(r"\bHDCAT_[A-Z_]+\b", f.read_text("utf-8")))
    assert names >= {"HDCAT_STORE", "HDCAT_DATA_DIR", "HDCAT_CONFIG", "HDCAT_SEARCH_URL"}
    for name in names:
        assert name in README, f"{name} is not in README.md"


def test_every_config_key_is_documented():
    from hdcat.catalog.config import _ConfigSchema, _ServiceSchema, _SourceSchema

    for key in list(_ConfigSchema().fields) + list(_SourceSchema().fields) + list(_ServiceSchema().fields):
        assert f"`{key}`" in README, f"config key `{key}` is not in README.md"


def test_readme_names_the_two_commands():
    assert "scripts/demo" in README and "scripts/test" in README
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/test" in ci


def test_help_runs():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0


#: Markdown documents the code cites: `docs/standards.md`, `bench/results/store.md`, a package README.
_CITATION = re.compile(r"[\w./-]+\.md\b")
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)


def _cited_documents():
    files = [ROOT / "README.md"]
    for package in ("catalog", "harvesters", "search", "web", "ontology", "tests"):
        files += sorted((ROOT / package).rglob("*.py"))
    for f in files:
        for number, line in enumerate(f.read_text("utf-8").splitlines(), 1):
            for cited in _CITATION.findall(_URL.sub(" ", line)):
                yield f, number, cited.removeprefix("./")


def test_documents_the_code_cites_are_in_the_repository():
    """A maintainer with only the repository can follow every citation: nothing points outside it."""
    cited = list(_cited_documents())
    assert any(c == "docs/standards.md" for _, _, c in cited)  # the scan sees the citations it is for
    missing = []
    for f, number, doc in cited:
        places = (ROOT / doc, ROOT / "docs" / doc, f.parent / doc)
        inside = [p.resolve() for p in places if p.resolve().is_relative_to(ROOT)]
        if any(p.is_file() for p in inside):
            continue
        missing.append(f"{f.relative_to(ROOT)}:{number} cites {doc}")
    assert not missing, "documents cited but not in the repository:\n" + "\n".join(missing)
