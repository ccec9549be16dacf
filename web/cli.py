"""The `hdcat` command line (click): demo, serve, harvest, export, sources."""
from __future__ import annotations

import json
import os
import secrets
import sys
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from hdcat.catalog.accounts import ROLES, SCOPES
from hdcat.catalog.config import SourceConfig, Settings, load_settings
from hdcat.catalog.errors import HdcatError
from hdcat.catalog.runs import HarvestRun

console = Console(stderr=True)
out = Console()
for _c in (console, out):
    if not _c.is_terminal and "COLUMNS" not in os.environ:
        _c.width = 140  # logs and pipes: keep summary tables readable instead of 80 columns


def bundled_config() -> Path:
    return Path(str(resources.files("hdcat.harvesters").joinpath("samples/consortium.toml")))


def resolve_config(explicit: str | None) -> Path:
    """--config, else $HDCAT_CONFIG, else ./hdcat.toml, else the bundled sample consortium."""
    for candidate in (explicit, os.environ.get("HDCAT_CONFIG")):
        if candidate:
            return Path(candidate)
    local = Path("hdcat.toml")
    return local if local.exists() else bundled_config()


class Context:
    def __init__(self, config: str | None):
        self.explicit = config

    def settings(self, config_path: Path | None = None) -> Settings:
        return load_settings(config_path or resolve_config(self.explicit))

    def catalog(self, settings: Settings):
        from hdcat.catalog.service import Catalog
        return Catalog(settings)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config", type=click.Path(dir_okay=False), default=None,
              help="hdcat.toml to use (default: $HDCAT_CONFIG, ./hdcat.toml, then the bundled sample).")
@click.version_option(package_name="hdcat")
@click.pass_context
def main(ctx, config):
    """hdcat — metadata catalogue and lineage for a hospital consortium."""
    ctx.obj = Context(config)


def _parse_source(arg: str, settings: Settings, hospital: str | None) -> SourceConfig:
    """A configured source's name, or a one-off KIND:LOCATION such as dcat:./catalog.ttl."""
    configured = settings.source(arg)
    if configured:
        return configured
    from hdcat.harvesters.registry import harvesters
    from hdcat.web.harvest_service import one_off_source
    kind, sep, location = arg.partition(":")
    if sep and kind in harvesters.names():
        return one_off_source(kind, location, hospital)
    names = ", ".join(s.name for s in settings.sources) or "none configured"
    raise click.BadParameter(
        f"{arg!r} is neither a configured source ({names}) nor KIND:LOCATION with KIND one of "
        f"{', '.join(harvesters.names())}", param_hint="SOURCE")


def open_search(catalog):
    from hdcat.search.service import Search
    return Search(catalog)


def reindex_with_progress(search) -> int:
    total = search.catalog.count_datasets(members=True)
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                        TextColumn("{task.completed}/{task.total} datasets"), TimeElapsedColumn(), console=console)
    with progress:
        task = progress.add_task(f"indexing ({search.backend.name})", total=total)
        count = search.reindex(on_document=lambda: progress.advance(task))
    console.print(f"search index rebuilt: {count} datasets ({search.backend.name})")
    return count


def sync_search(catalog, runs):
    """Index what the harvest changed. An unreachable engine is reported, never fatal: the graph
    holds everything and the index is rebuilt at the next harvest, `hdcat serve` or `hdcat reindex`."""
    from hdcat.search.backends import SearchUnavailable
    from hdcat.search.service import mark_stale
    from hdcat.web import operations
    try:
        search = open_search(catalog)
        operations.sync_search(search, runs, reindex=reindex_with_progress)
        return search
    except SearchUnavailable as exc:
        mark_stale(catalog.settings, exc.message)  # also when the engine could not even be reached
        console.print(f"[yellow]search index not updated: {exc.message}. The catalogue is saved; "
                      "run `hdcat reindex` when the search engine is back.[/yellow]")
        return None


def audit_runs(catalog, runs) -> None:
    from hdcat.catalog.accounts import Accounts
    from hdcat.web import operations
    accounts = Accounts.for_settings(catalog.settings)
    try:
        operations.after_harvest(catalog, accounts, runs, actor=_actor(), reconcile=True)
    finally:
        accounts.close()


def print_summary(runs: list[dict]) -> None:
    """The summary table after a harvest, whether it ran here or in the server."""
    numbers = ("found", "added", "changed", "removed", "skipped", "warnings", "seconds")
    table = Table(title="Harvest summary")
    for col in ("source", "hospital", "status", *numbers):
        table.add_column(col, justify="right" if col in numbers else "left")
    for r in runs:
        style = "red" if r.get("status") in ("failed", "interrupted") else None
        table.add_row(r.get("source", "?"), r.get("hospital", "?"), r.get("status") or "?",
                      *(str(r.get(k, "")) for k in numbers[:-1]), f"{r.get('seconds', 0):.1f}", style=style)
    console.print(table)
    for r in runs:
        if r.get("error"):
            console.print(f"[red]{r['source']}: {r['error']}[/red]")
        for s in list(r.get("skipped_records") or [])[:20]:
            record, reason = (s["record"], s["reason"]) if isinstance(s, dict) else (s.record, s.reason)
            console.print(f"[yellow]{r['source']}: skipped {record}: {reason}[/yellow]")


def run_harvest(catalog, sources: list[SourceConfig], workers: int = 4, incremental: bool = True) -> list[HarvestRun]:
    from hdcat.harvesters.runner import harvest_all
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                        TextColumn("{task.completed}/{task.total} sources"), TimeElapsedColumn(),
                        console=console, transient=False)
    with progress:
        task = progress.add_task("harvesting", total=len(sources))
        runs = harvest_all(
            catalog, sources,
            on_start=lambda s: progress.update(task, description=f"harvesting {s.name}"),
            on_done=lambda r: progress.advance(task), workers=workers, incremental=incremental,
        )
        progress.update(task, description="harvest finished")
    audit_runs(catalog, runs)
    print_summary([{**r.__dict__, "status": r.outcome.value if r.outcome else "?", "skipped_records": r.skipped,
                    "skipped": len(r.skipped), "warnings": len(r.warnings), "seconds": r.seconds} for r in runs])
    return runs


@main.command()
@click.argument("sources", nargs=-1)
@click.option("--hospital", default=None, help="Member hospital a one-off KIND:LOCATION source belongs to.")
@click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 32),
              help="Sources harvested at the same time.")
@click.option("--full", is_flag=True, help="Parse and compare every source even if its pages are unchanged.")
@click.pass_obj
def harvest(obj: Context, sources, hospital, workers, full):
    """Harvest configured sources (all by default) or one-off KIND:LOCATION sources."""
    settings = obj.settings()
    chosen = [_parse_source(s, settings, hospital) for s in sources] if sources else list(settings.sources)
    if not chosen:
        raise click.UsageError(f"no sources configured in {settings.config_path}; name one as KIND:LOCATION")
    from hdcat.web.server import running_server
    server = running_server(settings.data_dir)
    if server is not None:
        from hdcat.web.remote import harvest_through
        runs = harvest_through(server, chosen, incremental=not full, console=console)
        print_summary(runs)
        if any(r.get("status") in ("failed", "interrupted", "unknown") for r in runs):
            sys.exit(1)
        return
    catalog = obj.catalog(settings)
    try:
        runs = run_harvest(catalog, chosen, workers=workers, incremental=not full)
        sync_search(catalog, runs)
    finally:
        catalog.close()
    if any(r.outcome.failed for r in runs if r.outcome):
        sys.exit(1)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["ttl", "jsonld", "nquads", "rdfxml"]), default="nquads",
              show_default=True, help="N-Quads keeps the named graph of every source.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default="-",
              help="File to write (default: standard output).")
@click.pass_obj
def export(obj: Context, fmt, output):
    """Write the whole catalogue (every source's graph, runs and reference data)."""
    catalog = obj.catalog(obj.settings())
    rdflib_name = {"ttl": "turtle", "jsonld": "json-ld", "nquads": "nquads", "rdfxml": "xml"}[fmt]
    try:
        if output == "-":
            catalog.store.dump(sys.stdout.buffer, rdflib_name)
        else:
            with open(output, "wb") as fh:
                catalog.store.dump(fh, rdflib_name)
            console.print(f"wrote {output} ({Path(output).stat().st_size:,} bytes, {len(catalog.store):,} quads)")
    finally:
        catalog.close()


@main.command()
@click.pass_obj
def sources(obj: Context):
    """List the configured sources and the harvester kinds available."""
    from hdcat.harvesters.registry import harvesters
    settings = obj.settings()
    table = Table(title=f"Sources in {settings.config_path}")
    for col in ("name", "hospital", "kind", "schedule", "location"):
        table.add_column(col)
    for s in settings.sources:
        table.add_row(s.name, s.hospital, s.kind, s.schedule, s.location)
    out.print(table)
    out.print("harvester kinds: " + ", ".join(harvesters.names()))


@main.command()
@click.pass_obj
def reindex(obj: Context):
    """Rebuild the search index from the graph (a new index, then an atomic switch)."""
    catalog = obj.catalog(obj.settings())
    try:
        reindex_with_progress(open_search(catalog))
    finally:
        catalog.close()


@contextmanager
def _accounts(obj: Context):
    """The deployment's accounts file, open for one command."""
    from hdcat.catalog.accounts import Accounts
    acc = Accounts.for_settings(obj.settings())
    try:
        yield acc
    finally:
        acc.close()


def _actor() -> str:
    import getpass
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return f"cli:uid-{os.getuid()}"


@main.group()
def users():
    """Manage user accounts (researcher, steward, auditor, admin)."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--hospital", "hospitals", multiple=True, help="A hospital the user acts for (repeat for several).")
@click.option("--password-stdin", is_flag=True, help="Read a password (for the site) from standard input.")
@click.pass_obj
def users_add(obj, name, role, hospitals, password_stdin):
    """Add a user."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    with _accounts(obj) as acc:
        user = acc.add_user(name, role, list(hospitals), password, actor=_actor())
    out.print(f"added {user['name']} ({user['role']}; hospitals: {', '.join(user['hospitals']) or 'none'})")


@users.command("list")
@click.pass_obj
def users_list(obj):
    """List users."""
    table = Table(title="Users")
    for col in ("name", "role", "hospitals", "disabled", "created"):
        table.add_column(col)
    with _accounts(obj) as acc:
        for u in acc.users():
            table.add_row(u["name"], u["role"], ", ".join(u["hospitals"]), "yes" if u["disabled"] else "",
                          u["created"][:19])
    out.print(table)


@users.command("disable")
@click.argument("name")
@click.pass_obj
def users_disable(obj, name):
    """Disable a user; their tokens stop working at once."""
    with _accounts(obj) as acc:
        acc.disable_user(name, actor=_actor())
    out.print(f"disabled {name}")


@main.group()
def tokens():
    """Issue, list and revoke API tokens (bearer tokens for machines)."""


@tokens.command("issue")
@click.option("--user", required=True)
@click.option("--scope", "scopes", multiple=True, required=True,
              type=click.Choice(SCOPES))
@click.option("--hospital", "hospitals", multiple=True, help="Limit to these hospitals (default: the user's).")
@click.option("--days", default=90, show_default=True, type=int, help="Days until the token expires.")
@click.pass_obj
def tokens_issue(obj, user, scopes, hospitals, days):
    """Issue a token; the secret is printed once and stored only as a hash."""
    with _accounts(obj) as acc:
        token_id, secret = acc.issue_token(user, list(scopes), list(hospitals) or None, days, actor=_actor())
    console.print(f"token {token_id} for {user} ({', '.join(scopes)}), expires in {days} days. The secret:")
    out.print(secret)


@tokens.command("revoke")
@click.argument("token_id")
@click.pass_obj
def tokens_revoke(obj, token_id):
    """Revoke a token by its id."""
    with _accounts(obj) as acc:
        acc.revoke_token(token_id, actor=_actor())
    out.print(f"revoked {token_id}")


@tokens.command("list")
@click.pass_obj
def tokens_list(obj):
    """List tokens (never their secrets)."""
    table = Table(title="API tokens")
    for col in ("id", "user", "scopes", "hospitals", "expires", "revoked", "last used"):
        table.add_column(col)
    with _accounts(obj) as acc:
        for t in acc.tokens():
            table.add_row(t["id"], t["user"], ", ".join(t["scopes"]), ", ".join(t["hospitals"]), t["expires"][:10],
                          (t["revoked"] or "")[:19], (t["last_used"] or "")[:19])
    out.print(table)


@main.group()
def audit():
    """The append-only, hash-chained audit trail."""


@audit.command("verify")
@click.pass_obj
def audit_verify(obj):
    """Recompute the hash chain and hold it against the checkpoints kept in the RDF store; exit 1 if an
    entry was changed, removed, reordered or forged, or the trail was cut or re-chained."""
    from hdcat.catalog.audit_anchor import checkpoints
    from hdcat.catalog.errors import StoreError
    from hdcat.catalog.stores import open_store
    settings = obj.settings()
    try:
        store = open_store(settings.store_url)
    except StoreError:  # a running server holds it: read beside it
        store = open_store(settings.store_url, read_only=True)
    try:
        anchors = checkpoints(store, settings.base_iri)
    finally:
        store.close()
    with _accounts(obj) as acc:
        intact, checked, problem = acc.verify_audit(anchors)
    if intact:
        out.print(f"audit trail intact: {checked} entries verified against {len(anchors)} checkpoints")
        return
    console.print(f"[red]audit trail broken: {problem} ({checked} entries read)[/red]")
    sys.exit(1)


@audit.command("checkpoint")
@click.pass_obj
def audit_checkpoint(obj):
    """Anchor the trail's current head in the RDF store (done after every harvest and at every server stop)."""
    catalog = obj.catalog(obj.settings())
    try:
        with _accounts(obj) as acc:
            from hdcat.web import operations
            made = operations.checkpoint_audit(catalog, acc)
    finally:
        catalog.close()
    out.print(f"checkpoint at entry {made[0]}" if made else "the trail's head is anchored already")


@audit.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "prov"]), default="csv", show_default=True,
              help="CSV for spreadsheets, PROV-O (Turtle) for graph tools.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default="-")
@click.pass_obj
def audit_export(obj, fmt, output):
    """Export the whole audit trail (the export itself is recorded)."""
    with _accounts(obj) as acc:
        text = acc.export_audit(fmt)
        acc.audit(_actor(), "audit.export", fmt, {"output": output})
    if output == "-":
        sys.stdout.write(text)
    else:
        Path(output).write_text(text, "utf-8")
        console.print(f"wrote {output}")


@audit.command("list")
@click.option("--size", default=50, show_default=True, type=int)
@click.pass_obj
def audit_list(obj, size):
    """Show the latest audit entries."""
    table = Table(title="Audit trail (newest first)")
    for col in ("seq", "at", "actor", "action", "target", "origin"):
        table.add_column(col)
    with _accounts(obj) as acc:
        for e in acc.audit_entries(size):
            table.add_row(str(e["seq"]), e["at"][:19], e["actor"], e["action"], e["target"], e["origin"])
    out.print(table)


BENCHES = {"store": "store_compare.py", "search": "search_bench.py", "relevance": "relevance_bench.py",
           "harvest": "harvest_bench.py", "lineage": "lineage_bench.py", "load": "load_bench.py"}


@main.group()
def definitions():
    """Standard dataset definitions: list, import, export, publish."""


@definitions.command("list")
@click.pass_obj
def definitions_list(obj):
    """Every version of every definition with its status."""
    table = Table(title="Definitions")
    for col in ("id", "version", "status", "modified"):
        table.add_column(col)
    catalog = obj.catalog(obj.settings())
    try:
        for r in catalog.definitions.versions():
            table.add_row(r["id"], r["version"], r["status"], (r["modified"] or "")[:19])
    finally:
        catalog.close()
    out.print(table)


@definitions.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--publish", is_flag=True, help="Publish each imported draft at once.")
@click.pass_obj
def definitions_import(obj, files, publish):
    """Import definitions from JSON (hdcat's shape) or RDF (a dct:Standard in Turtle, as `export` writes)."""
    catalog = obj.catalog(obj.settings())
    try:
        with _accounts(obj) as acc:
            for path in files:
                record = catalog.definitions.import_file(Path(path), _actor(), publish=publish)
                acc.audit(_actor(), "definition.import", record["iri"], {"status": record["status"]})
                out.print(f"{record['id']} {record['version']}: {record['status']} ({len(record['elements'])} elements)")
    finally:
        catalog.close()


@definitions.command("export")
@click.argument("def_id")
@click.option("--version", "version", default=None, help="Default: the latest published (else latest) version.")
@click.option("--format", "fmt", type=click.Choice(["json", "ttl", "jsonld", "shacl", "csv", "jsonschema"]),
              default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None)
@click.pass_obj
def definitions_export(obj, def_id, version, fmt, output):
    """Write one definition version as JSON, Turtle, JSON-LD, SHACL shapes, CSV or JSON Schema."""
    from hdcat.catalog.conformance import shapes
    from hdcat.catalog.definition_formats import to_csv, to_json_schema
    catalog = obj.catalog(obj.settings())
    try:
        record = catalog.definitions.get(def_id, version)
        if fmt == "json":
            text = json.dumps(record, ensure_ascii=False, indent=2)
        elif fmt in ("ttl", "jsonld"):
            text = catalog.definitions.rdf(def_id, record["version"]).serialize(
                format="turtle" if fmt == "ttl" else "json-ld")
        elif fmt == "shacl":
            text = shapes(record).serialize(format="turtle")
        elif fmt == "csv":
            text = to_csv(record)
        else:
            text = json.dumps(to_json_schema(record), ensure_ascii=False, indent=2)
    finally:
        catalog.close()
    if output:
        Path(output).write_text(text, encoding="utf-8")
        out.print(f"wrote {output}")
    else:
        click.echo(text)


@definitions.command("publish")
@click.argument("def_id")
@click.argument("version")
@click.pass_obj
def definitions_publish(obj, def_id, version):
    """Publish a draft (it never changes again; the version it revises is superseded)."""
    catalog = obj.catalog(obj.settings())
    try:
        record = catalog.definitions.publish(def_id, version, _actor())
        with _accounts(obj) as acc:
            acc.audit(_actor(), "definition.publish", record["iri"], {"status": record["status"]})
    finally:
        catalog.close()
    out.print(f"{def_id} {version}: published")


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                                "help_option_names": []})  # --help goes to the bench script
@click.argument("name", type=click.Choice(sorted(BENCHES)))
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench(name, args):
    """Run a benchmark from bench/ (store, search, relevance, harvest, lineage); extra arguments go to it."""
    import subprocess
    script = Path(__file__).resolve().parents[1] / "bench" / BENCHES[name]
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
        if search.stale or (search.count() == 0 and catalog.count_datasets(members=True) > 0):
            console.print("the search index is empty or stale: building it from the graph")
            reindex_with_progress(search)
    except SearchUnavailable as exc:
        console.print(f"[yellow]search is unavailable ({exc.message}); pages and the API still work, "
                      "search answers 503 until the engine is back[/yellow]")
        search = None
    app = create_app(catalog=catalog, search=search)
    threads = threads or catalog.settings.service.threads
    serve(app, host, port, threads, on_ready=lambda url: console.print(
        f"[bold green]hdcat is serving {url}/[/bold green]  ({threads} threads; Ctrl+C or SIGTERM to stop)"))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=None, type=click.IntRange(1, 256),
              help="Request threads (default: [service] threads in hdcat.toml, else 8).")
@click.pass_obj
def serve(obj: Context, host, port, threads):
    """Serve the site, the JSON API and linked data; harvest each source by its schedule meanwhile."""
    settings = obj.settings()
    _refuse_second_server(settings)
    catalog = obj.catalog(settings)
    try:
        _serve(catalog, host, port, threads=threads)
    finally:
        catalog.close()


def _refuse_second_server(settings) -> None:
    from hdcat.web.server import running_server
    other = running_server(settings.data_dir)
    if other is not None:
        raise click.UsageError(f"hdcat is already serving this catalogue at {other.url} (pid {other.pid}); "
                               f"one server owns {settings.data_dir}")


@main.command()
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
    from hdcat.catalog.accounts import Accounts
    acc = Accounts(Path(settings.data_dir) / "state.sqlite")
    try:
        if acc.users():
            return
        password = secrets.token_urlsafe(12)
        for name, role, hospitals in (("researcher", "researcher", []), ("steward", "steward", ["hanbit"]),
                                      ("auditor", "auditor", []), ("admin", "admin", [])):
            acc.add_user(name, role, hospitals, password, actor="demo")
        console.print(f"demo accounts (sign in at /signin): researcher, steward (hanbit), auditor, admin; "
                      f"password [bold]{password}[/bold]")
    finally:
        acc.close()


def run() -> None:  # pragma: no cover - console entry point wrapper
    try:
        main(standalone_mode=True)
    except HdcatError as exc:
        console.print(f"[red]error: {exc.message}[/red]")
        sys.exit(2)
