"""Who is acting: set per request by the middleware, per task or command by callers."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class Actor:
    user_id: int | None = None
    username: str = "system"
    request_id: str = ""
    ip: str | None = None


_SYSTEM = Actor()
_current: ContextVar[Actor | None] = ContextVar("grantcheck_actor", default=None)


def current_actor() -> Actor:
    return _current.get() or _SYSTEM


@contextmanager
def acting_as(
    user: Any = None, *, username: str | None = None, request_id: str = "", ip: str | None = None
) -> Iterator[Actor]:
    actor = Actor(
        user_id=getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None,
        username=username
        or (user.get_username() if getattr(user, "is_authenticated", False) else "system"),
        request_id=request_id or uuid.uuid4().hex,
        ip=ip,
    )
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


class AuditContextMiddleware:
    """Binds the signed-in user, a request id and the client IP to everything audited."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        ip = request.META.get("REMOTE_ADDR")
        user = getattr(request, "user", None)
        with acting_as(user, request_id=request_id[:64], ip=ip):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id[:64]
        return response
