"""{% unread_notification_count as n %}: the signed-in user's unread notifications (one COUNT)."""

from __future__ import annotations

from typing import Any

from django import template

from compliance.notifications.selectors import notifications_unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context: dict[str, Any]) -> int:
    request = context.get("request")
    return notifications_unread_count(user=getattr(request, "user", None))
