"""Portfolio reactions inside the portfolio: a tie the person recorded and disclosed takes
over the evidence of the same tie found in publications or ORCID (evidence_reconcile)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from projects.models import Tie


def _on_tie_saved(sender: Any, instance: Tie, raw: bool = False, **kwargs: Any) -> None:
    from projects.connectors.evidence import EVIDENCE_SOURCES, evidence_reconcile

    if raw or instance.source in EVIDENCE_SOURCES or not instance.disclosed_in:
        return
    evidence_reconcile(person_ids=[instance.person_id])


def connect() -> None:
    post_save.connect(_on_tie_saved, sender=Tie, dispatch_uid="projects.tie_reconcile")
