"""`hdcat harvest` while a server holds the store: the work goes to the server, the progress comes back.

The server's file (web/server.py) gives its address and a secret only its OS user can read, so
this needs no token of a person. What the user sees is what a local harvest shows: a progress
bar while the server works, then the same summary.
"""

from __future__ import annotations

import time
from datetime import datetime

import httpx
from hdcat.catalog import HdcatError, SourceConfig
from hdcat.web.commands.common import progress_bar

POLL_SECONDS = 0.3


class ServerUnreachable(HdcatError):
    status = 503
    code = "server_unreachable"


def _request_body(source: SourceConfig, configured: bool, incremental: bool) -> dict:
    if configured:
        return {"source": source.name, "full": not incremental}
    return {
        "kind": source.kind,
        "location": source.location,
        "hospital": source.hospital,
        "full": not incremental,
        **({"options": source.options} if source.options else {}),
    }


def run_seconds(run: dict) -> float:
    try:
        start = datetime.fromisoformat(run["started"])
        end = datetime.fromisoformat(run["ended"]) if run.get("ended") else start
        return (end - start).total_seconds()
    except (KeyError, TypeError, ValueError):
        return 0.0


def harvest_through(
    server, sources: list[SourceConfig], incremental: bool, console, timeout: float = 24 * 3600
) -> list[dict]:
    """Ask the server to harvest `sources`, follow each run to its end, return the finished runs."""
    headers = {"Authorization": f"Bearer {server.secret}"}
    console.print(f"a server holds this catalogue ({server.url}, pid {server.pid}): it runs the harvest")
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as http:
        try:
            names = {s["source"] for s in http.get("/readyz").json().get("sources", [])}
        except (httpx.HTTPError, ValueError) as exc:
            raise ServerUnreachable(
                f"the server at {server.url} does not answer ({exc}); is it still starting?"
            ) from None
        ids = []
        for source in sources:
            answer = http.post(
                "/api/v1/harvests", json=_request_body(source, source.name in names, incremental)
            )
            if answer.status_code != 202:
                raise HdcatError(
                    f"the server refused the harvest of {source.name}: "
                    f"{answer.json().get('message', answer.text[:300])}"
                )
            ids.append(answer.json()["id"])
        progress = progress_bar("sources", console)
        finished: dict[str, dict] = {}
        deadline = time.monotonic() + timeout
        with progress:
            task = progress.add_task("harvesting (in the server)", total=len(ids))
            while len(finished) < len(ids) and time.monotonic() < deadline:
                for run_id in ids:
                    if run_id in finished:
                        continue
                    answer = http.get(f"/api/v1/harvests/{run_id}")
                    run = (
                        answer.json()
                        if answer.status_code == 200
                        else {
                            "id": run_id,
                            "status": "unknown",
                            "error": f"the server answered {answer.status_code} when asked about this run",
                        }
                    )
                    if run.get("state") in ("queued", "running", "committing"):
                        progress.update(
                            task,
                            description=f"harvesting {run['source']} ({run['state']}, "
                            f"{run.get('pages', 0)} pages)",
                        )
                        continue
                    warnings = run.get("warnings") or []
                    finished[run_id] = {
                        **run,
                        "seconds": run_seconds(run),
                        "warnings": warnings if isinstance(warnings, int) else len(warnings),
                    }
                    progress.advance(task)
                if len(finished) < len(ids):
                    time.sleep(POLL_SECONDS)
            progress.update(task, description="harvest finished")
    return [finished[i] for i in ids if i in finished]
