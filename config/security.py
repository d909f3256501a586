"""Response headers every page gets: Permissions-Policy, and no-store where data is private.

Static files never reach these (whitenoise answers above them, with its own caching).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control

# Paths whose responses are data for a caller, whoever it is: never kept by a cache.
NO_STORE_PREFIXES = ("/api/",)


class PermissionsPolicyMiddleware:
    """Switch off the browser features the portal never uses (camera, geolocation, ...)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def _is_private(request: HttpRequest, response: HttpResponseBase) -> bool:
    user = getattr(request, "user", None)  # DRF sets it here too, for Basic and token auth
    if user is not None and user.is_authenticated:
        return True
    if request.path.startswith(NO_STORE_PREFIXES):
        return True
    # An export (CSV, XLSX, PDF) is a download whatever the path it came from.
    return response.headers.get("Content-Disposition", "").startswith("attachment")


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every authenticated response, API response and export, so
    neither a shared proxy nor the browser's disk keeps a copy of what a user was shown."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if _is_private(request, response):
            patch_cache_control(response, no_store=True, private=True)
            response.headers.pop("Expires", None)
        return response
