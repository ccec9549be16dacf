"""Settings: embedded defaults, then hdcat.toml, then HDCAT_* environment variables.

Source locations in hdcat.toml are resolved against the file's own folder, so
a config file and the catalogues it names can move together.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from hdcat.catalog.errors import ConfigError
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

DEFAULT_BASE_IRI = "https://hdcat.example.org"
DEFAULT_THRESHOLD = 10
_NAME = validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,62}$", error="use lower-case letters, digits, - and _")


def web_address(**kwargs) -> fields.String:
    """A setting that is an absolute http(s) URL (the base IRI, an allowed origin, a source's access page).
    marshmallow's own URL field compiles a regular expression of every host-name rule on its first use,
    35 ms of every `hdcat` command's start (a tenth of the import time of `hdcat harvest`); a setting needs
    only the scheme, a host and no spaces."""
    return fields.String(
        validate=validate.Regexp(
            r"^https?://[^\s/?#@]+(?:[/?#]\S*)?$",
            flags=re.IGNORECASE,
            error="an http(s) URL, such as https://hdcat.example.org",
        ),
        **kwargs,
    )


#: named schedules and the cron expression each stands for (minute hour day month weekday)
NAMED_SCHEDULES = {"hourly": "0 * * * *", "daily": "0 2 * * *", "weekly": "0 3 * * 0", "monthly": "0 4 1 * *"}


def cron_fields(schedule: str) -> list[str] | None:
    """The cron fields a schedule stands for (5, or 6 with seconds first), None for "manual".

    Raises ValueError naming the problem when the expression is not a valid cron expression."""
    if schedule == "manual":
        return None
    expression = NAMED_SCHEDULES.get(schedule, schedule)
    parts = expression.split()
    if len(parts) not in (5, 6):
        raise ValueError(
            f"{schedule!r} is not hourly, daily, weekly, monthly, manual or a cron expression "
            "(5 fields: minute hour day month weekday; or 6 with seconds first)"
        )
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger(**cron_trigger_args(parts), timezone="UTC")
    except ValueError as exc:
        raise ValueError(f"{schedule!r} is not a valid cron expression: {exc}") from None
    return parts


_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def cron_trigger_args(parts: list[str]) -> dict:
    """APScheduler CronTrigger arguments for standard cron fields. Cron counts weekdays from Sunday
    (0 or 7) and APScheduler 3 from Monday, so weekday numbers are turned into names first."""
    import re

    seconds, parts = (parts[0], parts[1:]) if len(parts) == 6 else ("0", parts)
    minute, hour, day, month, weekday = parts
    weekday = re.sub(r"(?<![/\d])([0-7])(?!\d)", lambda m: _WEEKDAYS[int(m.group(1))], weekday)
    return {
        "second": seconds,
        "minute": minute,
        "hour": hour,
        "day": day,
        "month": month,
        "day_of_week": weekday,
    }


def _valid_schedule(value: str) -> bool:
    try:
        cron_fields(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    return True


@dataclass(frozen=True)
class ServiceConfig:
    """How `hdcat serve` runs: request threads, harvest workers, the scheduler, the proxy in front."""

    #: waitress worker threads answering requests
    threads: int = 8
    #: sources harvested at the same time inside the server
    harvest_workers: int = 2
    #: run each source by its `schedule` while serving
    scheduler: bool = True
    #: the time zone schedules are read in (IANA name); empty: the machine's own
    timezone: str = ""
    #: how many reverse proxies in front of hdcat set X-Forwarded-For/-Proto/-Host (0: trust none)
    proxy_hops: int = 0
    #: seconds a stopping server lets running harvests finish before it interrupts them
    shutdown_grace: float = 20.0
    #: a PostgreSQL URL: harvests become jobs on this queue, taken by `hdcat worker` processes; empty: the
    #: server harvests in its own threads
    queue: str = ""
    #: a PostgreSQL URL: accounts, tokens, sessions, access requests and the audit trail live there, shared
    #: by every `hdcat serve` and `hdcat worker` that names it; empty: {data_dir}/state.sqlite, this
    #: process's own
    state: str = ""


@dataclass(frozen=True)
class SearchConfig:
    """How an Elasticsearch/OpenSearch index is laid out, applied when `reindex` creates an index
    (an index's shard count is fixed at creation, so a change takes effect at the next reindex)."""

    #: primary shards of each new index: more spreads one big catalogue over more nodes
    shards: int = 1
    #: copies of each shard on other nodes: 1 on three nodes keeps searching and writing through a
    #: node's loss; 0 (the default) for a single node, where a replica could never be placed
    replicas: int = 0


@dataclass(frozen=True)
class SourceConfig:
    """One place hdcat harvests from."""

    name: str
    hospital: str
    kind: str
    location: str
    schedule: str = "daily"
    options: dict = field(default_factory=dict)
    #: "consortium": every dataset of this source is shown to signed-in members only
    visibility: str = "public"
    #: other origins (scheme://host[:port]) this source's links may be followed to; default: its own only
    allowed_origins: tuple[str, ...] = ()
    #: False for a location a caller of the API chose (not an operator): no internal address is reachable
    trusted_location: bool = True


class _SourceSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, validate=_NAME)
    hospital = fields.String(required=True, validate=_NAME)
    kind = fields.String(required=True, validate=_NAME)
    location = fields.String(required=True, validate=validate.Length(min=1))
    schedule = fields.String(load_default="daily", validate=_valid_schedule)
    options = fields.Dict(load_default=dict)
    visibility = fields.String(load_default="public", validate=validate.OneOf(["public", "consortium"]))
    allowed_origins = fields.List(web_address(), load_default=list)


class _ConfigSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    base_iri = web_address(load_default=DEFAULT_BASE_IRI)
    data_dir = fields.String(load_default=None, allow_none=True)
    store = fields.String(load_default=None, allow_none=True)
    search_url = fields.String(load_default=None, allow_none=True)
    suppression_threshold = fields.Integer(load_default=DEFAULT_THRESHOLD, validate=validate.Range(min=1))
    max_literal_chars = fields.Integer(
        load_default=100_000, validate=validate.Range(min=1_000, max=10_000_000)
    )
    sources = fields.List(fields.Dict(), load_default=list)
    lineage = fields.Dict(load_default=dict)
    service = fields.Dict(load_default=dict)
    search = fields.Dict(load_default=dict)


class _SearchSchema(Schema):
    class Meta:
        unknown = "raise"

    shards = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1024))
    replicas = fields.Integer(load_default=0, validate=validate.Range(min=0, max=16))


class _ServiceSchema(Schema):
    class Meta:
        unknown = "raise"

    threads = fields.Integer(load_default=8, validate=validate.Range(min=1, max=256))
    harvest_workers = fields.Integer(load_default=2, validate=validate.Range(min=1, max=32))
    scheduler = fields.Boolean(load_default=True)
    timezone = fields.String(load_default="")
    proxy_hops = fields.Integer(load_default=0, validate=validate.Range(min=0, max=5))
    shutdown_grace = fields.Float(load_default=20.0, validate=validate.Range(min=0, max=3600))
    queue = fields.String(
        load_default="",
        validate=validate.Regexp(r"^(postgres(ql)?://.*)?$", error="a postgresql://… URL, or empty"),
    )
    state = fields.String(
        load_default="",
        validate=validate.Regexp(r"^(postgres(ql)?://.*)?$", error="a postgresql://… URL, or empty"),
    )


@dataclass(frozen=True)
class Settings:
    base_iri: str = DEFAULT_BASE_IRI
    data_dir: Path = Path("var")
    store_url: str = "oxigraph:var/store"
    search_url: str | None = None
    suppression_threshold: int = DEFAULT_THRESHOLD
    #: harvested values longer than this are dropped with a warning (a 30 MB title is an attack, not data)
    max_literal_chars: int = 100_000
    sources: tuple[SourceConfig, ...] = ()
    config_path: Path | None = None
    #: OpenLineage namespace prefix → member hospital, e.g. "postgres://hanbit-db:5432" → "hanbit"
    lineage_namespaces: tuple[tuple[str, str], ...] = ()
    service: ServiceConfig = ServiceConfig()
    search: SearchConfig = SearchConfig()

    def source(self, name: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.name == name), None)


def _resolve_location(location: str, folder: Path) -> str:
    """Relative file paths (and relative SQLite URLs) are relative to the config file; URLs stay."""
    if location.startswith("sqlite:///") and not location.startswith("sqlite:////"):
        return "sqlite:///" + str((folder / location[len("sqlite:///") :]).resolve())
    if "://" in location or location.startswith("{") or Path(location).is_absolute():
        return location  # URLs, absolute paths, and {placeholders} filled in by whoever runs them
    return str((folder / location).resolve())


def load_settings(config_path: str | os.PathLike | None = None, env: dict | None = None) -> Settings:
    """Read settings. `config_path` None means: no file, embedded defaults plus environment."""
    env = os.environ if env is None else env
    raw: dict = {}
    folder = Path.cwd()
    if config_path is not None:
        path = Path(config_path)
        try:
            raw = tomllib.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise ConfigError(
                f"config file {path} does not exist (set HDCAT_CONFIG or create hdcat.toml)"
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from None
        folder = path.resolve().parent
    try:
        data = _ConfigSchema().load(raw)
    except ValidationError as exc:
        raise ConfigError(f"{config_path}: {_first_error(exc.messages)}") from None

    sources = []
    seen = set()
    for index, item in enumerate(data["sources"]):
        try:
            src = _SourceSchema().load(item)
        except ValidationError as exc:
            label = item.get("name", f"#{index + 1}") if isinstance(item, dict) else f"#{index + 1}"
            raise ConfigError(f"{config_path}: source {label}: {_first_error(exc.messages)}") from None
        if src["name"] in seen:
            raise ConfigError(f"{config_path}: two sources are named {src['name']!r}; names must be unique")
        seen.add(src["name"])
        src["location"] = _resolve_location(src["location"], folder)
        src["allowed_origins"] = tuple(src["allowed_origins"])
        sources.append(SourceConfig(**src))

    data_dir = Path(env.get("HDCAT_DATA_DIR") or data["data_dir"] or "var")
    if config_path is not None and data["data_dir"] and not env.get("HDCAT_DATA_DIR"):
        data_dir = folder / data_dir if not data_dir.is_absolute() else data_dir
    store_url = env.get("HDCAT_STORE") or data["store"] or f"oxigraph:{data_dir / 'store'}"
    namespaces = data["lineage"].get("namespaces", {}) if isinstance(data["lineage"], dict) else {}
    if not isinstance(namespaces, dict) or not all(isinstance(v, str) for v in namespaces.values()):
        raise ConfigError(f"{config_path}: [lineage] namespaces must map namespace prefixes to hospital ids")
    try:
        service = ServiceConfig(**_ServiceSchema().load(data["service"]))
        if service.timezone:
            from zoneinfo import ZoneInfo

            ZoneInfo(service.timezone)
    except ValidationError as exc:
        raise ConfigError(f"{config_path}: [service] {_first_error(exc.messages)}") from None
    except (ValueError, KeyError, OSError):
        raise ConfigError(
            f"{config_path}: [service] timezone {service.timezone!r} is not an IANA time zone "
            "such as Asia/Seoul"
        ) from None
    if env.get("HDCAT_THREADS"):
        if not env["HDCAT_THREADS"].isdigit() or not 1 <= int(env["HDCAT_THREADS"]) <= 256:
            raise ConfigError(f"HDCAT_THREADS={env['HDCAT_THREADS']!r}: a whole number from 1 to 256")
        service = replace(service, threads=int(env["HDCAT_THREADS"]))
    if env.get("HDCAT_QUEUE_URL"):
        if not env["HDCAT_QUEUE_URL"].startswith(("postgresql://", "postgres://")):
            raise ConfigError("HDCAT_QUEUE_URL: a postgresql://user@host:port/database URL")
        service = replace(service, queue=env["HDCAT_QUEUE_URL"])
    if env.get("HDCAT_STATE_URL"):
        if not env["HDCAT_STATE_URL"].startswith(("postgresql://", "postgres://")):
            raise ConfigError("HDCAT_STATE_URL: a postgresql://user@host:port/database URL")
        service = replace(service, state=env["HDCAT_STATE_URL"])
    return Settings(
        service=service,
        search=_search_config(data["search"], env, config_path),
        lineage_namespaces=tuple(sorted(namespaces.items(), key=lambda kv: -len(kv[0]))),
        base_iri=data["base_iri"].rstrip("/"),
        data_dir=data_dir,
        store_url=store_url,
        search_url=env.get("HDCAT_SEARCH_URL") or data["search_url"],
        suppression_threshold=data["suppression_threshold"],
        max_literal_chars=data["max_literal_chars"],
        sources=tuple(sources),
        config_path=Path(config_path).resolve() if config_path else None,
    )


def _search_config(raw, env, config_path) -> SearchConfig:
    """`[search]` shards and replicas, each overridden by HDCAT_SEARCH_SHARDS / HDCAT_SEARCH_REPLICAS."""
    try:
        search = SearchConfig(**_SearchSchema().load(raw))
    except ValidationError as exc:
        raise ConfigError(f"{config_path}: [search] {_first_error(exc.messages)}") from None
    for key, low, high in (("shards", 1, 1024), ("replicas", 0, 16)):
        value = env.get(f"HDCAT_SEARCH_{key.upper()}")
        if value:
            if not value.isdigit() or not low <= int(value) <= high:
                raise ConfigError(
                    f"HDCAT_SEARCH_{key.upper()}={value!r}: a whole number from {low} to {high}"
                )
            search = replace(search, **{key: int(value)})
    return search


def _first_error(messages) -> str:
    """marshmallow's nested error dict flattened to 'field: message'."""
    if isinstance(messages, dict):
        key, value = next(iter(messages.items()))
        inner = _first_error(value)
        return f"{key}: {inner}"
    if isinstance(messages, list) and messages:
        return _first_error(messages[0])
    return str(messages)
