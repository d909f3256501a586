"""API tokens (knox): issued, listed and revoked on the portal and the API; stored hashed;
expiring; read-only tokens refused every write; service tokens only from administrators."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from compliance.models import ApiToken, AuditEvent
from compliance.security.api_auth import MSG_READ_ONLY_TOKEN
from compliance.security.tokens import (
    MSG_DAYS_RANGE,
    MSG_SERVICE_ADMIN_ONLY,
    api_token_issue,
)
from tests.factories import UserFactory

GOOD = "correct-horse-battery"


def _portal(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _token_client(text: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {text}")
    return client


def _refused(response: Any) -> bool:
    """An unknown or expired token: refused (403: DRF answers for the first scheme, session,
    which sends no challenge)."""
    return response.status_code == 403 and response.json()["detail"] == "Invalid token."


def _issue(user: Any, **kwargs: Any) -> tuple[ApiToken, str]:
    values = {"name": "script", "read_only": False, "days": 30, **kwargs}
    return api_token_issue(issued_by=user, **values)


@pytest.mark.django_db
def test_a_pi_creates_a_token_on_the_portal_shown_once_and_stored_hashed(
    pi: Any, pi_project: Any, other_project: Any
) -> None:
    client = _portal(pi)
    assert client.get("/account/tokens/").status_code == 200
    response = client.post("/account/tokens/", {"name": "my laptop", "days": "30"})
    assert response.status_code == 201
    token = ApiToken.objects.get(token__user=pi)
    text = response.context["issued"]
    assert text.startswith("gc_") and text in response.content.decode()
    assert token.pk == hash_token(text) and text not in (token.pk, token.token_key)
    assert token.name == "my laptop" and not token.read_only and token.issued_by == pi
    assert token.expiry is not None
    assert timedelta(days=29) < token.expiry - timezone.now() <= timedelta(days=30)
    assert text not in client.get("/account/tokens/").content.decode()  # never shown again
    [event] = AuditEvent.objects.filter(action="token_issue")
    assert event.actor_username == "pi_user" and event.after["name"] == "my laptop"
    assert text not in str(event.after)
    # the token is the PI on the API: their projects only
    projects = _token_client(text).get("/api/v1/projects/")
    assert projects.status_code == 200
    assert [p["id"] for p in projects.json()["results"]] == [pi_project.pk]


@pytest.mark.django_db
def test_revoking_on_the_portal_ends_the_token_and_is_audited(pi: Any) -> None:
    token, text = _issue(pi)
    client = _portal(pi)
    response = client.post(f"/account/tokens/{token.token_key}/revoke/")
    assert response.status_code == 302 and response["Location"].endswith("?revoked=1")
    assert not ApiToken.objects.exists()
    assert _refused(_token_client(text).get("/api/v1/projects/"))
    [event] = AuditEvent.objects.filter(action="token_revoke")
    assert event.actor_username == "pi_user" and event.before["name"] == "script"


@pytest.mark.django_db
def test_an_outsider_neither_sees_nor_revokes_anothers_token(pi: Any, outsider: Any) -> None:
    token, _ = _issue(pi, name="pi-secret-integration")
    client = _portal(outsider)
    page = client.get("/account/tokens/")
    assert page.status_code == 200 and "pi-secret-integration" not in page.content.decode()
    assert client.post(f"/account/tokens/{token.token_key}/revoke/").status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()
    assert not AuditEvent.objects.filter(action="token_revoke").exists()
    listed = APIClient()
    listed.force_authenticate(outsider)
    assert listed.get("/api/v1/auth/tokens/").json()["results"] == []


@pytest.mark.django_db
def test_only_administrators_issue_service_tokens_for_another_account(
    pi: Any, admin_user: Any
) -> None:
    service = UserFactory.create(username="svc-integration")
    refused = _portal(pi).post(
        "/account/tokens/", {"name": "x", "days": "30", "for_username": "svc-integration"}
    )
    # a PI's form has no such field: the token is the PI's own, never the service account's
    assert not ApiToken.objects.filter(token__user=service).exists()
    assert refused.status_code == 201 and ApiToken.objects.get().user == pi
    with pytest.raises(PermissionError, match=MSG_SERVICE_ADMIN_ONLY):
        _issue(pi, for_username="svc-integration")
    issued = _portal(admin_user).post(
        "/account/tokens/",
        {
            "name": "nightly sync",
            "days": "90",
            "read_only": "on",
            "for_username": "svc-integration",
        },
    )
    assert issued.status_code == 201
    token = ApiToken.objects.get(token__user=service)
    assert token.issued_by == admin_user and token.read_only
    listing = _portal(admin_user).get("/account/tokens/").content.decode()
    assert "nightly sync" in listing and "svc-integration" in listing


@pytest.mark.django_db
def test_a_token_longer_than_the_maximum_is_refused(pi: Any, settings: Any) -> None:
    settings.API_TOKEN_MAX_DAYS = 365
    response = _portal(pi).post("/account/tokens/", {"name": "x", "days": "366"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()
    with pytest.raises(Exception, match=MSG_DAYS_RANGE.format(max=365)):
        _issue(pi, days=366)


@pytest.mark.django_db
def test_an_expired_token_is_refused(pi: Any) -> None:
    token, text = _issue(pi)
    AuthToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    assert _refused(_token_client(text).get("/api/v1/projects/"))
    assert not AuthToken.objects.exists() and not ApiToken.objects.exists()  # knox removes it


@pytest.mark.django_db
def test_a_read_only_token_reads_but_every_write_is_refused(reviewer: Any) -> None:
    _, text = _issue(reviewer, read_only=True)
    client = _token_client(text)
    assert client.get("/api/v1/findings/").status_code == 200
    before = AuditEvent.objects.count()
    for method, url in (
        ("post", "/api/v1/screen/"),
        ("post", "/api/v1/findings/1/decide/"),
        ("post", "/api/v1/imports/list/"),
    ):
        response = getattr(client, method)(url, {}, format="json")
        assert response.status_code == 403 and response.json()["detail"] == MSG_READ_ONLY_TOKEN
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_an_auditors_tokens_are_always_read_only(auditor: Any) -> None:
    client = _portal(auditor)
    assert "Your role is read-only" in client.get("/account/tokens/").content.decode()
    response = client.post("/account/tokens/", {"name": "audit export", "days": "30"})
    assert response.status_code == 201
    token = ApiToken.objects.get(token__user=auditor)
    assert token.read_only
    text = response.context["issued"]
    refused = _token_client(text).post("/api/v1/screen/", {"names": ["x"]}, format="json")
    assert refused.status_code == 403 and refused.json()["detail"] == MSG_READ_ONLY_TOKEN
    assert _token_client(text).get("/api/v1/findings/").status_code == 200


@pytest.mark.django_db
def test_the_api_exchanges_a_password_for_a_token_lists_and_revokes_it(
    pi: Any, reviewer: Any
) -> None:
    _issue(reviewer, name="reviewer-only")
    anonymous = APIClient()
    body = {"username": "pi_user", "password": GOOD, "name": "ci", "days": 7}
    created = anonymous.post("/api/v1/auth/token/", body, format="json")
    assert created.status_code == 201, created.content
    text = created.json()["token"]
    token = ApiToken.objects.get(token__user=pi)
    assert token.pk == hash_token(text) and token.name == "ci"
    assert token.expiry is not None
    assert timedelta(days=6) < token.expiry - timezone.now() <= timedelta(days=7)
    client = _token_client(text)
    listed = client.get("/api/v1/auth/tokens/").json()["results"]
    assert [t["name"] for t in listed] == ["ci"] and "token" not in listed[0]
    assert client.post("/api/v1/auth/token/revoke/").status_code == 204
    assert not ApiToken.objects.filter(token__user=pi).exists()
    assert _refused(client.get("/api/v1/auth/tokens/"))
    events = AuditEvent.objects.filter(object_type="api_token", object_id=token.token_key)
    assert [(e.action, e.actor_username, e.ip) for e in events.order_by("seq")] == [
        ("token_issue", "pi_user", "127.0.0.1"),
        ("token_revoke", "pi_user", "127.0.0.1"),
    ]


@pytest.mark.django_db
def test_a_knox_token_made_outside_grantchecks_pages_is_read_only(pi: Any) -> None:
    _, text = AuthToken.objects.create(user=pi)
    client = _token_client(text)
    assert client.get("/api/v1/projects/").status_code == 200
    refused = client.post("/api/v1/screen/", {"names": ["x"]}, format="json")
    assert refused.status_code == 403 and refused.json()["detail"] == MSG_READ_ONLY_TOKEN


@pytest.mark.django_db
def test_a_read_only_token_may_revoke_itself(auditor: Any) -> None:
    _, text = _issue(auditor)
    assert _token_client(text).post("/api/v1/auth/token/revoke/").status_code == 204
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_a_wrong_password_gets_no_token(pi: Any) -> None:
    body = {"username": "pi_user", "password": "wrong", "name": "ci"}
    response = APIClient().post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 401
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_token_pages_need_a_sign_in() -> None:
    response = Client().get("/account/tokens/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Client().post("/account/tokens/", {"name": "x", "days": "1"}).status_code == 302
    assert APIClient().get("/api/v1/auth/tokens/").status_code in (401, 403)
    assert not ApiToken.objects.exists()
