"""Research-office pages: queue (filters, per-page, assignment, bulk decide), finding page
(evidence, history, comments), organisation matches, dashboard charts and the runs fragment."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance.models import AuditEvent, Finding, FindingComment, FindingDecision, RecheckRun
from compliance.portal.dashboard import week_starts
from projects.models import Project
from rules.models import OrganisationMatch, OrganisationMatchReview, Rule, Scenario
from rules.services.screening import MSG_REASON_REQUIRED, organisations_screen
from tests.compliance.conftest import org
from tests.factories import PersonFactory, ProjectFactory, RoleFactory, TieFactory, UserFactory
from tests.web import signed_in

PAGES = ["/dashboard/", "/dashboard/runs/", "/findings/", "/matches/"]


@pytest.fixture
def review_match(portfolio: dict[str, Any]) -> OrganisationMatch:
    """A real review-band match: a near name of a DoD 1286 entry, tied to the climate project."""
    near = org("Institute of Technology of Harbin")
    TieFactory.create(person=portfolio["co_pi"], organisation=near, kind="visiting_at")
    organisations_screen(organisation_ids=[near.pk])
    match = OrganisationMatch.objects.get(organisation=near)
    assert match.decision == "review" and match.review_status == "pending"
    return match


def _findings(n: int, **overrides: Any) -> list[Finding]:
    """n open findings spread over five projects (bulk, no signals)."""
    scenario = Scenario.objects.get(code="current")
    rule = Rule.objects.get(key="R07")
    projects = [ProjectFactory.create(sponsor=s) for s in ("NSF", "DOD", "NIH", "DOE", "NASA")]
    now = timezone.now()
    rows = [
        Finding(
            scenario=scenario,
            rule=rule,
            rule_version=rule.versions.latest("pk"),
            project=projects[i % 5],
            subject=f"person:{i}",
            severity=overrides.get("severity", "high"),
            explanation="Tie to a listed entity",
            amount_usd=Decimal(1000 + i),
            last_confirmed=now,
        )
        for i in range(n)
    ]
    return Finding.objects.bulk_create(rows)


# ---------------------------------------------------------------- access, every page


@pytest.mark.django_db
def test_every_review_page_requires_login_and_refuses_outsiders_and_pis(
    evaluated: dict[str, Any], review_match: OrganisationMatch, outsider: Any, pi: Any
) -> None:
    finding = evaluated["finding"]
    match_url = f"/matches/{review_match.pk}/"
    for url in [*PAGES, match_url, f"/findings/{finding.pk}/"]:
        response = signed_in(None).get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    for user in (outsider, pi):
        client = signed_in(user)
        for url in [*PAGES, match_url]:
            assert client.get(url).status_code == 403, (user, url)
        assert (
            client.post("/findings/assign/", {"finding": finding.pk, "assignee": "me"}).status_code
            == 403
        )
        decide = {"finding": finding.pk, "decision": "escalated", "reason": "x"}
        assert client.post("/findings/decide/", decide).status_code == 403
        assert client.post(match_url, {"status": "confirmed", "reason": "x"}).status_code == 403
    outside = signed_in(outsider)
    assert outside.get(f"/findings/{finding.pk}/").status_code == 404
    assert outside.post(f"/findings/{finding.pk}/comments/", {"body": "hi"}).status_code == 404
    assert "Matches" not in signed_in(pi).get("/projects/").content.decode()
    finding.refresh_from_db()
    review_match.refresh_from_db()
    assert finding.assignee_id is None and finding.review_status == "new"
    assert review_match.review_status == "pending" and not FindingComment.objects.exists()


@pytest.mark.django_db
def test_auditor_reads_every_page_and_every_write_is_refused(
    evaluated: dict[str, Any], review_match: OrganisationMatch, auditor: Any, reviewer: Any
) -> None:
    client = signed_in(auditor)
    finding = evaluated["finding"]
    match_url = f"/matches/{review_match.pk}/"
    for url in [*PAGES, match_url, f"/findings/{finding.pk}/"]:
        assert client.get(url).status_code == 200, url
    queue = client.get("/findings/").content.decode()
    assert f"#{finding.pk}" in queue
    assert 'name="assignee"' not in queue.split("<table>")[1] and 'form="bulk"' not in queue
    page = client.get(f"/findings/{finding.pk}/").content.decode()
    assert "Record decision" not in page and "Post comment" not in page
    assert 'name="assignee"' not in page and "Unassigned" in page
    assert "Record decision" not in client.get(match_url).content.decode()
    assert "Matches" in queue  # nav link for portfolio users
    events = AuditEvent.objects.count()
    posts = [
        ("/findings/assign/", {"finding": finding.pk, "assignee": reviewer.pk}),
        ("/findings/decide/", {"finding": finding.pk, "decision": "escalated", "reason": "x"}),
        (f"/findings/{finding.pk}/", {"decision": "escalated", "reason": "x"}),
        (f"/findings/{finding.pk}/comments/", {"body": "Auditor note"}),
        (match_url, {"status": "rejected", "reason": "Different organisation"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    finding.refresh_from_db()
    review_match.refresh_from_db()
    assert finding.assignee_id is None and finding.review_status == "new"
    assert not FindingDecision.objects.exists() and not FindingComment.objects.exists()
    assert review_match.review_status == "pending" and not review_match.reviews.exists()
    assert AuditEvent.objects.count() == events


# ---------------------------------------------------------------- queue


@pytest.mark.django_db
def test_queue_filters_are_dropdowns_from_the_data(
    evaluated: dict[str, Any], reviewer: Any
) -> None:
    client = signed_in(reviewer)
    finding = evaluated["finding"]
    page = client.get("/findings/").content.decode()
    for select in ("f-sponsor", "f-department", "f-rule", "f-assignee"):
        assert f'<select id="{select}"' in page
    assert "<option>Aerospace</option>" in page
    assert '<option value="DOD">Department of Defense</option>' in page  # a label, not a code
    assert "<option>reviewer_user</option>" in page
    dod = client.get("/findings/", {"sponsor": "DOD", "department": "Aerospace"})
    assert f"#{finding.pk}" in dod.content.decode()
    assert all(f.project.sponsor == "DOD" for f in dod.context["page"])
    nsf = client.get("/findings/", {"sponsor": "NSF"}).context["page"]
    assert finding.pk not in [f.pk for f in nsf]
    Finding.objects.filter(pk=finding.pk).update(assignee=reviewer)
    mine = client.get("/findings/", {"assignee": "reviewer_user"}).context["page"]
    assert [f.pk for f in mine] == [finding.pk]
    unassigned = client.get("/findings/", {"assignee": "__none__"}).context["page"]
    assert finding.pk not in [f.pk for f in unassigned] and len(unassigned) > 0


@pytest.mark.django_db
def test_queue_per_page_and_constant_queries_across_page_sizes(
    rules_loaded: None, reviewer: Any, auditor: Any
) -> None:
    made = _findings(200)
    Finding.objects.filter(pk__in=[f.pk for f in made[::3]]).update(assignee=reviewer)
    client = signed_in(reviewer)
    assert len(client.get("/findings/").context["page"]) == 50  # the default
    assert len(client.get("/findings/", {"per_page": "999"}).context["page"]) == 50
    # reviewers get a checkbox and an assign form per row, auditors the assignee's name
    for user, marker in (
        (reviewer, 'form="bulk" name="finding"'),
        (auditor, "<td>reviewer_user</td>"),
    ):
        client = signed_in(user)
        counts, rows = {}, {}
        for size in (25, 200):
            with CaptureQueriesContext(connection) as queries:
                response = client.get("/findings/", {"per_page": size, "sort": "award"})
            assert response.status_code == 200
            assert len(response.context["page"]) == size
            rows[size] = response.content.decode().count(marker)
            counts[size] = len(queries)
        assert counts[25] == counts[200], user
        assert rows[200] > rows[25] > 0
    page = signed_in(reviewer).get("/findings/", {"per_page": 25, "page": 8}).content.decode()
    assert "page 8 of 8" in page and "per_page=25" in page


@pytest.mark.django_db
def test_assign_a_row_records_assignee_and_audit_event(
    evaluated: dict[str, Any], reviewer: Any, admin_user: Any, pi: Any
) -> None:
    client = signed_in(reviewer)
    finding = evaluated["finding"]
    response = client.post(
        "/findings/assign/",
        {"finding": finding.pk, "assignee": admin_user.pk, "next": "/findings/?sponsor=DOD"},
    )
    assert response.status_code == 302 and response["Location"] == "/findings/?sponsor=DOD"
    finding.refresh_from_db()
    assert finding.assignee == admin_user
    event = AuditEvent.objects.get(action="assign", object_id=str(finding.pk))
    assert event.actor_username == "reviewer_user"
    assert event.before == {"assignee_id": None}
    assert event.after == {"assignee_id": admin_user.pk, "assigned_by": reviewer.pk}
    history = Finding.history.filter(id=finding.pk).latest("history_date")
    assert history.assignee_id == admin_user.pk and history.history_user == reviewer
    # htmx: the row's form comes back, no reload
    fragment = client.post(
        "/findings/assign/", {"finding": finding.pk, "assignee": "me"}, HTTP_HX_REQUEST="true"
    )
    assert fragment.status_code == 200 and "Assigned to reviewer_user." in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    finding.refresh_from_db()
    assert finding.assignee == reviewer
    # a PI is not a reviewer: refused, nothing changes
    bad = client.post(
        "/findings/assign/", {"finding": finding.pk, "assignee": pi.pk}, HTTP_HX_REQUEST="true"
    )
    assert "only be assigned to research-office reviewers" in bad.content.decode()
    finding.refresh_from_db()
    assert finding.assignee == reviewer
    # without htmx the error comes back on the page the form was on
    plain = client.post(
        "/findings/assign/",
        {"finding": finding.pk, "assignee": pi.pk, "next": f"/findings/{finding.pk}/"},
        follow=True,
    )
    assert "only be assigned to research-office reviewers" in plain.content.decode()
    page = client.get(f"/findings/{finding.pk}/").content.decode()
    assert "Assignee unassigned → admin_user" in page and "admin_user → reviewer_user" in page


@pytest.mark.django_db
def test_bulk_assign_to_me(rules_loaded: None, reviewer: Any) -> None:
    made = _findings(3)
    client = signed_in(reviewer)
    ids = [f.pk for f in made[:2]]
    response = client.post("/findings/assign/", {"finding": ids, "assignee": "me"})
    assert response.status_code == 302
    assigned = set(Finding.objects.filter(assignee=reviewer).values_list("pk", flat=True))
    assert assigned == set(ids)
    assert AuditEvent.objects.filter(action="assign").count() == 2
    assert "Assigned 2 finding(s)" in client.get("/findings/").content.decode()


@pytest.mark.django_db
def test_bulk_decide_decides_every_selected_finding(rules_loaded: None, reviewer: Any) -> None:
    made = _findings(3)
    ids = [f.pk for f in made[:2]]
    response = signed_in(reviewer).post(
        "/findings/decide/?sponsor=NSF",
        {
            "finding": ids,
            "decision": "accepted_waiver",
            "reason": "Waived",
            "waiver_reference": "W-9",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/findings/?sponsor=NSF"
    decided = FindingDecision.objects.filter(decided_by=reviewer)
    assert sorted(decided.values_list("finding_id", flat=True)) == sorted(ids)
    assert set(decided.values_list("waiver_reference", flat=True)) == {"W-9"}
    statuses = dict(Finding.objects.values_list("pk", "review_status"))
    assert [statuses[f.pk] for f in made] == ["accepted_waiver", "accepted_waiver", "new"]


@pytest.mark.django_db
def test_bulk_decide_is_all_or_nothing_and_keeps_the_form(
    rules_loaded: None, reviewer: Any
) -> None:
    made = _findings(3)
    gone = made[2].pk
    Finding.objects.filter(pk=gone).delete()  # removed between page load and submit
    ids = [made[0].pk, made[1].pk, gone]  # the first two are decided before the third fails
    client = signed_in(reviewer)
    data = {"finding": ids, "decision": "escalated", "reason": "Needs the VP for research"}
    response = client.post("/findings/decide/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert f"Finding #{gone} is no longer in the queue; nothing was decided." in page
    assert '<p class="error" role="alert">Nothing was decided: Finding' in page  # at the top
    assert not FindingDecision.objects.exists()
    assert set(Finding.objects.values_list("review_status", flat=True)) == {"new"}
    assert "Needs the VP for research</textarea>" in page
    for pk in ids[:2]:
        assert re.search(rf'value="{pk}" id="select-{pk}" checked', page)
    # a field problem is shown next to its field, with what was typed
    missing = client.post(
        "/findings/decide/",
        {"finding": ids[:2], "decision": "accepted_waiver", "reason": "Covered"},
    )
    text = missing.content.decode()
    assert missing.status_code == 400
    assert (
        'id="bulk-waiver-error" class="error">Accept with waiver needs the waiver reference.'
        in text
    )
    assert "Covered</textarea>" in text and not FindingDecision.objects.exists()


# ---------------------------------------------------------------- finding page


@pytest.mark.django_db
def test_finding_page_shows_evidence_chain_match_and_history(
    evaluated: dict[str, Any], reviewer: Any
) -> None:
    finding = evaluated["finding"]
    client = signed_in(reviewer)
    page = client.get(f"/findings/{finding.pk}/").content.decode()
    match = OrganisationMatch.objects.get(organisation=evaluated["hit"])
    assert "Harbin Institute of Technology" in page and "DOD1286" in page
    assert f"match score {finding.match_score:.2f}" in page
    assert f'href="/matches/{match.pk}/"' in page and "matched the listed name" in page
    assert "First seen: Status open; Severity high; Review New" in page
    client.post(
        f"/findings/{finding.pk}/",
        {"decision": "escalated", "reason": "Export control office"},
    )
    page = client.get(f"/findings/{finding.pk}/").content.decode()
    row = re.search(r"<tr><td>[^<]*</td><td>reviewer_user</td><td>Review New → Escalated", page)
    assert row is not None


@pytest.mark.django_db
def test_finding_decide_error_keeps_what_was_typed(
    evaluated: dict[str, Any], reviewer: Any
) -> None:
    finding = evaluated["finding"]
    response = signed_in(reviewer).post(
        f"/findings/{finding.pk}/",
        {"decision": "mitigation_required", "reason": "Overlap", "due_date": "31/01/2027"},
    )
    page = response.content.decode()
    assert 'id="d-due-error" class="error">Due date must be a date (YYYY-MM-DD).' in page
    assert "Overlap</textarea>" in page and 'value="31/01/2027"' in page
    assert '<option value="mitigation_required" selected>' in page
    assert not FindingDecision.objects.exists()


@pytest.mark.django_db
def test_comments_by_reviewer_and_project_pi_are_audited_and_listed_oldest_first(
    evaluated: dict[str, Any], reviewer: Any, pi: Any, co_pi: Any
) -> None:
    finding = evaluated["finding"]
    url = f"/findings/{finding.pk}/comments/"
    first = signed_in(reviewer).post(url, {"body": "Asked the PI about the visit."})
    assert first.status_code == 302
    comment = FindingComment.objects.get()
    assert comment.author == reviewer and comment.finding == finding
    event = AuditEvent.objects.get(action="comment")
    assert event.object_id == str(comment.pk) and event.actor_username == "reviewer_user"
    assert event.after == {
        "finding_id": finding.pk,
        "author_id": reviewer.pk,
        "kind": "comment",
        "body": "Asked the PI about the visit.",
    }
    pi_client = signed_in(pi)
    assert "Post comment" in pi_client.get(f"/findings/{finding.pk}/").content.decode()
    assert pi_client.post(url, {"body": "The visit ended in June 2023."}).status_code == 302
    assert FindingComment.objects.filter(author=pi).count() == 1
    page = pi_client.get(f"/findings/{finding.pk}/").content.decode()
    assert page.index("Asked the PI") < page.index("The visit ended")
    empty = pi_client.post(url, {"body": "   "})
    assert (
        empty.status_code == 400 and "Write a comment before posting it." in empty.content.decode()
    )
    # a co-PI of the project may comment; a co-PI elsewhere cannot even see the finding
    RoleFactory.create(project=evaluated["dod"], person=co_pi.person, role="co_pi")
    assert signed_in(co_pi).post(url, {"body": "Agreed."}).status_code == 302
    # someone with another role on the project may read but not comment
    senior = UserFactory.create(username="senior_user")
    person = PersonFactory.create(user=senior)
    RoleFactory.create(project=evaluated["dod"], person=person, role="senior_key")
    assert "Post comment" not in signed_in(senior).get(f"/findings/{finding.pk}/").content.decode()
    assert signed_in(senior).post(url, {"body": "Me too"}).status_code == 403
    assert FindingComment.objects.count() == 3
    assert AuditEvent.objects.filter(action="comment").count() == 3


# ---------------------------------------------------------------- organisation matches


@pytest.mark.django_db
def test_match_list_filters_by_list_and_state(
    review_match: OrganisationMatch, reviewer: Any
) -> None:
    client = signed_in(reviewer)
    pending = client.get("/matches/").content.decode()
    assert (
        "Institute of Technology of Harbin" in pending
        and f'href="/matches/{review_match.pk}/"' in pending
    )
    # auto-accepted matches are not in the review band
    assert "Beijing Megvii Technology" not in pending
    assert (
        "Technology of Harbin" not in client.get("/matches/", {"list": "DOD1260H"}).content.decode()
    )
    assert "Technology of Harbin" in client.get("/matches/", {"list": "DOD1286"}).content.decode()
    assert (
        "Technology of Harbin"
        not in client.get("/matches/", {"state": "confirmed"}).content.decode()
    )


@pytest.mark.django_db
def test_match_confirm_persists_across_rescreening_and_triggers_recheck(
    review_match: OrganisationMatch,
    reviewer: Any,
    portfolio: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = signed_in(reviewer)
    url = f"/matches/{review_match.pk}/"
    page = client.get(url).content.decode()
    assert "Harbin Institute of Technology" in page and "0.80" in page
    assert portfolio["climate"].award_number in page  # the project affected
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"status": "confirmed", "reason": "Same institute, HR record"})
    assert response.status_code == 302
    review_match.refresh_from_db()
    assert review_match.review_status == "confirmed" and review_match.reviewed_by == reviewer
    assert review_match.review_reason == "Same institute, HR record"
    review = OrganisationMatchReview.objects.get(match=review_match)
    assert review.status == "confirmed" and review.reviewer == reviewer
    run = RecheckRun.objects.get(trigger="list or organisation screening changed")
    planned = {pk for chunk in run.chunks.values_list("project_ids", flat=True) for pk in chunk}
    assert portfolio["climate"].pk in planned
    organisations_screen()
    review_match.refresh_from_db()
    assert review_match.review_status == "confirmed" and review_match.active
    assert "Same institute, HR record" in client.get(url).content.decode()
    assert (
        "Technology of Harbin" in client.get("/matches/", {"state": "confirmed"}).content.decode()
    )


@pytest.mark.django_db
def test_match_reject_needs_a_reason_and_keeps_the_choice(
    review_match: OrganisationMatch, reviewer: Any
) -> None:
    client = signed_in(reviewer)
    url = f"/matches/{review_match.pk}/"
    missing = client.post(url, {"status": "rejected", "reason": " "})
    page = missing.content.decode()
    assert missing.status_code == 400 and MSG_REASON_REQUIRED in page
    assert 'value="rejected" checked' in page
    review_match.refresh_from_db()
    assert review_match.review_status == "pending"
    nothing = client.post(url, {"reason": "Not sure"})
    assert nothing.status_code == 400 and "Choose confirm or reject." in nothing.content.decode()
    assert "Not sure</textarea>" in nothing.content.decode()
    assert (
        client.post(url, {"status": "rejected", "reason": "A different school"}).status_code == 302
    )
    review_match.refresh_from_db()
    assert review_match.review_status == "rejected"
    assert review_match.review_reason == "A different school"
    assert not review_match.counts_as_listed


# ---------------------------------------------------------------- dashboard


@pytest.mark.django_db
def test_dashboard_charts_show_the_portfolio_numbers(rules_loaded: None, reviewer: Any) -> None:
    current, safe = Scenario.objects.order_by("position")[:2]
    rule = Rule.objects.get(key="R07")
    version = rule.versions.latest("pk")
    physics = ProjectFactory.create(sponsor="NSF", department="Physics", amount_usd=100000)
    aero = ProjectFactory.create(sponsor="DOD", department="Aerospace", amount_usd=250000)
    chem = ProjectFactory.create(sponsor="NSF", department="Chemistry", amount_usd=40000)
    now = timezone.now()

    def make(project: Project, scenario: Scenario, severity: str, subject: str) -> Finding:
        return Finding.objects.create(
            scenario=scenario,
            rule=rule,
            rule_version=version,
            project=project,
            subject=subject,
            severity=severity,
            explanation="x",
            last_confirmed=now,
        )

    last_week = make(physics, current, "high", "a")
    make(physics, current, "medium", "b")  # same project: its dollars count once
    make(aero, current, "block", "c")
    make(chem, current, "low", "d")  # low: nothing at stake
    make(aero, safe, "high", "e")
    old = make(chem, safe, "info", "f")
    Finding.objects.filter(pk=last_week.pk).update(first_seen=now - timedelta(days=7))
    Finding.objects.filter(pk=old.pk).update(first_seen=now - timedelta(weeks=40))

    response = signed_in(reviewer).get("/dashboard/")
    page = response.content.decode()
    ctx = response.context
    columns = [e["scenario"] for e in ctx["exposure"]]
    i, j = columns.index(current.code), columns.index(safe.code)
    sponsor = {r["name"]: r["amounts"] for r in ctx["by_sponsor"]}
    assert sponsor["NSF"][i] == Decimal("100000") and sponsor["DOD"][i] == Decimal("250000")
    assert sponsor["DOD"][j] == Decimal("250000") and sponsor["NSF"][j] == 0
    department = {r["name"]: r["amounts"] for r in ctx["by_department"]}
    assert department["Physics"][i] == Decimal("100000") and "Chemistry" not in department
    assert "<title>DOD: $250,000</title>" in page and "<title>NSF: $100,000</title>" in page
    assert "<title>Physics: $100,000</title>" in page
    # open findings by department: under the chosen scenario only (the first by default)
    by_dept = dict(ctx["departments"])
    assert by_dept["Physics"] == {**dict.fromkeys(by_dept["Physics"], 0), "high": 1, "medium": 1}
    assert by_dept["Aerospace"]["block"] == 1 and by_dept["Aerospace"]["high"] == 0
    assert by_dept["Chemistry"]["low"] == 1 and by_dept["Chemistry"]["info"] == 0
    assert "<title>Aerospace, block: 1</title>" in page
    weeks = week_starts(timezone.localdate())
    rows = dict(ctx["weekly_rows"])
    names = [name for name, _ in ctx["weekly"]]
    assert rows[weeks[-1]][names.index(current.name)] == 3
    assert rows[weeks[-1]][names.index(safe.name)] == 1
    assert rows[weeks[-2]][names.index(current.name)] == 1
    assert sum(sum(v) for v in rows.values()) == 5  # the 40-week-old finding is out of range
    for chart in ("stake-sponsor", "stake-department", "by-department", "per-week"):
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in page
        assert f'<title id="{chart}-title">' in page and f'<desc id="{chart}-desc">' in page
    only_safe = signed_in(reviewer).get("/dashboard/", {"scenario": safe.code}).content.decode()
    assert f"Dollars at stake by sponsor, {safe.name}" in only_safe
    assert "<title>NSF: $100,000</title>" not in only_safe
    assert "<title>Aerospace, high: 1</title>" in only_safe
    assert "<title>Aerospace, block: 1</title>" not in only_safe


@pytest.mark.django_db
def test_runs_fragment_polls_only_while_a_run_is_active(rules_loaded: None, reviewer: Any) -> None:
    client = signed_in(reviewer)
    run = RecheckRun.objects.create(
        trigger="nightly", status=RecheckRun.Status.RUNNING, chunks_total=4, chunks_done=1
    )
    fragment = client.get("/dashboard/runs/").content.decode()
    assert 'hx-get="/dashboard/runs/" hx-trigger="every 2s"' in fragment
    assert f'aria-label="Run {run.pk} progress" max="4" value="1"' in fragment
    assert "<html" not in fragment
    assert 'hx-trigger="every 2s"' in client.get("/dashboard/").content.decode()
    RecheckRun.objects.filter(pk=run.pk).update(status=RecheckRun.Status.DONE, chunks_done=4)
    done = client.get("/dashboard/runs/").content.decode()
    assert "hx-trigger" not in done and 'max="4" value="4"' in done


# ---------------------------------------------------------------- charts (no database)


SVG = "{http://www.w3.org/2000/svg}"


def _svg(markup: str) -> Any:
    from xml.etree import ElementTree

    return ElementTree.fromstring(markup)  # noqa: S314 - our own output, parsed to check it


def test_charts_are_well_formed_svg_with_escaped_labels_and_proportional_marks() -> None:
    from compliance.portal.charts import hbar_chart, line_chart, stacked_hbar_chart

    bars = _svg(
        hbar_chart(
            chart_id="t",
            title="Money",
            desc="Two bars",
            rows=[("<script>alert(1)</script>", Decimal(50)), ("B & C", Decimal(100))],
        )
    )
    assert bars.get("role") == "img" and bars.get("aria-labelledby") == "t-title t-desc"
    assert bars.find(f"{SVG}title").text == "Money"
    assert bars.find(f"{SVG}desc").text == "Two bars"
    assert not list(bars.iter(f"{SVG}script")) and not list(bars.iter("script"))
    widths = [int(r.get("width")) for r in bars.iter(f"{SVG}rect")]
    assert widths[1] == 2 * widths[0] > 0
    labels = [t.text for t in bars.iter(f"{SVG}text")]
    assert labels == ["<script>alert(1)</script>", "$50", "B & C", "$100"]
    stacked = _svg(
        stacked_hbar_chart(
            chart_id="s",
            title="By severity",
            desc="d",
            rows=[("Physics", {"high": 3, "low": 1})],
            keys=["high", "low"],
        )
    )
    marks = [r.find(f"{SVG}title") for r in stacked.iter(f"{SVG}rect")]
    assert [m.text for m in marks if m is not None] == ["Physics, high: 3", "Physics, low: 1"]
    line = _svg(
        line_chart(
            chart_id="l", title="Weekly", desc="d", x_labels=["a", "b"], series=[("S", [0, 4])]
        )
    )
    assert line.find(f"{SVG}polyline").get("points") == "40.0,220.0 710.0,10.0"
