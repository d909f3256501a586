"""The re-check pipeline, run in-process (eager): scope, idempotency, supersede, review state."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from compliance.models import Finding, RecheckChunk, RecheckRun
from compliance.services.recheck import recheck_chunk_execute, recheck_request
from compliance.services.recheck_scope import projects_for_rules
from rules.models import PackParameter
from rules.services.rulepacks import pack_parameter_set
from tests.compliance.conftest import TODAY, Driver
from tests.factories import OrganisationFactory, ProjectFactory, RoleFactory, TieFactory


def _findings() -> list[tuple[Any, ...]]:
    return sorted(
        Finding.objects.values_list(
            "scenario__code",
            "rule__key",
            "project_id",
            "subject",
            "severity",
            "status",
            "review_status",
            "explanation",
        )
    )


@pytest.mark.django_db
def test_a_chunk_executed_twice_gives_identical_findings_and_counts(
    portfolio: dict[str, Any], driver: Driver
) -> None:
    run = driver.request(trigger="test", scope_key="all", today=TODAY, chunk_size=1)
    assert run.chunks_total == 2 and len(driver.sent) == 2
    for chunk_id in driver.sent:
        recheck_chunk_execute(chunk_id=chunk_id)
    run.refresh_from_db()
    first_findings, first_counts = _findings(), (run.findings_new, run.findings_resolved)
    chunk_counts = list(RecheckChunk.objects.filter(run=run).values_list("counts", flat=True))

    for chunk_id in driver.sent:  # the broker redelivers both messages
        assert recheck_chunk_execute(chunk_id=chunk_id) == "done"

    run.refresh_from_db()
    assert _findings() == first_findings
    assert (run.findings_new, run.findings_resolved) == first_counts
    assert (
        list(RecheckChunk.objects.filter(run=run).values_list("counts", flat=True)) == chunk_counts
    )
    assert run.status == "done" and run.chunks_done == 2 and run.projects_checked == 2
    assert run.findings_new == len(first_findings) > 0


@pytest.mark.django_db
def test_a_newer_run_for_the_same_scope_supersedes_and_stops_the_older(
    portfolio: dict[str, Any], driver: Driver
) -> None:
    old = driver.request(trigger="first", scope_key="rules:R07", today=TODAY, chunk_size=1)
    old_chunks = list(driver.sent)
    new = driver.request(trigger="second", scope_key="rules:R07", today=TODAY, chunk_size=1)
    old.refresh_from_db()
    assert old.status == "superseded"
    for chunk_id in old_chunks:
        assert recheck_chunk_execute(chunk_id=chunk_id) == "skipped"
    assert set(RecheckChunk.objects.filter(run=old).values_list("status", flat=True)) == {"skipped"}
    assert not Finding.objects.filter(run=old).exists()
    for chunk_id in driver.sent[len(old_chunks) :]:
        recheck_chunk_execute(chunk_id=chunk_id)
    new.refresh_from_db()
    old.refresh_from_db()
    assert (old.status, new.status) == ("superseded", "done")
    other = driver.request(trigger="other scope", scope_key="project:1", today=TODAY)
    new.refresh_from_db()
    assert new.status == "done" and other.status == "running"


@pytest.mark.django_db
def test_a_superseding_run_takes_over_the_projects_the_older_had_still_to_check(
    portfolio: dict[str, Any], driver: Driver
) -> None:
    climate, dod = portfolio["climate"], portfolio["dod"]
    third = ProjectFactory.create(sponsor="NSF", award_number="2400001")
    first = driver.request(
        trigger="import A", scope_key="import", project_ids=[climate.pk, dod.pk], chunk_size=1
    )
    first_chunks = list(driver.sent)
    done = RecheckChunk.objects.get(run=first, project_ids=[climate.pk])
    assert recheck_chunk_execute(chunk_id=done.pk) == "done"
    # A second import of other projects, before the first run is over: the dod project,
    # still unchecked, must not be left for the nightly run.
    second = driver.request(trigger="import B", scope_key="import", project_ids=[third.pk])
    first.refresh_from_db()
    assert first.status == "superseded"
    assert second.projects_planned == 2 and second.scope == {"projects": 2}
    planned = RecheckChunk.objects.filter(run=second).values_list("project_ids", flat=True)
    assert sorted(pid for ids in planned for pid in ids) == sorted([dod.pk, third.pk])
    for chunk_id in first_chunks:
        recheck_chunk_execute(chunk_id=chunk_id)
    assert not Finding.objects.filter(project=dod).exists()  # the superseded chunk stopped
    for chunk_id in driver.sent[len(first_chunks) :]:
        assert recheck_chunk_execute(chunk_id=chunk_id) == "done"
    second.refresh_from_db()
    assert second.status == "done" and second.projects_checked == 2
    assert Finding.objects.filter(project=dod, run=second).exists()


@pytest.mark.django_db
def test_a_superseding_run_also_takes_over_the_older_runs_scenarios(
    portfolio: dict[str, Any], driver: Driver
) -> None:
    dod = portfolio["dod"].pk
    first = driver.request(
        trigger="a", scope_key="project:x", project_ids=[dod], scenario_codes=["current"]
    )
    second = driver.request(
        trigger="b", scope_key="project:x", project_ids=[dod], scenario_codes=["current_safe"]
    )
    first.refresh_from_db()
    assert first.status == "superseded"
    assert sorted(second.scenarios) == ["current", "current_safe"]
    recheck_chunk_execute(chunk_id=driver.sent[-1])
    codes = set(Finding.objects.filter(run=second).values_list("scenario__code", flat=True))
    assert codes == {"current", "current_safe"}


@pytest.mark.django_db
def test_editing_a_person_or_an_organisation_rechecks_the_projects_that_read_them(
    portfolio: dict[str, Any], driver: Driver, django_capture_on_commit_callbacks: Any
) -> None:
    from projects.services import organisation_update

    co_pi, dod = portfolio["co_pi"], portfolio["dod"]
    with django_capture_on_commit_callbacks(execute=True):
        co_pi.name = "Chen Wei"
        co_pi.save()  # as the admin saves it
    [run] = RecheckRun.objects.filter(scope_key=f"person:{co_pi.pk}")
    assert run.projects_planned == 1 and run.trigger == f"person {co_pi.pk} changed"
    assert RecheckChunk.objects.get(run=run).project_ids == [portfolio["climate"].pk]

    funder = OrganisationFactory.create(name="Pacific Science Fund", country="US")
    TieFactory.create(
        person=dod.roles.get().person, organisation=funder, kind="funding", start_date=TODAY
    )
    driver.request(trigger="before", scope_key="project:dod", project_ids=[dod.pk], today=TODAY)
    recheck_chunk_execute(chunk_id=driver.sent[-1])
    assert not Finding.objects.filter(project=dod, rule__key="R09").exists()
    with django_capture_on_commit_callbacks(execute=True):
        co_pi.save(update_fields=["email"])  # nothing the facts read: no re-check
        organisation_update(organisation=funder, country="CN")  # a steward's correction
    assert RecheckRun.objects.filter(scope_key=f"person:{co_pi.pk}").count() == 1
    [org_run] = RecheckRun.objects.filter(scope_key=f"organisation:{funder.pk}")
    assert RecheckChunk.objects.get(run=org_run).project_ids == [dod.pk]
    recheck_chunk_execute(chunk_id=driver.sent[-1])
    [support] = Finding.objects.filter(project=dod, rule__key="R09", scenario__code="current")
    assert support.run_id == org_run.pk and "Pacific Science Fund (CN)" in support.explanation


@pytest.mark.django_db
def test_a_tie_or_role_moved_elsewhere_rechecks_where_it_was_as_well(
    portfolio: dict[str, Any], driver: Driver, django_capture_on_commit_callbacks: Any
) -> None:
    climate, dod, co_pi = portfolio["climate"], portfolio["dod"], portfolio["co_pi"]
    visiting = portfolio["visiting"]  # the PI's tie: the PI is on the dod project

    def planned(run: RecheckRun) -> set[int]:
        chunks = RecheckChunk.objects.filter(run=run).values_list("project_ids", flat=True)
        return {pid for ids in chunks for pid in ids}

    driver.request(trigger="before", scope_key="all", today=TODAY)
    recheck_chunk_execute(chunk_id=driver.sent[-1])
    assert Finding.objects.filter(project=dod, tie=visiting, status="open").exists()
    with django_capture_on_commit_callbacks(execute=True):
        visiting.person = co_pi  # entered against the wrong person, corrected in the admin
        visiting.save()
    [run] = RecheckRun.objects.filter(trigger=f"tie {visiting.pk} changed")
    assert planned(run) == {climate.pk, dod.pk}  # the co-PI's project, and the one it left
    recheck_chunk_execute(chunk_id=driver.sent[-1])
    run.refresh_from_db()
    assert run.findings_resolved > 0  # the dod project no longer holds that tie
    assert not Finding.objects.filter(project=dod, tie=visiting, status="open").exists()

    role = climate.roles.get(person=co_pi)
    with django_capture_on_commit_callbacks(execute=True):
        role.project = dod
        role.save()
    runs = RecheckRun.objects.filter(trigger__startswith="role on project")
    assert {run.scope_key for run in runs} == {f"project:{climate.pk}", f"project:{dod.pk}"}
    assert set().union(*(planned(run) for run in runs)) == {climate.pk, dod.pk}


@pytest.mark.django_db
def test_removing_a_pack_from_a_scenario_resolves_its_findings_there(
    portfolio: dict[str, Any], driver: Driver, django_capture_on_commit_callbacks: Any
) -> None:
    from rules.models import ScenarioPack

    dod = portfolio["dod"]
    driver.request(trigger="before", scope_key="all", today=TODAY)
    recheck_chunk_execute(chunk_id=driver.sent[-1])
    r26 = Finding.objects.filter(project=dod, rule__key="R26", scenario__code="current_safe")
    assert r26.filter(status="open").exists()
    link = ScenarioPack.objects.get(scenario__code="current_safe", pack__rules__key="R26")
    with django_capture_on_commit_callbacks(execute=True):
        link.delete()
    [run] = RecheckRun.objects.filter(scope_key="scenario:current_safe")
    assert run.scenarios == ["current_safe"]
    recheck_chunk_execute(chunk_id=driver.sent[-1])
    assert r26.exists() and not r26.filter(status="open").exists()
    assert Finding.objects.filter(project=dod, scenario__code="current", status="open").exists()


@pytest.mark.django_db
def test_a_field_tag_edited_in_the_admin_rechecks_its_project(
    portfolio: dict[str, Any], driver: Driver, django_capture_on_commit_callbacks: Any
) -> None:
    from projects.models import FieldTag
    from rules.services.fields import field_tag_override

    dod = portfolio["dod"]
    with django_capture_on_commit_callbacks(execute=True):
        tag = FieldTag.objects.create(project=dod, area="hypersonics", confidence=0.9)
    [run] = RecheckRun.objects.filter(scope_key=f"fields:{dod.pk}")
    assert RecheckChunk.objects.get(run=run).project_ids == [dod.pk]
    with django_capture_on_commit_callbacks(execute=True):
        tag.suppressed = True
        tag.save()  # as the admin saves it
    assert RecheckRun.objects.filter(scope_key=f"fields:{dod.pk}").count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        field_tag_override(
            project=dod, area="hypersonics", present=True, reason="confirmed", user=None
        )
    live = RecheckRun.objects.filter(scope_key=f"fields:{dod.pk}").exclude(status="superseded")
    assert live.count() == 1  # the service's own announcement supersedes the save's


@pytest.mark.django_db
def test_field_tags_deleted_in_the_admin_recheck_their_projects(
    portfolio: dict[str, Any],
    driver: Driver,
    admin_user: Any,
    auditor: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.test import Client

    from projects.models import FieldTag

    dod, other = portfolio["dod"], portfolio["climate"]
    one = FieldTag.objects.create(project=dod, area="hypersonics", confidence=0.9)
    two = FieldTag.objects.create(project=dod, area="quantum", confidence=0.9)
    three = FieldTag.objects.create(project=other, area="quantum", confidence=0.9)
    RecheckRun.objects.all().delete()
    outsider = Client()
    outsider.force_login(auditor)  # not staff: the admin sends it to its login page
    with django_capture_on_commit_callbacks(execute=True):
        response = outsider.post(f"/admin/projects/fieldtag/{one.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert FieldTag.objects.filter(pk=one.pk).exists() and not RecheckRun.objects.exists()

    client = Client()
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/projects/fieldtag/{one.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not FieldTag.objects.filter(pk=one.pk).exists()
    [run] = RecheckRun.objects.all()
    assert run.scope_key == f"fields:{dod.pk}" and run.projects_planned == 1
    assert RecheckChunk.objects.get(run=run).project_ids == [dod.pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/projects/fieldtag/",
            {"action": "delete_selected", "_selected_action": [two.pk, three.pk], "post": "yes"},
        )
    assert response.status_code == 302 and not FieldTag.objects.filter(pk__in=[two.pk, three.pk])
    latest = RecheckRun.objects.order_by("-pk").first()
    assert latest is not None and latest.pk != run.pk
    assert latest.scope_key == f"fields:{','.join(map(str, sorted([dod.pk, other.pk])))}"
    planned = RecheckChunk.objects.filter(run=latest).values_list("project_ids", flat=True)
    assert sorted(pid for ids in planned for pid in ids) == sorted([dod.pk, other.pk])


@pytest.mark.django_db
def test_a_failing_chunk_records_its_traceback_and_the_run_ends_failed(
    portfolio: dict[str, Any], driver: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = driver.request(trigger="test", scope_key="all", today=TODAY, chunk_size=1)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr("compliance.services.recheck.project_facts_build", broken)
    recheck_chunk_execute(chunk_id=driver.sent[0])
    run.refresh_from_db()
    assert run.status == "running"  # one chunk left
    recheck_chunk_execute(chunk_id=driver.sent[1])
    run.refresh_from_db()
    assert run.status == "failed" and run.finished_at is not None
    assert run.errors == 2
    assert "database went away" in run.error_log[0]["traceback"]
    assert set(run.chunks.values_list("status", flat=True)) == {"failed"}


@pytest.mark.django_db
def test_rule_scope_is_computed_with_a_query(portfolio: dict[str, Any]) -> None:
    nsf_only = ProjectFactory.create(sponsor="NSF", award_number="2399999")
    RoleFactory.create(project=nsf_only)
    ids, scenarios = projects_for_rules(rule_keys=["R07"])
    assert ids == [portfolio["dod"].pk]  # DOD only, and only projects with a listed tie
    assert set(scenarios) == {"current", "current_safe", "current_s4525", "current_s2755"}
    ids, scenarios = projects_for_rules(rule_keys=["R26"])
    assert scenarios == ["current_safe"]
    assert portfolio["climate"].pk not in ids and nsf_only.pk not in ids


@pytest.mark.django_db(transaction=True)
def test_publishing_a_parameter_change_rechecks_only_its_scope(
    portfolio: dict[str, Any], eager_celery: None
) -> None:
    nsfc = OrganisationFactory.create(
        name="National Natural Science Foundation of China", country="CN"
    )
    TieFactory.create(
        person=portfolio["co_pi"],
        organisation=nsfc,
        kind="funding",
        start_date=date(2025, 1, 1),
        end_date=None,
    )
    recheck_request(trigger="baseline", scope_key="all", today=TODAY)
    untouched = list(Finding.objects.exclude(project=portfolio["dod"]).values().order_by("pk"))
    assert untouched  # the climate project's R09 finding, outside R07's scope
    [r07] = Finding.objects.filter(rule__key="R07", scenario__code="current")
    assert r07.status == "open"

    pack_parameter_set(parameter=PackParameter.objects.get(name="r07_lookback_years"), value=3)

    run = RecheckRun.objects.order_by("-pk").first()
    assert run is not None and run.trigger.startswith("rules changed")
    assert run.projects_planned == 1 and run.status == "done"
    r07.refresh_from_db()
    assert r07.status == "resolved" and r07.resolved_by_run == run
    assert (
        list(Finding.objects.exclude(project=portfolio["dod"]).values().order_by("pk")) == untouched
    )


@pytest.mark.django_db(transaction=True)
def test_a_reviewers_decision_survives_a_recheck_that_rederives_the_finding(
    portfolio: dict[str, Any], eager_celery: None
) -> None:
    recheck_request(trigger="baseline", scope_key="all", today=TODAY)
    finding = Finding.objects.get(rule__key="R07", scenario__code="current")
    finding.review_status = Finding.Review.FALSE_POSITIVE
    finding.save()
    recheck_request(trigger="again", scope_key="all", today=TODAY)
    finding.refresh_from_db()
    assert finding.review_status == "false_positive" and finding.status == "open"


@pytest.mark.django_db(transaction=True)
def test_changing_a_tie_rechecks_that_persons_projects(
    portfolio: dict[str, Any], eager_celery: None
) -> None:
    recheck_request(trigger="baseline", scope_key="all", today=TODAY)
    visiting = portfolio["visiting"]
    visiting.project = portfolio["dod"]
    visiting.save()
    run = RecheckRun.objects.order_by("-pk").first()
    assert run is not None and run.scope_key == f"person:{visiting.person_id}"
    assert Finding.objects.filter(rule__key="R05", project=portfolio["dod"], status="open").exists()


@pytest.mark.django_db
def test_runs_are_visible_over_the_api_with_progress(
    portfolio: dict[str, Any],
    driver: Driver,
    reviewer: Any,
    auditor: Any,
    pi: Any,
    outsider: Any,
    api_client_for: Any,
) -> None:
    run = driver.request(trigger="api", scope_key="all", today=TODAY, chunk_size=1)
    recheck_chunk_execute(chunk_id=driver.sent[0])
    for user in (reviewer, auditor):
        rows = api_client_for(user).get("/api/v1/rechecks/").json()["results"]
        assert [(r["id"], r["chunks_done"], r["chunks_total"], r["progress"]) for r in rows] == [
            (run.pk, 1, 2, 0.5)
        ]
        detail = api_client_for(user).get(f"/api/v1/rechecks/{run.pk}/").json()
        assert [c["status"] for c in detail["chunks"]] == ["done", "queued"]
    for user in (pi, outsider):
        assert api_client_for(user).get("/api/v1/rechecks/").status_code == 403
        assert api_client_for(user).get(f"/api/v1/rechecks/{run.pk}/").status_code == 403
    assert api_client_for(auditor).post("/api/v1/rechecks/", {}).status_code == 405
    assert api_client_for(None).get("/api/v1/rechecks/").status_code in (401, 403)


@pytest.mark.django_db
def test_a_chunk_reads_its_stored_findings_once_for_every_scenario(
    portfolio: dict[str, Any], driver: Driver
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    run = driver.request(trigger="test", scope_key="all", today=TODAY)
    assert len(run.scenarios) == 4 and len(driver.sent) == 1
    recheck_chunk_execute(chunk_id=driver.sent[0])
    again = driver.request(trigger="again", scope_key="all", today=TODAY)
    with CaptureQueriesContext(connection) as queries:
        recheck_chunk_execute(chunk_id=driver.sent[1])
    reads = [q["sql"] for q in queries if q["sql"].startswith('SELECT "compliance_finding"."id"')]
    assert len(reads) == 1
    # Every scenario: the projects alone select (no scenario filter for the planner to prefer)
    assert '"scenario_id" IN' not in reads[0]
    again.refresh_from_db()
    assert again.findings_unchanged > 0  # what the first run found, read back and confirmed


@pytest.mark.django_db
def test_a_run_of_one_scenario_reads_and_touches_that_scenarios_findings_only(
    portfolio: dict[str, Any], driver: Driver
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    driver.request(trigger="test", scope_key="all", today=TODAY)
    recheck_chunk_execute(chunk_id=driver.sent[0])
    before = dict(Finding.objects.values_list("pk", "last_confirmed"))
    codes = dict(Finding.objects.values_list("pk", "scenario__code"))
    assert {"current", "current_safe"} <= set(codes.values())
    one = driver.request(trigger="one", scope_key="s", today=TODAY, scenario_codes=["current"])
    with CaptureQueriesContext(connection) as queries:
        recheck_chunk_execute(chunk_id=driver.sent[-1])
    reads = [q["sql"] for q in queries if q["sql"].startswith('SELECT "compliance_finding"."id"')]
    assert len(reads) == 1 and '"scenario_id" IN' in reads[0]
    one.refresh_from_db()
    assert one.findings_unchanged == sum(code == "current" for code in codes.values())
    after = dict(Finding.objects.values_list("pk", "last_confirmed"))
    assert {pk for pk in before if after[pk] != before[pk]} == {
        pk for pk, code in codes.items() if code == "current"
    }
    assert one.findings_new == one.findings_resolved == 0


@pytest.mark.django_db
def test_findings_derived_again_unchanged_are_confirmed_without_model_instances(
    portfolio: dict[str, Any], driver: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compliance.services import evaluation

    built: list[int] = []
    real = evaluation._instance

    def counting(row: tuple[Any, ...]) -> Finding:
        built.append(row[0])
        return real(row)

    monkeypatch.setattr(evaluation, "_instance", counting)
    driver.request(trigger="test", scope_key="all", today=TODAY)
    recheck_chunk_execute(chunk_id=driver.sent[0])
    open_ = list(Finding.objects.filter(status="open").order_by("pk"))
    assert open_ and built == []  # all new
    stale = open_[0]
    Finding.objects.filter(pk=stale.pk).update(explanation="an older wording")
    again = driver.request(trigger="again", scope_key="all", today=TODAY)
    recheck_chunk_execute(chunk_id=driver.sent[1])
    again.refresh_from_db()
    assert built == [stale.pk]  # only the finding whose stored row differs
    assert again.findings_changed == 1 and again.findings_unchanged == len(open_) - 1
    stale.refresh_from_db()
    assert stale.explanation != "an older wording" and stale.run_id == again.pk
    started = again.started_at
    assert started is not None
    assert all(f.last_confirmed >= started for f in Finding.objects.filter(status="open"))
