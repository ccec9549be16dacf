"""The built wheel installed alone in a fresh virtualenv, prepared in the background for tests/test_wheel.py.

Building the wheel is seconds; installing it with its declared dependencies is most of a minute, and
most of that is waiting on the package index (pip's HTTP cache is often cold) and on the disk. Nothing
in that needs the tests that run meanwhile, nor they it, so when the session holds tests/test_wheel.py
the build and install start as the session starts (tests/conftest.py) and the wheel's tests wait for them
to finish: the same wheel, the same clean venv, the same pip, only no longer on the critical path. Any
failure is raised, with pip's own output, in the wheel's tests.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import threading
import venv
from pathlib import Path

from tests.conftest import ROOT

#: the longest the whole build-and-install may take (it was ~75 s on two busy cores)
DEADLINE = 900


class WheelInstall:
    """`pip wheel` of the clone, then a venv without pip into which the outer pip installs that wheel."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="hdcat-wheel-test-"))
        self.wheel: Path | None = None
        self.home = self.folder / "venv"
        self.error: str | None = None
        self._thread = threading.Thread(target=self._run, name="wheel-install", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            out = self.folder / "dist"
            out.mkdir()
            self._pip("wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT), cwd=out, timeout=600)
            [self.wheel] = out.glob("hdcat-*.whl")
            # no pip inside: the test's pip installs into it (`pip --python`), so the venv holds the wheel
            # and its declared dependencies and nothing else (no ensurepip run, which took seconds)
            venv.create(self.home, with_pip=False)
            self._pip(
                "--python",
                str(self.home / "bin/python"),
                "install",
                "--quiet",
                "--no-compile",  # byte-compiling every dependency is slow and tests nothing here
                str(self.wheel),
                cwd=self.home,
                timeout=800,
            )
        except Exception as exc:  # reported by `result`, in the test that needs the venv
            self.error = f"{type(exc).__name__}: {exc}"

    @staticmethod
    def _pip(*args: str, cwd: Path, timeout: float) -> None:
        r = subprocess.run(
            [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if r.returncode != 0:
            raise RuntimeError(
                f"pip {' '.join(args)} failed ({r.returncode}):\n{(r.stdout + r.stderr)[-4000:]}"
            )

    def result(self) -> tuple[Path, Path]:
        """(the wheel, the venv's folder) once both are ready; AssertionError with pip's output if not."""
        self._thread.join(DEADLINE)
        assert not self._thread.is_alive(), f"building and installing the wheel took over {DEADLINE} s"
        assert self.error is None, self.error
        assert self.wheel is not None
        return self.wheel, self.home

    def close(self) -> None:
        self._thread.join(DEADLINE)
        shutil.rmtree(self.folder, ignore_errors=True)
