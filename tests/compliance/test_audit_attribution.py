"""The audit trail names who did it, whatever the authentication (session, Basic, token) and
wherever the work runs: in the request, in a streamed CSV written after the view returned, or
in a background task the request started."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rest_framework.test import APIClient

from compliance.audit.context import acting_as, current_actor
from compliance.audit.propagation import (
    HEADER,
    actor_after_task,
    actor_for_task,
    actor_into_headers,
)
from compliance.models import AuditEvent, ReportExport
from compliance.security.tokens import api_token_issue

ADDRESS = "10.20.30.40"
REQUEST_ID = "req-attribution-1"


def _session(user: Any) -> APIClient:
    client = APIClient(REMOTE_ADDR=ADDRESS)
    client.force_login(user)  # a real session cookie: DRF's session authentication
    return client


def _basic(user: Any) -> APIClient:
    client = APIClient(REMOTE_ADDR=ADDRESS)
    raw = base64.b64encode(f"{user.username}:correct-horse-battery".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {raw}")
    return client


def _token(user: Any) -> APIClient:
    _, text = api_token_issue(issued_by=user, name="attribution", read_only=False, days=1)
    client = APIClient(REMOTE_ADDR=ADDRESS)
    client.credentials(HTTP_AUTHORIZATION=f"Token {text}")
    return client


CLIENTS: dict[str, Callable[[Any], APIClient]] = {
    "session": _session,
    "basic": _basic,
    "token": _token,
}


def _new_events(after: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(seq__gt=after).order_by("seq"))


def _last_seq() -> int:
    last = AuditEvent.objects.order_by("-seq").first()
    return last.seq if last else 0


def _assert_named(events: list[AuditEvent], user: Any) -> None:
    assert events
    for event in events:
        assert (event.actor_id, event.actor_username) == (user.pk, user.username), event
        assert event.ip == ADDRESS and event.request_id == REQUEST_ID, event


@pytest.mark.django_db
@pytest.mark.parametrize("auth", list(CLIENTS))
def test_an_api_write_names_the_user_address_and_request(
    auth: str, evaluated: dict[str, Any], reviewer: Any
) -> None:
    client = CLIENTS[auth](reviewer)
    finding = evaluated["finding"]
    since = _last_seq()
    response = client.post(
        f"/api/v1/findings/{finding.pk}/decide/",
        {"decision": "escalated", "reason": "Check the visiting appointment."},
        format="json",
        HTTP_X_REQUEST_ID=REQUEST_ID,
    )
    assert response.status_code == 200, response.content
    finding.refresh_from_db()
    assert finding.review_status == "escalated"
    events = _new_events(since)
    types = {e.object_type for e in events}
    assert {"compliance.finding", "compliance.findingdecision"} <= types, events
    _assert_named(events, reviewer)


def _streamed(response: Any) -> bytes:
    chunks: Iterator[bytes] = response.streaming_content
    return b"".join(chunks)


@pytest.mark.django_db
@pytest.mark.parametrize("auth", list(CLIENTS))
def test_a_streamed_csv_export_names_the_user_address_and_request(
    auth: str, evaluated: dict[str, Any], auditor: Any
) -> None:
    client = CLIENTS[auth](auditor)
    since = _last_seq()
    response = client.get(
        "/api/v1/reports/findings/", {"format": "csv"}, HTTP_X_REQUEST_ID=REQUEST_ID
    )
    assert response.status_code == 200
    # The view has returned and the request's context is gone: rows and manifest come now.
    assert current_actor().username == "system"
    body = _streamed(response)
    assert body.count(b"\n") > 1
    [event] = [e for e in _new_events(since) if e.action == "export"]
    _assert_named([event], auditor)
    assert event.after["generated_by"] == auditor.username


@pytest.mark.django_db
def test_a_background_export_names_who_asked(
    evaluated: dict[str, Any],
    auditor: Any,
    settings: Any,
    tmp_path: Path,
    eager_celery: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.EXPORT_ROOT = tmp_path
    client = _token(auditor)  # an auditor's token is read-only: an export is a read
    since = _last_seq()
    # The task is queued at commit, which the test runs after the request has returned.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/reports/findings/exports/?format=xlsx", HTTP_X_REQUEST_ID=REQUEST_ID
        )
    assert response.status_code == 202, response.content
    export = ReportExport.objects.get(pk=response.json()["id"])
    assert export.status == ReportExport.Status.DONE
    [event] = [e for e in _new_events(since) if e.action == "export"]
    _assert_named([event], auditor)


@pytest.mark.django_db
def test_a_task_run_by_a_worker_acts_as_whoever_queued_it(reviewer: Any) -> None:
    headers: dict[str, Any] = {}
    with acting_as(reviewer, request_id=REQUEST_ID, ip=ADDRESS):
        actor_into_headers(headers=headers)
    assert current_actor().username == "system"
    # What a worker does with the message: the headers become the task's request.
    task = SimpleNamespace(request=SimpleNamespace(is_eager=False, **{HEADER: headers[HEADER]}))
    actor_for_task(task_id="t-1", task=task)
    try:
        actor = current_actor()
        assert (actor.user_id, actor.username) == (reviewer.pk, "reviewer_user")
        assert (actor.request_id, actor.ip) == (REQUEST_ID, ADDRESS)
    finally:
        actor_after_task(task_id="t-1")
    assert current_actor().username == "system"


def test_a_scheduled_task_without_an_actor_stays_system() -> None:
    headers: dict[str, Any] = {}
    actor_into_headers(headers=headers)  # beat: nobody is acting
    assert HEADER not in headers
    task = SimpleNamespace(request=SimpleNamespace(is_eager=False))
    actor_for_task(task_id="t-2", task=task)
    assert current_actor().username == "system"
    actor_after_task(task_id="t-2")
