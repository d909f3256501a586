"""Audit every create, update and delete of the audited models (signals), and group changes.

Bulk writes send no signals: the importer reports through projects.auditing and the findings
upsert records its own events.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from compliance.audit.chain import Change, audit_append_bulk, audit_record
from compliance.models import Finding, FindingDecision
from projects import auditing
from projects.auditing import snapshot
from projects.models import (
    EvidenceDispute,
    FieldTag,
    Organisation,
    Person,
    Project,
    Role,
    Tie,
    TieEvidence,
)
from rules.models import (
    ListVersion,
    OrganisationMatch,
    OrganisationMatchReview,
    PackParameter,
    RuleVersion,
    Scenario,
    ScenarioPack,
)

_BEFORE = "_audit_before"


def audited_models() -> list[type[models.Model]]:
    return [
        Project,
        Person,
        Role,
        Tie,
        TieEvidence,
        EvidenceDispute,
        Organisation,
        FieldTag,
        ListVersion,
        RuleVersion,
        PackParameter,
        Scenario,
        ScenarioPack,
        OrganisationMatch,
        OrganisationMatchReview,
        Finding,
        FindingDecision,
        get_user_model(),
        Group,
    ]


def object_type(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def _pre_save(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if instance.pk is None or kwargs.get("raw"):
        return
    previous = sender._base_manager.filter(pk=instance.pk).first()
    setattr(instance, _BEFORE, snapshot(previous) if previous is not None else None)


def _post_save(
    sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any
) -> None:
    if kwargs.get("raw"):
        return
    before = None if created else getattr(instance, _BEFORE, None)
    after = snapshot(instance)
    if before == after:
        return
    audit_record(
        Change(
            action="create" if created else "update",
            object_type=object_type(sender),
            object_id=str(instance.pk),
            object_repr=str(instance),
            before=before,
            after=after,
        )
    )


def _post_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    audit_record(
        Change(
            action="delete",
            object_type=object_type(sender),
            object_id=str(instance.pk),
            object_repr=str(instance),
            before=snapshot(instance),
        )
    )


def _groups_changed(
    sender: Any, instance: models.Model, action: str, pk_set: set[int] | None, **kwargs: Any
) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    names = sorted(Group.objects.filter(pk__in=pk_set or []).values_list("name", flat=True))
    audit_record(
        Change(
            action="roles_" + action.removeprefix("post_"),
            object_type=object_type(type(instance)),
            object_id=str(instance.pk),
            object_repr=str(instance),
            after={"groups": names},
        )
    )


def _bulk(changes: list[auditing.BulkChange]) -> None:
    audit_append_bulk(  # snapshot() made before and after
        [
            Change(
                action=c.action,
                object_type=object_type(type(c.instance)),
                object_id=str(c.instance.pk),
                object_repr=str(c.instance),
                before=c.before,
                after=snapshot(c.instance),
            )
            for c in changes
        ]
    )


def connect() -> None:
    for model in audited_models():
        uid = f"audit.{object_type(model)}"
        pre_save.connect(_pre_save, sender=model, dispatch_uid=f"{uid}.pre")
        post_save.connect(_post_save, sender=model, dispatch_uid=f"{uid}.post")
        post_delete.connect(_post_delete, sender=model, dispatch_uid=f"{uid}.delete")
    user_groups = get_user_model().groups.through
    m2m_changed.connect(_groups_changed, sender=user_groups, dispatch_uid="audit.user_groups")
    auditing.register(_bulk)
