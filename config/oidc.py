"""Single sign-on with OpenID Connect: identity-provider claims become a grantcheck account.

Used only when OIDC_RP_CLIENT_ID is set (config/settings.py adds this backend then).
Claims: email -> the account's e-mail (and how an existing account is found),
preferred_username -> the username of a new account, the groups claim (OIDC_GROUPS_CLAIM)
-> grantcheck role groups through OIDC_GROUP_MAP. The account is linked to the Person with
the same e-mail. docs/sso.md describes every setting.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend, default_username_algo

from projects.connectors.nsf_import import person_key_email
from projects.models import Person

logger = logging.getLogger(__name__)

USERNAME_UNSAFE = re.compile(r"[^\w.@+-]")
USERNAME_MAX = 150


def claim_groups(claims: dict[str, Any], claim: str) -> set[str]:
    raw = claims.get(claim) or []
    if isinstance(raw, str):  # some identity providers send a single group as a string
        raw = [raw]
    return {str(g) for g in raw}


class GrantcheckOIDCBackend(OIDCAuthenticationBackend):
    def verify_claims(self, claims: dict[str, Any]) -> bool:
        if not (claims.get("email") or "").strip():
            return False
        # An address the provider itself has not verified must never open an existing account.
        return claims.get("email_verified") is not False

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        email = (claims.get("email") or "").strip()
        if not email:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(email__iexact=email)

    def get_username(self, claims: dict[str, Any]) -> str:
        email = (claims.get("email") or "").strip()
        wanted = USERNAME_UNSAFE.sub("", str(claims.get("preferred_username") or ""))[:USERNAME_MAX]
        for candidate in (wanted, email[:USERNAME_MAX]):
            if candidate and not self.UserModel.objects.filter(username=candidate).exists():
                return candidate
        # Both taken by other accounts: a stable name derived from the e-mail.
        return str(default_username_algo(email, claims))

    @transaction.atomic
    def create_user(self, claims: dict[str, Any]) -> Any:
        email = claims["email"].strip()
        user = self.UserModel.objects.create_user(self.get_username(claims), email=email)
        return self._apply_claims(user, claims)

    @transaction.atomic
    def update_user(self, user: Any, claims: dict[str, Any]) -> Any:
        return self._apply_claims(user, claims)

    def _apply_claims(self, user: Any, claims: dict[str, Any]) -> Any:
        changed = []
        values = {
            "email": claims["email"].strip(),
            "first_name": str(claims.get("given_name") or user.first_name)[:150],
            "last_name": str(claims.get("family_name") or user.last_name)[:150],
        }
        for field, value in values.items():
            if getattr(user, field) != value:
                setattr(user, field, value)
                changed.append(field)
        if changed:
            user.save(update_fields=changed)
        self._sync_groups(user, claims)
        self._link_person(user)
        return user

    def _sync_groups(self, user: Any, claims: dict[str, Any]) -> None:
        """Groups named in OIDC_GROUP_MAP follow the provider; every other group is left alone."""
        mapping: dict[str, str] = self.get_settings("OIDC_GROUP_MAP", {}) or {}
        if not mapping:
            return
        claimed = claim_groups(claims, self.get_settings("OIDC_GROUPS_CLAIM", "groups"))
        wanted = {role for group, role in mapping.items() if group in claimed}
        managed = set(mapping.values())
        current = set(user.groups.filter(name__in=managed).values_list("name", flat=True))
        if wanted - current:
            user.groups.add(
                *(Group.objects.get_or_create(name=name)[0] for name in sorted(wanted - current))
            )
        if current - wanted:
            user.groups.remove(*Group.objects.filter(name__in=current - wanted))

    def _link_person(self, user: Any) -> None:
        if Person.objects.filter(user=user).exists():
            return
        person = Person.objects.filter(email__iexact=user.email).first()
        if person is None and user.email:  # a person known only from NSF award data
            person = Person.objects.filter(email=person_key_email(user.email)).first()
        if person is None:
            return
        if person.user_id is not None:
            logger.warning(
                "SSO sign-in of %s: person %s is linked to another account; not relinked",
                user.username,
                person.pk,
            )
            return
        person.user = user
        person.save(update_fields=["user", "updated_at"])
