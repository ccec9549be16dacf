"""Users, API tokens and the audit trail, kept in the state database: a small SQLite file beside the
store, or PostgreSQL shared by every process of a deployment (catalog.state_db).

Secrets never go into the RDF graph (it is exported and queried). Passwords are hashed with
Argon2id (argon2-cffi, the OWASP-recommended scheme; salted, parameters kept in the hash); API tokens are
random and stored only as SHA-256 hashes, scoped, tied to hospitals, revocable and expiring. The audit
trail is append-only and tamper-evident: each entry carries the hash of the one before, so editing or
deleting an entry breaks the chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from hdcat.catalog.errors import Conflict, Invalid, NotFound
from hdcat.catalog.state_db import StatePart, sql

if TYPE_CHECKING:
    from sqlalchemy import Connection

ROLES = ("researcher", "steward", "auditor", "admin")
SCOPES = ("lineage:write", "audit:read", "harvest:run", "definitions:write", "access:write")
_MEMBER = frozenset({"read:consortium", "read:lineage"})
#: What each role may do. Anonymous visitors have none of these: they read public metadata only.
PERMISSIONS = {
    "researcher": _MEMBER,
    "steward": _MEMBER | {"write:definitions", "run:harvests"},
    "auditor": _MEMBER | {"read:audit"},
    "admin": _MEMBER | {"read:audit", "write:definitions", "run:harvests", "admin"},
}
#: Which roles may hold a token with each scope: a token never gives more than its user's role.
SCOPE_ROLES = {
    "lineage:write": {"steward", "admin"},
    "audit:read": {"auditor", "admin"},
    "harvest:run": {"steward", "admin"},
    "definitions:write": {"steward", "admin"},
    #: access requests: asking, answering and withdrawing (researchers, stewards), deciding (stewards of the
    #: dataset's hospital); catalog.access_requests decides which step each may take
    "access:write": {"researcher", "steward", "admin"},
}
TOKEN_PREFIX = "hdcat_"
#: a token's "last used" is written at most this often: a write (a disk sync) on every request was about a
#: third of posting one lineage event (bench/lineage_bench.py), and a minute is all an admin needs to see
LAST_USED_EVERY = timedelta(minutes=1)
GENESIS = "0" * 64

#: the tables (catalog.state_db fills in `{serial_key}`); `user` is quoted, as PostgreSQL reserves the word
_TABLES = (
    """CREATE TABLE IF NOT EXISTS users (
  name TEXT PRIMARY KEY, role TEXT NOT NULL, hospitals TEXT NOT NULL, password_hash TEXT,
  disabled INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS tokens (
  id TEXT PRIMARY KEY, "user" TEXT NOT NULL REFERENCES users(name), secret_hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL, hospitals TEXT NOT NULL, created TEXT NOT NULL, expires TEXT NOT NULL,
  revoked TEXT, last_used TEXT)""",
    """CREATE TABLE IF NOT EXISTS audit (
  seq {serial_key}, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
  target TEXT NOT NULL, detail TEXT NOT NULL, origin TEXT NOT NULL, prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY, "user" TEXT NOT NULL REFERENCES users(name), started TEXT NOT NULL, ended TEXT)""",
    # the runs already recorded are looked up before each harvest's entry (Accounts.audit_run)
    "CREATE INDEX IF NOT EXISTS audit_by_action ON audit (action)",
)
#: `LIMIT` for "every row": both databases take a number there, neither the same "no limit"
_NO_LIMIT = 2**62


@dataclass(frozen=True)
class AuditFilter:
    """Which entries of the trail to show: an auditor asks "what did this person do last week"."""

    actor: str | None = None
    action: str | None = None
    since: date | None = None  # first day, inclusive (UTC)
    until: date | None = None  # last day, inclusive (UTC)

    def sql(self) -> tuple[str, dict]:
        """(the WHERE clause, its named parameters)."""
        params = {}
        if self.actor:
            params["actor"] = self.actor
        if self.action:
            params["action"] = self.action
        if self.since:  # times are stored as ISO 8601 in UTC, so they order as text
            params["since"] = self.since.isoformat()
        if self.until:
            params["until"] = (self.until + timedelta(days=1)).isoformat()
        clauses = [_FILTERS[name] for name in params]
        return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


_FILTERS = {
    "actor": "actor = :actor",
    "action": "action = :action",
    "since": "at >= :since",
    "until": "at < :until",
}


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user through one of their tokens."""

    user: str
    role: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    hospitals: frozenset[str] = field(default_factory=frozenset)
    token_id: str | None = None

    @property
    def label(self) -> str:
        return f"{self.user} (token {self.token_id})" if self.token_id else self.user

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, ())

    def acts_for(self, hospital: str | None) -> bool:
        """Stewards write only for their own hospitals; admins for all."""
        return self.role == "admin" or (hospital is not None and hospital in self.hospitals)


def audit_key() -> bytes | None:
    """HDCAT_AUDIT_KEY: when set, entry hashes and checkpoints are HMACs, so nobody without the key can
    re-chain an edited trail or forge an entry that verifies."""
    key = os.environ.get("HDCAT_AUDIT_KEY")
    return key.encode("utf-8") if key else None


def entry_hash(
    prev_hash: str,
    at: str,
    actor: str,
    action: str,
    target: str,
    detail: str,
    origin: str,
    key: bytes | None = None,
) -> str:
    body = json.dumps([prev_hash, at, actor, action, target, detail, origin], ensure_ascii=False).encode(
        "utf-8"
    )
    if key:
        return "k:" + hmac.new(key, body, hashlib.sha256).hexdigest()
    return hashlib.sha256(body).hexdigest()


def checkpoint_signature(seq: int, head: str, key: bytes | None) -> str | None:
    if not key:
        return None
    return hmac.new(key, f"{seq}:{head}".encode(), hashlib.sha256).hexdigest()


class Accounts(StatePart):
    """Users, tokens, site sessions and the audit trail, in the deployment's state database (a SQLite
    file, or PostgreSQL shared by every process: catalog.state_db)."""

    TABLES = _TABLES
    APPEND_ONLY = ("audit",)

    def _one(self, statement: str, **params):
        with self._db.connect() as conn:
            return conn.execute(sql(statement), params).first()

    def _all(self, statement: str, **params) -> list:
        with self._db.connect() as conn:
            return conn.execute(sql(statement), params).all()

    def _run(self, statement: str, **params) -> None:
        """One statement on its own (it needs no transaction around it)."""
        with self._db.connect() as conn:
            conn.execute(sql(statement), params)

    # ---- users ------------------------------------------------------------------------------
    def add_user(
        self, name: str, role: str, hospitals: list[str] = (), password: str | None = None, actor: str = "cli"
    ) -> dict:
        if role not in ROLES:
            raise Invalid(f"role {role!r}: use one of {', '.join(ROLES)}", field="role")
        if (
            not name
            or len(name) > 64
            or not name.replace("-", "").replace("_", "").replace(".", "").isalnum()
        ):
            raise Invalid("user name: 1–64 letters, digits, '.', '-' or '_'", field="name")
        if password is not None and len(password) < 12:
            raise Invalid("password: at least 12 characters", field="password")
        password_hash = generate_password_hash(password) if password else None
        with self._db.writing() as conn:
            if conn.execute(sql("SELECT 1 FROM users WHERE name = :name"), {"name": name}).first():
                raise Conflict(f"user {name!r} exists already")
            conn.execute(
                sql(
                    "INSERT INTO users (name, role, hospitals, password_hash, disabled, created) "
                    "VALUES (:name, :role, :hospitals, :password_hash, 0, :created)"
                ),
                {
                    "name": name,
                    "role": role,
                    "hospitals": json.dumps(sorted(hospitals)),
                    "password_hash": password_hash,
                    "created": _now().isoformat(),
                },
            )
            _append(conn, actor, "user.add", name, {"role": role, "hospitals": sorted(hospitals)})
        return self.user(name)

    def user(self, name: str) -> dict:
        row = self._one(
            "SELECT name, role, hospitals, disabled, created FROM users WHERE name = :name", name=name
        )
        if row is None:
            raise NotFound(f"no user {name!r}")
        return {
            "name": row[0],
            "role": row[1],
            "hospitals": json.loads(row[2]),
            "disabled": bool(row[3]),
            "created": row[4],
        }

    def users(self) -> list[dict]:
        return [self.user(r[0]) for r in self._all("SELECT name FROM users ORDER BY name")]

    def disable_user(self, name: str, actor: str = "cli") -> None:
        self.user(name)
        with self._db.writing() as conn:
            conn.execute(sql("UPDATE users SET disabled = 1 WHERE name = :name"), {"name": name})
            _append(conn, actor, "user.disable", name, {})

    def check_password(self, name: str, password: str) -> bool:
        """Constant work whether or not the name exists: an unknown name is checked against a dummy hash,
        so the time a sign-in takes does not tell who has an account."""
        row = self._one("SELECT password_hash, disabled FROM users WHERE name = :name", name=name)
        stored = row[0] if row and row[0] else _dummy_hash()
        matches = check_password_hash(stored, password)
        return bool(row and row[0] and not row[1] and matches)

    # ---- site sessions ------------------------------------------------------------------------
    #: how long a site session lives on the server, whatever the cookie says
    SESSION_HOURS = 8

    def start_session(self, name: str) -> str:
        """A server-side session id for a sign-in; the cookie carries it, sign-out ends it for good."""
        sid = secrets.token_urlsafe(24)
        self._run(
            'INSERT INTO sessions (id, "user", started) VALUES (:sid, :name, :started)',
            sid=sid,
            name=name,
            started=_now().isoformat(),
        )
        return sid

    def session_active(self, name: str, sid: str) -> bool:
        row = self._one(
            'SELECT started, ended FROM sessions WHERE id = :sid AND "user" = :name', sid=sid, name=name
        )
        if row is None or row[1] is not None:
            return False
        return datetime.fromisoformat(row[0]) > _now() - timedelta(hours=self.SESSION_HOURS)

    def end_session(self, sid: str) -> None:
        self._run(
            "UPDATE sessions SET ended = :now WHERE id = :sid AND ended IS NULL",
            now=_now().isoformat(),
            sid=sid,
        )

    def set_password(self, name: str, password: str, actor: str = "cli") -> None:
        if len(password) < 12:
            raise Invalid("password: at least 12 characters", field="password")
        self.user(name)
        password_hash = generate_password_hash(password)
        with self._db.writing() as conn:
            conn.execute(
                sql("UPDATE users SET password_hash = :hash WHERE name = :name"),
                {"hash": password_hash, "name": name},
            )
            # a new password ends every session signed in with the old one
            conn.execute(
                sql('UPDATE sessions SET ended = :now WHERE "user" = :name AND ended IS NULL'),
                {"now": _now().isoformat(), "name": name},
            )
            _append(conn, actor, "user.password", name, {})

    def principal(self, name: str) -> Principal | None:
        """A signed-in user as a principal (no token scopes), or None if unknown or disabled."""
        try:
            record = self.user(name)
        except NotFound:
            return None
        if record["disabled"]:
            return None
        return Principal(user=name, role=record["role"], hospitals=frozenset(record["hospitals"]))

    # ---- tokens -----------------------------------------------------------------------------
    def issue_token(
        self,
        user: str,
        scopes: list[str],
        hospitals: list[str] | None = None,
        days: int = 90,
        actor: str = "cli",
    ) -> tuple[str, str]:
        """(token id, secret). The secret is shown once; only its hash is kept."""
        record = self.user(user)
        if record["disabled"]:
            raise Conflict(f"user {user!r} is disabled")
        unknown = [s for s in scopes if s not in SCOPES]
        if unknown or not scopes:
            raise Invalid(
                f"scope {unknown[0] if unknown else '(none)'}: use one or more of {', '.join(SCOPES)}",
                field="scope",
            )
        beyond = [s for s in scopes if record["role"] not in SCOPE_ROLES[s]]
        if beyond:
            raise Invalid(
                f"scope {beyond[0]}: a {record['role']} may not hold it "
                f"(roles that may: {', '.join(sorted(SCOPE_ROLES[beyond[0]]))})",
                field="scope",
            )
        if not 1 <= days <= 366:
            raise Invalid("days: between 1 and 366", field="days")
        hospitals = sorted(hospitals if hospitals is not None else record["hospitals"])
        if record["role"] not in ("admin", "auditor") and not set(hospitals) <= set(record["hospitals"]):
            raise Invalid(
                f"user {user!r} may not act for {sorted(set(hospitals) - set(record['hospitals']))}",
                field="hospital",
            )
        token_id = secrets.token_hex(6)
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = _now()
        with self._db.writing() as conn:
            conn.execute(
                sql(
                    'INSERT INTO tokens (id, "user", secret_hash, scopes, hospitals, created, expires) '
                    "VALUES (:id, :user, :secret_hash, :scopes, :hospitals, :created, :expires)"
                ),
                {
                    "id": token_id,
                    "user": user,
                    "secret_hash": _hash(secret),
                    "scopes": json.dumps(sorted(scopes)),
                    "hospitals": json.dumps(hospitals),
                    "created": now.isoformat(),
                    "expires": (now + timedelta(days=days)).isoformat(),
                },
            )
            _append(
                conn, actor, "token.issue", token_id, {"user": user, "scopes": sorted(scopes), "days": days}
            )
        return token_id, secret

    def revoke_token(self, token_id: str, actor: str = "cli") -> None:
        with self._db.writing() as conn:
            if not conn.execute(sql("SELECT 1 FROM tokens WHERE id = :id"), {"id": token_id}).first():
                raise NotFound(f"no token {token_id!r}")
            conn.execute(
                sql("UPDATE tokens SET revoked = :now WHERE id = :id"),
                {"now": _now().isoformat(), "id": token_id},
            )
            _append(conn, actor, "token.revoke", token_id, {})

    def tokens(self, user: str | None = None) -> list[dict]:
        rows = self._all(
            'SELECT id, "user", scopes, hospitals, created, expires, revoked, last_used FROM tokens '
            + ('WHERE "user" = :user ' if user is not None else "")
            + "ORDER BY created",
            user=user,
        )
        return [
            {
                "id": r[0],
                "user": r[1],
                "scopes": json.loads(r[2]),
                "hospitals": json.loads(r[3]),
                "created": r[4],
                "expires": r[5],
                "revoked": r[6],
                "last_used": r[7],
            }
            for r in rows
        ]

    def authenticate(self, secret: str) -> Principal | None:
        """The principal behind a bearer token, or None if it is unknown, revoked, expired or its user
        disabled."""
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
            return None
        row = self._one(
            'SELECT t.id, t."user", t.scopes, t.hospitals, t.expires, t.revoked, u.role, u.disabled, '
            't.last_used FROM tokens t JOIN users u ON u.name = t."user" WHERE t.secret_hash = :secret_hash',
            secret_hash=_hash(secret),
        )
        now = _now()
        if row is None or row[5] or row[7] or datetime.fromisoformat(row[4]) < now:
            return None
        if row[8] is None or datetime.fromisoformat(row[8]) < now - LAST_USED_EVERY:
            self._run("UPDATE tokens SET last_used = :now WHERE id = :id", now=now.isoformat(), id=row[0])
        return Principal(
            user=row[1],
            role=row[6],
            scopes=frozenset(json.loads(row[2])),
            hospitals=frozenset(json.loads(row[3])),
            token_id=row[0],
        )

    # ---- private feed addresses ---------------------------------------------------------------
    def feed_key(self, name: str, server_key: str | bytes) -> str | None:
        """The key in a person's private feed addresses (None for an unknown or disabled user).

        A feed reader cannot sign in, so the address itself is the credential (as GitLab's feed token).
        It is derived, not stored: an HMAC under the server's secret of the name and the password hash,
        so a new password retires every address given out before and there is nothing to leak from the
        database."""
        row = self._one("SELECT password_hash, disabled FROM users WHERE name = :name", name=name)
        if row is None or row[1]:
            return None
        key = server_key.encode() if isinstance(server_key, str) else server_key
        message = f"hdcat-feed\x00{name}\x00{row[0] or ''}".encode()
        return hmac.new(key, message, hashlib.sha256).hexdigest()[:40]

    def feed_principal(self, name: str, key: str, server_key: str | bytes) -> Principal | None:
        """Who a feed address with `name` and `key` reads as, or None when the key is not (or no longer)
        theirs. Read-only by construction: the feeds are the only views that accept it."""
        expected = self.feed_key(name, server_key)
        if expected is None or not hmac.compare_digest(expected.encode(), (key or "").encode()):
            return None
        return self.principal(name)

    # ---- audit trail ------------------------------------------------------------------------
    def audit(self, actor: str, action: str, target: str, detail: dict, origin: str = "local") -> int:
        """Append an entry; returns its seq. One writer at a time across processes (see `_append`)."""
        with self._db.writing() as conn:
            return _append(conn, actor, action, target, detail, origin)

    def audit_run(self, actor: str, source: str, detail: dict, origin: str = "local") -> int | None:
        """A `harvest.run` entry for the run `detail["run"]`, unless the trail has one already (then None).
        The look and the append are one writing transaction: processes sharing the trail (a worker writing
        its entry, a server recording the same run late) record each run once."""
        with self._db.writing() as conn:
            if _run_recorded(conn, detail["run"]):
                return None
            return _append(conn, actor, "harvest.run", source, detail, origin)

    def audited_runs(self) -> set[str]:
        """Ids of the harvest runs the trail records (`harvest.run` entries)."""
        return {
            json.loads(d).get("run")
            for (d,) in self._all("SELECT detail FROM audit WHERE action = 'harvest.run'")
        } - {None}

    def audit_entries(
        self, limit: int = 100, offset: int = 0, where: AuditFilter | None = None
    ) -> list[dict]:
        """Newest first (`limit` -1: all); `where` narrows to one person, one action and a span of days
        (UTC)."""
        where_clause, params = (where or AuditFilter()).sql()
        rows = self._all(
            "SELECT seq, at, actor, action, target, detail, origin, hash FROM audit "
            f"{where_clause} ORDER BY seq DESC LIMIT :limit OFFSET :offset",
            **params,
            limit=limit if limit >= 0 else _NO_LIMIT,
            offset=offset,
        )
        return [
            {
                "seq": r[0],
                "at": r[1],
                "actor": r[2],
                "action": r[3],
                "target": r[4],
                "detail": json.loads(r[5]),
                "origin": r[6],
                "hash": r[7],
            }
            for r in rows
        ]

    def audit_choices(self) -> dict[str, list[str]]:
        """Who and what the trail holds, for the filter's lists."""
        return {
            column: [v for (v,) in self._all(f"SELECT DISTINCT {column} FROM audit ORDER BY {column}")]
            for column in ("actor", "action")
        }

    def export_audit(self, fmt: str) -> str:
        """The whole trail, oldest first, as CSV or as PROV-O (Turtle): each entry a prov:Activity."""
        rows = list(reversed(self.audit_entries(limit=-1)))
        if fmt == "csv":
            import csv
            import io

            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(["seq", "at", "actor", "action", "target", "origin", "detail", "hash"])
            for e in rows:
                writer.writerow(
                    [
                        e["seq"],
                        e["at"],
                        e["actor"],
                        e["action"],
                        e["target"],
                        e["origin"],
                        json.dumps(e["detail"], ensure_ascii=False, sort_keys=True),
                        e["hash"],
                    ]
                )
            return out.getvalue()
        if fmt == "prov":
            from hdcat.ontology import DCT, HDCAT, PROV, bind_prefixes
            from rdflib import Graph, Literal, URIRef
            from rdflib.namespace import RDF, RDFS, XSD

            g = bind_prefixes(Graph())
            for e in rows:
                node = URIRef(f"urn:hdcat:audit:{e['seq']}")
                agent = URIRef(f"urn:hdcat:actor:{e['actor'].replace(' ', '_')}")
                g.add((node, RDF.type, PROV.Activity))
                g.add((node, RDFS.label, Literal(e["action"])))
                g.add((node, PROV.startedAtTime, Literal(e["at"], datatype=XSD.dateTime)))
                g.add((node, PROV.wasAssociatedWith, agent))
                g.add((agent, RDF.type, PROV.Agent))
                g.add((agent, RDFS.label, Literal(e["actor"])))
                g.add((node, DCT.subject, Literal(e["target"])))
                g.add((node, HDCAT.contentHash, Literal(e["hash"])))
                if e["seq"] > 1:
                    g.add((node, PROV.wasInformedBy, URIRef(f"urn:hdcat:audit:{e['seq'] - 1}")))
            return g.serialize(format="turtle")
        raise Invalid(f"format {fmt!r}: csv or prov", field="format")

    def head(self) -> tuple[int, str]:
        """(last entry's seq, its hash): what a checkpoint anchors outside this file."""
        row = self._one("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        return (row[0], row[1]) if row else (0, GENESIS)

    def verify_audit(self, checkpoints=()) -> tuple[bool, int, str | None]:
        """(intact, entries checked, what is wrong): recomputes every hash along the chain, then holds the
        trail against `checkpoints` kept outside this file ((seq, hash, signature) triples), which catches
        a cut tail, a trail emptied or re-chained after an edit, and (with HDCAT_AUDIT_KEY) forged entries."""
        key = audit_key()
        prev, count, hashes, seen_keyed = GENESIS, 0, {}, False
        for seq, at, actor, action, target, detail, origin, prev_hash, digest in self._all(
            "SELECT seq, at, actor, action, target, detail, origin, prev_hash, hash FROM audit ORDER BY seq"
        ):
            count += 1
            if prev_hash != prev:
                return (
                    False,
                    count,
                    f"entry {seq} does not follow entry {seq - 1} (an entry was removed or reordered)",
                )
            keyed = digest.startswith("k:")
            if keyed and not key:
                return False, count, f"entry {seq} is keyed: set HDCAT_AUDIT_KEY to verify the trail"
            if (
                entry_hash(prev_hash, at, actor, action, target, detail, origin, key if keyed else None)
                != digest
            ):
                return False, count, f"entry {seq} was changed after it was written (or forged)"
            if key and not keyed and seen_keyed:
                return False, count, f"entry {seq} is not keyed although entries before it are (forged)"
            seen_keyed = seen_keyed or keyed
            hashes[seq] = digest
            prev = digest
        last_seq = max(hashes) if hashes else 0
        for seq, digest, signature in sorted(checkpoints):
            if key and signature is not None and checkpoint_signature(seq, digest, key) != signature:
                return (
                    False,
                    count,
                    f"the checkpoint at entry {seq} is not signed with HDCAT_AUDIT_KEY (forged)",
                )
            if seq > last_seq:
                return (
                    False,
                    count,
                    (
                        f"entries {last_seq + 1}–{seq} are missing: a checkpoint saw the trail reach "
                        f"entry {seq}, it now ends at {last_seq}"
                    ),
                )
            if hashes.get(seq) != digest:
                return (
                    False,
                    count,
                    (
                        f"entry {seq} is not the entry the checkpoint saw: the trail was rewritten "
                        "and re-chained from there or before"
                    ),
                )
        return True, count, None


_HASHER = PasswordHasher()
_DUMMY: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(_HASHER.hash(secrets.token_urlsafe(16)))
    return _DUMMY[0]


def generate_password_hash(password: str) -> str:
    return _HASHER.hash(password)


def check_password_hash(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _append(
    conn: Connection, actor: str, action: str, target: str, detail: dict, origin: str = "local"
) -> int:
    """Chain an entry to the trail's head, inside `conn`'s writing transaction (StateDatabase.writing):
    it shuts out every other writer, in every process, before the head is read, so two writers can never
    both append to the same head (a fork). Returns the entry's seq."""
    last = conn.execute(sql("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1")).first()
    prev = last[0] if last else GENESIS
    at = _now().isoformat()
    body = json.dumps(detail, ensure_ascii=False, sort_keys=True)
    digest = entry_hash(prev, at, actor, action, target, body, origin, audit_key())
    return conn.execute(
        sql(
            "INSERT INTO audit (at, actor, action, target, detail, origin, prev_hash, hash) "
            "VALUES (:at, :actor, :action, :target, :detail, :origin, :prev, :hash) RETURNING seq"
        ),
        {
            "at": at,
            "actor": actor,
            "action": action,
            "target": target,
            "detail": body,
            "origin": origin,
            "prev": prev,
            "hash": digest,
        },
    ).scalar_one()


def _run_recorded(conn: Connection, run_id: str) -> bool:
    # details are JSON with sorted keys ('"run": "…"'); LIKE narrows, the parsed detail decides
    rows = conn.execute(
        sql("SELECT detail FROM audit WHERE action = 'harvest.run' AND detail LIKE :pattern"),
        {"pattern": f'%"run": {json.dumps(run_id)}%'},
    )
    return any(json.loads(d).get("run") == run_id for (d,) in rows)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
