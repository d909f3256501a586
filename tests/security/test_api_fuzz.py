"""Schemathesis against the published OpenAPI schema (issue 20 §6).

Every operation of /api/schema/ is fuzzed, signed in as an administrator and as a PI: no
response may be a server error, and every response must conform to the schema (content
type, and the body against the documented response schema). Kept small enough for CI
(FUZZ_MAX_EXAMPLES examples per operation and persona; raise it locally to fuzz harder).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from config.wsgi import application
from tests.security.world import build_world

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "2"))
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]


def _schema() -> Any:
    # the schema the API publishes at /api/schema/, generated in-process (no request, so it
    # does not depend on who may read /api/schema/)
    raw = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = application
    return schema


schema = _schema()


def _session(user: User) -> dict[str, Any]:
    """Cookies and header of a signed-in session; POSTs carry a matching CSRF token."""
    client = Client()
    client.force_login(user)
    token = secrets.token_hex(16)  # an unmasked 32-character secret, as the cookie holds
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": token}
    return {"cookies": cookies, "headers": {"X-CSRFToken": token}}


@pytest.fixture
def signed_in_as(db: None) -> Iterator[dict[str, dict[str, Any]]]:
    world = build_world()
    # Schemathesis calls the WSGI application itself, which closes "old" connections when a
    # request starts and ends; inside the test's transaction that closes PostgreSQL's
    # connection under the test. Django's test client switches this off the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield {persona: _session(world.user(persona)) for persona in ("admin", "pi")}
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_conforms_to_its_schema(case: Any, signed_in_as: dict[str, Any]) -> None:
    for persona in ("admin", "pi"):
        session = signed_in_as[persona]
        response = case.call(cookies=session["cookies"], headers=session["headers"])
        case.validate_response(response, checks=CHECKS)


# Schemathesis generates bodies that are valid JSON; these are not. A JSON body nested
# deeper than Python's recursion limit was a server error (RecursionError while decoding)
# until the API's JSON parser got its depth limit (config/parsers.py).
DEEP_JSON = "[" * 5000 + "]" * 5000


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/screen/",
        "/api/v1/findings/{finding}/decide/",
        "/api/v1/scenarios/{scenario}/whatif/",
    ],
)
def test_a_deeply_nested_json_body_is_refused_not_a_server_error(path: str) -> None:
    world = build_world()
    assert world.finding is not None
    client = Client()
    client.force_login(world.user("admin"))
    url = path.format(finding=world.finding.pk, scenario=world.finding.scenario_id)
    response = client.post(url, DEEP_JSON, content_type="application/json")
    assert response.status_code in (400, 413)
