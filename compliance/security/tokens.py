"""API tokens: issue, list and revoke (services and the one selector), all audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from knox.models import AuthToken

from compliance.audit.chain import Change, audit_record
from compliance.models import ApiToken
from projects.access import AUDITOR, can_administer, can_review, has_group
from projects.errors import ApplicationError

MSG_NAME_REQUIRED = "Give the token a name that says where it is used."
MSG_DAYS_RANGE = "A token lasts between 1 and {max} days."
MSG_SERVICE_ADMIN_ONLY = "Only administrators may issue a token for another account."
MSG_UNKNOWN_ACCOUNT = "There is no active account with that username."
MSG_NOT_YOURS = "Not found."


def tokens_visible_to(*, user: Any) -> QuerySet[ApiToken]:
    """A user sees their own tokens; administrators see every token (and may revoke it)."""
    tokens = ApiToken.objects.select_related("token__user", "issued_by")
    if can_administer(user):
        return tokens.all()
    return tokens.filter(token__user=user)


def read_only_role(user: Any) -> bool:
    """Auditors' tokens are always read-only: their role is."""
    return has_group(user, AUDITOR) and not can_review(user) and not can_administer(user)


def _snapshot(token: ApiToken) -> dict[str, Any]:
    return {
        "name": token.name,
        "user": token.user.get_username(),
        "read_only": token.read_only,
        "expiry": token.expiry.isoformat() if token.expiry else None,
        "issued_by": token.issued_by.get_username() if token.issued_by else None,
    }


@transaction.atomic
def api_token_issue(
    *,
    issued_by: Any,
    name: str,
    read_only: bool,
    days: int,
    for_username: str = "",
) -> tuple[ApiToken, str]:
    """Issue a token; returns it and its plain text, which is shown once and never stored."""
    name = name.strip()
    if not name:
        raise ApplicationError(MSG_NAME_REQUIRED)
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ApplicationError(MSG_DAYS_RANGE.format(max=settings.API_TOKEN_MAX_DAYS))
    owner = issued_by
    for_username = for_username.strip()
    if for_username and for_username != issued_by.get_username():
        if not can_administer(issued_by):
            raise PermissionError(MSG_SERVICE_ADMIN_ONLY)
        owner = get_user_model().objects.filter(username=for_username, is_active=True).first()
        if owner is None:
            raise ApplicationError(MSG_UNKNOWN_ACCOUNT)
    read_only = read_only or read_only_role(owner)
    knox_token, text = AuthToken.objects.create(user=owner, expiry=timedelta(days=days))
    token = ApiToken.objects.create(
        token=knox_token, name=name[:100], read_only=read_only, issued_by=issued_by
    )
    audit_record(
        Change(
            action="token_issue",
            object_type="api_token",
            object_id=token.token_key,
            object_repr=str(token)[:300],
            after=_snapshot(token),
        )
    )
    return token, text


@transaction.atomic
def api_token_revoke(*, token_key: str, by: Any) -> None:
    """Revoke one token of one's own (any token, for administrators); others' are a 404."""
    token = tokens_visible_to(user=by).filter(token__token_key=token_key).first()
    if token is None:
        raise LookupError(MSG_NOT_YOURS)
    before = _snapshot(token)
    AuthToken.objects.filter(digest=token.pk).delete()  # its ApiToken row goes with it
    audit_record(
        Change(
            action="token_revoke",
            object_type="api_token",
            object_id=token_key,
            object_repr=f"{before['name']} ({token_key}…, {before['user']})"[:300],
            before=before,
        )
    )
