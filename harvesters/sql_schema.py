"""Any SQL database's schema (through SQLAlchemy): tables and views become datasets.

Reads the catalogue of the database only — schemas, tables, views, columns, types, comments,
primary and foreign keys, view definitions — never a row. A view's dependencies become
prov:wasDerivedFrom links between the datasets, so they appear in the lineage graph.
"""

from __future__ import annotations

import json
import re

from hdcat.harvesters.access_url import access_url_option, add_access_urls
from hdcat.harvesters.base import Harvester, RunContext
from hdcat.harvesters.errors import FetchError, ParseError
from hdcat.harvesters.fetch import Fetched, mask_secrets
from hdcat.ontology import CSVW, DATA_TYPE, DCAT, DCT, PROV
from marshmallow import Schema, fields, validate
from rdflib import BNode, Graph, Literal
from rdflib.collection import Collection
from rdflib.namespace import RDF

_FROM = re.compile(r'\b(?:FROM|JOIN)\s+((?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+))?)', re.I)


class SqlOptions(Schema):
    schemas = fields.List(fields.String(), load_default=None, allow_none=True)
    exclude_schemas = fields.List(fields.String(), load_default=lambda: ["information_schema", "pg_catalog"])
    timeout_s = fields.Integer(load_default=30, validate=validate.Range(min=1, max=3600))
    access_url = access_url_option()


_safe_url = mask_secrets


class SqlSchemaHarvester(Harvester):
    kind = "sql"
    title = (
        "SQL database schema (any SQLAlchemy URL): tables, views, columns, keys; view dependencies as lineage"
    )
    options_schema = SqlOptions

    def fetch(self, job: str, ctx: RunContext) -> Fetched:
        try:
            from sqlalchemy import create_engine, inspect, text
            from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
        except ImportError:  # pragma: no cover - declared dependency
            raise FetchError("the sql harvester needs SQLAlchemy (pip install sqlalchemy psycopg)") from None
        safe = _safe_url(job)
        try:
            engine = create_engine(
                job,
                pool_pre_ping=True,
                connect_args={"connect_timeout": 10} if job.startswith("postgresql") else {},
            )
        except (ArgumentError, NoSuchModuleError) as exc:
            raise FetchError(f"{safe}: not a usable database URL ({exc})") from None
        try:
            with engine.connect() as conn:
                insp = inspect(conn)
                wanted = self.options.get("schemas") or [
                    s for s in insp.get_schema_names() if s not in self.options["exclude_schemas"]
                ]
                missing = [s for s in wanted if s not in insp.get_schema_names()]
                if missing:
                    raise ParseError(
                        f"{safe}: schema {missing[0]!r} does not exist (or this user cannot see it)"
                    )
                model = {"url": safe, "dialect": engine.dialect.name, "schemas": {}}
                for schema in wanted:
                    model["schemas"][schema] = self._schema(conn, insp, schema, engine.dialect.name, text)
        except SQLAlchemyError as exc:
            first = " ".join(str(exc.orig if getattr(exc, "orig", None) else exc).split())[:300]
            raise FetchError(
                f"{safe}: cannot read the database ({first}); check the host, the credentials "
                "and that the user may read the catalogue"
            ) from None
        finally:
            engine.dispose()
        return Fetched(location=safe, content=json.dumps(model, sort_keys=True, default=str).encode())

    def _schema(self, conn, insp, schema, dialect, text) -> dict:
        out = {"tables": {}, "views": {}}
        for kind, names in (
            ("tables", insp.get_table_names(schema=schema)),
            ("views", insp.get_view_names(schema=schema)),
        ):
            for name in names:
                entry = {
                    "columns": [
                        {
                            "name": c["name"],
                            "type": str(c["type"]),
                            "nullable": c.get("nullable"),
                            "comment": c.get("comment"),
                        }
                        for c in insp.get_columns(name, schema=schema)
                    ]
                }
                try:
                    entry["comment"] = insp.get_table_comment(name, schema=schema).get("text")
                except NotImplementedError:
                    entry["comment"] = None
                if kind == "tables":
                    entry["primary_key"] = (
                        insp.get_pk_constraint(name, schema=schema).get("constrained_columns") or []
                    )
                    entry["foreign_keys"] = [
                        {
                            "columns": fk["constrained_columns"],
                            "table": fk["referred_table"],
                            "schema": fk.get("referred_schema") or schema,
                        }
                        for fk in insp.get_foreign_keys(name, schema=schema)
                    ]
                else:
                    entry["depends_on"] = self._view_sources(conn, insp, schema, name, dialect, text)
                out[kind][name] = entry
        return out

    def _view_sources(self, conn, insp, schema, view, dialect, text) -> list[list[str]]:
        if dialect == "postgresql":
            rows = conn.execute(
                text("""
                SELECT DISTINCT tn.nspname, t.relname FROM pg_depend d
                JOIN pg_rewrite r ON d.objid = r.oid JOIN pg_class v ON r.ev_class = v.oid
                JOIN pg_namespace vn ON v.relnamespace = vn.oid
                JOIN pg_class t ON d.refobjid = t.oid JOIN pg_namespace tn ON t.relnamespace = tn.oid
                WHERE d.classid = 'pg_rewrite'::regclass AND v.relname = :view AND vn.nspname = :schema
                  AND t.oid <> v.oid AND t.relkind IN ('r', 'v', 'm', 'p', 'f')"""),
                {"view": view, "schema": schema},
            )
            return sorted([r[0], r[1]] for r in rows)
        definition = insp.get_view_definition(view, schema=schema) or ""
        found = []
        for ref in _FROM.findall(definition):
            parts = [p.strip('"') for p in ref.split(".")]
            found.append(parts if len(parts) == 2 else [schema, parts[0]])
        return sorted(found)

    def parse(self, fetched: Fetched, ctx: RunContext, into: Graph) -> list[str]:
        run = ctx.run
        model = json.loads(fetched.content)
        nodes = {}
        for schema, content in sorted(model["schemas"].items()):
            for kind in ("tables", "views"):
                for name, entry in sorted(content[kind].items()):
                    ds = BNode()
                    nodes[(schema, name)] = ds
                    into.add((ds, RDF.type, DCAT.Dataset))
                    into.add((ds, DCT.identifier, Literal(f"{schema}.{name}")))
                    into.add((ds, DCT.title, Literal(f"{schema}.{name}")))
                    what = "view" if kind == "views" else "table"
                    desc = entry.get("comment") or f"Database {what} {schema}.{name} ({model['dialect']})."
                    into.add((ds, DCT.description, Literal(desc)))
                    into.add((ds, DCT.type, DATA_TYPE.ehr))
                    dist = BNode()
                    into.add((ds, DCAT.distribution, dist))
                    into.add((dist, RDF.type, DCAT.Distribution))
                    into.add((dist, DCT.title, Literal(f"{what} in {model['url']}")))
                    tschema = BNode()
                    into.add((dist, CSVW.tableSchema, tschema))
                    cols = []
                    for col in entry["columns"]:
                        c = BNode()
                        into.add((c, RDF.type, CSVW.Column))
                        into.add((c, CSVW.name, Literal(col["name"])))
                        into.add((c, CSVW.datatype, Literal(col["type"].lower())))
                        note = col.get("comment") or ""
                        if col["name"] in entry.get("primary_key", []):
                            note = (note + " (primary key)").strip()
                        if note:
                            into.add((c, DCT.description, Literal(note)))
                        cols.append(c)
                    head = BNode()
                    Collection(into, head, cols)
                    into.add((tschema, CSVW.column, head))
        for schema, content in model["schemas"].items():
            for name, entry in content["tables"].items():
                for fk in entry.get("foreign_keys", []):
                    target = nodes.get((fk["schema"], fk["table"]))
                    if target is not None:
                        into.add((nodes[(schema, name)], DCT.relation, target))
            for name, entry in content["views"].items():
                for src_schema, src in entry.get("depends_on", []):
                    target = nodes.get((src_schema, src))
                    if target is not None:
                        into.add((nodes[(schema, name)], PROV.wasDerivedFrom, target))
                    else:
                        run.warn(f"view {schema}.{name} reads {src_schema}.{src}, which was not harvested")
        return []

    def complete(self, graph: Graph) -> None:
        """Each table's distribution its dcat:accessURL, once the tables have local ids (access_url.py)."""
        add_access_urls(graph, self.base_iri, self.options.get("access_url"))
