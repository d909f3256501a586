"""Celery tasks of the rules app: thin wrappers that take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from rules.services.screening import organisations_screen


@shared_task(name="rules.organisations_screen", acks_late=True)
def organisations_screen_task(organisation_ids: list[int] | None, trigger: str) -> int:
    return organisations_screen(organisation_ids=organisation_ids, trigger=trigger).pk
