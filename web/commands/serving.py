"""Commands that run hdcat: serve, demo (harvest the sample consortium, then serve) and bench."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import click
from hdcat.web.commands.common import (
    Context,
    bundled_config,
    console,
    open_search,
    prepare_state,
    reindex_with_progress,
)
from hdcat.web.commands.harvesting import run_harvest, sync_search

#: the benchmarks in the repository's bench/ folder, by the name `hdcat bench NAME` takes
BENCHES = {
    "store": "store_compare.py",
    "search": "search_bench.py",
    "relevance": "relevance_bench.py",
    "harvest": "harvest_bench.py",
    "lineage": "lineage_bench.py",
    "load": "load_bench.py",
    "pipeline": "pipeline_bench.py",
    "pages": "page_bench.py",
    "workers": "worker_bench.py",
    "turns": "turns_bench.py",
    "state": "state_bench.py",
}


@click.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}
)  # --help goes to the bench script
@click.argument("name", type=click.Choice(sorted(BENCHES)))
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench(name, args):
    """Run a benchmark from bench/ (store, search, relevance, harvest, lineage); extra arguments go to it."""
    script = Path(__file__).resolve().parents[2] / "bench" / BENCHES[name]
    if not script.exists():
        raise click.UsageError(f"{script} is missing: benchmarks run from a clone of the hdcat repository")
    sys.exit(subprocess.call([sys.executable, str(script), *args]))


def _serve(catalog, host: str, port: int, search=None, threads: int | None = None) -> None:
    from hdcat.search.backends import SearchUnavailable
    from hdcat.web import logs
    from hdcat.web.app import create_app
    from hdcat.web.server import serve

    logs.configure()
    try:
        search = search or open_search(catalog)
        if search.stale or (search.count() == 0 and catalog.datasets.count(members=True) > 0):
            console.print("the search index is empty or stale: building it from the graph")
            reindex_with_progress(search)
    except SearchUnavailable as exc:
        console.print(
            f"[yellow]search is unavailable ({exc.message}); pages and the API still work, "
            "search answers 503 until the engine is back[/yellow]"
        )
        search = None
    app = create_app(catalog=catalog, search=search)
    threads = threads or catalog.settings.service.threads
    serve(
        app,
        host,
        port,
        threads,
        on_ready=lambda url: console.print(
            f"[bold green]hdcat is serving {url}/[/bold green] "
            f" ({threads} threads; Ctrl+C or SIGTERM to stop)"
        ),
    )


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--threads",
    default=None,
    type=click.IntRange(1, 256),
    help="Request threads (default: [service] threads in hdcat.toml, else 8).",
)
@click.pass_obj
def serve(obj: Context, host, port, threads):
    """Serve the site, the JSON API and linked data; harvest each source by its schedule meanwhile."""
    settings = obj.settings()
    _refuse_second_server(settings)
    if settings.service.queue:  # a wrong queue or an embedded store is said before anything starts
        from hdcat.web.harvest_queue import prepare_queue, require_shared_store

        require_shared_store(settings)
        prepare_queue(settings.service.queue)
    prepare_state(settings)
    if settings.service.state and not os.environ.get("HDCAT_SECRET_KEY"):
        console.print(
            "[yellow]the state is shared ([service] state) but HDCAT_SECRET_KEY is not set: this process "
            f"signs sessions with its own key ({settings.data_dir}/secret_key), so a sign-in here is not "
            "one on the other site processes; give them all the same HDCAT_SECRET_KEY[/yellow]"
        )
    catalog = obj.catalog(settings)
    try:
        _serve(catalog, host, port, threads=threads)
    finally:
        catalog.close()


def _refuse_second_server(settings) -> None:
    from hdcat.web.server import running_server

    other = running_server(settings.data_dir)
    if other is not None:
        raise click.UsageError(
            f"hdcat is already serving this catalogue at {other.url} (pid {other.pid}); "
            f"one server owns {settings.data_dir}"
        )


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Harvest the sample consortium, then exit.")
@click.pass_obj
def demo(obj: Context, host, port, no_serve):
    """Harvest the bundled sample consortium (eight hospitals) and serve the site."""
    from hdcat.harvesters.samples.servers import SampleServers

    _refuse_second_server(obj.settings(bundled_config()))
    samples = SampleServers()  # the sample hospitals' CKAN portal and FHIR server
    settings = samples.resolve(obj.settings(bundled_config()))
    console.print(f"store: {settings.store_url}")
    catalog = obj.catalog(settings)
    try:
        catalog.definitions.ensure_starters()
        demo_accounts(settings)
        runs = run_harvest(catalog, list(settings.sources))
        search = sync_search(catalog, runs)
        if not no_serve:
            _serve(catalog, host, port, search)
    finally:
        catalog.close()
        samples.stop()


def demo_accounts(settings) -> None:
    """One account per role for trying the demo, with a fresh random password printed once."""
    from hdcat.catalog import Accounts

    acc = Accounts.for_settings(settings)
    try:
        if acc.users():
            return
        password = secrets.token_urlsafe(12)
        for name, role, hospitals in (
            ("researcher", "researcher", []),
            ("steward", "steward", ["hanbit"]),
            ("auditor", "auditor", []),
            ("admin", "admin", []),
        ):
            acc.add_user(name, role, hospitals, password, actor="demo")
        console.print(
            f"demo accounts (sign in at /signin): researcher, steward (hanbit), auditor, admin; "
            f"password [bold]{password}[/bold]"
        )
    finally:
        acc.close()
