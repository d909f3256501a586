"""Reading the decision form shared by the finding page and the queue's bulk decide."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest

from compliance.models import Finding
from compliance.services.bulk_decisions import FIELD_MESSAGES
from projects.errors import ApplicationError

DECISION_FIELDS = ("decision", "reason", "mitigation_plan", "due_date", "waiver_reference")
MSG_BAD_DATE = "Due date must be a date (YYYY-MM-DD)."
DECISION_CHOICES = Finding.Review.choices[1:]


def decision_values(request: HttpRequest) -> dict[str, str]:
    return {k: request.POST.get(k, "") for k in DECISION_FIELDS}


def decision_kwargs(values: dict[str, str]) -> dict[str, Any]:
    """Service keyword arguments; a bad date raises ApplicationError(MSG_BAD_DATE)."""
    text = values["due_date"].strip()
    try:
        due = date.fromisoformat(text) if text else None
    except ValueError as exc:
        raise ApplicationError(MSG_BAD_DATE) from exc
    return {**values, "due_date": due}


def decision_errors(message: str) -> dict[str, str]:
    """Put a service error next to the field it is about (or at the top of the form)."""
    if message == MSG_BAD_DATE:
        return {"due_date": message}
    if message.startswith("Unknown decision"):
        return {"decision": "Choose a decision."}
    field = FIELD_MESSAGES.get(message)
    return {field: message} if field else {"form": message}
