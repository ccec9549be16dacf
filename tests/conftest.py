"""Fixtures: the real app over real stores, the real external files, a live HTTP server.

Nothing here mocks what a user runs. Tests that need a service (a browser)
fail in CI when it is missing, and skip only on a developer's machine.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hdcat.catalog.config import Settings, SourceConfig, load_settings
from hdcat.catalog.service import Catalog
from hdcat.harvesters.runner import harvest_all
from hdcat.ontology.lexical import keep_through_pyshacl
from hdcat.web.app import create_app
from hdcat.web.cli import bundled_config
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI") == "true"
#: `hdcat` as the installed console script runs it (its quick exit armed), in this interpreter
HDCAT = [sys.executable, "-c", "from hdcat.web.console_script import run; run()"]
# tests call pyshacl directly to hold hdcat's own checks to it; hdcat patches pyshacl on its first SHACL
# check, so patch it now, before any test's direct call can turn literal normalisation back on
keep_through_pyshacl()


def _external() -> Path | None:
    candidates = [
        os.environ.get("HDCAT_EXTERNAL"),
        ROOT.parent / "shared" / "external",
        ROOT.parent.parent / "shared" / "external",
    ]
    for c in candidates:
        if c and Path(c).is_dir():
            return Path(c)
    return None


#: The conformance tier: real files written outside this project (standards' examples, OpenLineage events,
#: OMOP and FHIR samples), kept beside the clone in ../shared/external or at $HDCAT_EXTERNAL. Tests that
#: read them are marked `conformance`; without the folder they skip (one summary line says so), in CI
#: they fail. Everything else runs on the clone alone, on the project's own fixtures.
HAVE_EXTERNAL = _external() is not None
EXTERNAL = _external() or ROOT.parent / "shared" / "external"


def pytest_runtest_setup(item):
    if HAVE_EXTERNAL or item.get_closest_marker("conformance") is None:
        return
    if IN_CI:
        pytest.fail(
            "the conformance tier is required in CI, but ../shared/external is missing "
            "(set HDCAT_EXTERNAL to its path)"
        )
    pytest.skip("conformance tier: ../shared/external is missing")


#: tests/test_wheel.py's wheel and clean venv, built and installed in the background from the session's start
#: (tests/wheel_install.py says why); None when the session does not run those tests
_WHEEL_INSTALL = None
#: set in a parallel worker's process by pytest-xdist (gw0, gw1, …); unset in a plain run and the controller
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def _start_wheel_install():
    from tests.wheel_install import WheelInstall, shared_folder

    # parallel workers share one build; their controller is their parent process
    return WheelInstall(shared_folder(os.getppid()) if XDIST_WORKER else None)


def pytest_collection_finish(session):
    global _WHEEL_INSTALL
    if session.config.option.collectonly or not any(i.path.name == "test_wheel.py" for i in session.items):
        return
    _WHEEL_INSTALL = _start_wheel_install()


def pytest_sessionfinish(session):
    if _WHEEL_INSTALL is not None:
        _WHEEL_INSTALL.close()
    if not XDIST_WORKER and session.config.pluginmanager.hasplugin("dsession"):  # the controller of workers
        from tests.wheel_install import shared_folder

        shutil.rmtree(shared_folder(os.getpid()), ignore_errors=True)


@pytest.fixture(scope="session")
def wheel_install():
    """The wheel and the venv holding it alone: (wheel path, venv folder), waited for."""
    global _WHEEL_INSTALL
    if _WHEEL_INSTALL is None:  # asked for by a test the collection hook did not see
        _WHEEL_INSTALL = _start_wheel_install()
    return _WHEEL_INSTALL.result()


def pytest_terminal_summary(terminalreporter):
    # counted from the reports, which reach the controller from parallel workers too
    skipped = [
        r
        for r in terminalreporter.stats.get("skipped", [])
        if "conformance tier" in str(getattr(r, "longrepr", ""))
    ]
    if skipped:
        terminalreporter.write_line(
            f"conformance tier: {len(skipped)} "
            "tests skipped because ../shared/external (the real "
            "public example files) is not beside this clone; set HDCAT_EXTERNAL to run them"
        )


def require_service(available: bool, what: str) -> None:
    """Skip on a developer machine without the service; fail in CI, where it must be there."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available")
    pytest.skip(f"{what} not available")


#: The store-conformance suite: tests marked `stores` (or asking for `store_url`) run once per store kind:
#: rdflib's memory store, the embedded Oxigraph store, and a real Apache Jena Fuseki (`scripts/services
#: start fuseki` prints HDCAT_TEST_FUSEKI_URL; a missing server skips on a developer's machine, fails in CI).
STORE_KINDS = ("memory", "oxigraph", "fuseki")


def pytest_generate_tests(metafunc):
    if "store_kind" in metafunc.fixturenames:
        marked = metafunc.definition.get_closest_marker("stores") is not None
        direct = "store_url" in metafunc.fixturenames
        metafunc.parametrize("store_kind", STORE_KINDS if marked or direct else ("memory",))


#: Fuseki datasets beside /hdcat that scripts/services makes for parallel test workers (pytest-xdist)
FUSEKI_WORKER_DATASETS = 3


def fuseki_url() -> str:
    """The test Fuseki's dataset for this test process: /hdcat, or /hdcat-N for parallel worker gwN, so
    that workers emptying their store never empty another's."""
    url = os.environ.get("HDCAT_TEST_FUSEKI_URL", "")
    require_service(bool(url), "Apache Jena Fuseki (HDCAT_TEST_FUSEKI_URL; scripts/services start fuseki)")
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    if worker == 0:
        return url
    if worker > FUSEKI_WORKER_DATASETS:
        pytest.fail(f"scripts/services has Fuseki datasets for {FUSEKI_WORKER_DATASETS + 1} workers only")
    return f"{url.rstrip('/')}-{worker}"


def fresh_store_url(kind: str, folder: Path) -> str:
    """A store of `kind` holding nothing: a new folder for Oxigraph, the Fuseki dataset emptied."""
    if kind == "memory":
        return "memory:"
    if kind == "oxigraph":
        return f"oxigraph:{folder / 'store'}"
    from hdcat.catalog.stores import open_store

    url = fuseki_url()
    store = open_store(url)
    try:
        store.clear()
    finally:
        store.close()
    return url


def postgres_url() -> str:
    """The test PostgreSQL (`scripts/services start postgres` prints HDCAT_TEST_POSTGRES_URL)."""
    url = os.environ.get("HDCAT_TEST_POSTGRES_URL", "")
    require_service(bool(url), "PostgreSQL (HDCAT_TEST_POSTGRES_URL; scripts/services start postgres)")
    return url


@contextlib.contextmanager
def fresh_database(prefix: str):
    """A PostgreSQL database of its own (its URL), dropped afterwards, as tests/test_harvest_workers.py's
    queue_url."""
    import uuid

    import psycopg

    base = postgres_url()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


#: where accounts, the audit trail and access requests live: the data folder's SQLite file, or PostgreSQL
#: shared by every process ([service] state). Tests asking for `state_location` run on both.
STATE_KINDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def _state_tests_database():
    """One database for the session's state tests; each test gets a schema of its own in it (a schema is
    made in milliseconds, a database in a good part of a second)."""
    with fresh_database("hdcat_state_tests") as url:
        yield url


@pytest.fixture(params=STATE_KINDS)
def state_location(request, tmp_path):
    """A fresh, empty state: a new state.sqlite, or a new PostgreSQL schema (its URL names it)."""
    if request.param == "sqlite":
        yield tmp_path / "state.sqlite"
        return
    import uuid

    import psycopg

    database = request.getfixturevalue("_state_tests_database")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield f"{database}?options=-csearch_path%3D{schema}"
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def store_kind(request) -> str:
    return getattr(request, "param", "memory")


@pytest.fixture
def store_url(store_kind, tmp_path) -> str:
    return fresh_store_url(store_kind, tmp_path)


@pytest.fixture
def external() -> Path:
    return EXTERNAL


@pytest.fixture
def memory_settings(store_kind, tmp_path) -> Settings:
    """The catalogue's settings: the memory store, or each store kind for tests marked `stores`."""
    return Settings(store_url=fresh_store_url(store_kind, tmp_path))


@pytest.fixture
def catalog(memory_settings) -> Catalog:
    cat = Catalog(memory_settings)
    yield cat
    cat.close()


def source(location, name="src", hospital="hanbit", kind="dcat", **options) -> SourceConfig:
    return SourceConfig(name=name, hospital=hospital, kind=kind, location=str(location), options=options)


@pytest.fixture(scope="session")
def sample_servers():
    """The sample hospitals' CKAN portal and FHIR server, as `hdcat demo` runs them."""
    from hdcat.harvesters.samples.servers import SampleServers

    servers = SampleServers()
    yield servers
    servers.stop()


@pytest.fixture(scope="session")
def sample_settings(tmp_path_factory, sample_servers) -> Settings:
    """The bundled sample consortium's settings, with the embedded store (as `hdcat demo` keeps it) in a
    folder of this run: its harvest takes 12 s there against 19 s in rdflib's memory store."""
    data = tmp_path_factory.mktemp("data")
    return sample_servers.resolve(
        load_settings(
            bundled_config(),
            env={"HDCAT_STORE": f"oxigraph:{data / 'store'}", "HDCAT_DATA_DIR": str(data)},
        )
    )


@pytest.fixture(scope="session")
def sample_catalog(sample_settings):
    """The bundled sample consortium, harvested once into the embedded store."""
    cat = Catalog(sample_settings)
    cat.definitions.ensure_starters()
    runs = harvest_all(cat, sample_settings.sources)
    cat.sample_runs = runs
    yield cat
    cat.close()


@pytest.fixture(scope="session")
def sample_search(sample_catalog):
    """The embedded search engine over the sample consortium."""
    from hdcat.search.service import Search

    search = Search(sample_catalog)
    search.reindex()
    yield search
    search.close()


@pytest.fixture(scope="session")
def app(sample_catalog, sample_search):
    return create_app(catalog=sample_catalog, search=sample_search)


@pytest.fixture
def client(app):
    return app.test_client()


PASSWORD = "correct horse battery staple"
#: one person per role (stewards act for hanbit); created once in the sample deployment's accounts
PEOPLE = {
    "ana": ("researcher", ["hanbit"]),
    "sam": ("steward", ["hanbit"]),
    "sol": ("steward", ["gaon"]),
    "aud": ("auditor", []),
    "adm": ("admin", []),
}


@pytest.fixture(scope="session")
def people(sample_settings):
    from hdcat.catalog.accounts import Accounts

    acc = Accounts.for_settings(sample_settings)
    for name, (role, hospitals) in PEOPLE.items():
        if not any(u["name"] == name for u in acc.users()):
            acc.add_user(name, role, hospitals, PASSWORD)
    acc.close()
    return PEOPLE


def csrf_token(html: str) -> str:
    import re

    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert found, "no CSRF token in the form"
    return found.group(1)


def sign_in(app, name: str):
    """A test client with `name` signed in through the real sign-in form."""
    app.extensions["hdcat.limiter"].reset()  # the session-wide app would otherwise reach the sign-in limit
    c = app.test_client()
    token = csrf_token(c.get("/signin").get_data(as_text=True))
    r = c.post("/signin", data={"name": name, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    return c


@pytest.fixture
def member(app, people):
    """A signed-in researcher: sees consortium-only datasets and lineage."""
    return sign_in(app, "ana")


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class LocalHospital:
    """A hospital's web server on 127.0.0.1 for tests: `answer(path)` gives (media type, body) for each GET
    and may wait (on `release`, set by `close`); a harvester that goes away mid-answer is no error."""

    def __init__(self, answer):
        self.release = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                media_type, body = answer(self.path)
                self.send_response(200)
                self.send_header("Content-Type", media_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def live_server(app):
    server = LiveServer(app)
    yield server
    server.stop()


@pytest.fixture
def static_server(tmp_path):
    """Serve a folder over real HTTP, as a hospital's web server would."""
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        extensions_map = {
            **SimpleHTTPRequestHandler.extensions_map,
            ".ttl": "text/turtle",
            ".jsonld": "application/ld+json",
            ".rdf": "application/rdf+xml",
        }

        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(tmp_path))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def copy_external(rel: str, dest: Path) -> Path:
    target = dest / Path(rel).name
    shutil.copy(EXTERNAL / rel, target)
    target.chmod(0o644)
    return target


def query_start(template: str, field: str) -> str:
    """The text every query made from `template` starts with: what comes before `{field}`, its doubled
    braces made single as str.format makes them (a prefix with `{{` in it matches no query)."""
    return template.split("{" + field + "}")[0].format()
