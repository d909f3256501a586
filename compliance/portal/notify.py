"""Portal: a user's own notifications, read state and delivery preference.

Everyone signed in, auditors included, manages only their OWN notifications and preference:
that writes no compliance data (docs/notifications.md). Another user's notification is a 404.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from compliance.models import NotificationPreference
from compliance.notifications.delivery import (
    MSG_UNKNOWN_DELIVERY,
    notification_mark_read,
    notification_preference_set,
    notifications_mark_all_read,
)
from compliance.notifications.selectors import delivery_for, notifications_for

PAGE_SIZE = 25


class PreferenceForm(forms.Form):
    delivery = forms.ChoiceField(
        label="How do you want to receive notifications by e-mail?",
        choices=NotificationPreference.Delivery.choices,
        widget=forms.RadioSelect,
        error_messages={"required": MSG_UNKNOWN_DELIVERY, "invalid_choice": MSG_UNKNOWN_DELIVERY},
    )


def _page(request: HttpRequest, form: PreferenceForm, status: int = 200) -> HttpResponse:
    notifications = notifications_for(user=request.user)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "compliance/portal/notify/notifications.html",
        {"page": page, "form": form, "saved": request.GET.get("saved") == "1"},
        status=status,
    )


def _back(request: HttpRequest, **extra: str) -> HttpResponseRedirect:
    url = reverse("portal-notifications")
    params = dict(extra)
    page = request.POST.get("page", "")
    if page.isdigit():
        params["page"] = page
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return HttpResponseRedirect(f"{url}?{query}" if query else url)


@login_required
@require_GET
def notifications_page(request: HttpRequest) -> HttpResponse:
    form = PreferenceForm(initial={"delivery": delivery_for(user=request.user)})
    return _page(request, form)


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(notifications_for(user=request.user), pk=pk)
    notification_mark_read(notification=notification)
    return _back(request)


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_all_read(user=request.user)
    return _back(request)


@login_required
@require_POST
def notification_preference(request: HttpRequest) -> HttpResponse:
    form = PreferenceForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    notification_preference_set(user=request.user, delivery=form.cleaned_data["delivery"])
    return _back(request, saved="1")
