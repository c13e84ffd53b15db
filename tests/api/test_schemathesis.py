"""Property-based run of every API operation against the OpenAPI schema, in-process (WSGI).

Bounded: a few examples per operation. Checks: no server error, and every documented response matches
the schema. Authenticated as province commission staff on the small ``world`` dataset.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.api.conftest import populate


@pytest.fixture
def wsgi_app() -> Iterator[Any]:
    # Requests run inside the test's transaction: keep Django from closing that connection between requests
    # (its test Client does the same).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def province_token(world: Any) -> str:
    populate(world.pairing_a)
    return Token.objects.create(user=world.users["province"]).key


def _openapi() -> dict[str, Any]:
    """The schema exactly as /api/schema/ serves it (built here so each operation becomes its own test)."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))  # type: ignore[no-any-return]


def test_api_conforms_to_its_schema(wsgi_app: Any, province_token: str) -> None:
    # given the schema and a small dataset (one fixture for all operations keeps the run short)
    schema = schemathesis.openapi.from_dict(_openapi())
    headers = {"Authorization": f"Token {province_token}"}
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40

    for operation in operations:
        # when each operation is called with a few generated requests
        @given(case=operation.as_strategy())
        @settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def check(case: Any) -> None:
            case.call_and_validate(
                app=wsgi_app, headers=headers, checks=[not_a_server_error, response_schema_conformance]
            )

        try:
            check()
        except Exception as exc:  # collect every operation's failure, then report them together
            failures[operation.label] = str(exc)[:2000]

    # then no request caused a server error and every documented response matched the schema
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
