"""When a re-check run ends, tell PIs about new high and block findings (the task is idempotent).

Imported from ComplianceConfig.ready(); importing the tasks here also registers them with
Celery, whose autodiscovery only looks at compliance.tasks.
"""

from __future__ import annotations

from typing import Any

from compliance.notifications.tasks import notify_findings_task
from compliance.signals import recheck_run_finished


def _on_recheck_run_finished(sender: Any, run_id: int, status: str, **kwargs: Any) -> None:
    # Sent after commit. A failed run may still have written some chunks' findings: those
    # are notified too.
    notify_findings_task.delay()


def connect() -> None:
    recheck_run_finished.connect(
        _on_recheck_run_finished, dispatch_uid="compliance.notifications.recheck_run_finished"
    )
