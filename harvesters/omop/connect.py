"""Reaching an OMOP database: the source's options, its SQLAlchemy URL, and one read-only connection.

A database URL may carry a password, so everything said about the connection — run records,
error messages, the drivers' own words — goes through `safe` and `redact` here, in one place.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from hdcat.catalog import DEFAULT_THRESHOLD, ConfigError
from hdcat.harvesters.errors import FetchError
from marshmallow import Schema, fields, validate


class OmopOptions(Schema):
    #: the CDM schema; None (the default) finds it: the one schema holding the CDM tables (collect.py)
    schema = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=63))
    vocabulary_schema = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=63)
    )
    #: may raise the consortium's threshold for this source, never lower it
    suppression_threshold = fields.Integer(load_default=DEFAULT_THRESHOLD, validate=validate.Range(min=1))
    top = fields.Integer(load_default=10, validate=validate.Range(min=0, max=1000))
    timeout_s = fields.Float(load_default=300.0, validate=validate.Range(min=0.1, max=86_400))


def db_url(location: str):
    """The location as a SQLAlchemy URL; plain postgresql:// means psycopg 3 (the driver hdcat ships)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(location.strip())
    except ArgumentError:
        raise ConfigError(
            f"{location.split('@')[-1]!r} is not a database URL; use e.g. "
            "postgresql://user@host:5432/database",
            field="location",
        ) from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def safe(url) -> str:
    """The URL for messages and the run record: never the password, never the driver suffix."""
    shown = url.set(drivername=url.get_backend_name())
    return shown.render_as_string(hide_password=True)


def first_line(exc: BaseException) -> str:
    """The driver's message without its traceback-like detail lines: what a steward needs to read."""
    orig = getattr(exc, "orig", None) or exc
    lines = [ln.strip() for ln in str(orig).splitlines() if ln.strip()]
    return lines[0] if lines else type(orig).__name__


def redact(message: str, password: str | None) -> str:
    """The message without the password (drivers may quote the URL they were given)."""
    return message.replace(password, "***") if password else message


@contextmanager
def read_only(url, options: dict) -> Iterator:
    """One connection in a read-only transaction with the source's statement timeout, rolled back at the end.

    Any SQLAlchemy error inside — while connecting or while the caller reads — becomes a FetchError
    that names the database without its password.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError, NoSuchModuleError, SQLAlchemyError
    from sqlalchemy.pool import NullPool

    where = safe(url)
    password = url.password
    pg = url.get_backend_name() == "postgresql"
    connect_args = (
        {
            "connect_timeout": max(1, math.ceil(min(options["timeout_s"], 30))),
            "application_name": "hdcat-harvester",
        }
        if pg
        else {}
    )
    try:
        engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
    except (NoSuchModuleError, ImportError) as exc:
        raise FetchError(
            f"{where}: no database driver for {url.drivername!r} ({exc}); install the "
            "SQLAlchemy driver package for this database"
        ) from None
    try:
        try:
            conn = engine.connect()
        except DBAPIError as exc:
            raise FetchError(connect_message(where, exc, password)) from None
        with conn:
            try:
                conn.begin()
                if pg:
                    conn.execute(text("SET TRANSACTION READ ONLY"))
                    conn.execute(
                        text("SELECT set_config('statement_timeout', :ms, true)"),
                        {"ms": str(int(options["timeout_s"] * 1000))},
                    )
                yield conn
            finally:
                # nothing to commit, ever; a lost connection: the error that got us here says so
                with suppress(SQLAlchemyError):
                    conn.rollback()
    except SQLAlchemyError as exc:
        raise FetchError(redact(f"{where}: {first_line(exc)}", password)) from None
    finally:
        engine.dispose()


def connect_message(where: str, exc, password: str | None) -> str:
    """Why the connection failed and what to check, guessed from the driver's words."""
    reason = first_line(exc)
    low = str(getattr(exc, "orig", exc)).lower()
    if "password authentication failed" in low or "no password supplied" in low:
        fix = (
            "check the user name and password (give the password in PGPASSWORD or ~/.pgpass "
            "rather than in the URL)"
        )
    elif "does not exist" in low and "database" in low:
        fix = "check the database name at the end of the URL"
    elif "does not exist" in low and "role" in low:
        fix = "check the user name in the URL"
    elif (
        "connection refused" in low
        or "could not translate host" in low
        or "timeout" in low
        or "timed out" in low
        or "no route" in low
    ):
        fix = "is the server up, and are host and port right?"
    else:
        fix = "check the URL, the credentials and the server's pg_hba.conf / firewall"
    return redact(f"{where}: cannot connect ({reason}); {fix}", password)
