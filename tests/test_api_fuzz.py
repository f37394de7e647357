"""Property-based fuzz of the whole API from its OpenAPI schema (schemathesis, every check).

Every operation in /api/schema/ is exercised with generated valid and invalid inputs, as an
anonymous client, a viewer and a staff member (token auth), with **all** of schemathesis's checks:
no 5xx, every status code and content type documented, every response body matching its schema,
schema-violating requests rejected, schema-valid requests accepted. Then a stateful phase chains
operations through the links schemathesis infers (e.g. a title id from a list, used by the
detail, similar-titles and rating operations). Endpoints added later are covered automatically,
so one that drifts from its schema fails CI.

One exception, per operation and with its reason: a request the schema cannot call invalid but
that breaks a rule only the server can check (does this account exist, is this password strong
enough) may get the documented 400 — those operations skip `positive_data_acceptance` only.
"""
import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.specs.openapi.checks import positive_data_acceptance

MAX_EXAMPLES = int(os.environ.get("NETFLOOX_FUZZ_EXAMPLES", "25"))
STATEFUL_EXAMPLES = int(os.environ.get("NETFLOOX_FUZZ_STATEFUL_EXAMPLES", "15"))
# CI replays the same examples every run (a failure is a change in the code, never the dice);
# NETFLOOX_FUZZ_RANDOM=1, with more examples, explores new ones — what found the 1.8e308-stars 500.
DERANDOMIZE = os.environ.get("NETFLOOX_FUZZ_RANDOM") != "1"

# (method, path) → why a schema-valid request may still be a 400 there.
SEMANTIC_400 = {
    ("POST", "/api/auth/signup/"): "Django's password validators (length, similarity, common, numeric) and a free "
                                   "username",
    ("POST", "/api/auth/token/"): "the username and password must belong to an account",
    ("POST", "/api/events/"): "per-kind rules (a rating needs a value) and references (the title and the viewer "
                              "exist; the viewer may post for that user)",
    ("POST", "/api/popularity/predict/"): "people named by id or name must exist in the catalog",
    ("GET", "/api/recommendations/for-titles/"): "each film named in `titles` must be in the catalog, once (an "
                                                 "unknown or ambiguous name is a 400 that lists it)",
}
SEMANTIC_400_PREFIXES = {
    ("GET", "/api/analytics/catalog/"): "year_max must not be before year_min (a rule between two parameters)",
}


def _semantic_400(case) -> bool:
    key = (case.operation.method.upper(), case.operation.path)
    return key in SEMANTIC_400 or any(key[0] == m and key[1].startswith(p) for m, p in SEMANTIC_400_PREFIXES)


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
def tokens(db):
    from accounts.services import token_get_or_create, viewer_create

    viewer = viewer_create(username="fuzzer", password="fuzz-Passw0rd!", email="fuzz@example.com")
    staff = viewer_create(username="fuzz-staff", password="fuzz-Passw0rd!", email="staff@example.com")
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    return token_get_or_create(user=viewer), token_get_or_create(user=staff)


FUZZ_SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=DERANDOMIZE,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                                HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_does_what_its_schema_says(case, tokens):
    excluded = [positive_data_acceptance] if _semantic_400(case) else []
    case.call_and_validate(excluded_checks=excluded)  # anonymous
    for token in tokens:  # a viewer, then staff
        case.call_and_validate(headers={"Authorization": f"Token {token}"}, excluded_checks=excluded)


def test_api_stateful_sequences_keep_to_the_schema(api_schema, tokens):
    auth = {"Authorization": f"Token {tokens[0]}"}

    class Workflow(api_schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": dict(auth)}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            __tracebackhide__ = True
            excluded = [positive_data_acceptance] if _semantic_400(case) else []
            # The headers are named to the checks, so the auth checks' probes know what to take away.
            case.validate_response(response, additional_checks=additional_checks, excluded_checks=excluded,
                                   headers=dict(auth), transport_kwargs={"headers": dict(auth)})

    run_state_machine_as_test(Workflow, settings=settings(
        max_examples=STATEFUL_EXAMPLES, stateful_step_count=6, deadline=None, derandomize=DERANDOMIZE,
        suppress_health_check=list(HealthCheck)))
