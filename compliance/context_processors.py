from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from projects.access import (
    can_administer,
    can_read_audit_log,
    can_review,
    can_use_admin_site,
    sees_whole_portfolio,
)


def portal(request: HttpRequest) -> dict[str, Any]:
    """What the navigation may link to: no one sees a link to a page they cannot use."""
    user = getattr(request, "user", None)
    return {
        "perms_portfolio": sees_whole_portfolio(user),
        "perms_review": can_review(user),
        "perms_audit_log": can_read_audit_log(user),
        "perms_import": can_administer(user),
        "perms_admin_site": can_use_admin_site(user),
    }
