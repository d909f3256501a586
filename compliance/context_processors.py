from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from projects.access import can_review, sees_whole_portfolio


def portal(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "perms_portfolio": sees_whole_portfolio(user),
        "perms_review": can_review(user),
    }
