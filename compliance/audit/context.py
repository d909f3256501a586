"""Who is acting: set per request by the middleware, per task or command by callers."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, copy_context
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


def actor_bind_user(user: Any) -> Actor:
    """Name the user who authenticated late (DRF authenticates inside the view: Basic, token)
    as the actor of the rest of this request, keeping its request id and address. The
    request's acting_as (the middleware's) restores the previous actor when it ends."""
    now = current_actor()
    actor = Actor(
        user_id=user.pk,
        username=user.get_username(),
        request_id=now.request_id or uuid.uuid4().hex,
        ip=now.ip,
    )
    _current.set(actor)
    return actor


def in_current_context(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Iterate a streamed response's chunks in the context of the view that made it.

    A StreamingHttpResponse is consumed by the server after the view and every middleware
    have returned, when the request's actor is gone: whatever the generator audits (an
    export's manifest after its last row) would be recorded as `system`. Each step runs in a
    copy of the view's context instead, actor included. The copy is taken now, in the view."""
    context = copy_context()
    iterator = iter(chunks)

    def steps() -> Iterator[bytes]:
        while True:
            try:
                chunk = context.run(next, iterator)
            except StopIteration:
                return
            yield chunk

    return steps()


def actor_headers() -> dict[str, Any]:
    """The current actor, for the headers of a Celery task this request or task starts."""
    actor = _current.get()
    if actor is None:
        return {}
    return {"grantcheck_actor": [actor.user_id, actor.username, actor.request_id, actor.ip]}


def actor_from_headers(value: Any) -> Actor | None:
    if not isinstance(value, list | tuple) or len(value) != 4:
        return None
    user_id, username, request_id, ip = value
    return Actor(
        user_id=user_id if isinstance(user_id, int) else None,
        username=str(username or "system"),
        request_id=str(request_id or "")[:64],
        ip=str(ip) if ip else None,
    )


def actor_set(actor: Actor) -> Any:
    """Set the actor for a task; returns the token for actor_reset."""
    return _current.set(actor)


def actor_reset(token: Any) -> None:
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
