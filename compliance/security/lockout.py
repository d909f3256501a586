"""Failed sign-ins, throttled per account on every path that checks a password (django-axes).

Axes counts failures per account (AXES_LOCKOUT_PARAMETERS = ["username"]). On top of it this
handler locks an address only after LOGIN_ADDRESS_FAILURE_LIMIT failures from it (every
account together): far above the per-account limit, so a campus NAT or a reverse proxy never
turns one person's typos into a lockout for everyone behind it, while a password spray from
one address still stops. Each lockout, and each lift by an administrator, is an audit event.
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Sum
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse

from compliance.audit.chain import Change, audit_record

MSG_LOCKED = (
    "Too many failed sign-in attempts for this account. Try again in a few minutes, or ask an "
    "administrator to lift the lock."
)
MSG_ADDRESS_LOCKED = (
    "Too many failed sign-in attempts from your network address. Try again in a few minutes."
)
SCOPE_ACCOUNT = "account"
SCOPE_ADDRESS = "address"


def address_failures(request: Any) -> int:
    """Failed sign-ins from this request's address within the window, all accounts together."""
    attempts = AccessAttempt.objects.filter(
        ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request)
    )
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


def _address_locked(request: Any) -> bool:
    return address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


class GrantcheckAxesHandler(AxesDatabaseHandler):
    """Axes' database handler with the address-wide limit beside the per-account one."""

    def is_locked(self, request: Any, credentials: dict[str, Any] | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        if _address_locked(request):
            request.axes_lock_scope = SCOPE_ADDRESS
            return True
        return False

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or request.axes_locked_out:
            return
        if request.axes_failures_since_start is not None and _address_locked(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            request.axes_lock_scope = SCOPE_ADDRESS
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )


@receiver(user_locked_out)
def lockout_audited(sender: Any, request: Any, username: str | None, **kwargs: Any) -> None:
    """The attempt that reached a limit is audited; refused attempts during the lockout are
    not (axes does not record them: AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is off)."""
    if request is None or request.axes_failures_since_start is None:
        return
    scope = getattr(request, "axes_lock_scope", SCOPE_ACCOUNT)
    target = request.axes_ip_address if scope == SCOPE_ADDRESS else (username or "")
    audit_record(
        Change(
            action="lockout",
            object_type="sign-in",
            object_id=str(target)[:64],
            object_repr=f"sign-in locked ({scope}): {target}",
            after={
                "scope": scope,
                "username": username,
                "ip": request.axes_ip_address,
                "path": request.axes_path_info,
                "failures": request.axes_failures_since_start,
                "window_seconds": settings.LOGIN_FAILURE_WINDOW,
            },
        )
    )


def lockout_message(request: Any) -> str:
    if getattr(request, "axes_lock_scope", SCOPE_ACCOUNT) == SCOPE_ADDRESS:
        return MSG_ADDRESS_LOCKED
    return MSG_LOCKED


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with the sign-in form again (pages) or JSON (API)."""
    message = lockout_message(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    # Unbound: a bound form would check the password again (and count one more failure).
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    response = TemplateResponse(
        request,
        "registration/login.html",
        {"form": form, "next": "", "lockout": message},
        status=429,
    )
    return response.render()
