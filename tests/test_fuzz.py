"""Generated inputs: schemathesis against /api/openapi.json, hypothesis against the parsers.

Every answer must be a documented status with a body that matches the schema — never a 5xx —
and the parsers may only raise our own errors, with messages, whatever they are fed.
"""

from __future__ import annotations

import json

import schemathesis
from hdcat.catalog.errors import HdcatError
from hdcat.catalog.openlineage import validate_event
from hdcat.harvesters.errors import ParseError
from hdcat.harvesters.rdf_parse import parse_rdf
from hdcat.search.analysis import analyze
from hdcat.search.query import build_request
from hypothesis import HealthCheck, given, settings
from hypothesis import settings as settings_
from hypothesis import strategies as st
from schemathesis.checks import ignored_auth, positive_data_acceptance

API_EXAMPLES = 40


def test_api_never_errors_and_matches_its_schema(app):
    """Schemathesis generates requests for every operation of /api/openapi.json (schemathesis'
    pytest plugin does not load under pytest 9, so its strategies are driven here directly)."""
    api = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 7
    calls = []
    for operation in operations:

        @settings(
            max_examples=API_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call()
            calls.append(response.status_code)
            assert response.status_code < 500, (case.path, case.query, response.text[:300])
            case.validate_response(response)

        check()
    assert len(calls) >= len(operations) * 5


def test_definition_writes_with_a_token_never_error(tmp_path):
    """The write operations again, this time with a steward's token, so generated bodies reach the
    schema (400 naming fields), the lifecycle rules (404/409) and the store; on a throw-away catalogue."""
    from hdcat.catalog.accounts import Accounts
    from hdcat.catalog.config import Settings
    from hdcat.catalog.service import Catalog
    from hdcat.web.app import create_app

    settings = Settings(store_url="memory:", data_dir=tmp_path)
    cat = Catalog(settings)
    cat.definitions.ensure_starters()
    acc = Accounts.for_settings(settings)
    acc.add_user("sam", "steward", ["hanbit"])
    _, token = acc.issue_token("sam", ["definitions:write"])
    app = create_app(catalog=cat, accounts=acc)
    api = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    writes = [
        r.ok()
        for r in api.get_all_operations()
        if r.ok().method.upper() in ("POST", "PUT") and r.ok().path.startswith("/api/v1/definitions")
    ]
    assert len(writes) == 3
    statuses = []
    for operation in writes:

        @settings_(
            max_examples=API_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            statuses.append(response.status_code)
            assert response.status_code < 500, (case.path, case.body, response.text[:300])
            # rules across fields (a title in English or Korean; a coded element names its coding system)
            # are beyond OpenAPI 3.0's schemas: a schema-valid body may still get a 400 naming them
            # the token is real and deliberate, so "auth was probably invalid yet accepted" does not apply
            case.validate_response(response, excluded_checks=[positive_data_acceptance, ignored_auth])

        check()
    assert 400 in statuses and 401 not in statuses


FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from(["c.ttl", "c.jsonld", "c.rdf", "c.nt", "c"]))
def test_rdf_parser_raises_only_parse_errors(data, name):
    try:
        parse_rdf(data, f"file:///tmp/{name}")
    except ParseError as exc:
        assert exc.message


@FUZZ
@given(st.text(max_size=600))
def test_query_parser_only_says_invalid(q):
    try:
        request = build_request({"q": q})
    except HdcatError as exc:
        assert exc.status == 400 and exc.field == "q"
        return
    assert all(c.alternatives for c in request.must + request.must_not)


@FUZZ
@given(st.text(max_size=300))
def test_analysis_never_fails(text):
    terms = analyze(text)
    assert all(t and " " not in t for t in terms)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(
            ["eventType", "eventTime", "run", "job", "inputs", "outputs", "producer", "schemaURL", "dataset"]
        ),
        JSON,
        max_size=9,
    )
)
def test_openlineage_validation_only_says_invalid(event):
    try:
        validate_event(json.loads(json.dumps(event)))
    except HdcatError as exc:
        assert exc.status == 400 and exc.message
