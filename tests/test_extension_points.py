"""Extension points (catalog/extension_points.py): plugins arrive through entry points, as a user's package
installs them; a broken or mis-keyed one is listed as unavailable and never breaks the others."""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

from hdcat.catalog.extension_points import EXTENSION_POINTS
from hdcat.catalog.registry import Registry, stores
from hdcat.harvesters.registry import harvesters
from hdcat.search.backends import backends

from tests.conftest import HDCAT


def test_every_extension_point_has_a_registry_and_keys_match():
    registries = {r.group: r for r in (harvesters, backends, stores)}
    assert set(registries) == {p.group for p in EXTENSION_POINTS}
    for point in EXTENSION_POINTS:
        registry = registries[point.group]
        assert registry.names(), point.group
        assert registry.unavailable() == {}, point.group
        for name in registry.names():  # the entry-point name is the class's key attribute
            assert getattr(registry.get(name), point.key) == name


def test_register_uses_the_key_attribute():
    from hdcat.catalog.extension_points import HARVESTERS
    from hdcat.harvesters.base import Harvester

    class Local(Harvester):
        kind = "local-test"

    registry = Registry(HARVESTERS)
    registry.register(Local)
    assert registry.get("local-test") is Local


def _plugin_package(root: Path) -> None:
    """A third-party distribution as pip installs it: a module and a dist-info with entry points."""
    (root / "hdcat_extra.py").write_text(
        textwrap.dedent("""
        from hdcat.harvesters.base import Harvester
        class Works(Harvester):
            kind = "extra"
        class WrongKey(Harvester):
            kind = "something-else"
    """)
    )
    (root / "hdcat_broken.py").write_text("import a_module_that_is_not_installed\n")
    info = root / "hdcat_extra-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hdcat-extra\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        textwrap.dedent("""
        [hdcat.harvesters]
        extra = hdcat_extra:Works
        misnamed = hdcat_extra:WrongKey
        broken = hdcat_broken:Thing
    """)
    )


def _hdcat_beside(plugins, *args) -> subprocess.CompletedProcess:
    """`hdcat ARGS` in a process that has the plugin packages written to `plugins` on its path."""
    env = {**os.environ, "PYTHONPATH": str(plugins), "COLUMNS": "250", "HDCAT_DATA_DIR": str(plugins / "var")}
    env.pop("HDCAT_CONFIG", None)
    env.pop("HDCAT_SEARCH_URL", None)
    return subprocess.run(
        [*HDCAT, *args],
        env=env,
        cwd=plugins,
        capture_output=True,
        text=True,
        timeout=300,
    )


#: a whole harvester kind as a third-party package writes it (the recipe in docs/architecture.md): a
#: "register" file of `id | title` lines becomes DCAT datasets; the base class's import stage does the rest
REGISTER_KIND = textwrap.dedent("""
    from rdflib import Literal, URIRef
    from rdflib.namespace import RDF
    from hdcat.harvesters.base import Harvester
    from hdcat.ontology import DCAT, DCT

    class RegisterHarvester(Harvester):
        kind = "register"
        title = "A plain-text register of datasets (id | title per line)"

        def parse(self, fetched, ctx, into):
            for line in fetched.content.decode("utf-8").splitlines():
                ident, _, title = (part.strip() for part in line.partition("|"))
                if ident:
                    node = URIRef(f"https://register.example.org/{ident}")
                    into.add((node, RDF.type, DCAT.Dataset))
                    into.add((node, DCT.identifier, Literal(ident)))
                    if title:
                        into.add((node, DCT.title, Literal(title, lang="en")))
            return []
""")


def test_a_plugin_harvester_harvests_end_to_end(tmp_path):
    """The harvester recipe, followed once: a package, an entry point, and `hdcat harvest KIND:FILE` works."""
    (tmp_path / "hdcat_register.py").write_text(REGISTER_KIND)
    info = tmp_path / "hdcat_register-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hdcat-register\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[hdcat.harvesters]\nregister = hdcat_register:RegisterHarvester\n"
    )
    (tmp_path / "datasets.txt").write_text(
        "lung-ct | Lung cancer CT cohort\nno-title |\necho | Heart echo 2019\n"
    )

    def hdcat(*args):
        return _hdcat_beside(tmp_path, *args)

    harvested = hdcat("harvest", "register:datasets.txt", "--hospital", "hanbit")
    assert harvested.returncode == 0, harvested.stderr
    assert "no-title" in harvested.stderr and "no dct:title" in harvested.stderr  # skipped, with the reason
    exported = hdcat("export", "--format", "nquads")
    assert exported.returncode == 0, exported.stderr
    assert "Lung cancer CT cohort" in exported.stdout and "Heart echo 2019" in exported.stdout
    assert "hanbit-lung-ct" in exported.stdout  # the import stage minted the local id


def test_sources_and_plugins_show_unavailable_plugins(tmp_path):
    _plugin_package(tmp_path)

    def hdcat(*args):
        r = _hdcat_beside(tmp_path, *args)
        assert r.returncode == 0, r.stderr
        return r.stdout

    sources = hdcat("sources")
    kinds = next(line for line in sources.splitlines() if line.startswith("harvester kinds:"))
    assert "extra" in kinds and "broken" not in kinds and "misnamed" not in kinds
    assert "harvester kind broken: unavailable (ModuleNotFoundError" in sources
    assert "harvester kind misnamed: unavailable (its kind is 'something-else'" in sources
    listing = hdcat("plugins")
    assert "hdcat_extra:Works" in listing
    for point in EXTENSION_POINTS:
        assert point.group in listing
    assert listing.count("unavailable") == 2
