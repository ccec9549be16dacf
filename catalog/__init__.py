"""The catalogue core: the RDF graph and everything derived from it.

Imports only `ontology` and libraries (rdflib, pyoxigraph, marshmallow); never `web`, `search` or
`harvesters`. See README.md in this folder and docs/architecture.md.

`__all__` is the public surface: the other layers import from `hdcat.catalog`, never from its modules
(tests/test_architecture.py holds them to it), so the modules inside can be split and renamed without
touching web, search or the harvesters. Names load on first use, so importing one error type does not
pull in the store, pyshacl or the accounts database.
"""

from __future__ import annotations

import importlib

from hdcat.catalog.errors import Conflict, HdcatError, Invalid, NotFound, StoreError  # noqa: F401

#: public name → (module in this package, its name there)
_SURFACE: dict[str, tuple[str, str]] = {
    # access_requests.py
    "AccessRequests": ("access_requests", "AccessRequests"),
    "Application": ("access_requests", "Application"),
    "next_access_steps": ("access_requests", "next_steps"),
    "ACCESS_LIMITS": ("access_requests", "LIMITS"),
    "ACCESS_STATUSES": ("access_requests", "STATUSES"),
    "ACCESS_STEPS": ("access_requests", "STEPS"),
    # accounts.py
    "Accounts": ("accounts", "Accounts"),
    "AuditFilter": ("accounts", "AuditFilter"),
    "Principal": ("accounts", "Principal"),
    "ROLES": ("accounts", "ROLES"),
    "SCOPES": ("accounts", "SCOPES"),
    "SCOPE_ROLES": ("accounts", "SCOPE_ROLES"),
    # audit_anchor.py
    "checkpoints": ("audit_anchor", "checkpoints"),
    "write_checkpoint": ("audit_anchor", "write_checkpoint"),
    # config.py
    "DEFAULT_THRESHOLD": ("config", "DEFAULT_THRESHOLD"),
    "Settings": ("config", "Settings"),
    "SearchConfig": ("config", "SearchConfig"),
    "SourceConfig": ("config", "SourceConfig"),
    "cron_fields": ("config", "cron_fields"),
    "cron_trigger_args": ("config", "cron_trigger_args"),
    "load_settings": ("config", "load_settings"),
    "web_address": ("config", "web_address"),
    # conformance.py
    "definition_shapes": ("conformance", "shapes"),
    # conformance_by_hospital.py
    "ConformanceOverviewSchema": ("conformance_by_hospital", "ConformanceOverviewSchema"),
    "conformance_overview": ("conformance_by_hospital", "overview"),
    # definition_formats.py
    "to_csv": ("definition_formats", "to_csv"),
    "to_json_schema": ("definition_formats", "to_json_schema"),
    # definitions.py
    "CARDINALITIES": ("definitions", "CARDINALITIES"),
    "CODING_SYSTEMS": ("definitions", "CODING_SYSTEMS"),
    "DATATYPES": ("definitions", "DATATYPES"),
    "DISEASE_AREAS": ("definitions", "DISEASE_AREAS"),
    "DefinitionRecordSchema": ("definitions", "DefinitionRecordSchema"),
    "DefinitionSchema": ("definitions", "DefinitionSchema"),
    "definition_content": ("definitions", "content"),
    "definition_diff": ("definitions", "diff"),
    "load_definition": ("definitions", "load_definition"),
    "parse_upload": ("definitions", "parse_upload"),
    # errors.py
    "ConfigError": ("errors", "ConfigError"),
    "Conflict": ("errors", "Conflict"),
    "Forbidden": ("errors", "Forbidden"),
    "HdcatError": ("errors", "HdcatError"),
    "Interrupted": ("errors", "Interrupted"),
    "Invalid": ("errors", "Invalid"),
    "NotAcceptable": ("errors", "NotAcceptable"),
    "NotFound": ("errors", "NotFound"),
    "StateUnavailable": ("errors", "StateUnavailable"),
    "StoreError": ("errors", "StoreError"),
    "Unauthorized": ("errors", "Unauthorized"),
    # extension_points.py
    "EXTENSION_POINTS": ("extension_points", "EXTENSION_POINTS"),
    "HARVESTERS": ("extension_points", "HARVESTERS"),
    "SEARCH_BACKENDS": ("extension_points", "SEARCH_BACKENDS"),
    # holdings.py
    "SEVERAL": ("holdings", "SEVERAL"),
    "UNCLASSIFIED": ("holdings", "UNCLASSIFIED"),
    "years_covered": ("holdings", "years_covered"),
    # iris.py
    "dataset_iri": ("iris", "dataset_iri"),
    "iri_tail": ("iris", "iri_tail"),
    "last_segment": ("iris", "last_segment"),
    "short_hash": ("iris", "short_hash"),
    "slugify": ("iris", "slugify"),
    # lineage.py
    "DIRECTIONS": ("lineage", "DIRECTIONS"),
    "MAX_DEPTH": ("lineage", "MAX_DEPTH"),
    # readmodel.py
    "Suppressed": ("readmodel", "Suppressed"),
    "labeller": ("readmodel", "labeller"),
    # registry.py
    "Registry": ("registry", "Registry"),
    "store_registry": ("registry", "stores"),
    # resources.py
    "Converted": ("resources", "Converted"),
    "GraphCopy": ("resources", "GraphCopy"),
    "OXIGRAPH_TERMS": ("resources", "OXIGRAPH"),
    "closure": ("resources", "closure"),
    "dataset_closure": ("resources", "dataset_closure"),
    "one_object_per_term": ("resources", "one_object_per_term"),
    # source_graphs.py
    "PartialHarvest": ("source_graphs", "PartialHarvest"),
    "PartialMismatch": ("source_graphs", "PartialMismatch"),
    "closure_hash": ("source_graphs", "closure_hash"),
    "closure_texts": ("source_graphs", "texts"),
    "for_commit": ("source_graphs", "for_commit"),
    # runs.py
    "HarvestRun": ("runs", "HarvestRun"),
    "Outcome": ("runs", "Outcome"),
    # schemas.py
    "DatasetListArgsSchema": ("schemas", "DatasetListArgsSchema"),
    "DatasetSchema": ("schemas", "DatasetSchema"),
    "DatasetSummarySchema": ("schemas", "DatasetSummarySchema"),
    "HarvestJobSchema": ("schemas", "HarvestJobSchema"),
    "HarvestListArgsSchema": ("schemas", "HarvestListArgsSchema"),
    "HarvestRequestSchema": ("schemas", "HarvestRequestSchema"),
    "HarvestRunSchema": ("schemas", "HarvestRunSchema"),
    "HospitalCountSchema": ("schemas", "HospitalCountSchema"),
    "PageArgsSchema": ("schemas", "PageArgsSchema"),
    "bounded_json": ("schemas", "bounded_json"),
    "whole_number": ("schemas", "whole_number"),
    # service.py
    "Catalog": ("service", "Catalog"),
    # shacl_core.py
    "Unsupported": ("shacl_core", "Unsupported"),
    "compile_shapes": ("shacl_core", "compile_shapes"),
    "validate_shapes": ("shacl_core", "validate"),
    # rate_counters.py
    "RateCounters": ("rate_counters", "RateCounters"),
    # sparql.py
    "TIME_LIMIT": ("sparql", "TIME_LIMIT"),
    "evaluate": ("sparql", "evaluate"),
    "run_limited": ("sparql", "run_limited"),
    # migrate.py
    "MigrationError": ("migrate", "MigrationError"),
    "migrate_store": ("migrate", "migrate"),
    "copy_store": ("migrate", "copy_store"),
    # state_copy.py, state_db.py
    "copy_state": ("state_copy", "copy_state"),
    "state_location": ("state_db", "state_location"),
    # stores.py
    "open_store": ("stores", "open_store"),
    "oxigraph_to_rdflib": ("stores.lexical_forms", "to_rdflib"),
    # memory.py
    "give_back_memory": ("memory", "give_back"),
    "collector_paused": ("memory", "collector_paused"),
    "hold_still_so_far": ("memory", "hold_still_so_far"),
    "objects_held_still": ("memory", "objects_held_still"),
    # turns.py
    "my_turn": ("turns", "my_turn"),
    "waiting_turn": ("turns", "waiting"),
    # visibility.py
    "visibility_of": ("visibility", "visibility_of"),
}
__all__ = sorted(_SURFACE)


def __getattr__(name: str):
    try:
        module, attribute = _SURFACE[name]
    except KeyError:
        raise AttributeError(f"hdcat.catalog has no public name {name!r} (see __all__)") from None
    value = getattr(importlib.import_module(f"hdcat.catalog.{module}"), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
