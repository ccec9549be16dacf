"""A value read from the whole catalogue, kept across the commits that say what they touched.

Some reads cover every dataset: the map of every dataset and its graphs, the keys lineage events are
matched by, every harvested derivation. At 1,000,000 datasets each took a minute or more (a store larger
than the page cache decodes every term at random), and a commit of a few dozen datasets dropped them all.
A commit's run names the short ids it added, changed or removed (HarvestRun.touched), so the value is
patched instead: what names those datasets is read again, the rest kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Patched(Generic[T]):
    """`get(read_whole, patch)`: the value, read whole the first time and after a commit that did not say
    what it touched; patched (`patch(value, touched short ids)`) after commits that did. One caller reads or
    patches at a time, and the others wait for its answer rather than read it again."""

    def __init__(self):
        self._lock = threading.Lock()
        self._computing = threading.RLock()
        self._value: T | None = None
        self._touched: set[str] = set()
        self._epoch = 0  # moved by a commit that did not say what it touched
        self._patching = False  # the kept value is being read again or patched: not current

    def forget(self, touched=None) -> None:
        with self._lock:
            if touched is None:
                self._value, self._touched = None, set()
                self._epoch += 1
            elif self._value is not None or self._patching:  # nothing kept: the next read is whole anyway
                self._touched |= set(touched)

    def current(self) -> T | None:
        """The value if it is kept and no commit since waits to be patched in; else None."""
        with self._lock:
            return None if self._touched or self._patching else self._value

    def get(self, read_whole: Callable[[], T], patch: Callable[[T, set[str]], T]) -> T:
        with self._computing:
            with self._lock:
                value, touched, epoch = self._value, self._touched, self._epoch
                if value is not None and not touched:
                    return value
                self._touched, self._patching = set(), True
            try:
                value = read_whole() if value is None else patch(value, touched)
            except BaseException:
                with self._lock:  # still to be patched in by the next caller
                    self._touched |= touched
                raise
            finally:
                with self._lock:
                    self._patching = False
            with self._lock:
                if epoch == self._epoch:  # commits meanwhile left what they touched for next time
                    self._value = value
            return value
