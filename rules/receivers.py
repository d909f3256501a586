"""React to portfolio and list changes: re-screen through Celery, after commit."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from projects.models import Organisation
from projects.services import organisations_changed_on_commit
from projects.signals import organisations_changed
from rules.signals import list_versions_imported

SCREENED = frozenset({"name", "aliases", "country"})  # what a name match reads


def _on_organisations_changed(sender: Any, ids: list[int], **kwargs: Any) -> None:
    from rules.tasks import organisations_screen_task

    organisations_screen_task.delay(ids, "organisation_changed")


def _on_organisation_saved(
    sender: Any, instance: Organisation, created: bool, update_fields: Any = None, **kwargs: Any
) -> None:
    """An organisation edited anywhere (the admin included) is screened again when what the
    screening reads may have changed; new ones are announced by whoever creates them (one
    signal for a whole import)."""
    if created or (update_fields is not None and not SCREENED & set(update_fields)):
        return
    organisations_changed_on_commit([instance.pk])


def _on_list_versions_imported(sender: Any, ids: list[int], **kwargs: Any) -> None:
    from rules.tasks import organisations_screen_task

    organisations_screen_task.delay(None, f"list_import:{','.join(map(str, ids))}")


def connect() -> None:
    from projects.connectors.evidence import register_equivalence
    from rules.services.org_equivalence import same_entry_organisations

    register_equivalence(same_entry_organisations)
    organisations_changed.connect(_on_organisations_changed, dispatch_uid="rules.screen_orgs")
    list_versions_imported.connect(_on_list_versions_imported, dispatch_uid="rules.screen_lists")
    post_save.connect(_on_organisation_saved, sender=Organisation, dispatch_uid="rules.org_saved")
