"""The JSON API over the harvested sample consortium: shapes, paging, 400 and 404 bodies."""

from __future__ import annotations

import pytest
from hdcat.catalog.schemas import MAX_PAGE_SIZE


def _error_shape(response, status, field=None):
    assert response.status_code == status
    assert response.is_json, response.data[:200]
    body = response.get_json()
    assert set(body) >= {"error", "message", "status"} and body["status"] == status
    assert isinstance(body["message"], str) and body["message"]
    if field:
        assert body["field"] == field and field in body["message"]
    return body


def test_datasets_paged_and_complete(client, sample_catalog):
    total = sample_catalog.datasets.count()
    seen = set()
    page = 1
    while True:
        r = client.get(f"/api/v1/datasets?page={page}&size=50")
        assert r.status_code == 200
        body = r.get_json()
        assert body["total"] == total
        seen |= {h["id"] for h in body["hits"]}
        if "next" not in body["links"]:
            break
        page += 1
    assert len(seen) == total >= 8 * 20


def test_dataset_list_filters(client):
    r = client.get("/api/v1/datasets?hospital=dasom&size=200").get_json()
    assert r["total"] >= 15 and all(h["hospital"]["id"] == "dasom" for h in r["hits"])
    r = client.get("/api/v1/datasets?disease_area=ophthalmology&size=200").get_json()
    assert r["total"] > 0 and all(
        any(a["iri"].endswith("/ophthalmology") for a in h["disease_areas"]) for h in r["hits"]
    )


def test_dataset_detail(client):
    first = client.get("/api/v1/datasets?hospital=hanbit&size=1").get_json()["hits"][0]
    d = client.get(f"/api/v1/datasets/{first['id']}").get_json()
    assert d["iri"] == first["iri"] and d["titles"]["ko"] and d["titles"]["en"]
    assert d["columns"] and all(c["name"] for c in d["columns"])
    assert d["distributions"] and d["distributions"][0]["access_url"].startswith("https://")
    assert d["harvest"]["source"] == "hanbit-dcat" and d["harvest"]["run_id"]
    assert isinstance(d["number_of_individuals"], int)


@pytest.mark.parametrize(
    "query, field",
    [
        ("page=0", "page"),
        ("page=abc", "page"),
        (f"size={MAX_PAGE_SIZE + 1}", "size"),
        ("size=-1", "size"),
        ("hospital=nowhere", "hospital"),
        ("hospital=%3Cscript%3E", "hospital"),
        ("colour=blue", "colour"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(client, query, field):
    _error_shape(client.get(f"/api/v1/datasets?{query}"), 400, field)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/datasets/no-such-dataset",
        "/api/v1/datasets/%00bad",
        "/api/v1/harvests/nosuchrun",
        "/api/v1/nothing-here",
    ],
)
def test_unknown_things_are_json_404(client, path):
    _error_shape(client.get(path), 404)


def test_html_404_page(client):
    r = client.get("/datasets/no-such-dataset")
    assert r.status_code == 404 and b"no dataset with id" in r.data and r.mimetype == "text/html"


def test_harvests_api(client, member, sample_catalog):
    runs = client.get("/api/v1/harvests?size=50").get_json()["runs"]
    assert {r["source"] for r in runs} >= {f"{h}-dcat" for h in ("hanbit", "saebom", "purun")}
    purun = next(r for r in runs if r["source"] == "purun-dcat")
    detail = member.get(f"/api/v1/harvests/{purun['id']}").get_json()  # record-level details: members
    assert detail["skipped"] == 1 and len(detail["skipped_records"]) == 1
    assert any("dct:title" in s["reason"] for s in detail["skipped_records"])
    # the dataset with an impossible date is kept; the date is dropped with a warning
    assert any("'2021-13-45' is not a valid xsd:date; the value was dropped" in w for w in detail["warnings"])
    assert any("dct:description is mandatory" in w for w in detail["warnings"])


def test_hospitals_api(client):
    hs = client.get("/api/v1/hospitals").get_json()["hospitals"]
    assert len(hs) == 8 and sum(h["lead"] for h in hs) == 1
    assert all(h["datasets"] >= 15 for h in hs)  # 20–60 DCAT datasets each, some consortium-only


def test_security_headers(client):
    r = client.get("/")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
