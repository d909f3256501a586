"""Triggers for the facts other than ties (see compliance.receivers): an equipment item or
foreign component re-checks its project (and the one it left); a patent filing its person's
projects; an institution-level change the projects the institution rules apply to."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save

from compliance.services.recheck_scope_items import (
    projects_for_institution,
    projects_for_patent_tie,
)
from projects.models import (
    EquipmentItem,
    ForeignComponent,
    InstitutionAgreement,
    InstitutionProfile,
    InstitutionUnit,
    PatentFiling,
    ProgrammeElement,
    Tie,
)
from projects.signals import institution_changed

ProjectItem = EquipmentItem | ForeignComponent


def _remember_project(sender: Any, instance: ProjectItem, **kwargs: Any) -> None:
    before = None
    if instance.pk is not None:
        before = sender.objects.filter(pk=instance.pk).values_list("project_id", flat=True).first()
    instance._project_before = before  # type: ignore[union-attr]


def _on_project_item_changed(sender: Any, instance: ProjectItem, **kwargs: Any) -> None:
    from compliance.receivers import _request_after_commit

    before = getattr(instance, "_project_before", None)
    label = sender._meta.verbose_name
    for project_id in {p for p in (instance.project_id, before) if p is not None}:
        _request_after_commit(
            f"{label} on project {project_id} changed",
            f"project:{project_id}",
            project_ids=[project_id],
        )


def _on_patent_changed(sender: Any, instance: PatentFiling, **kwargs: Any) -> None:
    from compliance.receivers import _recheck_found_after_commit

    tie_id = instance.tie_id
    person_id = Tie.objects.filter(pk=tie_id).values_list("person_id", flat=True).first()
    if person_id is None:
        return  # deleted with its tie: the tie's own re-check covers its projects
    _recheck_found_after_commit(
        f"patent filing {instance.pk} changed",
        f"person:{person_id}",
        lambda: projects_for_patent_tie(tie_id, person_id),
    )


def _on_institution_changed(sender: Any, **kwargs: Any) -> None:
    from compliance.receivers import _recheck_found_after_commit

    _recheck_found_after_commit(
        f"institution {sender._meta.verbose_name} changed",
        "institution",
        projects_for_institution,
    )


def connect() -> None:
    for model in (EquipmentItem, ForeignComponent):
        name = model.__name__
        pre_save.connect(_remember_project, sender=model, dispatch_uid=f"compliance.pre.{name}")
        post_save.connect(
            _on_project_item_changed, sender=model, dispatch_uid=f"compliance.save.{name}"
        )
        post_delete.connect(
            _on_project_item_changed, sender=model, dispatch_uid=f"compliance.del.{name}"
        )
    post_save.connect(_on_patent_changed, sender=PatentFiling, dispatch_uid="compliance.save.PF")
    post_delete.connect(_on_patent_changed, sender=PatentFiling, dispatch_uid="compliance.del.PF")
    for fact in (InstitutionProfile, InstitutionUnit, InstitutionAgreement, ProgrammeElement):
        name = fact.__name__
        post_save.connect(
            _on_institution_changed, sender=fact, dispatch_uid=f"compliance.save.{name}"
        )
        post_delete.connect(
            _on_institution_changed, sender=fact, dispatch_uid=f"compliance.del.{name}"
        )
    # the import writes institution facts in bulk (no post_save) and says so after commit
    institution_changed.connect(_on_institution_changed, dispatch_uid="compliance.institution")
