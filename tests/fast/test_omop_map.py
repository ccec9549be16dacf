"""OMOP map and import stages fed aggregates written here, and the collector on the bundled SQLite sample.

The sample (harvesters/samples/consortium/hanbit/omop.sqlite) is a file read through SQLAlchemy's
SQLite driver: no database server. It has 28 persons, 3 deaths and 1 device exposure.
"""

from __future__ import annotations

import sqlite3

import pytest
from hdcat.harvesters.omop import SUPPRESSED, Mapper, OmopHarvester
from hdcat.ontology import DCAT, DCT, HDCAT, HEALTH
from rdflib import Graph, Literal
from rdflib.namespace import SKOS, XSD

from tests.fast.support import SAMPLES, harvester, new_run

FACTS = {
    "database": "cdw",
    "schema": "cdm",
    "threshold": 20,
    "cdm_source": {
        "cdm_source_name": "Example CDW",
        "cdm_source_abbreviation": "ECDW",
        "cdm_version": "5.4",
        "cdm_holder": "Example Hospital",
    },
    "tables": [
        {
            "name": "person",
            "rows": 500,
            "persons": None,
            "columns": [
                {
                    "name": "person_id",
                    "datatype": "integer",
                    "required": True,
                    "completeness": "100%: every row has a value",
                }
            ],
        },
        {"name": "death", "rows": SUPPRESSED, "persons": SUPPRESSED, "columns": []},
        {"name": "measurement", "rows": 9000, "persons": 480, "columns": []},
        {"name": "specimen", "rows": 0, "persons": 0, "columns": []},
    ],
    "observation_period": {"start": "2001-03-04", "end": "2024-12-31"},
    "vocabularies": ["LOINC", "SomeLocalVocabulary"],
    "top": {
        "condition": None,
        "drug": None,
        "measurement": {
            "table": "measurement",
            "other_records": 8000,
            "concepts": [
                {
                    "concept_id": 3004410,
                    "code": "4548-4",
                    "name": "Hemoglobin A1c",
                    "vocabulary": "LOINC",
                    "persons": 300,
                    "records": 1000,
                }
            ],
        },
    },
}


def by_identifier(g: Graph, ident: str):
    return g.value(None, DCT.identifier, Literal(ident))


def test_one_dataset_for_the_instance_and_one_per_table_with_rows():
    g = Graph()
    Mapper(FACTS).into(g)
    instance = by_identifier(g, "omop:cdw:cdm")
    assert g.value(instance, DCT.title) == Literal("Example CDW (ECDW) — OMOP CDM 5.4")
    tables = {str(g.value(t, DCT.identifier)) for t in g.subjects(DCT.isPartOf, instance)}
    assert tables == {
        "omop:cdw:cdm.person",
        "omop:cdw:cdm.death",
        "omop:cdw:cdm.measurement",
    }  # not the empty one
    assert g.value(by_identifier(g, "omop:cdw:cdm.measurement"), DCT.title) == Literal(
        "Example CDW (ECDW): measurement table (OMOP CDM 5.4)"
    )
    assert g.value(instance, HEALTH.numberOfUniqueIndividuals) == Literal(
        500, datatype=XSD.nonNegativeInteger
    )


def test_a_suppressed_table_is_named_suppressed_and_left_out_of_the_total():
    g = Graph()
    Mapper(FACTS).into(g)
    death = by_identifier(g, "omop:cdw:cdm.death")
    assert g.value(death, HEALTH.numberOfRecords) is None
    assert {
        (HDCAT.suppressed, HEALTH.numberOfRecords),
        (HDCAT.suppressed, HEALTH.numberOfUniqueIndividuals),
    } <= set(g.predicate_objects(death))
    assert "fewer than 20 rows (count suppressed)" in str(g.value(death, DCT.description))
    instance = by_identifier(g, "omop:cdw:cdm")
    assert g.value(instance, HEALTH.numberOfRecords) == Literal(9500, datatype=XSD.nonNegativeInteger)
    assert "tables with fewer than 20 rows not counted: death" in str(g.value(instance, DCT.description))


def test_concept_lists_and_coding_systems():
    g = Graph()
    Mapper(FACTS).into(g)
    instance = by_identifier(g, "omop:cdw:cdm")
    labels = {str(g.value(cv, SKOS.prefLabel)) for cv in g.objects(instance, HEALTH.hasCodeValues)}
    assert labels == {"Hemoglobin A1c"}
    systems = set(g.objects(instance, HEALTH.hasCodingSystem))
    assert (
        Literal("SomeLocalVocabulary") in systems and len(systems) == 3
    )  # omop, loinc, the unknown one as text
    span = g.value(instance, DCT.temporal)
    assert g.value(span, DCAT.startDate) == Literal("2001", datatype=XSD.gYear)  # a year, never a birth date


# ---- the bundled SQLite sample, through the harvester ------------------------------------------
SAMPLE_URL = "sqlite:///" + str(SAMPLES.joinpath("hanbit", "omop.sqlite"))


@pytest.fixture(scope="module")
def harvested():
    """The sample harvested at the consortium's default threshold and at 30 (above its 28 persons)."""
    out = {}
    for threshold in (10, 30):
        h = harvester(OmopHarvester, SAMPLE_URL, threshold=threshold, schema="main")
        run = new_run("omop", SAMPLE_URL)
        out[threshold] = (h.harvest(run), run)
    return out


def instance_of(g: Graph):
    return next(
        s for s, o in g.subject_objects(DCT.identifier) if str(o).startswith("omop:") and "." not in str(o)
    )


def test_the_sample_is_published_with_its_person_count_at_threshold_10(harvested):
    g, run = harvested[10]
    inst = instance_of(g)
    assert g.value(inst, HEALTH.numberOfUniqueIndividuals) == Literal(28, datatype=XSD.nonNegativeInteger)
    assert "NJ" in str(g.value(inst, DCT.title))
    assert len(set(g.subjects(HDCAT.localId, None))) >= 8  # the instance and its clinical tables


def test_a_consortium_threshold_above_the_sample_suppresses_every_count_below_it(harvested):
    g, run = harvested[30]
    inst = instance_of(g)
    assert g.value(inst, HEALTH.numberOfUniqueIndividuals) is None
    assert (inst, HDCAT.suppressed, HEALTH.numberOfUniqueIndividuals) in g
    numbers = [
        int(v) for p in (HEALTH.numberOfUniqueIndividuals, HEALTH.numberOfRecords) for v in g.objects(None, p)
    ]
    assert numbers and all(n >= 30 for n in numbers)
    text = " ".join(str(o) for o in g.objects(None, DCT.description))
    assert "28 persons" not in text and "Counts below 30 are not published." in text
    assert "28 persons" in " ".join(str(o) for o in harvested[10][0].objects(None, DCT.description))


def test_no_row_value_of_the_person_table_reaches_the_graph(harvested):
    with sqlite3.connect(SAMPLES.joinpath("hanbit", "omop.sqlite")) as db:
        source_values = [r[0] for r in db.execute("SELECT person_source_value FROM person")]
    assert len(source_values) == 28
    for _threshold, (g, _) in harvested.items():
        text = g.serialize(format="nt")
        assert not [v for v in source_values if v in text]
