"""Scenario tests on a hand-built portfolio, persisted through portfolio_evaluate."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance.models import Finding
from compliance.services import evaluation
from compliance.services.evaluation import portfolio_evaluate
from projects.models import Project
from rules.models import Scenario
from tests.compliance.conftest import TODAY, finding_build
from tests.factories import OrganisationFactory, TieFactory


def _run(code: str = "current") -> Any:
    return portfolio_evaluate(scenario=Scenario.objects.get(code=code), today=TODAY)


def _open(code: str = "current", **filters: Any) -> list[Finding]:
    return list(
        Finding.objects.filter(scenario__code=code, status="open", **filters).select_related("rule")
    )


@pytest.mark.django_db
def test_nsf_climate_coauthorship_with_tsinghua_is_not_flagged(portfolio: dict[str, Any]) -> None:
    _run()
    assert _open(project=portfolio["climate"]) == []


@pytest.mark.django_db
def test_dod_visiting_appointment_at_hit_is_high_under_r07_and_flagged_if_safe_passes(
    portfolio: dict[str, Any],
) -> None:
    _run()
    _run("current_safe")
    [r07] = _open(project=portfolio["dod"], rule__key="R07")
    assert r07.severity == "high"
    assert r07.tie == portfolio["visiting"]
    assert r07.person == portfolio["pi"].person
    assert (
        r07.list_entry is not None
        and r07.list_entry.primary_name == "Harbin Institute of Technology"
    )
    assert r07.amount_usd == portfolio["dod"].amount_usd
    assert "within the 5-year look-back ending 2026-11-28" in r07.explanation
    assert r07.rule_version.label == "R07@v1"
    safe = _open("current_safe", project=portfolio["dod"], rule__key="R26")
    assert [f.tie for f in safe] == [portfolio["visiting"]]
    # proposed-law findings never mix with current ones
    assert _open("current", rule__key="R26") == []


@pytest.mark.django_db
def test_same_collaboration_made_part_of_the_dod_project_is_block_under_r05(
    portfolio: dict[str, Any],
) -> None:
    tie = portfolio["visiting"]
    tie.project = portfolio["dod"]
    tie.save()
    _run()
    [r05] = _open(project=portfolio["dod"], rule__key="R05")
    assert r05.severity == "block" and r05.tie == tie


@pytest.mark.django_db
def test_a_tie_that_ended_in_2019_is_outside_five_year_look_backs(
    portfolio: dict[str, Any],
) -> None:
    _run()
    _run("current_safe")
    ties = {f.tie_id for f in Finding.objects.filter(project=portfolio["dod"])}
    assert portfolio["old"].pk not in ties
    assert portfolio["visiting"].pk in ties


@pytest.mark.django_db
def test_delisted_1260h_company_counts_only_where_the_rule_looks_at_history(
    portfolio: dict[str, Any],
) -> None:
    tie = TieFactory.create(
        person=portfolio["pi"].person,
        organisation=portfolio["megvii"],
        kind="joint_research",
        start_date=date(2024, 3, 1),
        end_date=date(2024, 12, 1),
        project=portfolio["dod"],
    )
    _run()
    by_rule = {f.rule.key: f for f in _open(project=portfolio["dod"], tie=tie)}
    assert "R06" not in by_rule  # R06 asks whether the company is listed today
    assert by_rule["R07"].severity == "medium"  # history counts, one level lower: delisted
    assert any("delisted" in line for line in by_rule["R07"].trace)


@pytest.mark.django_db
def test_a_rule_that_raises_yields_an_error_finding_and_the_rest_completes(
    portfolio: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = evaluation.scenario_compile

    def broken(**kwargs: Any) -> Any:
        compiled, versions = real(**kwargs)
        for rule in compiled.rules:
            if rule.key == "R07":

                def explode(env: Any) -> bool:
                    raise ZeroDivisionError("division by zero in R07")

                rule.predicate = explode
        return compiled, versions

    nsfc = OrganisationFactory.create(
        name="National Natural Science Foundation of China", country="CN"
    )
    TieFactory.create(
        person=portfolio["pi"].person,
        organisation=nsfc,
        kind="funding",
        start_date=date(2024, 1, 1),
        end_date=None,
    )
    monkeypatch.setattr(evaluation, "scenario_compile", broken)
    counts = _run()
    errors = _open(severity="error")
    assert [(f.rule.key, f.subject, f.project) for f in errors] == [
        ("R07", "project", portfolio["dod"])
    ]
    assert "division by zero" in errors[0].explanation
    assert counts.errors == 1
    assert _open(project=portfolio["dod"], rule__key="R09")  # the other rules went on


@pytest.mark.django_db
def test_review_state_survives_and_findings_resolve_instead_of_disappearing(
    portfolio: dict[str, Any],
) -> None:
    _run()
    [r07] = _open(project=portfolio["dod"], rule__key="R07")
    r07.review_status = Finding.Review.MITIGATION
    r07.save()
    again = _run()
    assert (again.new, again.resolved) == (0, 0)
    r07.refresh_from_db()
    assert r07.review_status == "mitigation_required" and r07.status == "open"
    portfolio["visiting"].delete()
    gone = _run()
    assert gone.resolved >= 1
    r07.refresh_from_db()
    assert r07.status == "resolved" and r07.resolved_at is not None


@pytest.mark.django_db
def test_evaluate_command_twice_on_the_demo_portfolio_reports_nothing_new(
    rules_loaded: None,
) -> None:
    call_command("load_demo", "--projects", "80", stdout=io.StringIO())
    first = io.StringIO()
    call_command("evaluate", "--date", "2026-11-28", stdout=first)
    assert "new" in first.getvalue()
    second = io.StringIO()
    call_command("evaluate", "--date", "2026-11-28", stdout=second)
    for line in second.getvalue().strip().splitlines():
        assert " 0 new," in line and " 0 resolved," in line, line
    assert Finding.objects.filter(status="open").exists()


@pytest.mark.django_db
def test_evaluate_one_project_by_award_number(portfolio: dict[str, Any]) -> None:
    out = io.StringIO()
    call_command(
        "evaluate",
        "--scenario",
        "current",
        "--project",
        "W911NF-24-1-0042",
        "--date",
        "2026-11-28",
        stdout=out,
    )
    assert "Current obligations: 1 projects" in out.getvalue()
    assert not Finding.objects.exclude(project=portfolio["dod"]).exists()


@pytest.mark.django_db
def test_facts_are_built_with_a_constant_number_of_queries(rules_loaded: None) -> None:
    from rules.facts import project_facts_build
    from rules.facts_items import ITEM_QUERIES_BASE, ITEM_QUERIES_MAX

    call_command("load_demo", "--projects", "60", stdout=io.StringIO())
    ids = list(Project.objects.order_by("pk").values_list("pk", flat=True))
    # Projects, roles, ties, matches, organisations, people (of the roles and the ties),
    # tags; organisations and people only when some are not known yet.
    with CaptureQueriesContext(connection) as few_queries:
        few = project_facts_build(ids[:3])
    with CaptureQueriesContext(connection) as many_queries:
        many = project_facts_build(ids)
    # seven for the projects, roles, ties and their facts; six for person records (their
    # training and trips, the certifications, and whether each kind of record is kept); and
    # the facts beyond ties (rules.facts_items): a bounded few more
    assert 12 + ITEM_QUERIES_BASE <= len(few_queries) <= len(many_queries) <= 13 + ITEM_QUERIES_MAX
    assert len(few) == 3 and len(many) == 60
    assert sum(len(f.ties) for f in many) > sum(len(f.ties) for f in few)


@pytest.mark.django_db
def test_facts_list_a_projects_people_by_role_then_name_without_joining_projects() -> None:
    from rules.facts import project_facts_build
    from tests.factories import PersonFactory, ProjectFactory, RoleFactory

    project, other = ProjectFactory.create(), ProjectFactory.create()
    zoe = RoleFactory.create(project=project, role="pi", person=PersonFactory(name="Zoe Adams"))
    bob = RoleFactory.create(project=project, role="co_pi", person=PersonFactory(name="Bob Ng"))
    ann = RoleFactory.create(project=project, role="co_pi", person=PersonFactory(name="Ann Li"))
    namesake = RoleFactory.create(
        project=project, role="co_pi", person=PersonFactory(name="Ann Li")
    )
    RoleFactory.create(project=other, role="pi", person=bob.person)

    with CaptureQueriesContext(connection) as queries:
        facts = {f.project["id"]: f for f in project_facts_build([other.pk, project.pk])}

    ordered = sorted([zoe, bob, ann, namesake], key=lambda r: (r.role, r.person.name, r.person.pk))
    assert [(p["id"], role["role"]) for p, role in facts[project.pk].people] == [
        (r.person.pk, r.role) for r in ordered
    ]
    assert [p["name"] for p, _ in facts[other.pk].people] == ["Bob Ng"]
    roles_sql = next(q["sql"] for q in queries if 'FROM "projects_role"' in q["sql"])
    tags_sql = next(q["sql"] for q in queries if 'FROM "projects_fieldtag"' in q["sql"])
    assert "projects_project" not in roles_sql and "ORDER BY" not in roles_sql
    assert "projects_project" not in tags_sql and "ORDER BY" not in tags_sql


@pytest.mark.django_db
def test_facts_leave_out_a_person_deleted_between_the_roles_and_people_queries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rules import facts as facts_module
    from tests.factories import PersonFactory, ProjectFactory, RoleFactory

    project = ProjectFactory.create()
    pi = RoleFactory.create(project=project, role="pi", person=PersonFactory(name="Kept PI"))
    gone = RoleFactory.create(project=project, role="other").person
    real = facts_module.people_qs

    def deleting_first(person_ids: Any) -> Any:
        gone.delete()  # a concurrent transaction, committed between the two statements
        return real(person_ids)

    monkeypatch.setattr(facts_module, "people_qs", deleting_first)
    [built] = facts_module.project_facts_build([project.pk])
    assert [p["id"] for p, _role in built.people] == [pi.person.pk]


@pytest.mark.django_db
def test_facts_hold_a_scoped_tie_of_someone_without_a_role_and_order_ties_by_recency() -> None:
    from rules.facts import NO_ROLE, project_facts_build
    from rules.facts_items import ITEM_QUERIES_BASE
    from tests.factories import PersonFactory, ProjectFactory, RoleFactory

    project = ProjectFactory.create()
    pi = RoleFactory.create(project=project, role="pi").person
    older = TieFactory.create(person=pi, start_date=date(2019, 5, 1))
    undated = TieFactory.create(person=pi, start_date=None)
    newer = TieFactory.create(person=pi, start_date=date(2024, 2, 1))
    outsider = PersonFactory.create(name="Visiting Collaborator", department="Elsewhere")
    org = OrganisationFactory.create(name="Partner Lab", country="DE")
    scoped = TieFactory.create(person=outsider, organisation=org, project=project)

    with CaptureQueriesContext(connection) as queries:
        [facts] = project_facts_build([project.pk])

    # the outsider's name and department come by the people query; no item, no institution
    assert len(queries) == 13 + ITEM_QUERIES_BASE
    by_id = {t.tie["id"]: t for t in facts.ties}
    assert [t.tie["id"] for t in facts.ties] == [undated.pk, newer.pk, older.pk, scoped.pk]
    other = by_id[scoped.pk]
    assert other.person == {
        "id": outsider.pk,
        "name": "Visiting Collaborator",
        "department": "Elsewhere",
        "training_on": None,
        "training_course": "",
        "trips": [],
    }
    assert other.role == NO_ROLE and other.tie["project_id"] == project.pk
    assert other.org == {"id": org.pk, "name": "Partner Lab", "country": "DE", "type": org.type}
    assert by_id[older.pk].role == {
        "role": "pi",
        "is_key": True,
        "joined_on": None,
        "certified_on": None,
    }


@pytest.mark.django_db
def test_stored_rows_come_in_id_order_read_in_the_project_index_order(
    portfolio: dict[str, Any],
) -> None:
    """The findings a re-check compares against come back in primary-key order, whatever the
    order the database reads them in: it reads them in the (project, scenario) index's order,
    which a planner with stale statistics follows instead of walking every finding by id."""
    low, high = sorted([portfolio["dod"].pk, portfolio["climate"].pk])

    def make(project_id: int, code: str, subject: str) -> int:
        finding = finding_build(project_id, subject, scenario=code)
        finding.save()
        return finding.pk

    # ids in an order that neither the project nor the scenario order follows
    made = [
        make(high, "current_safe", "tie:1"),
        make(low, "current_safe", "tie:2"),
        make(high, "current", "tie:3"),
        make(low, "current", "tie:4"),
    ]
    query = Finding.objects.filter(project_id__any={low, high})
    with CaptureQueriesContext(connection) as queries:
        rows = evaluation.stored_rows(query)
    assert [row[evaluation.STORED.index("id")] for row in rows] == sorted(made)
    assert [row[evaluation.STORED.index("subject")] for row in rows] == [
        "tie:1",
        "tie:2",
        "tie:3",
        "tie:4",
    ]
    # the database's order: the index's columns (positions in the select list)
    project, scenario = (evaluation.STORED.index(n) + 1 for n in ("project_id", "scenario_id"))
    assert queries[-1]["sql"].endswith(f"ORDER BY {project} ASC, {scenario} ASC")
