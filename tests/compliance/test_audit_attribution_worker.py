"""A background task run by a real Celery worker audits as whoever queued it (CI runs this)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compliance.audit.context import acting_as
from compliance.models import AuditEvent, ReportExport
from compliance.tasks import report_export_task
from tests.compliance.test_recheck_worker import Workers, _wait
from tests.compliance.test_recheck_worker import workers as workers  # the fixture

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_runs_an_export_as_the_user_address_and_request_that_queued_it(
    workers: Workers, auditor: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXPORT_ROOT", str(tmp_path))  # the worker's environment
    export = ReportExport.objects.create(kind="findings", format="csv", requested_by=auditor)
    with acting_as(auditor, request_id="req-worker-1", ip="10.4.3.2"):
        report_export_task.delay(export.pk)
    workers.start()

    def done() -> bool:
        export.refresh_from_db()
        return export.status in (ReportExport.Status.DONE, ReportExport.Status.FAILED)

    _wait(done, what="the export")
    assert export.status == ReportExport.Status.DONE, export.error
    event = AuditEvent.objects.get(action="export")
    assert (event.actor_id, event.actor_username) == (auditor.pk, "auditor_user")
    assert (event.request_id, event.ip) == ("req-worker-1", "10.4.3.2")
