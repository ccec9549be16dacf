"""The built wheel installed alone in a fresh virtualenv, prepared in the background for tests/test_wheel.py.

Building the wheel is seconds; installing it with its declared dependencies is most of a minute, and
most of that is waiting on the package index (pip's HTTP cache is often cold) and on the disk. Nothing
in that needs the tests that run meanwhile, nor they it, so when the session holds tests/test_wheel.py
the build and install start as the session starts (tests/conftest.py) and the wheel's tests wait for them
to finish: the same wheel, the same clean venv, the same pip, only no longer on the critical path. Any
failure is raised, with pip's own output, in the wheel's tests.

With parallel test workers (pytest-xdist) every worker collects every test, so each would build its own;
instead the first to make the run's shared folder builds there, and a worker that gets the wheel's tests
waits for its `done` file. The controller removes that folder when the run ends (tests/conftest.py).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import threading
import time
import venv
from pathlib import Path

from tests.conftest import ROOT

#: the longest the whole build-and-install may take (it was ~75 s on two busy cores)
DEADLINE = 900


class WheelInstall:
    """`pip wheel` of the clone, then a venv without pip into which the outer pip installs that wheel.

    `folder` is this test process's own (made here, removed by `close`) or one shared by the run's parallel
    workers (`shared_folder`), where only the worker that made it builds."""

    def __init__(self, folder: Path | None = None):
        self.shared = folder is not None
        self.building = True
        if folder is None:
            folder = Path(tempfile.mkdtemp(prefix="hdcat-wheel-test-"))
        else:
            try:
                folder.mkdir()
            except FileExistsError:
                self.building = False  # another worker builds it
        self.folder = folder
        self.home = self.folder / "venv"
        self.error: str | None = None
        self._thread = threading.Thread(target=self._run, name="wheel-install", daemon=True)
        if self.building:
            self._thread.start()

    def _run(self) -> None:
        try:
            out = self.folder / "dist"
            out.mkdir()
            self._pip("wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT), cwd=out, timeout=600)
            [wheel] = out.glob("hdcat-*.whl")
            # no pip inside: the test's pip installs into it (`pip --python`), so the venv holds the wheel
            # and its declared dependencies and nothing else (no ensurepip run, which took seconds)
            venv.create(self.home, with_pip=False)
            self._pip(
                "--python",
                str(self.home / "bin/python"),
                "install",
                "--quiet",
                "--no-compile",  # byte-compiling every dependency is slow and tests nothing here
                str(wheel),
                cwd=self.home,
                timeout=800,
            )
        except Exception as exc:  # reported by `result`, in the test that needs the venv
            self.error = f"{type(exc).__name__}: {exc}"
        (self.folder / "done").write_text(self.error or "")

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
        done = self.folder / "done"
        deadline = time.monotonic() + DEADLINE
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert done.exists(), f"building and installing the wheel took over {DEADLINE} s"
        error = done.read_text()
        assert not error, error
        [wheel] = (self.folder / "dist").glob("hdcat-*.whl")
        return wheel, self.home

    def close(self) -> None:
        if self.building:
            self._thread.join(DEADLINE)
        if not self.shared:
            shutil.rmtree(self.folder, ignore_errors=True)


def shared_folder(run: int) -> Path:
    """The folder the parallel workers of run `run` (the controller's process id) build the wheel in."""
    return Path(tempfile.gettempdir()) / f"hdcat-wheel-test-run-{run}"
