"""A background task audits as whoever started it: the actor travels in the task's headers.

A request (or task) that enqueues a Celery task puts its actor (user, request id, address) in
the message headers; the worker sets it for the task's run, so what the task writes names the
person and the request that caused it, not `system`. Eager tasks run inside the caller's
context and need nothing. Scheduled (beat) tasks carry no actor: they stay `system`.
"""

from __future__ import annotations

from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun

from compliance.audit.context import actor_from_headers, actor_headers, actor_reset, actor_set

HEADER = "grantcheck_actor"
_tokens: dict[str, Any] = {}


def actor_into_headers(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    if headers is not None and HEADER not in headers:
        headers.update(actor_headers())


def actor_for_task(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    request = getattr(task, "request", None)
    if request is None or getattr(request, "is_eager", False) or task_id is None:
        return
    actor = actor_from_headers(getattr(request, HEADER, None))
    if actor is not None:
        _tokens[task_id] = actor_set(actor)


def actor_after_task(task_id: str | None = None, **kwargs: Any) -> None:
    token = _tokens.pop(task_id or "", None)
    if token is not None:
        actor_reset(token)


def connect() -> None:
    before_task_publish.connect(actor_into_headers, dispatch_uid="grantcheck-actor-publish")
    task_prerun.connect(actor_for_task, dispatch_uid="grantcheck-actor-prerun")
    task_postrun.connect(actor_after_task, dispatch_uid="grantcheck-actor-postrun")
