"""Admin of sign-in lockouts (django-axes) and API tokens.

Deleting an access attempt lifts its lockout; each lift is an audit event naming the
administrator. Tokens are issued on the portal's API tokens page (service tokens too) so
their text is shown once; here administrators list and revoke them.
"""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from knox.models import AuthToken

from compliance.audit.chain import Change, audit_record_many
from compliance.models import ApiToken
from compliance.security.tokens import api_token_revoke


def lockouts_lift(attempts: QuerySet[AccessAttempt]) -> int:
    """Delete these attempts (their lockouts end) and audit each lift."""
    changes = [
        Change(
            action="lockout_lift",
            object_type="sign-in",
            object_id=(a.username or a.ip_address or "")[:64],
            object_repr=f"sign-in lock lifted: {a.username} from {a.ip_address}"[:300],
            before={
                "username": a.username,
                "ip": a.ip_address,
                "failures": a.failures_since_start,
                "last_failure": a.attempt_time.isoformat(),
            },
        )
        for a in attempts
    ]
    count, _ = attempts.delete()
    audit_record_many(changes)
    return count


class LockoutAdmin(AccessAttemptAdmin):
    actions = ["lift_lockouts", "cleanup_expired_attempts"]

    @admin.action(description="Lift the lockout of the selected attempts (audited)")
    def lift_lockouts(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        count = lockouts_lift(queryset)
        self.message_user(request, f"Lifted {count} lockout(s).")

    def delete_model(self, request: HttpRequest, obj: AccessAttempt) -> None:
        lockouts_lift(AccessAttempt.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        lockouts_lift(queryset)


admin.site.register(AccessAttempt, LockoutAdmin)
admin.site.register(AccessLog, AccessLogAdmin)
admin.site.register(AccessFailureLog, AccessFailureLogAdmin)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "token_key", "user", "read_only", "created", "expiry", "issued_by"]
    list_filter = ["read_only"]
    search_fields = ["name", "token__token_key", "token__user__username"]
    list_select_related = ["token__user", "issued_by"]
    fields = ("name", "token_key", "user", "read_only", "created", "expiry", "issued_by")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # issued on the portal's API tokens page: the text is shown once there

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: ApiToken) -> None:
        api_token_revoke(token_key=obj.token_key, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for key in list(queryset.values_list("token__token_key", flat=True)):
            api_token_revoke(token_key=key, by=request.user)


def knox_admin_replace() -> None:
    """knox registers its own token admin, which adds tokens without a name or scope and
    deletes them unaudited: tokens are managed through ApiTokenAdmin and the portal only.
    Called from compliance's ready(), after the admin has loaded every app's admin module."""
    if admin.site.is_registered(AuthToken):
        admin.site.unregister(AuthToken)
