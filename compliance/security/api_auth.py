"""API authentication: who the API caller is becomes the audit actor, whatever the method.

DRF authenticates inside the view (lazily), after every middleware has run, so the audit
middleware only ever sees a session user. Each class here names the user it authenticated as
the actor of the rest of the request (compliance.audit.context.actor_bind_user).

- Session: the portal's sign-in (CSRF enforced).
- Token: knox tokens (`Authorization: Token gc_...`), stored hashed, with an expiry; a
  read-only token is refused any unsafe method here, before any view or permission runs,
  so no view can forget the check.
- Basic (only with GRANTCHECK_API_BASIC_AUTH; on by default only with DEBUG): the password is
  checked through django-axes like every sign-in, so an account locked on the portal is
  locked here too (429).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import authentication as authentication_schemes
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from rest_framework import exceptions
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from compliance.audit.context import actor_bind_user
from compliance.models import ApiToken
from compliance.security.lockout import lockout_message

MSG_READ_ONLY_TOKEN = "This API token is read-only: it may not change anything."  # noqa: S105


class SignInLocked(exceptions.APIException):
    status_code = 429
    default_detail = "Too many failed sign-in attempts."
    default_code = "sign_in_locked"


def _bound(result: tuple[Any, Any] | None) -> tuple[Any, Any] | None:
    if result is not None:
        actor_bind_user(result[0])
    return result


def token_read_only(token: Any) -> bool:
    """A knox token without grantcheck's scope row (made outside its pages) is read-only."""
    scope = ApiToken.objects.filter(token=token).values_list("read_only", flat=True).first()
    return scope is None or bool(scope)


class AuditedSessionAuthentication(SessionAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        return _bound(super().authenticate(request))


class AuditedTokenAuthentication(TokenAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        view = (getattr(request, "parser_context", None) or {}).get("view")
        if (
            request.method not in SAFE_METHODS
            and token_read_only(result[1])
            and not getattr(view, "read_only_tokens_allowed", False)
        ):
            raise exceptions.PermissionDenied(MSG_READ_ONLY_TOKEN)
        return _bound(result)


class AuditedBasicAuthentication(BasicAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        return _bound(super().authenticate(request))

    def authenticate_credentials(
        self, userid: str, password: str, request: Any = None
    ) -> tuple[Any, None]:
        try:
            return super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            if request is not None and getattr(request, "axes_locked_out", False):
                raise SignInLocked(lockout_message(request)) from None
            raise


# drf-spectacular: the schema names each scheme (`spectacular --fail-on-warn` passes).
class SessionScheme(authentication_schemes.SessionScheme):
    target_class = "compliance.security.api_auth.AuditedSessionAuthentication"


class BasicScheme(authentication_schemes.BasicScheme):
    target_class = "compliance.security.api_auth.AuditedBasicAuthentication"


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "compliance.security.api_auth.AuditedTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Token",  # noqa: S106  (the header scheme word)
        )
