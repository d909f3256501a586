"""Optional OpenID Connect sign-on: off by default; when on, claims map to account and groups."""

from __future__ import annotations

import importlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.test import Client, override_settings
from django.urls import clear_url_caches

from compliance.models import AuditEvent
from config.oidc import GrantcheckOIDCBackend
from projects.models import Person
from tests.factories import PersonFactory, UserFactory
from tests.settings_probe import settings_probe

ROOT = Path(__file__).resolve().parents[2]
BACKEND = "config.oidc.GrantcheckOIDCBackend"
IDP = "https://idp.example.edu/oidc"
ENV = {
    "OIDC_RP_CLIENT_ID": "grantcheck",
    "OIDC_RP_CLIENT_SECRET": "s3cret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{IDP}/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": f"{IDP}/token",
    "OIDC_OP_USER_ENDPOINT": f"{IDP}/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": f"{IDP}/jwks",
}
ENABLED = {
    "OIDC_ENABLED": True,
    "OIDC_RP_CLIENT_ID": "grantcheck",
    "OIDC_RP_CLIENT_SECRET": "s3cret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{IDP}/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": f"{IDP}/token",
    "OIDC_OP_USER_ENDPOINT": f"{IDP}/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": f"{IDP}/jwks",
    "OIDC_RP_SIGN_ALGO": "RS256",
    "OIDC_RP_SCOPES": "openid email profile",
    "OIDC_GROUPS_CLAIM": "groups",
    "OIDC_GROUP_MAP": {"research-office": "reviewer", "audit": "auditor", "faculty": "pi"},
    "AUTHENTICATION_BACKENDS": ["django.contrib.auth.backends.ModelBackend", BACKEND],
}
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'backends': settings.AUTHENTICATION_BACKENDS, "
    "'enabled': settings.OIDC_ENABLED, 'map': getattr(settings, 'OIDC_GROUP_MAP', None), "
    "'claim': getattr(settings, 'OIDC_GROUPS_CLAIM', None)}))"
)


def _settings_with(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return settings_probe(PROBE, env, drop=lambda k: k.startswith("OIDC_"))


def test_settings_switch_sso_on_only_with_a_client_id() -> None:
    off = json.loads(_settings_with({}).stdout)
    assert off == {
        # django-axes first: it refuses locked accounts before any password is checked
        "backends": [
            "axes.backends.AxesStandaloneBackend",
            "django.contrib.auth.backends.ModelBackend",
        ],
        "enabled": False,
        "map": None,
        "claim": None,
    }
    result = _settings_with({**ENV, "OIDC_GROUP_MAP": "research-office=reviewer, audit=auditor"})
    assert result.returncode == 0, result.stderr
    on = json.loads(result.stdout)
    assert on["enabled"] and on["backends"][-1] == BACKEND and on["claim"] == "groups"
    assert on["map"] == {"research-office": "reviewer", "audit": "auditor"}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({k: v for k, v in ENV.items() if k != "OIDC_OP_TOKEN_ENDPOINT"}, "OIDC_OP_TOKEN_ENDPOINT"),
        ({k: v for k, v in ENV.items() if k != "OIDC_OP_JWKS_ENDPOINT"}, "OIDC_OP_JWKS_ENDPOINT"),
        (
            {**ENV, "OIDC_GROUP_MAP": "faculty=professor"},
            "OIDC_GROUP_MAP entry 'faculty=professor'",
        ),
        ({**ENV, "OIDC_GROUP_MAP": "faculty"}, "OIDC_GROUP_MAP entry 'faculty'"),
    ],
)
def test_half_configured_sso_refuses_to_start(env: dict[str, str], message: str) -> None:
    result = _settings_with(env)
    assert result.returncode != 0 and message in result.stderr


@pytest.mark.django_db
def test_without_the_variables_there_is_no_sso_button_and_no_sso_urls() -> None:
    assert not settings.OIDC_ENABLED
    client = Client()
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with single sign-on" not in page and "/oidc/" not in page
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/").status_code == 404


@pytest.fixture
def sso_urls() -> Iterator[None]:
    """The URL configuration as it is built when single sign-on is configured."""
    import config.urls

    try:
        with override_settings(**ENABLED):
            importlib.reload(config.urls)
            clear_url_caches()
            yield
    finally:
        importlib.reload(config.urls)
        clear_url_caches()


@pytest.mark.django_db
def test_with_sso_configured_the_login_page_offers_it_and_it_goes_to_the_provider(
    sso_urls: None,
) -> None:
    client = Client()
    page = client.get("/accounts/login/", {"next": "/projects/"}).content.decode()
    assert '<a class="sso" href="/oidc/authenticate/?next=/projects/">' in page
    assert "Sign in with single sign-on" in page
    response = client.get("/oidc/authenticate/")
    assert response.status_code == 302 and response["Location"].startswith(f"{IDP}/authorize?")
    assert "client_id=grantcheck" in response["Location"]
    failed = client.get("/accounts/login/", {"sso": "failed"}).content.decode()
    assert "Single sign-on did not complete." in failed


def _sign_in(monkeypatch: pytest.MonkeyPatch, claims: dict[str, Any]) -> Any:
    backend = GrantcheckOIDCBackend()
    monkeypatch.setattr(backend, "get_userinfo", lambda *args: claims)
    return backend.get_or_create_user("access", "id", {})


def _groups(user: Any) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


@pytest.mark.django_db
@override_settings(**ENABLED)
def test_backend_maps_claims_to_account_groups_and_person(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    person = PersonFactory.create(email="Ada.Lovelace@Univ.edu")
    claims = {
        "email": "ada.lovelace@univ.edu",
        "email_verified": True,
        "preferred_username": "alovelace",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "groups": ["faculty", "research-office", "library"],
    }
    user = _sign_in(monkeypatch, claims)

    user.refresh_from_db()
    assert (user.username, user.email) == ("alovelace", "ada.lovelace@univ.edu")
    assert user.get_full_name() == "Ada Lovelace"
    assert _groups(user) == {"pi", "reviewer"}
    person.refresh_from_db()
    assert person.user == user
    audited = set(
        AuditEvent.objects.filter(
            object_id__in=[str(user.pk), str(person.pk)], action__in=["roles_add", "update"]
        ).values_list("object_type", "action")
    )
    assert {("auth.user", "roles_add"), ("projects.person", "update")} <= audited

    admin_group = user.groups.model.objects.get_or_create(name="admin")[0]
    user.groups.add(admin_group)  # granted locally, not named in the map: left alone
    again = _sign_in(monkeypatch, {**claims, "groups": "audit"})
    assert again.pk == user.pk and get_user_model().objects.count() == 1
    assert _groups(again) == {"auditor", "admin"}


@pytest.mark.django_db
@override_settings(**ENABLED)
def test_existing_account_is_found_by_email_and_unverified_email_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    existing = UserFactory.create(username="grace", email="grace@univ.edu")
    claims = {"email": "GRACE@univ.edu", "preferred_username": "ghopper", "groups": []}
    assert _sign_in(monkeypatch, claims).pk == existing.pk
    existing.refresh_from_db()
    assert existing.username == "grace" and existing.email == "GRACE@univ.edu"

    with pytest.raises(SuspiciousOperation):
        _sign_in(monkeypatch, {**claims, "email_verified": False})
    with pytest.raises(SuspiciousOperation):
        _sign_in(monkeypatch, {"preferred_username": "nobody"})


@pytest.mark.django_db
@override_settings(**ENABLED)
def test_taken_username_falls_back_to_email_and_a_linked_person_is_not_taken_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    UserFactory.create(username="alan", email="alan@elsewhere.org")
    owner = UserFactory.create(username="owner", email="owner@univ.edu")
    person = PersonFactory.create(email="alan@univ.edu", user=owner)
    user = _sign_in(monkeypatch, {"email": "alan@univ.edu", "preferred_username": "alan"})
    assert user.username == "alan@univ.edu"
    assert Person.objects.get(pk=person.pk).user == owner
    assert not Person.objects.filter(user=user).exists()


@pytest.mark.django_db
@override_settings(**ENABLED)
def test_a_person_known_from_nsf_award_data_is_linked_by_the_key_of_their_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from projects.connectors.nsf_import import person_key_email

    person = PersonFactory.create(email=person_key_email("mei.shaw@univ.edu"), name="Mei Shaw")
    user = _sign_in(monkeypatch, {"email": "Mei.Shaw@univ.edu", "preferred_username": "mshaw"})
    assert Person.objects.get(pk=person.pk).user == user
    assert "univ.edu" not in Person.objects.get(pk=person.pk).email  # the key stays a key
