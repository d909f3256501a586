"""Failed sign-ins are throttled per account on every password path (django-axes).

Portal and admin sign-in, HTTP Basic on the API and the API token endpoint share one count
per account; an address is locked only far above that; lockouts and their lifting are audited.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.test import Client
from rest_framework.test import APIClient

from compliance.models import ApiToken, AuditEvent
from compliance.security.lockout import MSG_ADDRESS_LOCKED, MSG_LOCKED
from tests.factories import UserFactory

GOOD = "correct-horse-battery"
LIMIT = 5


@pytest.fixture(autouse=True)
def limits(settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 200


def _portal(client: Client, username: str, password: str) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


def _basic(username: str, password: str) -> APIClient:
    client = APIClient()
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {raw}")
    return client


def _fail_portal(username: str, times: int = LIMIT) -> None:
    client = Client()
    for _ in range(times):
        assert _portal(client, username, "wrong").status_code in (200, 429)


def _lockouts() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="lockout").order_by("seq"))


def test_the_address_limit_is_far_above_the_account_limit() -> None:
    assert django_settings.LOGIN_ADDRESS_FAILURE_LIMIT >= 20 * django_settings.LOGIN_FAILURE_LIMIT


@pytest.mark.django_db
def test_portal_sign_in_locks_the_account_at_the_limit_and_audits_it(reviewer: Any) -> None:
    client = Client()
    for _ in range(LIMIT - 1):
        assert _portal(client, "reviewer_user", "wrong").status_code == 200
    assert _lockouts() == []
    locking = _portal(client, "reviewer_user", "wrong")
    assert locking.status_code == 429 and MSG_LOCKED in locking.content.decode()
    refused = _portal(client, "reviewer_user", GOOD)  # the right password, too late
    assert refused.status_code == 429 and MSG_LOCKED in refused.content.decode()
    assert client.get("/dashboard/").status_code == 302  # still signed out
    [event] = _lockouts()  # once, for the attempt that reached the limit
    assert event.object_id == "reviewer_user" and event.ip == "127.0.0.1"
    assert event.after["scope"] == "account" and event.after["failures"] == LIMIT
    assert event.after["path"] == "/accounts/login/"


@pytest.mark.django_db
def test_one_persons_typos_never_lock_out_colleagues_behind_the_same_address(
    reviewer: Any, auditor: Any
) -> None:
    _fail_portal("reviewer_user")
    colleague = Client()  # same address (127.0.0.1), another account
    assert _portal(colleague, "auditor_user", GOOD).status_code == 302
    assert colleague.get("/findings/").status_code == 200


@pytest.mark.django_db
def test_many_failures_from_one_address_lock_that_address(settings: Any, auditor: Any) -> None:
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    for name in ("alice", "bob"):  # a spray: below the account limit for each account
        _fail_portal(name, times=4)
    refused = _portal(Client(), "auditor_user", GOOD)
    assert refused.status_code == 429 and MSG_ADDRESS_LOCKED in refused.content.decode()
    [event] = _lockouts()
    assert event.after["scope"] == "address" and event.object_id == "127.0.0.1"
    other = Client(REMOTE_ADDR="10.9.8.7")  # another address still signs in
    assert _portal(other, "auditor_user", GOOD).status_code == 302


@pytest.mark.django_db
def test_admin_sign_in_is_throttled(admin_user: Any) -> None:
    client = Client()
    for _ in range(LIMIT):
        client.post("/admin/login/", {"username": "admin_user", "password": "wrong"})
    refused = client.post("/admin/login/", {"username": "admin_user", "password": GOOD})
    assert refused.status_code == 429 and MSG_LOCKED in refused.content.decode()
    assert client.get("/admin/").status_code == 302  # not signed in
    assert _lockouts()[0].after["path"] == "/admin/login/"


@pytest.mark.django_db
def test_basic_auth_is_throttled_and_its_lock_holds_on_the_portal(reviewer: Any) -> None:
    for _ in range(LIMIT - 1):
        refused = _basic("reviewer_user", "wrong").get("/api/v1/findings/")
        assert refused.status_code == 403  # DRF: the first scheme (session) sends no challenge
    locking = _basic("reviewer_user", "wrong").get("/api/v1/findings/")
    assert locking.status_code == 429 and locking.json()["detail"] == MSG_LOCKED
    refused = _basic("reviewer_user", GOOD).get("/api/v1/findings/")
    assert refused.status_code == 429 and refused.json()["detail"] == MSG_LOCKED
    assert _portal(Client(), "reviewer_user", GOOD).status_code == 429
    assert len(_lockouts()) == 1


@pytest.mark.django_db
def test_an_account_locked_on_the_portal_cannot_get_in_through_basic_auth(reviewer: Any) -> None:
    assert _basic("reviewer_user", GOOD).get("/api/v1/findings/").status_code == 200
    _fail_portal("reviewer_user")
    refused = _basic("reviewer_user", GOOD).get("/api/v1/findings/")
    assert refused.status_code == 429 and refused.json()["detail"] == MSG_LOCKED


@pytest.mark.django_db
def test_the_token_endpoint_is_throttled_and_issues_nothing_when_locked(pi: Any) -> None:
    client = APIClient()
    body = {"username": "pi_user", "name": "laptop"}
    for _ in range(LIMIT - 1):
        bad = client.post("/api/v1/auth/token/", {**body, "password": "wrong"}, format="json")
        assert bad.status_code == 401
    locking = client.post("/api/v1/auth/token/", {**body, "password": "wrong"}, format="json")
    assert locking.status_code == 429 and locking.json()["detail"] == MSG_LOCKED
    refused = client.post("/api/v1/auth/token/", {**body, "password": GOOD}, format="json")
    assert refused.status_code == 429 and refused.json()["detail"] == MSG_LOCKED
    assert not ApiToken.objects.exists()
    assert _portal(Client(), "pi_user", GOOD).status_code == 429


@pytest.mark.django_db
def test_a_successful_sign_in_clears_the_accounts_earlier_failures(reviewer: Any) -> None:
    client = Client()
    for _ in range(LIMIT - 1):
        _portal(client, "reviewer_user", "wrong")
    assert _portal(client, "reviewer_user", GOOD).status_code == 302
    assert not AccessAttempt.objects.filter(username="reviewer_user").exists()


@pytest.mark.django_db
def test_an_administrator_sees_and_lifts_a_lockout_and_the_lift_is_audited(
    reviewer: Any, admin_user: Any
) -> None:
    _fail_portal("reviewer_user")
    admin = Client()
    admin.force_login(admin_user)
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "reviewer_user" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="reviewer_user")
    response = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "lift_lockouts", "_selected_action": [attempt.pk]},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="reviewer_user").exists()
    [lift] = AuditEvent.objects.filter(action="lockout_lift")
    assert lift.actor_username == "admin_user" and lift.object_id == "reviewer_user"
    assert lift.before["failures"] == LIMIT
    assert _portal(Client(), "reviewer_user", GOOD).status_code == 302


@pytest.mark.django_db
def test_lockouts_are_for_administrators_only(reviewer: Any, auditor: Any) -> None:
    _fail_portal("reviewer_user")
    for persona in (auditor, UserFactory.create(username="someone")):
        client = Client()
        client.force_login(persona)
        response = client.get("/admin/axes/accessattempt/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        attempt = AccessAttempt.objects.get(username="reviewer_user")
        client.post(
            "/admin/axes/accessattempt/",
            {"action": "lift_lockouts", "_selected_action": [attempt.pk]},
        )
        assert AccessAttempt.objects.filter(username="reviewer_user").exists()
    assert not AuditEvent.objects.filter(action="lockout_lift").exists()
