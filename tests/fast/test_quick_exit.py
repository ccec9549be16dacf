"""A command ends without the interpreter's teardown (web/quick_exit.py), and loses nothing by it: its
status, its output, a file it left open, a thread still working, another library's exit handler."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def python(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


#: a process that arms the quick exit first, then leaves behind what a teardown would have dealt with
LEFT_BEHIND = """
    import sys
    from hdcat.web import quick_exit
    print("armed", quick_exit.arm())
    import atexit, logging, threading, time

    class Noted:
        def __del__(self, _open=open):  # runs in a teardown (which clears `open` first), and only there
            _open("teardown-ran", "w").close()

    kept = Noted()
    left_open = open("left-open.txt", "w")  # buffered, never closed
    left_open.write("x" * 5000)
    logging.basicConfig(filename="log.txt", level=logging.INFO)
    logging.getLogger("hdcat").info("logged before the end")
    atexit.register(lambda: open("handler-ran", "w").close())  # a library's handler, registered later

    def late():
        time.sleep(0.3)
        open("thread-finished", "w").close()

    threading.Thread(target=late).start()  # not a daemon: Python waits for it
    print("out " * 2000)
    quick_exit.finish({code})
    sys.exit({code})
"""


def test_an_armed_process_keeps_its_status_output_open_files_threads_and_handlers(tmp_path):
    result = python(LEFT_BEHIND.format(code=3), tmp_path)
    assert result.returncode == 3, result.stderr
    assert result.stdout.splitlines()[0] == "armed True"
    assert result.stdout.count("out ") == 2000  # the standard stream flushed
    assert (tmp_path / "left-open.txt").read_text() == "x" * 5000
    assert "logged before the end" in (tmp_path / "log.txt").read_text()
    assert (tmp_path / "thread-finished").exists()
    assert (tmp_path / "handler-ran").exists()
    assert not (tmp_path / "teardown-ran").exists()  # the teardown was skipped: the point of it


def test_a_message_given_to_sys_exit_is_status_one_and_printed(tmp_path):
    code = """
        import sys
        from hdcat.web import quick_exit
        quick_exit.arm()
        quick_exit.finish("no such source")
        sys.exit("no such source")
    """
    result = python(code, tmp_path)
    assert result.returncode == 1
    assert "no such source" in result.stderr


def test_an_uncaught_error_ends_the_usual_way(tmp_path):
    code = """
        from hdcat.web import quick_exit
        quick_exit.arm()

        class Noted:
            def __del__(self, _open=open):
                _open("teardown-ran", "w").close()

        kept = Noted()
        raise RuntimeError("broken")
    """
    result = python(code, tmp_path)
    assert result.returncode == 1
    assert "RuntimeError: broken" in result.stderr
    assert (tmp_path / "teardown-ran").exists()


def test_it_is_not_armed_behind_another_exit_handler(tmp_path):
    """logging registers a handler when imported: one registered before ours would run after it, so never."""
    code = """
        import logging
        from hdcat.web import quick_exit
        print("armed", quick_exit.arm())

        class Noted:
            def __del__(self, _open=open):
                _open("teardown-ran", "w").close()

        kept = Noted()
        quick_exit.finish(0)
    """
    result = python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "armed False"
    assert (tmp_path / "teardown-ran").exists()


def test_the_console_script_arms_it_and_keeps_each_commands_status_and_output(tmp_path):
    """What the installed `hdcat` runs, against the command line run without it."""

    clean = {name: value for name, value in os.environ.items() if not name.startswith("HDCAT_")}

    def run(entry, *args):
        return subprocess.run(
            [sys.executable, "-c", f"from hdcat.web.{entry} import run; run()", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            env={**clean, "HDCAT_DATA_DIR": str(tmp_path / "var"), "COLUMNS": "200"},
        )

    for args, status in ((("--version",), 0), (("sources",), 0), (("no-such-command",), 2), (("--help",), 0)):
        quick, usual = run("console_script", *args), run("cli", *args)
        assert quick.returncode == usual.returncode == status, quick.stderr
        assert quick.stdout == usual.stdout and quick.stderr == usual.stderr
    assert "hanbit-dcat" in run("console_script", "sources").stdout
    script = (ROOT / "pyproject.toml").read_text()
    assert 'hdcat = "hdcat.web.console_script:run"' in script
