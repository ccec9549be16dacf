"""The `hdcat audit` group: verify, checkpoint, export and list the tamper-evident trail."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from hdcat.web.commands.common import actor, console, open_accounts, out
from rich.table import Table


@click.group()
def audit():
    """The append-only, hash-chained audit trail."""


@audit.command("verify")
@click.pass_obj
def audit_verify(obj):
    """Recompute the hash chain and hold it against the checkpoints kept in the RDF store; exit 1 if an
    entry was changed, removed, reordered or forged, or the trail was cut or re-chained."""
    from hdcat.catalog import StoreError, checkpoints, open_store

    settings = obj.settings()
    try:
        store = open_store(settings.store_url)
    except StoreError:  # a running server holds it: read beside it
        store = open_store(settings.store_url, read_only=True)
    try:
        anchors = checkpoints(store, settings.base_iri)
    finally:
        store.close()
    with open_accounts(obj) as acc:
        intact, checked, problem = acc.verify_audit(anchors)
    if intact:
        out.print(f"audit trail intact: {checked} entries verified against {len(anchors)} checkpoints")
        return
    console.print(f"[red]audit trail broken: {problem} ({checked} entries read)[/red]")
    sys.exit(1)


@audit.command("checkpoint")
@click.pass_obj
def audit_checkpoint(obj):
    """Anchor the trail's current head in the RDF store (done after every harvest and at every server
    stop)."""
    catalog = obj.catalog(obj.settings())
    try:
        with open_accounts(obj) as acc:
            from hdcat.web import operations

            made = operations.checkpoint_audit(catalog, acc)
    finally:
        catalog.close()
    out.print(f"checkpoint at entry {made[0]}" if made else "the trail's head is anchored already")


@audit.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "prov"]),
    default="csv",
    show_default=True,
    help="CSV for spreadsheets, PROV-O (Turtle) for graph tools.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default="-")
@click.pass_obj
def audit_export(obj, fmt, output):
    """Export the whole audit trail (the export itself is recorded)."""
    with open_accounts(obj) as acc:
        text = acc.export_audit(fmt)
        acc.audit(actor(), "audit.export", fmt, {"output": output})
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
    with open_accounts(obj) as acc:
        for e in acc.audit_entries(size):
            table.add_row(str(e["seq"]), e["at"][:19], e["actor"], e["action"], e["target"], e["origin"])
    out.print(table)
