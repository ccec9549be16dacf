"""The `hdcat definitions` group: standard dataset definitions from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import click
from hdcat.web import operations
from hdcat.web.commands.common import actor, open_accounts, out
from rich.table import Table


@click.group()
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
        with open_accounts(obj) as acc:
            for path in files:
                record = catalog.definitions.import_file(Path(path), actor(), publish=publish)
                operations.after_definition_change(acc, "import", record, actor(), settings=catalog.settings)
                out.print(
                    f"{record['id']} {record['version']}: "
                    f"{record['status']} ({len(record['elements'])} elements)"
                )
    finally:
        catalog.close()


def _as_json(catalog, record) -> str:
    return json.dumps(record, ensure_ascii=False, indent=2)


def _as_rdf(rdf_format: str):
    def write(catalog, record) -> str:
        return catalog.definitions.rdf(record["id"], record["version"]).serialize(format=rdf_format)

    return write


def _as_shacl(catalog, record) -> str:
    from hdcat.catalog import definition_shapes as shapes

    return shapes(record).serialize(format="turtle")


def _as_csv(catalog, record) -> str:
    from hdcat.catalog import to_csv

    return to_csv(record)


def _as_json_schema(catalog, record) -> str:
    from hdcat.catalog import to_json_schema

    return json.dumps(to_json_schema(record), ensure_ascii=False, indent=2)


#: `hdcat definitions export --format NAME`: a new format is one writer here
EXPORT_FORMATS = {
    "json": _as_json,
    "ttl": _as_rdf("turtle"),
    "jsonld": _as_rdf("json-ld"),
    "shacl": _as_shacl,
    "csv": _as_csv,
    "jsonschema": _as_json_schema,
}


@definitions.command("export")
@click.argument("def_id")
@click.option(
    "--version", "version", default=None, help="Default: the latest published (else latest) version."
)
@click.option("--format", "fmt", type=click.Choice(list(EXPORT_FORMATS)), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None)
@click.pass_obj
def definitions_export(obj, def_id, version, fmt, output):
    """Write one definition version as JSON, Turtle, JSON-LD, SHACL shapes, CSV or JSON Schema."""
    catalog = obj.catalog(obj.settings())
    try:
        text = EXPORT_FORMATS[fmt](catalog, catalog.definitions.get(def_id, version))
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
        record = catalog.definitions.publish(def_id, version, actor())
        with open_accounts(obj) as acc:
            operations.after_definition_change(acc, "publish", record, actor(), settings=catalog.settings)
    finally:
        catalog.close()
    out.print(f"{def_id} {version}: published")
