"""Who may open and change the rule and list pages.

Everyone who sees the whole portfolio (reviewers, auditors, admins) reads them; only
administrators write, as in the list-import API. PIs and outsiders are refused (403),
like the dashboard.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from projects.access import can_administer, sees_whole_portfolio

READ_ONLY = "Only administrators may change rules and reference lists."


def require_portfolio(request: HttpRequest) -> None:
    if not sees_whole_portfolio(request.user):
        raise PermissionDenied("Rules and lists are for the research office and auditors.")


def require_admin(request: HttpRequest) -> None:
    require_portfolio(request)
    if not can_administer(request.user):
        raise PermissionDenied(READ_ONLY)
