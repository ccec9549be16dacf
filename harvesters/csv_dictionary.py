"""Data dictionaries — one row per column of a hospital's tables — from CSV (or XLSX), mapped to DCAT.

Each table becomes a dcat:Dataset (a blank node the import stage names from the
table) whose distribution carries `csvw:tableSchema [ csvw:column ( … ) ]`, the
columns in file order, each with its name, datatype, description, coding
system (a concept of ontology/codelists.ttl) and unit.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from functools import lru_cache
from urllib.parse import unquote

from hdcat.harvesters.access_url import access_url_option, add_access_urls
from hdcat.harvesters.base import Harvester, RunContext
from hdcat.harvesters.errors import ParseError
from hdcat.harvesters.fetch import Fetched
from hdcat.ontology import CSVW, DCAT, DCT, HDCAT, HDCODE, HEALTH, codelists_graph
from marshmallow import Schema, ValidationError, fields, validate, validates
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SKOS

FIELDS = ("table", "column", "type", "description", "code_system", "unit")
REQUIRED = ("table", "column")


class CsvDictionaryOptions(Schema):
    #: our field name → the header the file uses for it, e.g. {table = "테이블명", column = "컬럼명"}
    header = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
    delimiter = fields.String(load_default=",", validate=validate.Length(equal=1))
    encoding = fields.String(load_default="utf-8-sig")
    #: the worksheet of an XLSX file (default: the first one)
    sheet = fields.String(load_default=None, allow_none=True)
    #: the hospital's data-access page, every table's dcat:accessURL (default: hdcat's access-request page)
    access_url = access_url_option()

    @validates("header")
    def _known_fields(self, value, **_):
        unknown = sorted(set(value) - set(FIELDS))
        if unknown:
            raise ValidationError(f"unknown field {unknown[0]!r}; the fields are {', '.join(FIELDS)}")

    @validates("encoding")
    def _known_encoding(self, value, **_):
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValidationError(f"unknown encoding {value!r}; use e.g. utf-8-sig or cp949") from None


def _key(text: str) -> str:
    """How coding-system names are compared: case, spaces, hyphens and dots do not count."""
    return re.sub(r"[\s\-_./]", "", text).casefold()


@lru_cache(maxsize=1)
def coding_systems() -> dict[str, URIRef]:
    """Normalised notation or label → coding-system concept, from the code lists."""
    graph = codelists_graph()
    scheme = HDCODE["coding-system"]
    out: dict[str, URIRef] = {}
    for concept in graph.subjects(SKOS.inScheme, scheme):
        for prop in (SKOS.notation, SKOS.prefLabel, SKOS.altLabel):
            for label in graph.objects(concept, prop):
                out.setdefault(_key(str(label)), concept)
    return out


def coding_system_names() -> list[str]:
    graph = codelists_graph()
    return sorted({str(graph.value(c, SKOS.notation)) for c in set(coding_systems().values())})


class CsvDictionaryHarvester(Harvester):
    kind = "csv"
    title = (
        "Data dictionary (CSV or XLSX; one row per column: "
        "table, column, type, description, code system, unit)"
    )
    options_schema = CsvDictionaryOptions

    def parse(self, fetched: Fetched, ctx: RunContext, into: Graph) -> list[str]:
        run = ctx.run
        name = (
            unquote(fetched.location.removeprefix("file://"))
            if fetched.location.startswith("file://")
            else fetched.location
        )
        rows = self._rows(fetched, name)
        headers = [str(h or "").strip() for h in (next(rows, None) or [])]
        index = self._columns(headers, name)
        tables: dict[
            str, dict
        ] = {}  # table → {"columns": [(row number, node)], "names": {column: row}, "codes": set}
        unknown_codes: dict[str, list[int]] = {}
        for number, cells in enumerate(rows, start=2):
            values = {
                f: (str(cells[i]).strip() if i < len(cells) and cells[i] is not None else "")
                for f, i in index.items()
            }
            if not any(str(c).strip() for c in cells if c is not None):
                continue  # an empty line (spreadsheets export many) is not a record
            table, column = values["table"], values.get("column", "")
            if not table or not column:
                missing = " and ".join(f"{f} name" for f in REQUIRED if not values.get(f))
                run.skip(f"row {number}", f"empty {missing}: every row must name its table and column")
                continue
            entry = tables.setdefault(table, {"columns": [], "names": {}, "codes": []})
            if column in entry["names"]:
                run.skip(
                    f"row {number}",
                    f"column {column!r} of table {table!r} is already defined in row "
                    f"{entry['names'][column]}",
                )
                continue
            entry["names"][column] = number
            node = BNode()
            into.add((node, RDF.type, CSVW.Column))
            into.add((node, CSVW.name, Literal(column)))
            if values.get("type"):
                into.add((node, CSVW.datatype, Literal(values["type"])))
            description = values.get("description", "")
            code = values.get("code_system", "")
            if code:
                concept = coding_systems().get(_key(code))
                if concept is not None:
                    into.add((node, HEALTH.hasCodingSystem, concept))
                    if concept not in entry["codes"]:
                        entry["codes"].append(concept)
                else:
                    unknown_codes.setdefault(code, []).append(number)
                    description = (
                        f"{description} (code system: {code})" if description else f"code system: {code}"
                    )
            if description:
                into.add((node, DCT.description, Literal(description)))
            if values.get("unit"):
                into.add((node, HDCAT.unit, Literal(values["unit"])))
            entry["columns"].append(node)
        for code, numbers in unknown_codes.items():
            where = ", ".join(map(str, numbers[:10])) + (" …" if len(numbers) > 10 else "")
            run.warn(
                f"{name}: code system {code!r} (row{'s' if len(numbers) > 1 else ''} {where}) is not one "
                f"hdcat knows ({', '.join(coding_system_names())}); kept as text in the column description"
            )
        for table, entry in tables.items():
            self._dataset(table, entry, into)
        return []

    def _dataset(self, table: str, entry: dict, into: Graph) -> None:
        ds, dist, schema = BNode(), BNode(), BNode()
        into.add((ds, RDF.type, DCAT.Dataset))
        into.add((ds, DCT.identifier, Literal(table)))
        into.add((ds, DCT.title, Literal(table)))
        into.add((ds, DCT.description, Literal(f"Data dictionary of table {table}", lang="en")))
        for concept in entry["codes"]:
            into.add((ds, HEALTH.hasCodingSystem, concept))
        into.add((ds, DCAT.distribution, dist))
        into.add((dist, RDF.type, DCAT.Distribution))
        into.add((dist, DCT.title, Literal(table)))
        into.add((dist, CSVW.tableSchema, schema))
        into.add((schema, RDF.type, CSVW.Schema))
        head = BNode()
        Collection(into, head, entry["columns"])
        into.add((schema, CSVW.column, head))

    def complete(self, graph: Graph) -> None:
        """Each table's distribution its dcat:accessURL, once the tables have local ids (access_url.py)."""
        add_access_urls(graph, self.base_iri, self.options.get("access_url"))

    # ---- reading the file ---------------------------------------------------------
    def _columns(self, headers: list[str], name: str) -> dict[str, int]:
        """Our field → its position in the file's header row; ParseError when a required one is missing."""
        wanted = {f: self.options["header"].get(f, f) for f in FIELDS}
        positions = {h.casefold(): i for i, h in reversed(list(enumerate(headers))) if h}
        index = {
            f: positions[w.strip().casefold()] for f, w in wanted.items() if w.strip().casefold() in positions
        }
        missing = [f for f in REQUIRED if f not in index]
        if missing:
            found = ", ".join(repr(h) for h in headers if h) or "none (the first row is empty)"
            hint = ""
            if len(headers) == 1 and any(d in headers[0] for d in ";\t|"):
                hint = ' The headers look like one cell: set the delimiter option (e.g. ";" or "\\t").'
            names = ", ".join(f"{wanted[f]!r}" + (f" (for {f})" if wanted[f] != f else "") for f in missing)
            raise ParseError(
                f"{name}: the header row has no {names} column; headers found: {found}. "
                f"Rename the file's headers or map them with the source's header option, "
                f'e.g. header = {{ {missing[0]} = "…" }}.{hint}'
            )
        return index

    def _rows(self, fetched: Fetched, name: str):
        content = fetched.content
        head = content[:512].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")):
            raise ParseError(
                f"{name}: got an HTML page where a data dictionary (CSV or XLSX) was expected; "
                "check the source's location"
            )
        if content.startswith(b"\xd0\xcf\x11\xe0"):
            raise ParseError(f"{name}: is an old Excel .xls workbook; save it as .xlsx or CSV")
        if content.startswith(b"PK\x03\x04") or name.lower().endswith((".xlsx", ".xlsm")):
            return self._xlsx_rows(content, name)
        encoding = self.options["encoding"]
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError as exc:
            line = content[: exc.start].count(b"\n") + 1
            hint = " (Korean Excel exports are often cp949)" if encoding.lower().startswith("utf") else ""
            raise ParseError(
                f"{name}: is not {encoding} text (byte 0x{content[exc.start]:02x} on line {line}); "
                f"set the source's encoding option{hint}"
            ) from None
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=self.options["delimiter"], strict=True)
        return _checked(reader, name)

    def _xlsx_rows(self, content: bytes, name: str):
        try:
            import openpyxl
        except ImportError:
            raise ParseError(
                f"{name}: is an Excel workbook and reading it needs openpyxl, which is not installed; "
                "install it (pip install openpyxl) or save the dictionary as CSV"
            ) from None
        try:
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:
            raise ParseError(
                f"{name}: is not a readable XLSX workbook ({type(exc).__name__}: {exc})"
            ) from None
        sheet_name = self.options.get("sheet")
        if sheet_name and sheet_name not in book.sheetnames:
            raise ParseError(
                f"{name}: has no sheet {sheet_name!r}; its sheets are {', '.join(book.sheetnames)}"
            )
        sheet = book[sheet_name] if sheet_name else book.worksheets[0]
        return iter([["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)])


def _checked(reader, name: str):
    try:
        yield from reader
    except csv.Error as exc:
        raise ParseError(
            f"{name}: not valid CSV on line {reader.line_num} ({exc}); check quotes and the delimiter option"
        ) from None
