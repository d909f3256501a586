"""Service endpoints outside the portal: the health check."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from compliance.health import health_report


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Database, cache, Redis and worker liveness for load balancers (over plain HTTP too:
    SECURE_REDIRECT_EXEMPT); 503 only when the database is down (compliance.health)."""
    report, status = health_report()
    return JsonResponse(report, status=status)
