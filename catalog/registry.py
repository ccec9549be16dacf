"""One plugin registry per kind, filled lazily from entry-point groups.

Built-ins register through pyproject.toml exactly as third-party plugins do, so
there is one way in. A plugin whose import fails stays listed, marked
unavailable with the reason, instead of breaking everything else.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from importlib.metadata import EntryPoints, entry_points

from hdcat.catalog.errors import PluginUnavailable
from hdcat.catalog.extension_points import STORES, ExtensionPoint

_SCAN_LOCK = threading.RLock()


@functools.cache
def installed_entry_points() -> EntryPoints:
    """Every installed distribution's entry points, read once a process: each `entry_points(group=…)` call
    reads every distribution's metadata again (411 of them in a development environment: 10 ms a call, and a
    harvest asks three registries). A plugin installed while a process runs is seen by the next one."""
    return entry_points()


@dataclass
class Registry:
    """The plugins of one extension point (catalog/extension_points.py), by their entry-point name."""

    point: ExtensionPoint
    _loaded: dict = field(default_factory=dict)
    _failed: dict = field(default_factory=dict)
    _scanned: bool = False

    @property
    def group(self) -> str:
        return self.point.group

    def register(self, obj, name: str | None = None) -> None:
        """Register directly (tests, embedding applications); the name is the plugin's key attribute."""
        name = name or getattr(obj, self.point.key)
        self._loaded[name] = obj
        self._failed.pop(name, None)

    def _scan(self) -> None:
        if self._scanned:
            return
        with _SCAN_LOCK:  # harvests run in threads: the first scan must finish before anyone reads
            if self._scanned:
                return
            for ep in installed_entry_points().select(group=self.group):
                if ep.name not in self._loaded:
                    self._load(ep)
            self._scanned = True

    def _load_one(self, name: str) -> None:
        """Import only the plugin asked for: a command that opens one store and harvests one kind of
        source need not import every other store's and harvester's module (a tenth of a second)."""
        with _SCAN_LOCK:
            if name in self._loaded or name in self._failed:
                return
            for ep in installed_entry_points().select(group=self.group, name=name):
                self._load(ep)

    def _load(self, ep) -> None:
        try:
            obj = ep.load()
        except Exception as exc:  # a broken plugin must not break the others
            self._failed[ep.name] = f"{type(exc).__name__}: {exc}"
            return
        key = getattr(obj, self.point.key, None)
        if key != ep.name:
            self._failed[ep.name] = (
                f"its {self.point.key} is {key!r}, not the entry-point name {ep.name!r}; the two must match"
            )
            return
        self._loaded[ep.name] = obj

    def get(self, name: str):
        if not self._scanned:
            self._load_one(name)
            if name not in self._loaded and name not in self._failed:
                self._scan()  # for the list of what is available
        if name in self._loaded:
            return self._loaded[name]
        if name in self._failed:
            raise PluginUnavailable(
                f"{self.group} plugin {name!r} is installed but could not be loaded "
                f"({self._failed[name]}); reinstall hdcat or the plugin's package"
            )
        known = ", ".join(sorted(self._loaded)) or "none"
        raise PluginUnavailable(f"no {self.group} plugin named {name!r} (available: {known})")

    def names(self) -> list[str]:
        self._scan()
        return sorted(self._loaded)

    def unavailable(self) -> dict[str, str]:
        self._scan()
        return dict(self._failed)


stores = Registry(STORES)
