"""An `hdcat` command ends without the interpreter's teardown once its work is done.

Why: after the last line of a command, Python frees every object one by one (module by module) and runs a
last full collection, work the operating system does at once when the process ends. After a 1 %-changed
re-harvest of 1,000 datasets that teardown was 0.15–0.17 s of a 1.2 s command (the parsed source, the
catalogue's caches, the libraries' modules), and every command paid its share. Instagram ends its web
workers the same way (`atexit.register(os._exit, 0)`); here it is done so that what a teardown would do
for us is done first:

- the handler is armed only as the first exit handler of the process, so it runs last (handlers run last
  registered, first run): by then Python has joined the threads that are not daemons (and thread and
  process pools) and every other handler (logging's, libraries', `KoreanTerms.flush`) has run;
- it acts only when the command ended with a status (returned, `sys.exit`, or click's exit after Ctrl-C);
  an uncaught exception ends the usual way;
- before leaving it ends logging and flushes every open Python file of the built-in buffered and text types
  and the standard streams; when one of those flushes fails (a full disk, a closed pipe) the process ends
  the usual way instead, so Python reports it and exits with 120 as it would have;
- the stores (Oxigraph, tantivy, SQLite) have committed by then; what a teardown would add to them (a
  write-ahead log folded in, a merge) the next process does;
- the process exits with the command's own status.

What it does not do is run finalizers: a `__del__`, a `weakref.finalize` without atexit, or a writer that
finishes its file when collected (gzip, zip, a subclass of a text wrapper, a NamedTemporaryFile's removal).
So a command closes what it opens (`with`), as hdcat's do.
"""

from __future__ import annotations

import atexit
import gc
import io
import os
import sys

#: the buffered writers whose unwritten bytes a teardown would have flushed (exact types: an isinstance
#: check against io.IOBase, an abstract class, over every object was three times slower)
_WRITABLE = frozenset({io.BufferedWriter, io.BufferedRandom, io.BufferedRWPair, io.TextIOWrapper})


class _State:
    armed = False
    status: int | None = None  # None: end the usual way


def arm() -> bool:
    """Make the process end quickly once `finish` has been called. Only while no other exit handler is
    registered (the console script calls this before importing anything else): a handler registered before
    ours would run after it, and so not at all. Returns whether it is armed."""
    if _State.armed:
        return True
    registered = getattr(atexit, "_ncallbacks", None)  # the one way to know ours would run last
    if registered is None or registered():
        return False
    atexit.register(_leave)
    _State.armed = True
    return True


def finish(code) -> None:
    """The command ended with `code`, as `sys.exit` takes it: None is 0, an int itself, anything else
    (a message Python prints) 1."""
    _State.status = 0 if code is None else code if isinstance(code, int) else 1


def _leave() -> None:
    if _State.status is None:
        return
    logging = sys.modules.get("logging")  # not imported here: importing it registers its own handler
    if logging is not None:
        logging.shutdown()
    flushed = [_flush(obj) for obj in gc.get_objects() if type(obj) in _WRITABLE]
    flushed += [_flush(sys.stdout), _flush(sys.stderr)]
    if all(flushed):
        os._exit(_State.status)
    # a write failed: the usual end reports it (and exits with 120 when it is a standard stream's)


def _flush(stream) -> bool:
    """Flush a writable stream; False when the write failed."""
    try:
        if stream is not None and not stream.closed and stream.writable():
            stream.flush()
    except ValueError:  # detached or closed meanwhile: nothing of it to keep
        pass
    except OSError:
        return False
    return True
