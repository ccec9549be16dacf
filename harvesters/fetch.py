"""Read a location — a file path, a file:// URL or an http(s) URL — into bytes.

httpx with transport retries for connection faults and a short backoff loop
for 429/5xx answers; every failure becomes a FetchError naming the location.
"""

from __future__ import annotations

import re
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from hdcat.catalog import waiting_turn
from hdcat.harvesters.errors import FetchError
from hdcat.harvesters.policy import FetchPolicy

if TYPE_CHECKING:
    import httpx

USER_AGENT = "hdcat-harvester/0.1 (+https://w3id.org/hdcat)"
_RETRY_STATUS = {429, 500, 502, 503, 504}
_REDIRECTS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 5


@dataclass
class Fetched:
    location: str  # where it was read from, as an absolute IRI (file:// for files)
    content: bytes
    media_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None


def _decoder(url: str, encoding: str):
    """A function raw bytes -> decoded pieces, each call producing at most `room` more bytes at a time."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return lambda raw, room: [raw]
    if "," in encoding:
        raise FetchError(
            f"{url}: stacked content encodings ({encoding}) are refused: a few hundred bytes can "
            "inflate to gigabytes"
        )
    if encoding in ("gzip", "x-gzip"):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        inflater = zlib.decompressobj()
    else:
        raise FetchError(
            f"{url}: content encoding {encoding!r} is not supported; serve it plain, gzip or deflate"
        )

    def decode(raw: bytes, room: int):
        pieces, data = [], raw
        while data:
            piece = inflater.decompress(data, max(1, min(room, 1 << 20)))
            if piece:
                pieces.append(piece)
                room -= len(piece)
                if room <= 0:
                    break  # the caller sees the limit passed and stops
            data = inflater.unconsumed_tail
        return pieces

    return decode


def mask_secrets(location: str) -> str:
    """A location fit for logs and run records: user:password@ becomes user:***@."""
    return re.sub(r"://([^:/@]+):[^@/]*@", r"://\1:***@", location)


class Fetcher:
    def __init__(
        self,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_bytes: int = 200 * 1024 * 1024,
    ):
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_bytes = max_bytes
        self._client: httpx.Client | None = None

    def _http(self) -> httpx.Client:
        import httpx  # here: a harvest of files (and every command that never fetches) does without it

        if self._client is None:
            self._client = httpx.Client(
                timeout=self.timeout,
                follow_redirects=False,  # each hop is checked against the policy
                transport=httpx.HTTPTransport(retries=self.retries),
                headers={"User-Agent": USER_AGENT},
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def get(self, location: str, accept: str = "*/*", policy: FetchPolicy | None = None) -> Fetched:
        """Read one location. With a `policy` (every harvest passes its source's), a location or redirect
        outside it is refused before anything is read."""
        if policy is not None:
            policy.check(location)
        scheme = urlsplit(location).scheme if "://" in location else "file"
        if scheme == "file":
            return self._file(location)
        if scheme in ("http", "https"):
            with waiting_turn():  # other sources' harvests run their Python meanwhile (catalog/turns.py)
                return self._url(location, accept, policy)
        raise FetchError(f"{location}: unsupported scheme {scheme!r}; use a file path or an http(s) URL")

    def _file(self, location: str) -> Fetched:
        path = Path(unquote(urlsplit(location).path)) if location.startswith("file://") else Path(location)
        try:
            size = path.stat().st_size
            if size > self.max_bytes:
                raise FetchError(f"{path}: {size} bytes is more than the {self.max_bytes}-byte limit")
            content = path.read_bytes()
        except FileNotFoundError:
            raise FetchError(f"{path}: no such file; check the source's location in hdcat.toml") from None
        except IsADirectoryError:
            raise FetchError(f"{path}: is a folder; point the source at a catalogue file") from None
        except PermissionError:
            raise FetchError(f"{path}: permission denied; hdcat cannot read it") from None
        return Fetched(location=path.resolve().as_uri(), content=content)

    def _read(self, url: str, accept: str, limit: int | None = None, errors: bool = False):
        """One GET, streamed and decoded here, counted as it is inflated: the download stops at `limit`
        (default max_bytes) after decompression, so no gzip bomb — stacked encodings included, which are
        refused — ever inflates in memory. Error answers come back without a body unless `errors`."""
        limit = self.max_bytes if limit is None else limit
        with self._http().stream(
            "GET", url, headers={"Accept": accept, "Accept-Encoding": "gzip, deflate"}
        ) as response:
            if response.status_code >= 300 and not errors:
                return response, b""
            decoder = _decoder(url, response.headers.get("content-encoding", ""))
            chunks, size = [], 0
            for raw in response.iter_raw():
                for chunk in decoder(raw, limit - size + 1):
                    size += len(chunk)
                    if size > limit:
                        raise FetchError(
                            f"{url}: the answer is larger than {limit:,} bytes (after decompression); "
                            "hdcat stopped reading it"
                        )
                    chunks.append(chunk)
            return response, b"".join(chunks)

    def error_body(self, url: str, accept: str, limit: int = 256 * 1024) -> bytes | None:
        """The body of an error answer (servers explain 4xx/5xx in it), read with the same bounds."""
        import httpx

        try:
            return self._read(url, accept, limit=limit, errors=True)[1]
        except (httpx.HTTPError, FetchError):
            return None

    def _url(self, url: str, accept: str, policy: FetchPolicy | None = None) -> Fetched:
        import httpx

        last_error = ""
        hops = 0
        attempt = 0
        while attempt <= self.retries:
            try:
                response, content = self._read(url, accept)
            except httpx.TimeoutException:
                last_error = f"timed out after {self.timeout:.0f} s"
            except httpx.HTTPError as exc:
                last_error = f"cannot connect ({type(exc).__name__}: {exc})"
            else:
                if response.status_code in _REDIRECTS and response.headers.get("location"):
                    hops += 1
                    if hops > MAX_REDIRECTS:
                        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")
                    url = str(response.url.join(response.headers["location"]))
                    if policy is not None:
                        policy.check(url)
                    continue
                if response.status_code in _RETRY_STATUS and attempt < self.retries:
                    last_error = f"HTTP {response.status_code}"
                elif response.status_code >= 400:
                    raise FetchError(
                        f"{url}: HTTP {response.status_code} {response.reason_phrase}; "
                        "check the URL and the server's access settings"
                    )
                else:
                    media = response.headers.get("content-type", "").split(";")[0].strip() or None
                    return Fetched(
                        location=str(response.url),
                        content=content,
                        media_type=media,
                        etag=response.headers.get("etag"),
                        last_modified=response.headers.get("last-modified"),
                    )
            if attempt < self.retries:
                time.sleep(self.backoff * (2**attempt))
            attempt += 1
        raise FetchError(
            f"{url}: {last_error} (tried {self.retries + 1} times); is the server up and reachable?"
        )
