"""Hand the memory a harvest freed back to the operating system.

A source's harvest holds its parsed pages, its imported graph and the commit's copy of it at once. Once the
commit stands they are garbage, some of it in reference cycles (rdflib's graphs), and CPython frees what
it collects into its own pools and glibc's, which keep the pages. Whatever the process does next (the
analyser's model, about 500 MiB; indexing; the next source) then grows the resident set on top of them.
"""

from __future__ import annotations

import ctypes
import gc
from contextlib import contextmanager
from functools import lru_cache


@lru_cache(maxsize=1)
def _malloc_trim():
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): collecting is all there is to do
        return None


def give_back(collect: bool = True) -> None:
    """Collect what is unreachable and return free heap pages to the system: after a source's commit, so
    that a large harvest's peak is not the sum of its import and what follows it. `collect` False: only
    the pages, for a harvest whose garbage reference counting already freed (a re-harvest that imported a
    few records: a full collection walks every live object of the process, 60 ms a call at 1,000
    datasets, for the few small graphs in cycles that the collector's next pass takes anyway)."""
    if collect:
        gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@contextmanager
def collector_paused():
    """No cyclic collection during the block: for work that makes millions of objects and no garbage (a
    source's pages parsed into tuples of Oxigraph terms, cut into records). The collector's full passes,
    triggered as the parsed source grows by a quarter, walked all of it each time: seven passes, half a
    second of a 3.3 s re-harvest of 5,000 datasets. Reference counting still frees what the block drops;
    cycles made in it (none are expected) wait for the next full pass. What the block made then goes to the
    oldest generation without a pass over it (freeze, then unfreeze): left young, the next collections of
    the young generations walked all of it instead."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if enabled:
            gc.enable()


@contextmanager
def objects_held_still(collect_in_parts: bool = False):
    """The objects made before the block are left out of the collector's passes during it. A harvest's
    import keeps the parsed source (millions of objects, none of them garbage) while it makes and drops an
    rdflib graph per thousand records; each full pass walked the source again: 5,000 datasets imported in
    parts took 12.3 s, 9.5 s with this. Garbage made in the block is collected as usual, or with
    `collect_in_parts` only when the block says a part is done (`hold_still_so_far`): the automatic passes,
    with so little left in the collector's reach, came after every few thousand objects and walked the part
    so far each time (59 full passes of a first harvest of 5,000 datasets)."""
    enabled = gc.isenabled()
    gc.freeze()
    if collect_in_parts:
        gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def hold_still_so_far() -> None:
    """Inside `objects_held_still`: collect the garbage the block made so far (a part's rdflib graphs, in
    reference cycles) and leave what survives out of the collector's later passes too. A whole import in
    parts keeps every part's result: left in the collector's reach, each full pass walked all the parts so
    far (42 passes, 2.1 s of a 40 s first harvest of 5,000 datasets); so each pass walks one part."""
    gc.collect()
    gc.freeze()
