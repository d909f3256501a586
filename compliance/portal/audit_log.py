"""The audit-log page: every recorded change (who, when, what, before and after), filtered
and paginated, newest first. Read-only: the table is append-only and this page only reads.

For auditors and administrators (PRODUCT.md: the auditor's audit log); reviewers, PIs and
outsiders are refused (403), like the other research-office pages.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from compliance.models import AuditEvent
from compliance.selectors import audit_events_visible_to
from projects.access import can_read_audit_log

MSG_FORBIDDEN = "The audit log is for auditors and administrators."
MSG_RANGE = "The start date is after the end date."
PER_PAGE = 50
SHOWN_FIELDS = 12  # changed fields listed per event; the export has every one


def require_audit_log(request: HttpRequest) -> None:
    if not can_read_audit_log(request.user):
        raise PermissionDenied(MSG_FORBIDDEN)


def _choices(user: Any, column: str) -> list[tuple[str, str]]:
    events = audit_events_visible_to(user=user)
    values = events.order_by(column).values_list(column, flat=True).distinct()
    return [("", "Any")] + [(v, v) for v in values if v]


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label="Who", required=False, help_text="User name (exact)")
    action = forms.ChoiceField(label="Action", required=False)
    object_type = forms.ChoiceField(label="Object type", required=False)
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("action", "object_type"):
            cast(forms.ChoiceField, self.fields[name]).choices = _choices(user, name)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(MSG_RANGE)
        return data


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def audit_events_filtered(*, user: Any, data: dict[str, Any]) -> QuerySet[AuditEvent]:
    qs = audit_events_visible_to(user=user)
    if data.get("actor"):
        qs = qs.filter(actor_username=data["actor"].strip())
    if data.get("action"):
        qs = qs.filter(action=data["action"])
    if data.get("object_type"):
        qs = qs.filter(object_type=data["object_type"])
    if data.get("date_from"):
        qs = qs.filter(at__gte=_day_start(data["date_from"]))
    if data.get("date_to"):
        qs = qs.filter(at__lte=datetime.combine(data["date_to"], time.max, tzinfo=UTC))
    return qs.order_by("-seq")


def changed_fields(before: Any, after: Any) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for each field that differs; a whole value when not a dict."""
    if not isinstance(before, dict) and not isinstance(after, dict):
        return [] if before == after else [("", before, after)]
    old = before if isinstance(before, dict) else {}
    new = after if isinstance(after, dict) else {}
    keys = sorted(set(old) | set(new))
    return [(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)]


@login_required
@require_GET
def audit_log_page(request: HttpRequest) -> HttpResponse:
    require_audit_log(request)
    form = AuditFilterForm(request.GET or None, user=request.user)
    valid = form.is_valid() if request.GET else True
    data = form.cleaned_data if request.GET and valid else {}
    events = audit_events_filtered(user=request.user, data=data)
    page = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    for event in page:
        changes = changed_fields(event.before, event.after)
        rows.append(
            {"event": event, "changes": changes[:SHOWN_FIELDS], "more": len(changes) - SHOWN_FIELDS}
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "compliance/portal/audit_log.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode()},
        status=200 if valid else 400,
    )
