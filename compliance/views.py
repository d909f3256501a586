"""Portal pages. The full portal is built on these; for now the home page and health."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from projects.access import sees_whole_portfolio
from projects.selectors import portfolio_counts, projects_visible_to


@login_required
def home(request: HttpRequest) -> HttpResponse:
    visible = projects_visible_to(user=request.user)
    context = {
        "counts": portfolio_counts() if sees_whole_portfolio(request.user) else None,
        "projects": visible.order_by("-amount_usd")[:20],
        "visible_count": visible.count(),
    }
    return render(request, "compliance/home.html", context)


def health(request: HttpRequest) -> JsonResponse:
    """Liveness and dependency check for load balancers: database and cache round-trips."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        cache.set("grantcheck:health", "1", 5)
        checks["cache"] = "ok" if cache.get("grantcheck:health") == "1" else "error: no read-back"
    except Exception as exc:
        checks["cache"] = f"error: {type(exc).__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", **checks}, status=200 if healthy else 503
    )
