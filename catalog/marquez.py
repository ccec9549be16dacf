"""Marquez's read model of lineage, computed from the stored OpenLineage events.

Tools written for Marquez (its web UI, its Python client, dbt and Airflow dashboards) read
namespaces, datasets with versions and fields, jobs with versions and runs, and runs with a state;
hdcat stores only the events (catalog.lineage_service), so this module replays them in eventTime
order into the objects Marquez's OpenAPI spec (tests/data/marquez/openapi.yml) describes, with its
field names. A new event is added in place (`add`) when it is not earlier than those already replayed;
an earlier one (a late event from a producer's retry queue) has the model replayed from all events
on next use, since what came after it may depend on it. Replaying all events and adding them one by
one give the same model: replay is `add` in eventTime order.

How Marquez's notions are derived from events (the spec leaves them to the implementation):
- a run's `state`: START/RUNNING -> RUNNING, COMPLETE -> COMPLETED, FAIL -> FAILED, ABORT -> ABORTED
  (the latest of these by eventTime; OTHER changes nothing; a run with only OTHER is NEW);
  `startedAt` is its START time, `endedAt` its COMPLETE/FAIL/ABORT time, `durationMs` between them.
- a job version is a UUID of the job's name and the inputs and outputs of a run (or a job event):
  a new version when what the job reads or writes changes, as in Marquez.
- a dataset version is made by each run that writes the dataset (and by each dataset event); a
  dataset read before anything wrote it gets one first version. A run's input versions are the
  versions current when it ran.
- values absent in the events are left out of the answer rather than given as null (the spec types
  them as strings without `nullable`).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hdcat.catalog.errors import Invalid, NotFound

STATES = {
    "START": "RUNNING",
    "RUNNING": "RUNNING",
    "COMPLETE": "COMPLETED",
    "FAIL": "FAILED",
    "ABORT": "ABORTED",
}
_VERSIONS = uuid.UUID("6f1d3c3e-7a0b-4e55-9c36-1b7b0c1f4a11")  # hdcat's namespace for version UUIDs


def _when(value) -> datetime:
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC with a Z, as Marquez writes its timestamps."""
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _version(*parts) -> str:
    return str(uuid.uuid5(_VERSIONS, json.dumps(parts, sort_keys=True, default=str)))


def _present(body: dict) -> dict:
    return {k: v for k, v in body.items() if v is not None}


@dataclass
class _DatasetVersion:
    version: str
    created: datetime
    facets: dict
    run: str | None = None


@dataclass
class _Dataset:
    namespace: str
    name: str
    created: datetime
    updated: datetime
    facets: dict = field(default_factory=dict)
    versions: list[_DatasetVersion] = field(default_factory=list)
    modified: datetime | None = None


@dataclass
class _JobVersion:
    version: str
    created: datetime
    inputs: list[tuple[str, str]]
    outputs: list[tuple[str, str]]
    facets: dict
    runs: list[str] = field(default_factory=list)
    from_job_event: bool = False  # a job event made it, so it stays without runs


@dataclass
class _Job:
    namespace: str
    name: str
    created: datetime
    updated: datetime
    facets: dict = field(default_factory=dict)
    versions: dict[str, _JobVersion] = field(default_factory=dict)
    current: str | None = None
    runs: list[str] = field(default_factory=list)


@dataclass
class _Run:
    run_id: str
    job: tuple[str, str]
    created: datetime
    updated: datetime
    state: str = "NEW"
    state_at: datetime | None = None
    started: datetime | None = None
    ended: datetime | None = None
    facets: dict = field(default_factory=dict)
    job_facets: dict = field(default_factory=dict)
    inputs: dict[tuple[str, str], str] = field(default_factory=dict)  # dataset -> version read
    outputs: dict[tuple[str, str], str] = field(default_factory=dict)  # dataset -> version written
    job_version: str | None = None


def _fields(facets: dict) -> list[dict]:
    out = []
    for f in (facets.get("schema") or {}).get("fields") or []:
        if isinstance(f, dict) and f.get("name"):
            out.append(
                _present(
                    {
                        "name": str(f["name"]),
                        "type": str(f.get("type") or "UNKNOWN"),
                        "tags": [],
                        "description": f.get("description"),
                    }
                )
            )
    return out


def _description(facets: dict) -> str | None:
    doc = (facets.get("documentation") or {}).get("description")
    return doc if isinstance(doc, str) else None


class MarquezView:
    """The events replayed into Marquez's objects; `hospital_of(namespace)` names a namespace's
    member hospital (its `ownerName`), or None."""

    def __init__(self, events: list[dict], hospital_of: Callable[[str], str | None]):
        self.hospital_of = hospital_of
        self.events: list[dict] = []
        self.namespaces: dict[str, list[datetime]] = {}
        self.datasets: dict[tuple[str, str], _Dataset] = {}
        self.jobs: dict[tuple[str, str], _Job] = {}
        self.runs: dict[str, _Run] = {}
        self._by_node: dict[str, tuple[str, tuple[str, str]]] | None = None
        self._latest: datetime | None = None
        for event in sorted(events, key=lambda e: _when(e.get("eventTime"))):
            self._apply(event)

    def add(self, event: dict) -> bool:
        """Add one stored event in place; False (nothing changed) when it is earlier than the latest
        event replayed, and the model must be replayed from all events instead."""
        if self._latest is not None and _when(event.get("eventTime")) < self._latest:
            return False
        self._apply(event)
        return True

    def _apply(self, event: dict) -> None:
        at = _when(event.get("eventTime"))
        self.events.append(event)
        self._latest = at if self._latest is None else max(self._latest, at)
        run_ref = event.get("run") if "job" in event else None
        run_id = str(run_ref["runId"]).lower() if isinstance(run_ref, dict) and run_ref.get("runId") else None
        if run_id in self.runs:  # what the run reads and writes may change: its job version is made again
            self._unversion_job(self.runs[run_id])
        self._replay(event)
        if run_id in self.runs:
            self._version_job(self.runs[run_id])
        self._by_node = None

    # ---- replay ---------------------------------------------------------------------------
    def _seen(self, namespace: str, at: datetime) -> None:
        span = self.namespaces.setdefault(namespace, [at, at])
        span[0], span[1] = min(span[0], at), max(span[1], at)

    def _dataset(self, item: dict, at: datetime) -> _Dataset:
        key = (item["namespace"], item["name"])
        self._seen(key[0], at)
        ds = self.datasets.get(key)
        if ds is None:
            ds = self.datasets[key] = _Dataset(key[0], key[1], at, at)
        ds.updated = max(ds.updated, at)
        ds.facets.update(item.get("facets") or {})
        return ds

    def _new_version(self, ds: _Dataset, at: datetime, run: str | None, facets: dict) -> str:
        version = _version(ds.namespace, ds.name, run, facets if run is None else None)
        if not any(v.version == version for v in ds.versions):
            ds.versions.append(_DatasetVersion(version, at, dict(ds.facets), run))
        else:
            next(v for v in ds.versions if v.version == version).facets = dict(ds.facets)
        return version

    def _replay(self, event: dict) -> None:
        at = _when(event.get("eventTime"))
        if "dataset" in event and "job" not in event:
            ds = self._dataset(event["dataset"], at)
            self._new_version(ds, at, None, event["dataset"].get("facets") or {})
            return
        job_ref = event["job"]
        key = (job_ref["namespace"], job_ref["name"])
        self._seen(key[0], at)
        job = self.jobs.get(key)
        if job is None:
            job = self.jobs[key] = _Job(key[0], key[1], at, at)
        job.updated = max(job.updated, at)
        job.facets.update(job_ref.get("facets") or {})
        run_ref = event.get("run")
        run = None
        if run_ref:
            run_id = str(run_ref["runId"]).lower()
            run = self.runs.get(run_id)
            if run is None:
                run = self.runs[run_id] = _Run(run_id, key, at, at)
                job.runs.append(run_id)
            run.updated = max(run.updated, at)
            run.facets.update(run_ref.get("facets") or {})
            run.job_facets.update(job_ref.get("facets") or {})
            kind = event.get("eventType", "OTHER")
            if kind in STATES and (run.state_at is None or at >= run.state_at):
                run.state, run.state_at = STATES[kind], at
            if kind == "START":
                run.started = at if run.started is None else min(run.started, at)
            elif kind in ("COMPLETE", "FAIL", "ABORT"):
                run.ended = at if run.ended is None else max(run.ended, at)
        for item in event.get("inputs") or []:
            ds = self._dataset(item, at)
            if not ds.versions:
                self._new_version(ds, at, None, {})
            if run is not None:
                run.inputs.setdefault((ds.namespace, ds.name), ds.versions[-1].version)
        for item in event.get("outputs") or []:
            ds = self._dataset(item, at)
            if run is not None:
                run.outputs[(ds.namespace, ds.name)] = self._new_version(ds, at, run.run_id, {})
                if event.get("eventType") == "COMPLETE":
                    ds.modified = at
        if run is None:  # a job event: the job as it is now, a version without a run
            self._add_job_version(
                job,
                at,
                sorted((i["namespace"], i["name"]) for i in event.get("inputs") or []),
                sorted((o["namespace"], o["name"]) for o in event.get("outputs") or []),
                None,
            )

    def _add_job_version(self, job: _Job, at: datetime, inputs, outputs, run: _Run | None) -> str:
        location = (job.facets.get("sourceCodeLocation") or {}).get("url")
        version = _version(job.namespace, job.name, inputs, outputs, location)
        jv = job.versions.get(version)
        if jv is None:
            jv = job.versions[version] = _JobVersion(version, at, inputs, outputs, dict(job.facets))
        if run is not None:
            jv.runs.append(run.run_id)
        else:
            jv.from_job_event = True
        if job.current is None or job.versions[job.current].created <= at:
            job.current = version
        return version

    def _unversion_job(self, run: _Run) -> None:
        """Take a run out of its job version (dropping a version only it made) before it is versioned
        again with what it reads and writes now."""
        job = self.jobs[run.job]
        jv = job.versions.get(run.job_version) if run.job_version else None
        run.job_version = None
        if jv is None:
            return
        if run.run_id in jv.runs:
            jv.runs.remove(run.run_id)
        if not jv.runs and not jv.from_job_event:
            del job.versions[jv.version]
            if job.current == jv.version:
                latest = None
                for v in job.versions.values():  # the latest-created; of equals, the last made
                    if latest is None or v.created >= latest.created:
                        latest = v
                job.current = latest.version if latest else None

    def _version_job(self, run: _Run) -> None:
        run.job_version = self._add_job_version(
            self.jobs[run.job], run.created, sorted(run.inputs), sorted(run.outputs), run
        )

    # ---- lookups --------------------------------------------------------------------------
    def _job(self, namespace: str, name: str) -> _Job:
        job = self.jobs.get((namespace, name))
        if job is None:
            raise NotFound(f"no job {name!r} in lineage namespace {namespace!r}")
        return job

    def _ds(self, namespace: str, name: str) -> _Dataset:
        ds = self.datasets.get((namespace, name))
        if ds is None:
            raise NotFound(f"no dataset {name!r} in lineage namespace {namespace!r}")
        return ds

    def has_namespace(self, namespace: str) -> bool:
        return namespace in self.namespaces

    def has_dataset(self, namespace: str, name: str) -> bool:
        return (namespace, name) in self.datasets

    def has_job(self, namespace: str, name: str) -> bool:
        return (namespace, name) in self.jobs

    # ---- Marquez's objects ----------------------------------------------------------------
    def namespace(self, name: str) -> dict:
        if name not in self.namespaces:
            raise NotFound(f"no lineage namespace {name!r}")
        first, last = self.namespaces[name]
        return {
            "name": name,
            "createdAt": iso(first),
            "updatedAt": iso(last),
            "ownerName": self.hospital_of(name) or "anonymous",
        }

    def namespace_list(self) -> list[dict]:
        return [self.namespace(n) for n in sorted(self.namespaces)]

    def dataset(self, namespace: str, name: str) -> dict:
        ds = self._ds(namespace, name)
        return self._dataset_body(ds)

    def _dataset_body(self, ds: _Dataset) -> dict:
        source = (ds.facets.get("dataSource") or {}).get("name")
        lifecycle = (ds.facets.get("lifecycleStateChange") or {}).get("lifecycleStateChange")
        return _present(
            {
                "id": {"namespace": ds.namespace, "name": ds.name},
                "type": "DB_TABLE",
                "name": ds.name,
                "physicalName": ds.name,
                "createdAt": iso(ds.created),
                "updatedAt": iso(ds.updated),
                "namespace": ds.namespace,
                "sourceName": source if isinstance(source, str) else ds.namespace,
                "fields": _fields(ds.facets),
                "tags": [],
                "lastModifiedAt": iso(ds.modified),
                "lastLifecycleState": lifecycle if isinstance(lifecycle, str) else None,
                "description": _description(ds.facets),
                "facets": ds.facets,
                "currentVersion": ds.versions[-1].version if ds.versions else None,
                "deleted": False,
            }
        )

    def datasets_in(self, namespace: str) -> list[dict]:
        self.namespace(namespace)
        return [self._dataset_body(d) for k, d in sorted(self.datasets.items()) if k[0] == namespace]

    def dataset_versions(self, namespace: str, name: str) -> list[dict]:
        ds = self._ds(namespace, name)
        return [self._dataset_version(ds, v) for v in reversed(ds.versions)]

    def dataset_version(self, namespace: str, name: str, version: str) -> dict:
        ds = self._ds(namespace, name)
        for v in ds.versions:
            if v.version == version.lower():
                return self._dataset_version(ds, v)
        raise NotFound(f"dataset {namespace}:{name} has no version {version!r}")

    def _dataset_version(self, ds: _Dataset, v: _DatasetVersion) -> dict:
        source = (v.facets.get("dataSource") or {}).get("name")
        return _present(
            {
                "id": {"namespace": ds.namespace, "name": ds.name, "version": v.version},
                "type": "DB_TABLE",
                "name": ds.name,
                "physicalName": ds.name,
                "createdAt": iso(v.created),
                "version": v.version,
                "namespace": ds.namespace,
                "sourceName": source if isinstance(source, str) else ds.namespace,
                "fields": _fields(v.facets),
                "description": _description(v.facets) or "",
                "createdByRun": self.run(v.run) if v.run else None,
                "facets": v.facets,
            }
        )

    def job(self, namespace: str, name: str) -> dict:
        return self._job_body(self._job(namespace, name))

    def _job_body(self, job: _Job) -> dict:
        current = job.versions.get(job.current) if job.current else None
        runs = sorted((self.runs[r] for r in job.runs), key=lambda r: r.created, reverse=True)
        job_type = (job.facets.get("jobType") or {}).get("processingType")
        return _present(
            {
                "id": {"namespace": job.namespace, "name": job.name},
                "type": job_type if job_type in ("BATCH", "STREAM", "SERVICE") else "BATCH",
                "name": job.name,
                "simpleName": job.name,
                "createdAt": iso(job.created),
                "updatedAt": iso(job.updated),
                "namespace": job.namespace,
                "inputs": [{"namespace": n, "name": d} for n, d in (current.inputs if current else [])],
                "outputs": [{"namespace": n, "name": d} for n, d in (current.outputs if current else [])],
                "location": (job.facets.get("sourceCodeLocation") or {}).get("url"),
                "description": _description(job.facets),
                "latestRun": self._run_body(runs[0]) if runs else None,
                "latestRuns": [self._run_body(r) for r in runs[:10]],
                "facets": job.facets,
                "currentVersion": job.current,
            }
        )

    def jobs_in(self, namespace: str) -> list[dict]:
        self.namespace(namespace)
        return [self._job_body(j) for k, j in sorted(self.jobs.items()) if k[0] == namespace]

    def job_versions(self, namespace: str, name: str) -> list[dict]:
        job = self._job(namespace, name)
        ordered = sorted(job.versions.values(), key=lambda v: v.created, reverse=True)
        return [self._job_version(job, v) for v in ordered]

    def job_version(self, namespace: str, name: str, version: str) -> dict:
        job = self._job(namespace, name)
        if version.lower() not in job.versions:
            raise NotFound(f"job {namespace}:{name} has no version {version!r}")
        return self._job_version(job, job.versions[version.lower()])

    def _job_version(self, job: _Job, v: _JobVersion) -> dict:
        runs = sorted((self.runs[r] for r in v.runs), key=lambda r: r.created, reverse=True)
        return _present(
            {
                "id": {"namespace": job.namespace, "name": job.name, "version": v.version},
                "name": job.name,
                "version": v.version,
                "createdAt": iso(v.created),
                "namespace": job.namespace,
                "inputs": [{"namespace": n, "name": d} for n, d in v.inputs],
                "outputs": [{"namespace": n, "name": d} for n, d in v.outputs],
                "location": (v.facets.get("sourceCodeLocation") or {}).get("url"),
                "latestRun": self._run_body(runs[0]) if runs else None,
                "facets": v.facets,
            }
        )

    def job_runs(self, namespace: str, name: str) -> list[dict]:
        job = self._job(namespace, name)
        runs = sorted((self.runs[r] for r in job.runs), key=lambda r: r.created, reverse=True)
        return [self._run_body(r) for r in runs]

    def run(self, run_id: str) -> dict:
        run = self.runs.get(str(run_id).lower())
        if run is None:
            raise NotFound(f"no run {run_id!r}")
        return self._run_body(run)

    def run_facets(self, run_id: str, kind: str) -> dict:
        if kind not in ("run", "job"):
            raise Invalid("parameter 'type': run or job", field="type")
        run = self.runs.get(str(run_id).lower())
        if run is None:
            raise NotFound(f"no run {run_id!r}")
        return {"runId": run.run_id, "facets": run.facets if kind == "run" else run.job_facets}

    def _run_body(self, run: _Run) -> dict:
        nominal = run.facets.get("nominalTime") or {}
        duration = None
        if run.started is not None and run.ended is not None:
            duration = int((run.ended - run.started).total_seconds() * 1000)
        ns, name = run.job
        return _present(
            {
                "id": run.run_id,
                "createdAt": iso(run.created),
                "updatedAt": iso(run.updated),
                "nominalStartTime": nominal.get("nominalStartTime"),
                "nominalEndTime": nominal.get("nominalEndTime"),
                "state": run.state,
                "startedAt": iso(run.started),
                "endedAt": iso(run.ended),
                "durationMs": duration,
                "args": {},
                "jobVersion": {"namespace": ns, "name": name, "version": run.job_version},
                "inputDatasetVersions": [
                    {"datasetVersionId": {"namespace": n, "name": d, "version": v}, "facets": {}}
                    for (n, d), v in sorted(run.inputs.items())
                ],
                "outputDatasetVersions": [
                    {"datasetVersionId": {"namespace": n, "name": d, "version": v}, "facets": {}}
                    for (n, d), v in sorted(run.outputs.items())
                ],
                "facets": run.facets,
            }
        )

    def node_data(self, node_id: str) -> dict | None:
        """The `data` of a lineage graph node, as Marquez gives it: the dataset or job object."""
        if self._by_node is None:
            self._by_node = {f"dataset:{ns}:{n}": ("dataset", (ns, n)) for ns, n in self.datasets}
            self._by_node.update({f"job:{ns}:{n}": ("job", (ns, n)) for ns, n in self.jobs})
        found = self._by_node.get(node_id)
        if found is None:
            return None
        kind, key = found
        return self._dataset_body(self.datasets[key]) if kind == "dataset" else self._job_body(self.jobs[key])

    # ---- search and events ----------------------------------------------------------------
    def search(
        self, q: str, filter_: str | None, sort: str, namespace: str | None, before, after
    ) -> list[dict]:
        """Marquez's search: `q` matches names case-insensitively, `%` any run of characters and
        `_` one character (a plain word matches anywhere in the name)."""
        if filter_ not in (None, "", "dataset", "job", "DATASET", "JOB"):
            raise Invalid("parameter 'filter': dataset or job", field="filter")
        if sort not in ("name", "updated_at", "UPDATE_AT", "NAME"):
            raise Invalid("parameter 'sort': name or updated_at", field="sort")
        pattern = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in q)
        found = re.compile(pattern, re.IGNORECASE | re.DOTALL)
        hits = []
        kinds = {"dataset": self.datasets, "job": self.jobs}
        for kind, items in kinds.items():
            if filter_ and filter_.lower() != kind:
                continue
            for (ns, name), item in items.items():
                if namespace and ns != namespace:
                    continue
                day = item.updated.date()
                if (before and not day < before) or (after and not day > after):
                    continue
                if found.search(name):
                    hits.append(
                        {
                            "type": kind.upper(),
                            "name": name,
                            "updatedAt": iso(item.updated),
                            "namespace": ns,
                            "nodeId": f"{kind}:{ns}:{name}",
                        }
                    )
        key = (lambda h: h["name"]) if sort.lower() == "name" else (lambda h: h["updatedAt"])
        return sorted(hits, key=key, reverse=sort.lower() != "name")

    def lineage_events(self, descending: bool, before: datetime | None, after: datetime | None) -> list[dict]:
        chosen = [
            e
            for e in self.events
            if (before is None or _when(e["eventTime"]) < before)
            and (after is None or _when(e["eventTime"]) > after)
        ]
        return list(reversed(chosen)) if descending else chosen
