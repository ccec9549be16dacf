"""Faults a catalogue meets in production, made for real: a full disk under the store (a small tmpfs)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.conftest import HDCAT, ROOT, require_service

SAMPLES = ROOT / "harvesters" / "samples" / "consortium"


@pytest.fixture
def tiny_disk(tmp_path):
    """A 64 MiB tmpfs (needs root, as in CI)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    ok = (
        os.geteuid() == 0
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)], capture_output=True
        ).returncode
        == 0
    )
    require_service(ok, "a tmpfs mount (root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_full_disk_fails_the_sources_clearly_and_keeps_the_last_good_data(tmp_path, tiny_disk):
    for h in ("balgeun", "dasom", "purun"):
        shutil.copy(SAMPLES / h / "catalog.ttl", tmp_path / f"{h}.ttl")
    (tmp_path / "hdcat.toml").write_text(
        "".join(
            f'[[sources]]\nname = "{h}"\nhospital = "{h}"\nkind = "dcat"\nlocation = "{h}.ttl"\n\n'
            for h in ("balgeun", "dasom", "purun")
        ),
        "utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("HDCAT_")}
    env.update(
        HDCAT_DATA_DIR=str(tmp_path / "var"), HDCAT_STORE=f"oxigraph:{tiny_disk / 'store'}", COLUMNS="200"
    )

    def hdcat(*args):
        return subprocess.run(
            [
                *HDCAT,
                "--config",
                str(tmp_path / "hdcat.toml"),
                *args,
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    first = hdcat("harvest", "balgeun")
    assert first.returncode == 0, first.stderr
    stat = os.statvfs(tiny_disk)
    with open(tiny_disk / "filler", "wb") as fh:
        fh.write(b"\0" * max(0, stat.f_bavail * stat.f_frsize - 262144))
    full = hdcat("harvest", "dasom", "purun")
    assert full.returncode == 1
    assert "Traceback" not in full.stderr, full.stderr[-3000:]
    for source in ("dasom", "purun"):
        assert f"could not save the harvest of {source} in the store" in full.stderr
    assert "No space left on device" in full.stderr
    (tiny_disk / "filler").unlink()
    dump = hdcat("export", "--format", "nquads")
    assert dump.returncode == 0, dump.stderr

    def statements_in(source: str) -> int:  # quads in the source's graph (its failed runs name it elsewhere)
        return sum(line.rstrip().endswith(f"/graph/source/{source}> .") for line in dump.stdout.splitlines())

    assert statements_in("balgeun") > 100  # the last good data
    assert statements_in("dasom") == 0 and statements_in("purun") == 0  # nothing partial
    again = hdcat("harvest", "dasom", "purun")
    assert again.returncode == 0, again.stderr
    assert hdcat("audit", "verify").returncode == 0
