"""The sample consortium's web endpoints: a CKAN portal (gaon) and a FHIR server (dasom).

Real hospitals serve these over their networks; `hdcat demo` and the tests serve the bundled
sample files the same way (the CKAN action API and the FHIR REST API on 127.0.0.1), so the demo
harvests a source of every kind with no network at all.
"""

from __future__ import annotations

import json
import threading
from importlib import resources
from urllib.parse import parse_qs

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

_DATA = resources.files("hdcat.harvesters").joinpath("samples/consortium")
PLACEHOLDER = "{samples}"


def _load(*parts):
    return json.loads(_DATA.joinpath(*parts).read_text("utf-8"))


def _json(body, status=200, kind="application/json"):
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=kind)


def _ckan(path: str, args) -> Response:
    if path != "/api/3/action/package_search":
        return _json({"success": False, "error": {"message": "Not found"}}, 404)
    packages = _load("gaon", "ckan-packages.json")
    rows, start = int(args.get("rows", ["10"])[0]), int(args.get("start", ["0"])[0])
    return _json(
        {"success": True, "result": {"count": len(packages), "results": packages[start : start + rows]}}
    )


def _fhir(path: str, args, base: str) -> Response:
    kind = "application/fhir+json"
    folder = ("dasom", "fhir")
    if path == "/metadata":
        return _json(_load(*folder, "metadata.json"), kind=kind)
    rtype = path.strip("/")
    counts = _load(*folder, "counts.json")
    if args.get("_summary") == ["count"] and rtype in counts:
        return _json({"resourceType": "Bundle", "type": "searchset", "total": counts[rtype]}, kind=kind)
    entries = {"Group": "groups.json", "ResearchStudy": "studies.json"}
    if rtype in entries:
        resources_ = _load(*folder, entries[rtype])
        return _json(
            {
                "resourceType": "Bundle",
                "type": "searchset",
                "total": len(resources_),
                "entry": [
                    {
                        "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
                        "resource": r,
                        "search": {"mode": "match"},
                    }
                    for r in resources_
                ],
            },
            kind=kind,
        )
    return _json(
        {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "not-found", "diagnostics": f"no resource type {rtype}"}],
        },
        404,
        kind,
    )


def app(environ, start_response):
    request = Request(environ)
    args = parse_qs(request.query_string.decode())
    if request.path.startswith("/ckan/"):
        response = _ckan(request.path[len("/ckan") :], args)
    elif request.path.startswith("/fhir/"):
        response = _fhir(request.path[len("/fhir") :], args, request.host_url.rstrip("/") + "/fhir")
    else:
        response = _json({"error": "not found"}, 404)
    return response(environ, start_response)


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # the demo's console is for the harvest summary
        pass


class SampleServers:
    """The sample hospitals' CKAN and FHIR endpoints on a free local port, for as long as needed."""

    def __init__(self):
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="sample-servers")
        self.thread.start()

    def resolve(self, settings):
        """Settings whose `{samples}` locations point at these servers."""
        from dataclasses import replace

        return replace(
            settings,
            sources=tuple(
                replace(s, location=s.location.replace(PLACEHOLDER, self.url)) for s in settings.sources
            ),
        )

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
