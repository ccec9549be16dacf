"""Copying a deployment's state to another database: a single server's state.sqlite into the PostgreSQL
its processes are to share from now on (`hdcat state copy --to postgresql://…`).

Every row goes across as it is, the audit trail with its sequence numbers and hashes, so the chain and the
checkpoints in the RDF store that anchor it still verify; the copy is checked that way before it is
called done. The target must hold nothing yet: two trails are not merged.
"""

from __future__ import annotations

from pathlib import Path

from hdcat.catalog.access_requests import REQUEST_FIELDS, AccessRequests
from hdcat.catalog.accounts import Accounts
from hdcat.catalog.errors import Conflict, HdcatError
from hdcat.catalog.state_db import StateDatabase
from sqlalchemy import text

#: every table of the state and its columns, in an order that keeps references whole (users first)
TABLES = {
    "users": ("name", "role", "hospitals", "password_hash", "disabled", "created"),
    "tokens": (
        "id",
        "user",
        "secret_hash",
        "scopes",
        "hospitals",
        "created",
        "expires",
        "revoked",
        "last_used",
    ),
    "sessions": ("id", "user", "started", "ended"),
    "audit": ("seq", "at", "actor", "action", "target", "detail", "origin", "prev_hash", "hash"),
    "access_request": REQUEST_FIELDS,
    "access_message": ("seq", "request", "author", "kind", "body", "at"),
}
#: tables whose `seq` the database counts: it goes on from the copied rows' last
COUNTED = ("audit", "access_message")


def copy_state(source: str | Path, target: str | Path) -> dict[str, int]:
    """Copy every row of the state at `source` into the empty state at `target`; returns the rows copied
    a table. Raises Conflict when the target holds anything, HdcatError when the copied trail does not
    verify as the source's does."""
    for part in (Accounts, AccessRequests):  # the tables, made where missing, on both sides
        part(source).close()
        part(target).close()
    source_db, target_db = StateDatabase(source), StateDatabase(target)
    copied = {}
    try:
        with source_db.connect() as reading, target_db.writing() as writing:
            for table in TABLES:
                if writing.exec_driver_sql(f"SELECT 1 FROM {table} LIMIT 1").first():
                    raise Conflict(
                        f"the state at {target_db.label} already holds {table}: copy into an empty state "
                        "(two audit trails cannot be merged into one chain)"
                    )
            for table, columns in TABLES.items():
                names = ", ".join(f'"{c}"' for c in columns)
                rows = reading.exec_driver_sql(f"SELECT {names} FROM {table}").all()
                if rows:
                    insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join(':' + c for c in columns)})"
                    writing.execute(text(insert), [dict(zip(columns, row, strict=True)) for row in rows])
                copied[table] = len(rows)
            for table in COUNTED:
                target_db.dialect.continue_count(writing, table, "seq")
    finally:
        source_db.close()
        target_db.close()
    _check_trail(source, target)
    return copied


def _check_trail(source, target) -> None:
    before, after = Accounts(source), Accounts(target)
    try:
        expected, got = before.verify_audit(), after.verify_audit()
        if got != expected or after.head() != before.head():
            raise HdcatError(
                f"the copied audit trail does not verify as the original does ({got[2] or 'another head'}; "
                f"the original: {expected[2] or 'intact'})"
            )
    finally:
        before.close()
        after.close()
