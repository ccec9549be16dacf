"""Drive Debian's headless Chromium as a person's browser: rendered DOM and screenshots."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars"]


def chromium_path() -> str | None:
    return os.environ.get("HDCAT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def _run(args: list[str], timeout: int = 60) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([chromium_path(), *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, timeout=timeout)


def dump_dom(url: str) -> str:
    """The DOM after the page loaded and ran its scripts."""
    result = _run(["--virtual-time-budget=3000", "--dump-dom", url])
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    return result.stdout.decode("utf-8")


def screenshot(url: str, path: Path, width: int = 1280, height: int = 1600) -> Path:
    result = _run([f"--screenshot={path}", f"--window-size={width},{height}", url])
    assert path.exists(), result.stderr.decode(errors="replace")[-2000:]
    return path
