"""Property-based fuzz of the whole API from its OpenAPI schema (schemathesis).

Every operation in /api/schema/ is exercised with generated (valid and invalid) inputs, as an
anonymous client and as an authenticated viewer; the run fails on any 5xx or on a documented
response whose body does not match the schema. Endpoints added later are covered automatically.
"""
import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

MAX_EXAMPLES = int(os.environ.get("NETFLOOX_FUZZ_EXAMPLES", "25"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def api_schema(db):
    from catalog.models import Genre, Title

    g = Genre.objects.create(name="Drama", slug="drama")
    for i in range(3):
        t = Title.objects.create(primary_title=f"Fuzz title {i}", start_year=2000 + i, imdb_votes=10 * i)
        t.genres.add(g)
    # In-process WSGI calls must not close the test's database connection (PostgreSQL).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def viewer_token(db):
    from accounts.services import token_get_or_create, viewer_create

    user = viewer_create(username="fuzzer", password="fuzz-Passw0rd!", email="fuzz@example.com")
    return token_get_or_create(user=user)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
def test_api_never_5xx_and_matches_schema(case, viewer_token):
    # Anonymous first, then as an authenticated viewer (token auth, as API clients do).
    case.call_and_validate(checks=CHECKS)
    case.call_and_validate(headers={"Authorization": f"Token {viewer_token}"}, checks=CHECKS)
