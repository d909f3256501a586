"""A connector run is recorded with its counts and rejected items, or as failed with why."""

import pytest

from projects.connectors.runs import record_run
from projects.models import ImportRun

pytestmark = pytest.mark.django_db


def test_completed_run_keeps_counts_and_reasons(settings):
    settings.GRANTCHECK_IMPORT_MAX_PROBLEMS = 2
    with record_run(ImportRun.Connector.NSF_AWARDS, "awards.tar.gz") as report:
        report.count("imported", 3)
        for name in ("a.xml", "b.xml", "c.xml"):
            report.reject(name, "not well-formed XML")
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.COMPLETED
    assert run.finished_at is not None
    assert run.counts == {"imported": 3, "rejected": 3}
    assert run.problems == [
        {"item": "a.xml", "reason": "not well-formed XML"},
        {"item": "b.xml", "reason": "not well-formed XML"},
    ]
    assert run.problems_total == 3
    assert report.run == run


def test_failed_run_is_recorded_and_the_error_raised():
    with pytest.raises(OSError), record_run(ImportRun.Connector.ORCID, "/nowhere") as report:
        report.count("imported")
        raise OSError("No such file or directory: '/nowhere'")
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.FAILED
    assert "No such file" in run.error
    assert run.counts == {"imported": 1}
