"""React to portfolio and list changes: re-screen through Celery, after commit."""

from __future__ import annotations

from typing import Any

from projects.signals import organisations_changed
from rules.signals import list_versions_imported


def _on_organisations_changed(sender: Any, ids: list[int], **kwargs: Any) -> None:
    from rules.tasks import organisations_screen_task

    organisations_screen_task.delay(ids, "organisation_changed")


def _on_list_versions_imported(sender: Any, ids: list[int], **kwargs: Any) -> None:
    from rules.tasks import organisations_screen_task

    organisations_screen_task.delay(None, f"list_import:{','.join(map(str, ids))}")


def connect() -> None:
    organisations_changed.connect(_on_organisations_changed, dispatch_uid="rules.screen_orgs")
    list_versions_imported.connect(_on_list_versions_imported, dispatch_uid="rules.screen_lists")
