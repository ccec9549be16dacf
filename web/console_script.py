"""The `hdcat` console script: the quick exit is armed before anything else is imported (importing
`logging` registers an exit handler, and ours must be the first), then the command line runs."""

from __future__ import annotations

from hdcat.web import quick_exit


def run() -> None:  # pragma: no cover - run as the installed `hdcat`, in tests through a subprocess
    quick_exit.arm()
    from hdcat.web.cli import run as run_command_line

    try:
        run_command_line()
    except SystemExit as exc:
        quick_exit.finish(exc.code)
        raise
    quick_exit.finish(None)
