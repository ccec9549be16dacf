"""Commands that move data: harvest, export, reindex, and the list of sources."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from hdcat.catalog import HarvestRun, Outcome, Settings, SourceConfig
from hdcat.web.commands.common import (
    Context,
    actor,
    console,
    open_search,
    out,
    progress_bar,
    reindex_with_progress,
)
from rich.table import Table


def _parse_source(
    arg: str, settings: Settings, hospital: str | None, options: tuple[str, ...] = ()
) -> SourceConfig:
    """A configured source's name, or a one-off KIND:LOCATION such as dcat:./catalog.ttl."""
    configured = settings.source(arg)
    if configured:
        if options:
            raise click.BadParameter(
                f"{arg!r} is a configured source: its options are in {settings.config_path}; "
                "-o/--option is for one-off KIND:LOCATION sources",
                param_hint="-o/--option",
            )
        return configured
    from hdcat.harvesters.registry import harvesters
    from hdcat.web.harvest_service import one_off_source

    kind, sep, location = arg.partition(":")
    if sep and kind in harvesters.names():
        return one_off_source(kind, location, hospital, options=_one_off_options(kind, options))
    names = ", ".join(s.name for s in settings.sources) or "none configured"
    raise click.BadParameter(
        f"{arg!r} is neither a configured source ({names}) nor KIND:LOCATION with KIND one of "
        f"{', '.join(harvesters.names())}",
        param_hint="SOURCE",
    )


def _one_off_options(kind: str, pairs: tuple[str, ...]) -> dict:
    """`-o key=value` pairs as the source options of a `kind` harvester, checked as hdcat.toml's are.

    Values are text, converted by the harvester's own option schema (rows=50 becomes 50); a list
    option takes commas (resources=Patient,Group) and any option JSON ([…] or {…}). An unknown key
    or a bad value is a usage error naming it (harvest_service.one_off_options), before anything is
    harvested — here or in a running server, which gets the same options.
    """
    import json

    from hdcat.catalog import Invalid
    from hdcat.harvesters.registry import harvesters
    from hdcat.web.harvest_service import one_off_options
    from marshmallow import fields

    declared = {
        f.data_key or name: f for name, f in harvesters.get(kind).options_schema().load_fields.items()
    }
    options: dict = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="-o/--option")
        parsed: object = value
        if value.strip()[:1] in ("[", "{"):
            try:
                parsed = json.loads(value)
            except ValueError as exc:
                raise click.BadParameter(
                    f"{key}: {value!r} looks like JSON but is not ({exc})", param_hint="-o/--option"
                ) from None
        elif isinstance(declared.get(key), fields.List):
            parsed = [v.strip() for v in value.split(",") if v.strip()]
        options[key] = parsed
    try:
        return one_off_options(kind, options)
    except Invalid as exc:
        raise click.BadParameter(exc.message, param_hint="-o/--option") from None


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
        console.print(
            f"[yellow]search index not updated: {exc.message}. The catalogue is saved; "
            "run `hdcat reindex` when the search engine is back.[/yellow]"
        )
        return None


def audit_runs(catalog, runs) -> None:
    from hdcat.catalog import Accounts
    from hdcat.web import operations

    accounts = Accounts.for_settings(catalog.settings)
    try:
        operations.after_harvest(catalog, accounts, runs, actor=actor(), reconcile=True)
    finally:
        accounts.close()


def print_summary(runs: list[dict]) -> None:
    """The summary table after a harvest, whether it ran here or in the server."""
    # imported: records that went through the import stage (a re-harvest imports only the changed ones)
    numbers = ("found", "imported", "added", "changed", "removed", "skipped", "warnings", "seconds")
    table = Table(title="Harvest summary")
    for col in ("source", "hospital", "status", *numbers):
        table.add_column(col, justify="right" if col in numbers else "left")
    for r in runs:
        style = "red" if r.get("status") in ("failed", "interrupted") else None
        table.add_row(
            r.get("source", "?"),
            r.get("hospital", "?"),
            r.get("status") or "?",
            *("" if r.get(k) is None else str(r.get(k)) for k in numbers[:-1]),
            f"{r.get('seconds', 0):.1f}",
            style=style,
        )
    console.print(table)
    for r in runs:
        if r.get("error"):
            console.print(f"[red]{r['source']}: {r['error']}[/red]")
        for s in list(r.get("skipped_records") or [])[:20]:
            record, reason = (s["record"], s["reason"]) if isinstance(s, dict) else (s.record, s.reason)
            console.print(f"[yellow]{r['source']}: skipped {record}: {reason}[/yellow]")


def run_harvest(
    catalog, sources: list[SourceConfig], workers: int = 4, incremental: bool = True
) -> list[HarvestRun]:
    from hdcat.harvesters.runner import harvest_all
    from hdcat.search.analysis import load_in_background
    from hdcat.search.service import terms_file

    warming: list = []
    progress = progress_bar("sources")

    def on_done(run: HarvestRun) -> None:
        progress.advance(task)
        # a source that changed will be indexed: the analyser's model (about 500 MiB) loads once its commit
        # has let go of the source's parsed and imported triples, not beside them, where it made a large
        # harvest's peak memory the sum of both; other sources still downloading run beside the load
        if run.outcome is Outcome.CHANGED and not warming:
            warming.append(run)
            load_in_background(terms_file(catalog.settings))

    with progress:
        task = progress.add_task("harvesting", total=len(sources))
        runs = harvest_all(
            catalog,
            sources,
            on_start=lambda s: progress.update(task, description=f"harvesting {s.name}"),
            on_done=on_done,
            workers=workers,
            incremental=incremental,
        )
        progress.update(task, description="harvest finished")
    audit_runs(catalog, runs)
    print_summary(
        [
            {
                **r.__dict__,
                "status": r.outcome.value if r.outcome else "?",
                "skipped_records": r.skipped,
                "skipped": len(r.skipped),
                "warnings": len(r.warnings),
                "seconds": r.seconds,
            }
            for r in runs
        ]
    )
    return runs


@click.command()
@click.argument("sources", nargs=-1)
@click.option("--hospital", default=None, help="Member hospital a one-off KIND:LOCATION source belongs to.")
@click.option(
    "--workers",
    default=4,
    show_default=True,
    type=click.IntRange(1, 32),
    help="Sources harvested at the same time.",
)
@click.option("--full", is_flag=True, help="Parse and compare every source even if its pages are unchanged.")
@click.option(
    "-o",
    "--option",
    "options",
    multiple=True,
    metavar="KEY=VALUE",
    help="An option of the one-off KIND:LOCATION sources, named as in hdcat.toml (repeatable), "
    "e.g. -o rows=50 -o fq=organization:hanbit.",
)
@click.pass_obj
def harvest(obj: Context, sources, hospital, workers, full, options):
    """Harvest configured sources (all by default) or one-off KIND:LOCATION sources."""
    settings = obj.settings()
    if options and not sources:
        raise click.UsageError("-o/--option sets options of a one-off KIND:LOCATION source; name one")
    chosen = (
        [_parse_source(s, settings, hospital, options) for s in sources]
        if sources
        else list(settings.sources)
    )
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
    if settings.service.queue:  # harvests are jobs for `hdcat worker` processes: queue them, follow them
        from hdcat.web.harvest_queue import enqueue_and_wait
        from hdcat.web.remote import run_seconds

        runs = enqueue_and_wait(settings, chosen, actor(), incremental=not full, console=console)
        print_summary(
            [{**r, "warnings": len(r.get("warnings") or []), "seconds": run_seconds(r)} for r in runs]
        )
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


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["ttl", "jsonld", "nquads", "rdfxml"]),
    default="nquads",
    show_default=True,
    help="N-Quads keeps the named graph of every source.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default="-",
    help="File to write (default: standard output).",
)
@click.pass_obj
def export(obj: Context, fmt, output):
    """Write the whole catalogue (every source's graph, runs and reference data)."""
    catalog = obj.catalog(obj.settings())
    rdflib_name = {"ttl": "turtle", "jsonld": "json-ld", "nquads": "nquads", "rdfxml": "xml"}[fmt]
    try:
        if output == "-":
            catalog.store.dump(sys.stdout.buffer, rdflib_name)
            sys.stdout.buffer.flush()  # a full disk or a closed pipe is the command's error, not the exit's
        else:
            with open(output, "wb") as fh:
                catalog.store.dump(fh, rdflib_name)
            console.print(
                f"wrote {output} ({Path(output).stat().st_size:,} bytes, {len(catalog.store):,} quads)"
            )
    finally:
        catalog.close()


@click.command()
@click.pass_obj
def sources(obj: Context):
    """List the configured sources and the harvester kinds available (and any that failed to load)."""
    from hdcat.harvesters.registry import harvesters

    settings = obj.settings()
    table = Table(title=f"Sources in {settings.config_path}")
    for col in ("name", "hospital", "kind", "schedule", "location"):
        table.add_column(col)
    for s in settings.sources:
        table.add_row(s.name, s.hospital, s.kind, s.schedule, s.location)
    out.print(table)
    out.print("harvester kinds: " + ", ".join(harvesters.names()))
    for kind, reason in sorted(harvesters.unavailable().items()):
        out.print(f"[yellow]harvester kind {kind}: unavailable ({reason})[/yellow]")


@click.command()
def plugins():
    """Every extension point (catalog/extension_points.py) with the plugins installed for it."""
    from hdcat.catalog import EXTENSION_POINTS, Registry
    from hdcat.catalog import store_registry as stores
    from hdcat.harvesters.registry import harvesters
    from hdcat.search.backends import backends

    registries: dict[str, Registry] = {r.group: r for r in (harvesters, backends, stores)}
    for point in EXTENSION_POINTS:
        registry = registries[point.group]
        table = Table(title=f"{point.group} (key: {point.key}) — {point.doc}", title_justify="left")
        for col in ("plugin", "class or reason"):
            table.add_column(col)
        for name in registry.names():
            obj = registry.get(name)
            table.add_row(name, f"{obj.__module__}:{obj.__qualname__}")
        for name, reason in sorted(registry.unavailable().items()):
            table.add_row(name, f"[yellow]unavailable: {reason}[/yellow]")
        out.print(table)


@click.command()
@click.option(
    "--from", "source", required=True, metavar="STORE", help="Store URL to copy from (HDCAT_STORE form)."
)
@click.option("--to", "target", required=True, metavar="STORE", help="Store URL to copy into.")
@click.option("--replace", is_flag=True, help="Replace what the target holds (it must be empty otherwise).")
def migrate(source, target, replace):
    """Copy a whole catalogue between stores (e.g. oxigraph:var/store to sparql+http://host:3030/hdcat),
    checking every graph's triple count read back from the target."""
    from hdcat.catalog import migrate_store

    table = Table(title=f"{source} → {target}", title_justify="left")
    for col in ("graph", "source", "target"):
        table.add_column(col, justify="right" if col != "graph" else "left")

    def row(g):
        table.add_row(g.name, f"{g.source:,}", f"{g.target:,}" if g.ok else f"[red]{g.target:,}[/red]")

    report = migrate_store(source, target, replace=replace, progress=row)
    out.print(table)
    console.print(f"copied {len(report.graphs)} graphs, {report.quads:,} quads; every graph's count checked")


@click.command()
@click.pass_obj
def reindex(obj: Context):
    """Rebuild the search index from the graph (a new index, then an atomic switch)."""
    from hdcat.search.analysis import load_in_background
    from hdcat.search.service import terms_file

    catalog = obj.catalog(obj.settings())
    load_in_background(terms_file(catalog.settings))  # beside reading every record
    try:
        reindex_with_progress(open_search(catalog))
    finally:
        catalog.close()
