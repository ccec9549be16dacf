"""A command ends without the interpreter's teardown (web/quick_exit.py), and loses nothing by it: its
status, its output, a file it left open, a thread still working, another library's exit handler."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


#: a probe loaded at every start (sitecustomize): its object's __del__ runs in a teardown (which clears
#: `open` and `os` first, hence the defaults), and only there
PROBE = """
import os
class Noted:
    def __del__(self, _open=open, _os=os):
        _open(_os.environ["PROBE_OUT"], "w").close()
kept = Noted()
"""


def probed(tmp_path: Path) -> dict:
    """This environment with the probe loaded at start; it leaves `teardown-ran` in tmp_path (PROBE_OUT)."""
    probe = tmp_path / "probe"
    probe.mkdir(exist_ok=True)
    (probe / "sitecustomize.py").write_text(PROBE)
    return {**os.environ, "PYTHONPATH": str(probe), "PROBE_OUT": str(tmp_path / "teardown-ran")}


def python(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env=probed(tmp_path),
    )


#: a process that arms the quick exit first, then leaves behind what a teardown would have dealt with
LEFT_BEHIND = """
    import sys
    from hdcat.web import quick_exit
    print("armed", quick_exit.arm())
    import atexit, logging, threading, time

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
        quick_exit.finish(0)
    """
    result = python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "armed False"
    assert (tmp_path / "teardown-ran").exists()


def test_the_installed_hdcat_skips_the_teardown_and_keeps_each_commands_status_and_output(tmp_path):
    """The `hdcat` script beside this interpreter (what a user runs), against the command line run without
    the quick exit: the same status and output, and only the script skips the teardown."""
    installed = Path(sys.executable).parent / "hdcat"
    assert installed.exists(), f"{installed}: the test command installs hdcat into this environment"
    assert "hdcat.web.console_script" in installed.read_text()
    clean = {name: value for name, value in probed(tmp_path).items() if not name.startswith("HDCAT_")}
    env = {**clean, "HDCAT_DATA_DIR": str(tmp_path / "var"), "COLUMNS": "200"}

    def run(command, *args, marker):
        marker.unlink(missing_ok=True)
        result = subprocess.run(
            [*command, *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            env={**env, "PROBE_OUT": str(marker)},
        )
        return result, marker.exists()

    as_hdcat = "import sys; sys.argv[0] = 'hdcat'; from hdcat.web.cli import run; run()"  # click names it
    usual_command = [sys.executable, "-c", as_hdcat]
    for args, status in ((("--version",), 0), (("sources",), 0), (("no-such-command",), 2), (("--help",), 0)):
        quick, quick_teardown = run([str(installed)], *args, marker=tmp_path / "quick")
        usual, usual_teardown = run(usual_command, *args, marker=tmp_path / "usual")
        assert quick.returncode == usual.returncode == status, quick.stderr
        assert quick.stdout == usual.stdout and quick.stderr == usual.stderr
        assert usual_teardown and not quick_teardown, args  # the probe works, and the script skipped it
    assert "hanbit-dcat" in run([str(installed)], "sources", marker=tmp_path / "quick")[0].stdout


def test_a_write_that_fails_at_the_end_ends_the_usual_way(tmp_path):
    """The last of a command's output can fail only when it is flushed at the end (a full disk): that
    end then reports it and exits with 120, as Python does, rather than 0 with the output cut short."""
    code = """
        import sys
        from hdcat.web import quick_exit
        quick_exit.arm()
        print("x" * 100)  # block-buffered: written at the end
        quick_exit.finish(0)
    """
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    with open("/dev/full", "w") as full:
        command = [sys.executable, "-c", textwrap.dedent(code)]
        result = subprocess.run(command, stdout=full, stderr=subprocess.PIPE, text=True, env=env)
    assert result.returncode == 120, result.stderr
    assert "No space left on device" in result.stderr
