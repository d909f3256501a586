"""Re-check triggers for a person's own records (training, travel, MFTRP certifications).

Scoped as for ties: a training or travel record saved or deleted re-checks the projects of
that person only; a certification re-checks the award it certifies (and the one it left).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save

from compliance.services.recheck_scope import projects_for_people
from projects.models import MftrpCertification, TrainingRecord, TravelRecord


def _on_person_record_changed(
    sender: Any, instance: TrainingRecord | TravelRecord, **kwargs: Any
) -> None:
    from compliance.receivers import _recheck_found_after_commit

    person_id = instance.person_id
    before = getattr(instance, "_record_before", None) or (None,)
    people = {p for p in (person_id, before[0]) if p is not None}
    what = "training" if sender is TrainingRecord else "travel"
    _recheck_found_after_commit(
        f"{what} record {instance.pk} changed",
        f"person:{person_id}",
        lambda: projects_for_people(person_ids=people),
    )


def _remember_person(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Before a save: the record's person (and award) as stored, so that the projects it
    leaves are re-checked as well as those it joins."""
    before = None
    if instance.pk is not None:
        fields = ("person_id", "project_id") if sender is MftrpCertification else ("person_id",)
        before = sender.objects.filter(pk=instance.pk).values_list(*fields).first()
    instance._record_before = before


def _on_certification_changed(sender: Any, instance: MftrpCertification, **kwargs: Any) -> None:
    from compliance.receivers import _request_after_commit

    before = getattr(instance, "_record_before", None) or (None, None)
    for project_id in {p for p in (instance.project_id, before[1]) if p is not None}:
        _request_after_commit(
            f"MFTRP certification on project {project_id} changed",
            f"project:{project_id}",
            project_ids=[project_id],
        )


def connect() -> None:
    for model, handler in (
        (TrainingRecord, _on_person_record_changed),
        (TravelRecord, _on_person_record_changed),
        (MftrpCertification, _on_certification_changed),
    ):
        name = model.__name__
        pre_save.connect(_remember_person, sender=model, dispatch_uid=f"compliance.pre.{name}")
        post_save.connect(handler, sender=model, dispatch_uid=f"compliance.save.{name}")
        post_delete.connect(handler, sender=model, dispatch_uid=f"compliance.del.{name}")
