"""Portal routes: notify pages (included from config/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from compliance.portal import notify

urlpatterns: list[URLPattern | URLResolver] = [
    path("notifications/", notify.notifications_page, name="portal-notifications"),
    path(
        "notifications/<int:pk>/read/",
        notify.notification_read,
        name="portal-notification-read",
    ),
    path(
        "notifications/read-all/",
        notify.notifications_read_all,
        name="portal-notifications-read-all",
    ),
    path(
        "notifications/preference/",
        notify.notification_preference,
        name="portal-notification-preference",
    ),
]
