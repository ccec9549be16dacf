"""The lineage page as people read it: titles not ids, colour and a legend by hospital, the focus node in
the middle of a drawing scaled to the page, pan and zoom as an enhancement, readable column lineage, and
anonymous readers told that lineage exists."""

from __future__ import annotations

import hashlib
import html as html_lib
import re
import uuid

import pytest
from hdcat.catalog.config import Settings
from hdcat.catalog.service import Catalog
from hdcat.ontology import hospitals
from hdcat.web import lineage_palette
from hdcat.web.lineage_titles import shorten, width, wrap

from tests.conftest import PASSWORD, ROOT, LiveServer, require_service

SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
HANBIT, GAON, SAEBOM = "postgres://hanbit-db:5432", "postgres://gaon-db:5432", "s3://saebom-research"
NAMESPACES = (
    ("postgres://hanbit-db", "hanbit"),
    ("hanbit-etl", "hanbit"),
    ("postgres://gaon-db", "gaon"),
    ("gaon-etl", "gaon"),
    ("s3://saebom", "saebom"),
)
FOCUS = f"dataset:{HANBIT}:cdm.condition_occurrence"
LONG = "mart.lung_cancer_cohort_with_smoking_history_and_pathology_2015_2025"


def _event(job_ns, job, inputs, outputs, at, output_facets=None):
    return {
        "eventType": "COMPLETE",
        "eventTime": at,
        "producer": "https://hanbit.example/etl/1.4",
        "schemaURL": SCHEMA_URL,
        "run": {"runId": str(uuid.uuid5(uuid.NAMESPACE_URL, job + at))},
        "job": {"namespace": job_ns, "name": job},
        "inputs": [{"namespace": ns, "name": n} for ns, n in inputs],
        "outputs": [{"namespace": ns, "name": n, "facets": output_facets or {}} for ns, n in outputs],
    }


def _column_lineage():
    def field(*sources):
        return {
            "inputFields": [
                {
                    "namespace": ns,
                    "name": name,
                    "field": f,
                    "transformations": [{"type": "DIRECT", "subtype": "IDENTITY"}],
                }
                for ns, name, f in sources
            ]
        }

    return {
        "columnLineage": {
            "_producer": "https://hanbit.example/etl/1.4",
            "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
            "fields": {
                "condition_concept_id": field(
                    (HANBIT, "staging.referrals", "diagnosis_code"), (HANBIT, "emr.diagnoses", "dx_code")
                ),
                "person_id": field((HANBIT, "emr.diagnoses", "patient_key")),
            },
        }
    }


#: gaon's referrals → hanbit's OMOP conditions (the focus) → saebom's research mart → an outside extract:
#: three hospitals and one outsider, three steps each way
PIPELINE = [
    _event("gaon-etl", "export_referrals", [(GAON, "emr.referrals")], [(HANBIT, "staging.referrals")], "2026-10-01T01:00:00Z"),
    _event(
        "hanbit-etl",
        "load_conditions",
        [(HANBIT, "staging.referrals"), (HANBIT, "emr.diagnoses")],
        [(HANBIT, "cdm.condition_occurrence")],
        "2026-10-01T02:00:00Z",
        _column_lineage(),
    ),
    _event(
        "hanbit-etl",
        "build_cohorts",
        [(HANBIT, "cdm.condition_occurrence")],
        [(SAEBOM, LONG), (HANBIT, "mart.registry")],
        "2026-10-01T03:00:00Z",
    ),
    _event("research", "extract", [(SAEBOM, LONG)], [("s3://outside", "extract.one")], "2026-10-01T04:00:00Z"),
]


@pytest.fixture
def pipeline(tmp_path):
    """A fresh catalogue holding the pipeline, its hospitals mapped, and a researcher account."""
    from hdcat.catalog.accounts import Accounts

    settings = Settings(store_url="memory:", data_dir=tmp_path, lineage_namespaces=NAMESPACES)
    cat = Catalog(settings)
    for e in PIPELINE:
        assert cat.lineage.ingest(e)["status"] == "stored"
    Accounts.for_settings(settings).add_user("ana", "researcher", ["hanbit"], PASSWORD)
    yield cat
    cat.close()


@pytest.fixture
def signed_in(pipeline):
    from hdcat.web.app import create_app

    from tests.conftest import sign_in

    return sign_in(create_app(catalog=pipeline), "ana")


def test_smoke_dump(signed_in):
    r = signed_in.get(f"/lineage?node={FOCUS}&depth=3&columns=1")
    assert r.status_code == 200, r.get_data(as_text=True)[:3000]
    open("/tmp/lv/page.html", "w").write(r.get_data(as_text=True))
