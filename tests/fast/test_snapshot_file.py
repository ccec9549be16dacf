"""The cache-file format every snapshot shares (catalog/snapshot_file.py): whatever a file holds, reading it
gives the snapshot or UnusableSnapshot, never another error."""

from __future__ import annotations

import hashlib
import json
import os
import time

import pytest
from hdcat.catalog import lineage_snapshot, snapshot_file
from hdcat.catalog.graph_rows import DATASET_MAP
from hdcat.catalog.snapshot_file import UnusableSnapshot

MAGIC = b"hdcat test snapshot\n"
BASE = "https://hdcat.example.org"


def _with_body(path, magic: bytes, body: bytes, **header) -> None:
    """A file whose checksum matches `body`: what damage alone never gives, so only the body is wrong."""
    head = {"format": 1, "base": BASE, **header, "sha256": hashlib.sha256(body).hexdigest()}
    path.write_bytes(magic + json.dumps(head).encode() + b"\n" + body)


@pytest.mark.parametrize(
    "body",
    [
        b"]\x94)R.",  # REDUCE on a list: TypeError in the unpickler
        b"}]a.",  # APPEND onto a dict: AttributeError
        b"\x8e\xff\xff\xff\xff\xff\xff\xff\x7f",  # a frame of an impossible length: OverflowError
        b"\x80\x05\x95",  # cut inside a frame
        b"cos\nsystem\n.",  # a global: refused
    ],
    ids=["type-error", "attribute-error", "overflow", "cut", "global"],
)
def test_a_body_the_unpickler_cannot_read_is_an_unusable_snapshot(tmp_path, body):
    path = tmp_path / "x.snapshot"
    _with_body(path, MAGIC, body)
    with pytest.raises(UnusableSnapshot):
        snapshot_file.read(path, MAGIC, "test snapshot", 1, BASE)
    lineage = tmp_path / lineage_snapshot.FILENAME
    _with_body(lineage, lineage_snapshot.MAGIC, body, events=0)
    with pytest.raises(UnusableSnapshot):
        lineage_snapshot.read(lineage, BASE)
    rows = tmp_path / DATASET_MAP.filename
    _with_body(rows, DATASET_MAP.magic, body, width=DATASET_MAP.width)
    assert DATASET_MAP.read(rows, BASE, {"g": (1, "")}) == {}


def test_rows_of_another_width_are_not_taken(tmp_path):
    """Six texts are three rows of two or two of three: the header says which."""
    path = tmp_path / DATASET_MAP.filename
    marks = {"g": (3, "")}
    DATASET_MAP.write(path, BASE, marks, {"g": [("a", "1"), ("b", "2"), ("c", "3")]})
    assert DATASET_MAP.read(path, BASE, marks) == {"g": [("a", "1"), ("b", "2"), ("c", "3")]}
    raw = path.read_bytes().replace(b'"width": 2', b'"width": 3')
    path.write_bytes(raw)
    assert DATASET_MAP.read(path, BASE, marks) == {}


def test_a_write_removes_what_killed_writers_left_and_keeps_what_others_are_writing(tmp_path):
    path = tmp_path / "x.snapshot"
    old, fresh = tmp_path / "x.snapshot.123-1.tmp", tmp_path / "x.snapshot.456-2.tmp"
    for tmp in (old, fresh):
        tmp.write_bytes(b"half a snapshot")
    hour_ago = time.time() - snapshot_file.STALE_WRITE_SECONDS - 60
    os.utime(old, (hour_ago, hour_ago))
    snapshot_file.write(path, MAGIC, {"format": 1, "base": BASE}, {"a": [1, 2]})
    assert not old.exists() and fresh.exists()
    assert snapshot_file.read(path, MAGIC, "test snapshot", 1, BASE)[1] == {"a": [1, 2]}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.snapshot", "x.snapshot.456-2.tmp"]
