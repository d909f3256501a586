"""Sign-in with a rate limit: repeated failures for one account or one address are refused."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

MSG_LOCKED = "Too many failed sign-in attempts. Try again in a few minutes."


def _keys(request: HttpRequest) -> list[str]:
    username = (request.POST.get("username") or "").strip().lower()
    ip = request.META.get("REMOTE_ADDR", "")
    return [f"login-fail:user:{username}", f"login-fail:ip:{ip}"]


class RateLimitedLoginView(LoginView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limit = settings.LOGIN_FAILURE_LIMIT
        if any((cache.get(k) or 0) >= limit for k in _keys(request)):
            form = self.get_form()
            form.add_error(None, MSG_LOCKED)
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        response = super().post(request, *args, **kwargs)
        if response.status_code != 302:  # failed attempt
            for key in _keys(request):
                cache.add(key, 0, settings.LOGIN_FAILURE_WINDOW)
                try:
                    cache.incr(key)
                except ValueError:
                    cache.set(key, 1, settings.LOGIN_FAILURE_WINDOW)
        return response
