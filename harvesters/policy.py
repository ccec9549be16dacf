"""Where one source's harvest may read: its own origin, never somewhere a document points it to.

A harvested document is input from outside. Its `hydra:next`, a CKAN or FHIR `next` link, or a
redirect must not make hdcat read a local file (and publish it) or call a service inside the
hospital's or hdcat's network. So, per source, default deny:

- an http(s) source reads over http(s) only, from its own origin (scheme, host and port) and the
  origins its config lists in `allowed_origins`;
- a file source reads files in its own folder (and below) only, plus any `allowed_origins`;
- loopback, link-local, private, reserved and multicast addresses are refused unless the source's
  own location is on that host (the sample consortium's local servers, a hospital's intranet portal);
- every redirect hop is checked the same way.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from hdcat.harvesters.errors import FetchError


class FetchRefused(FetchError):
    """The location is outside what the source may read; nothing was fetched."""

    status = 403
    code = "fetch_refused"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{port}"


def _is_file(location: str) -> bool:
    return "://" not in location or location.lower().startswith("file://")


def _path(location: str) -> Path:
    return (
        Path(unquote(urlsplit(location).path)) if location.lower().startswith("file://") else Path(location)
    )


def _internal(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (
        ip.is_loopback
        or ip.is_link_local
        or ip.is_private
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def _addresses(host: str) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(host, None)})
    except OSError:
        return []  # unresolvable: the fetch itself fails with a clear "cannot connect"


@dataclass(frozen=True)
class FetchPolicy:
    home: str
    origins: frozenset[str] = frozenset()
    folder: Path | None = None
    #: hosts that may be internal because the source's own location is there
    internal_ok: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def for_source(cls, location: str, allowed_origins=(), trusted: bool = True) -> FetchPolicy:
        """`trusted`: an operator wrote the location (hdcat.toml, the CLI), so its own host may be internal;
        a location an API caller chose gets no such exemption."""
        origins = {origin_of(o) for o in allowed_origins}
        internal_ok = set()
        folder = None
        if _is_file(location):
            path = _path(location).resolve()
            folder = path if path.is_dir() else path.parent
        elif location.lower().startswith(("http://", "https://")):
            origins.add(origin_of(location))
            if trusted:
                internal_ok.add((urlsplit(location).hostname or "").lower())
        return cls(
            home=location, origins=frozenset(origins), folder=folder, internal_ok=frozenset(internal_ok)
        )

    def check(self, location: str) -> None:
        """Raise FetchRefused, naming the location and the rule, unless this source may read it."""
        if _is_file(location):
            if self.folder is None:
                raise FetchRefused(
                    f"{location}: an http(s) source reads over http(s) only, never local files"
                )
            path = _path(location).resolve()
            if path != self.folder and self.folder not in path.parents:
                raise FetchRefused(
                    f"{location}: outside the source's folder {self.folder}; a file source reads "
                    "files in its own folder only"
                )
            return
        scheme = urlsplit(location).scheme.lower()
        if scheme not in ("http", "https"):
            raise FetchRefused(
                f"{location}: unsupported scheme {scheme!r}; harvests read http(s) URLs and files"
            )
        if origin_of(location) not in self.origins:
            allowed = ", ".join(sorted(self.origins)) or "none"
            raise FetchRefused(
                f"{location}: not the source's own origin (allowed: {allowed}); list it in the "
                "source's allowed_origins in hdcat.toml to let the harvest read it"
            )
        host = (urlsplit(location).hostname or "").lower()
        if host in self.internal_ok:
            return
        inside = [a for a in _addresses(host) if _internal(a)]
        if inside:
            raise FetchRefused(
                f"{location}: {host} is an internal address ({inside[0]}); a source may reach "
                "internal addresses only on the host of its own location"
            )
