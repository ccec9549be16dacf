"""SQL-schema map and import stages fed a schema model written here and the bundled Haneul SQLite file."""

from __future__ import annotations

import json

import pytest
from hdcat.catalog import ConfigError
from hdcat.harvesters.fetch import Fetched
from hdcat.harvesters.sql_schema import SqlSchemaHarvester
from hdcat.ontology import CSVW, DCAT, DCT, HDCAT, PROV
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection

from tests.fast.support import BASE, SAMPLES, harvester, new_run

MODEL = {
    "url": "postgresql://harvest@db.example/emr",
    "dialect": "postgresql",
    "schemas": {
        "emr": {
            "tables": {
                "patient": {
                    "comment": "Pseudonymised patients",
                    "primary_key": ["patient_key"],
                    "foreign_keys": [],
                    "columns": [
                        {"name": "patient_key", "type": "INTEGER", "nullable": False, "comment": None},
                        {"name": "birth_year", "type": "INTEGER", "nullable": True, "comment": "year only"},
                    ],
                },
                "admission": {
                    "comment": None,
                    "primary_key": ["id"],
                    "foreign_keys": [{"columns": ["patient_key"], "table": "patient", "schema": "emr"}],
                    "columns": [{"name": "id", "type": "BIGINT", "nullable": False, "comment": None}],
                },
            },
            "views": {
                "stroke_admissions": {
                    "comment": None,
                    "depends_on": [["emr", "admission"], ["lab", "results"]],
                    "columns": [{"name": "id", "type": "BIGINT", "nullable": True, "comment": None}],
                }
            },
        }
    },
}


def parsed(model=MODEL, **options):
    h = harvester(SqlSchemaHarvester, "sqlite://", **options)
    ctx, raw = h.new_context(new_run("sql")), Graph()
    assert h.parse(Fetched(location=model["url"], content=json.dumps(model).encode()), ctx, raw) == []
    return h, ctx, raw


def node(g: Graph, name: str):
    return g.value(None, DCT.identifier, Literal(name))


def test_tables_and_views_become_datasets_with_their_columns():
    _, _, g = parsed()
    assert {str(i) for i in g.objects(None, DCT.identifier)} == {
        "emr.patient",
        "emr.admission",
        "emr.stroke_admissions",
    }
    patient = node(g, "emr.patient")
    assert g.value(patient, DCT.description) == Literal("Pseudonymised patients")
    schema = g.value(g.value(patient, DCAT.distribution), CSVW.tableSchema)
    cols = list(Collection(g, g.value(schema, CSVW.column)))
    assert [str(g.value(c, CSVW.name)) for c in cols] == ["patient_key", "birth_year"]
    assert g.value(cols[0], DCT.description) == Literal("(primary key)")
    assert (
        str(g.value(node(g, "emr.stroke_admissions"), DCT.description))
        == "Database view emr.stroke_admissions (postgresql)."
    )


def test_keys_and_view_dependencies_become_links_and_a_missing_source_is_warned():
    _, ctx, g = parsed()
    assert g.value(node(g, "emr.admission"), DCT.relation) == node(g, "emr.patient")
    assert list(g.objects(node(g, "emr.stroke_admissions"), PROV.wasDerivedFrom)) == [
        node(g, "emr.admission")
    ]
    assert ctx.run.warnings == ["view emr.stroke_admissions reads lab.results, which was not harvested"]


def test_the_import_keeps_the_links_between_the_minted_datasets():
    h, ctx, raw = parsed()
    out = h.import_(raw, ctx)
    assert len(set(out.subjects(HDCAT.localId, None))) == 3
    [(view, table)] = list(out.subject_objects(PROV.wasDerivedFrom))
    assert out.value(view, HDCAT.localId) == Literal("hanbit-emr-stroke-admissions")
    assert out.value(table, DCT.title) == Literal("emr.admission")


def test_the_haneul_sample_database_file_gives_its_tables_and_views_with_lineage():
    url = "sqlite:///" + str(SAMPLES.joinpath("haneul", "emr.sqlite"))
    h = harvester(SqlSchemaHarvester, url)
    g = h.harvest(new_run("sql", url))
    datasets = {str(g.value(s, DCT.title)) for s in g.subjects(HDCAT.localId, None)}
    assert datasets == {
        "main.patient",
        "main.encounter",
        "main.diagnosis",
        "main.spirometry",
        "main.copd_cohort",
        "main.copd_spirometry",
    }
    derived = {str(g.value(v, DCT.title)) for v in g.subjects(PROV.wasDerivedFrom, None)}
    assert derived == {"main.copd_cohort", "main.copd_spirometry"}


def test_every_table_s_distribution_gets_an_access_url_after_the_import():
    """DCAT-AP 3 wants dcat:accessURL on every distribution: by default the dataset's access-request page
    on this hdcat (its local id is known only once the import has minted it); the run reports no
    missing accessURL."""
    h, ctx, raw = parsed()
    assert not list(raw.objects(None, DCAT.accessURL))  # the map stage cannot know the page yet
    out = h.import_(raw, ctx)
    for ds, local_id in out.subject_objects(HDCAT.localId):
        [dist] = out.objects(ds, DCAT.distribution)
        page = URIRef(f"{BASE.rstrip('/')}/datasets/{local_id}/access-request")
        assert out.value(dist, DCAT.accessURL) == page
    assert not [w for w in ctx.run.warnings if "accessURL" in w]


def test_the_access_url_option_names_the_hospital_s_own_page():
    page = "https://haneul-hospital.example/research/data-access"
    h, ctx, raw = parsed(access_url=page)
    out = h.import_(raw, ctx)
    assert set(out.objects(None, DCAT.accessURL)) == {URIRef(page)}
    assert len(list(out.subject_objects(DCAT.accessURL))) == 3
    # the database's own URL is never the access URL: an internal host, perhaps with credentials
    assert not [o for o in out.objects(None, DCAT.accessURL) if "db.example" in str(o)]


@pytest.mark.parametrize("bad", ["ftp://files.example/x", "not a url", "postgresql://db/emr"])
def test_an_access_url_that_is_not_a_web_page_fails_the_source(bad):
    with pytest.raises(ConfigError, match="access_url"):
        harvester(SqlSchemaHarvester, "sqlite://", access_url=bad)
