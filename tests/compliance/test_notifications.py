"""Notifications: who is told what, once, by e-mail now or in a digest; tasks and the run signal."""

from __future__ import annotations

from datetime import date, timedelta
from smtplib import SMTPException
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from compliance.models import (
    Attestation,
    Finding,
    FindingDecision,
    Notification,
    NotificationPreference,
    RecheckRun,
)
from compliance.notifications.attestations import attestation_reminders_send
from compliance.notifications.delivery import notification_digest_send
from compliance.notifications.digests import reviewer_digest_send
from compliance.notifications.findings import finding_notifications_send
from compliance.notifications.tasks import (
    attestation_reminders_task,
    notification_digest_task,
    notify_findings_task,
    reviewer_digest_task,
)
from compliance.services.recheck import recheck_request
from compliance.signals import recheck_run_finished
from rules.models import Rule, RulePack, RuleVersion, Scenario
from tests.compliance.conftest import TODAY
from tests.factories import PersonFactory, ProjectFactory, RoleFactory, UserFactory

BASE = "https://grantcheck.example.edu"


@pytest.fixture(autouse=True)
def _portal_base_url(settings: Any) -> None:
    settings.PORTAL_BASE_URL = BASE
    settings.NOTIFY_FINDING_SCENARIOS = ["current"]


@pytest.fixture
def rule(db: None) -> Rule:
    pack = RulePack.objects.create(code="p", title="Pack")
    made = Rule.objects.create(pack=pack, key="R07", title="DoD decision matrix")
    RuleVersion.objects.create(
        rule=made, number=1, content={}, content_hash="x", status="published"
    )
    Scenario.objects.create(code="current", name="Current obligations", position=0)
    Scenario.objects.create(code="current_safe", name="Current + SAFE", position=1)
    return made


def finding(project: Any, severity: str, scenario: str = "current", n: int = 0) -> Finding:
    r = Rule.objects.get(key="R07")
    return Finding.objects.create(
        scenario=Scenario.objects.get(code=scenario),
        rule=r,
        rule_version=r.versions.get(),
        project=project,
        subject=f"tie:{n}",
        severity=severity,
        explanation=f"Tie {n} to a listed entity",
        remediation="End the appointment",
        last_confirmed=timezone.now(),
    )


def person_with_user(username: str) -> Any:
    user = UserFactory.create(username=username)
    PersonFactory.create(user=user, email=f"{username}@univ.edu")
    return user


@pytest.fixture
def team(rule: Rule, pi: Any, co_pi: Any, pi_project: Any) -> dict[str, Any]:
    RoleFactory.create(project=pi_project, person=co_pi.person, role="co_pi")
    key = person_with_user("senior")
    RoleFactory.create(project=pi_project, person=key.person, role="senior_key")
    return {"pi": pi, "co_pi": co_pi, "senior": key, "project": pi_project}


def keys(user: Any) -> set[str]:
    return set(Notification.objects.filter(user=user).values_list("dedupe_key", flat=True))


@pytest.mark.django_db
def test_pis_get_one_email_per_batch_listing_every_high_or_block_finding(
    team: dict[str, Any], other_project: Any, eager_celery: None
) -> None:
    project = team["project"]
    high, block = finding(project, "high", n=1), finding(project, "block", n=2)
    medium = finding(project, "medium", n=3)
    elsewhere = finding(other_project, "block", n=4)
    other_pi = person_with_user("other_pi")
    RoleFactory.create(project=other_project, person=other_pi.person, role="co_pi")

    result = notify_findings_task.delay().get()

    assert result == {"created": 4 + 1, "emailed": 4 + 1}  # 2 each to pi/co-PI, 1 elsewhere
    assert keys(other_pi) == {f"finding:{elsewhere.pk}"}
    wanted = {f"finding:{high.pk}", f"finding:{block.pk}"}
    assert keys(team["pi"]) == wanted and keys(team["co_pi"]) == wanted
    assert keys(team["senior"]) == set()  # senior/key personnel are not PIs
    assert f"finding:{medium.pk}" not in set(
        Notification.objects.values_list("dedupe_key", flat=True)
    )
    to_pi = [m for m in mail.outbox if m.to == ["pi_user@univ.edu"]]
    assert len(to_pi) == 1 and len([m for m in mail.outbox if m.to == ["co_pi_user@univ.edu"]]) == 1
    message = to_pi[0]
    assert message.subject == "grantcheck: 2 new high or block findings on your projects"
    assert f"{BASE}/findings/{high.pk}/" in message.body
    assert f"{BASE}/findings/{block.pk}/" in message.body and "End the appointment" in message.body
    assert f"{BASE}/notifications/" in message.body
    assert all(n.emailed_at for n in Notification.objects.filter(user=team["pi"]))


@pytest.mark.django_db
def test_running_again_sends_nothing_and_a_later_finding_comes_alone(team: dict[str, Any]) -> None:
    first = finding(team["project"], "high", n=1)
    finding_notifications_send()
    sent, rows = len(mail.outbox), Notification.objects.count()

    assert finding_notifications_send().created == 0
    assert len(mail.outbox) == sent and Notification.objects.count() == rows

    later = finding(team["project"], "block", n=2)
    result = finding_notifications_send()
    assert result.created == 2 and result.emailed == 2
    [to_pi] = [m for m in mail.outbox[sent:] if m.to == ["pi_user@univ.edu"]]
    assert f"/findings/{later.pk}/" in to_pi.body and f"/findings/{first.pk}/" not in to_pi.body


@pytest.mark.django_db
def test_medium_resolved_and_hypothetical_findings_do_not_notify(
    team: dict[str, Any], settings: Any
) -> None:
    finding(team["project"], "medium", n=1)
    finding(team["project"], "low", n=2)
    gone = finding(team["project"], "block", n=3)
    gone.status = Finding.Status.RESOLVED
    gone.save()
    if_passed = finding(team["project"], "block", scenario="current_safe", n=4)

    assert finding_notifications_send().created == 0
    assert mail.outbox == [] and Notification.objects.count() == 0

    settings.NOTIFY_FINDING_SCENARIOS = []  # blank: every scenario
    assert finding_notifications_send().created == 2
    assert keys(team["pi"]) == {f"finding:{if_passed.pk}"}


@pytest.mark.django_db
def test_digest_preference_defers_email_to_the_daily_digest(
    team: dict[str, Any], eager_celery: None
) -> None:
    NotificationPreference.objects.create(user=team["co_pi"], delivery="digest")
    one, two = finding(team["project"], "high", n=1), finding(team["project"], "block", n=2)

    finding_notifications_send()

    assert [m.to for m in mail.outbox] == [["pi_user@univ.edu"]]
    waiting = Notification.objects.filter(user=team["co_pi"])
    assert waiting.count() == 2 and not waiting.filter(emailed_at__isnull=False).exists()

    assert notification_digest_task.delay().get() == 2
    digest = mail.outbox[-1]
    assert digest.to == ["co_pi_user@univ.edu"] and len(mail.outbox) == 2
    assert digest.subject == "grantcheck: your daily digest: 2 notifications"
    assert f"/findings/{one.pk}/" in digest.body and f"/findings/{two.pk}/" in digest.body
    assert not waiting.filter(emailed_at__isnull=True).exists()
    assert notification_digest_send() == 0 and len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_failing_mail_server_leaves_rows_pending_for_the_next_run(
    team: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    finding(team["project"], "high", n=1)

    def refuse(*args: Any, **kwargs: Any) -> int:
        raise SMTPException("connection refused")

    monkeypatch.setattr("compliance.notifications.delivery.send_mail", refuse)
    with pytest.raises(SMTPException):
        finding_notifications_send()
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 2

    monkeypatch.undo()
    assert finding_notifications_send().emailed == 2
    assert len(mail.outbox) == 2 and not Notification.objects.filter(emailed_at=None).exists()


@pytest.mark.django_db
def test_recheck_run_finished_signal_notifies_pis(team: dict[str, Any], eager_celery: None) -> None:
    made = finding(team["project"], "block", n=1)
    recheck_run_finished.send(sender=RecheckRun, run_id=1, status="done")
    assert keys(team["pi"]) == {f"finding:{made.pk}"}
    assert {tuple(m.to) for m in mail.outbox} == {("pi_user@univ.edu",), ("co_pi_user@univ.edu",)}


@pytest.mark.django_db(transaction=True)
def test_a_real_recheck_run_ends_by_notifying_the_pi(
    portfolio: dict[str, Any], eager_celery: None
) -> None:
    # Building the portfolio already ran re-checks (after commit): start from a clean slate.
    Notification.objects.all().delete()
    mail.outbox.clear()
    recheck_request(trigger="baseline", scope_key="all", today=TODAY)
    r07 = Finding.objects.get(rule__key="R07", scenario__code="current", status="open")
    assert r07.severity == "high"
    assert f"finding:{r07.pk}" in keys(portfolio["pi"])
    assert not Notification.objects.exclude(finding__scenario__code="current").exists()
    to_pi = [m for m in mail.outbox if m.to == ["pi_user@univ.edu"]]
    assert len(to_pi) == 1 and f"/findings/{r07.pk}/" in to_pi[0].body


def _decide(f: Finding, due: date, decision: str = "mitigation_required") -> None:
    FindingDecision.objects.create(
        finding=f, decision=decision, reason="r", mitigation_plan="plan", due_date=due
    )
    f.review_status = decision
    f.save()


@pytest.mark.django_db
def test_reviewer_digest_lists_new_findings_and_overdue_mitigation_plans(
    rule: Rule, reviewer: Any, auditor: Any, eager_celery: None
) -> None:
    second = UserFactory.create(username="reviewer_two")
    second.groups.add(*reviewer.groups.all())
    NotificationPreference.objects.create(user=second, delivery="digest")
    p_new, p_over, p_ok = (ProjectFactory.create(award_number=a) for a in ("N-1", "O-1", "K-1"))
    finding(p_new, "high", n=1)
    finding(p_new, "block", n=2)
    finding(p_new, "medium", scenario="current_safe", n=3)
    today = timezone.localdate()
    overdue, later = finding(p_over, "low", n=4), finding(p_ok, "low", n=5)
    replanned, escalated = finding(p_ok, "low", n=6), finding(p_ok, "low", n=7)
    _decide(overdue, today - timedelta(days=4))
    _decide(later, today + timedelta(days=1))
    _decide(replanned, today - timedelta(days=9))
    _decide(replanned, today + timedelta(days=20))  # the latest plan is the one that counts
    _decide(escalated, today - timedelta(days=9))
    _decide(escalated, today, decision="escalated")
    Finding.objects.filter(pk__in=[overdue.pk, later.pk, replanned.pk, escalated.pk]).update(
        first_seen=timezone.now() - timedelta(days=3)
    )

    assert reviewer_digest_task.delay().get() == 2

    assert sorted(m.to[0] for m in mail.outbox) == [
        "reviewer_two@univ.edu",
        "reviewer_user@univ.edu",
    ]
    body = mail.outbox[0].body
    assert "New open findings in the last 24 hours: 3" in body
    assert "- Current obligations: block 1, high 1" in body and "- Current + SAFE: medium 1" in body
    assert "Overdue mitigation plans (open findings past the plan's due date): 1" in body
    assert "(4 days overdue): R07 on NSF O-1" in body and f"{BASE}/findings/{overdue.pk}/" in body
    assert "K-1" not in body
    assert mail.outbox[0].subject.endswith("3 new findings, 1 overdue mitigation plan")
    assert keys(reviewer) == {f"digest:{today.isoformat()}"} and keys(auditor) == set()

    assert reviewer_digest_send() == 0 and len(mail.outbox) == 2  # once a day
    assert notification_digest_send() == 0  # already e-mailed, even to the digest reader


@pytest.mark.django_db
def test_reviewer_digest_is_skipped_when_there_is_nothing_to_report(
    rule: Rule, reviewer: Any
) -> None:
    old = finding(ProjectFactory.create(), "high", n=1)
    Finding.objects.filter(pk=old.pk).update(first_seen=timezone.now() - timedelta(days=2))
    assert reviewer_digest_send() == 0
    assert mail.outbox == [] and Notification.objects.count() == 0


def _attest(user: Any, valid_until: date) -> None:
    Attestation.objects.create(
        person=user.person,
        attested_by=user,
        statement="complete",
        attested_at=timezone.now(),
        valid_until=valid_until,
    )


@pytest.mark.django_db
def test_attestation_reminders_at_30_and_7_days_and_lapsed_once_each(
    team: dict[str, Any], other_project: Any
) -> None:
    pi, co_pi = team["pi"], team["co_pi"]
    ends = date(2027, 3, 31)
    _attest(pi, ends - timedelta(days=365))
    _attest(pi, ends)  # the latest attestation counts
    closed = ProjectFactory.create(status="closed")
    retired = person_with_user("retired")
    RoleFactory.create(project=closed, person=retired.person, role="pi")

    def run(day: date) -> int:
        return attestation_reminders_send(today=day)

    assert run(ends - timedelta(days=31)) == 1  # only the co-PI, who never attested
    assert keys(co_pi) == {"attestation:never"} and keys(pi) == set()
    assert run(ends - timedelta(days=30)) == 1 and run(ends - timedelta(days=29)) == 0
    assert run(ends - timedelta(days=7)) == 1 and run(ends) == 0
    assert run(ends + timedelta(days=1)) == 1 and run(ends + timedelta(days=40)) == 0
    stamp = ends.isoformat()
    assert keys(pi) == {
        f"attestation:{stamp}:30",
        f"attestation:{stamp}:7",
        f"attestation:{stamp}:lapsed",
    }
    assert keys(co_pi) == {"attestation:never"} and keys(retired) == set()
    subjects = [m.subject for m in mail.outbox if m.to == ["pi_user@univ.edu"]]
    assert subjects == [
        "grantcheck: Your disclosure attestation lapses in 30 days",
        "grantcheck: Your disclosure attestation lapses in 7 days",
        "grantcheck: Your disclosure attestation lapsed on 2027-03-31",
    ]
    assert [m.subject for m in mail.outbox if m.to == ["co_pi_user@univ.edu"]] == [
        "grantcheck: Please attest that your disclosures are complete"
    ]

    _attest(pi, ends + timedelta(days=365))  # attested again: a new year, new reminders
    assert run(ends + timedelta(days=365 - 30)) == 1


@pytest.mark.django_db
def test_attestation_reminders_task_runs_for_today(
    team: dict[str, Any], eager_celery: None
) -> None:
    _attest(team["pi"], timezone.localdate() + timedelta(days=5))
    assert attestation_reminders_task.delay().get() == 2  # pi at 7 days, co-PI never attested
    assert attestation_reminders_task.delay().get() == 0
    assert len(mail.outbox) == 2


def test_beat_runs_every_notification_task_and_workers_know_them() -> None:
    from config.celery import app

    scheduled = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    names = [
        "compliance.notify_findings",
        "compliance.reviewer_digest",
        "compliance.attestation_reminders",
        "compliance.notification_digest",
    ]
    for name in names:
        assert name in scheduled and name in app.tasks, name
    assert scheduled["compliance.notify_findings"].minute == set(range(0, 60, 10))
