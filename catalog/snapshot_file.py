"""A cache file beside the store: derived data a restart reads back instead of reading the whole catalogue.

The store stays the record; a snapshot is only a cache of something derived from it, and its reader checks it
still stands for the store before using it (each kind of snapshot says how). The file is a magic line, a
JSON header (format, base IRI, the body's SHA-256 and whatever the kind adds) and a pickle of plain
containers (dicts, lists, sets, strings, numbers), read back by an unpickler that refuses every class, so a
snapshot carries data but never code. A write goes to a temporary file renamed over the old one: a crash
leaves the old snapshot or the new one, not half.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import threading
import time
from pathlib import Path

from hdcat.catalog.errors import HdcatError


class UnusableSnapshot(HdcatError):
    """The snapshot on disk cannot stand for the store: what it caches is read from the store again."""

    code = "unusable-snapshot"


def path_beside(store, data_dir, filename: str) -> Path | None:
    """Where a snapshot of `store` is kept (in the data folder), or None for a store that does not outlive the
    process, or one opened read-only beside a server, which owns its snapshots."""
    if not store.capabilities.persistent or getattr(store, "read_only", False):
        return None
    return Path(data_dir) / filename


def write(path: Path, magic: bytes, header: dict, state) -> int:
    """Write `state` under `header` (which gains the body's checksum) atomically; returns its bytes."""
    _remove_stale_writes(path)
    body = pickle.dumps(state, protocol=5)
    head = json.dumps({**header, "sha256": hashlib.sha256(body).hexdigest()}).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    # two processes, or two threads of one, may write the same snapshot at once
    tmp = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as out:
            out.write(magic + head + b"\n")
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return len(body)


def read(path: Path, magic: bytes, what: str, fmt: int, base: str) -> tuple[dict, object]:
    """(header, state) of the snapshot at `path` (`what` names its kind in messages), or UnusableSnapshot
    saying why not: missing, of another kind, format or base IRI, damaged, or holding an object."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UnusableSnapshot(f"no {what} at {path}") from None
    except OSError as exc:
        raise UnusableSnapshot(f"cannot read the {what} {path}: {exc}") from None
    if not raw.startswith(magic):
        raise UnusableSnapshot(f"{path} is not a {what}")
    header_line, sep, body = raw[len(magic) :].partition(b"\n")
    try:
        header = json.loads(header_line)
    except ValueError:
        raise UnusableSnapshot(f"{path}: its header is not readable") from None
    if not sep or not isinstance(header, dict):
        raise UnusableSnapshot(f"{path}: its header is not readable")
    if header.get("format") != fmt:
        raise UnusableSnapshot(f"{path}: format {header.get('format')!r}, this hdcat reads {fmt}")
    if header.get("base") != base:
        raise UnusableSnapshot(f"{path} was written for base IRI {header.get('base')!r}, not {base!r}")
    if hashlib.sha256(body).hexdigest() != header.get("sha256"):
        raise UnusableSnapshot(f"{path} is damaged (its content does not match its checksum)")
    try:
        return header, _PlainUnpickler(io.BytesIO(body)).load()
    except Exception as exc:  # noqa: BLE001 - whatever the body holds, it is a cache to make again
        raise UnusableSnapshot(f"{path} cannot be read back: {exc}") from None


#: a temporary file older than this was left by a process killed while it wrote (a write takes seconds)
STALE_WRITE_SECONDS = 3600


def _remove_stale_writes(path: Path) -> None:
    """Remove what writers killed mid-way left beside `path`: each process and thread writes its own
    temporary file, which no later writer reuses, and a million datasets' map is 160 MiB."""
    now = time.time()
    for tmp in path.parent.glob(f"{path.name}.*.tmp"):
        try:
            if now - tmp.stat().st_mtime > STALE_WRITE_SECONDS:
                tmp.unlink()
        except OSError:  # another process removed or renamed it meanwhile
            continue


class _PlainUnpickler(pickle.Unpickler):
    """Reads back containers and scalars only: any class or function in the stream is refused."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"a snapshot holds no objects ({module}.{name} refused)")
