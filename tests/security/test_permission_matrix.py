"""The permission matrix (issue 20 §5): every URL pattern x method x persona, one table.

tests/security/matrix_table.py holds the table. The first test walks the URLconf and fails,
naming the pattern, when a pattern has no row; the second sends every request of the table
and reports every cell that differs at once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from compliance.models import Notification, RecheckRun, ReportExport
from projects.models import (
    ImportRun,
    MftrpCertification,
    Role,
    Tie,
    TrainingRecord,
    TravelRecord,
)
from rules.models import (
    ListVersion,
    OrganisationMatch,
    ReferenceList,
    RulePack,
    RuleVersion,
    Scenario,
)
from rules.services.lists import list_import
from rules.services.rulepacks import rules_load
from rules.services.screening import organisations_screen
from tests.factories import OrganisationFactory, TieFactory
from tests.security.matrix_table import ROWS, Row, admin_site
from tests.security.world import PERSONAS, World, build_world
from tests.security.world_items import items_world

ROOT = Path(__file__).resolve().parents[2]
MSG_MISSING = (
    "URL pattern(s) with no row in tests/security/matrix_table.py ROWS; add one per pattern "
    "(its URL and, per method, the status of each persona):\n  {}"
)


def url_patterns(patterns: Any = None, prefix: str = "") -> Iterator[str]:
    """Every pattern of the URLconf, prefixes joined, walking includes recursively."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from url_patterns(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def admin_models() -> list[tuple[str, str, Any]]:
    return [(m._meta.app_label, m._meta.model_name or "", m) for m in admin.site._registry]


def all_rows() -> dict[str, Row]:
    return {**admin_site(admin_models()), **ROWS}


def test_every_url_pattern_has_a_row() -> None:
    rows = all_rows()
    missing = sorted({p for p in url_patterns() if p not in rows})
    assert not missing, MSG_MISSING.format("\n  ".join(missing))


def test_the_table_names_no_pattern_that_does_not_exist() -> None:
    stale = sorted(set(all_rows()) - set(url_patterns()))
    assert not stale, f"rows for patterns the URLconf no longer has: {stale}"


def _matrix_world() -> World:
    list_import(fmt="grantcheck-yaml", path=ROOT / "seeds" / "lists")
    rules_load(directory=ROOT / "seeds" / "rules")
    w = build_world(rules=False)
    assert w.other is not None and w.mine is not None
    listed = OrganisationFactory.create(name="Harbin Institute of Technology", country="CN")
    TieFactory.create(person=w.other, organisation=listed, kind="visiting_at")
    organisations_screen(organisation_ids=[listed.pk])
    version = RuleVersion.objects.filter(status="published").select_related("rule").first()
    assert version is not None
    pi = w.user("pi")
    w.objects.update(
        match=OrganisationMatch.objects.filter(organisation=listed).first(),
        rule_key=version.rule.key,
        rule_n=version.number,
        rule_version_pk=version.pk,
        pack_pk=RulePack.objects.first().pk,  # type: ignore[union-attr]
        list_version=ListVersion.objects.first(),
        list_pk=ReferenceList.objects.first().pk,  # type: ignore[union-attr]
        scenario=Scenario.objects.first(),
        pi_role_pk=Role.objects.get(person__user=pi).pk,
        pi_training_pk=TrainingRecord.objects.create(
            person=pi.person, course="CITI Research Security", completed_on=date(2025, 1, 10)
        ).pk,
        pi_trip_pk=TravelRecord.objects.create(
            person=pi.person, destination_country="CN", departed_on=date(2026, 6, 1)
        ).pk,
        pi_certification_pk=MftrpCertification.objects.create(
            person=pi.person, project=w.mine, certified_on=date(2025, 6, 1)
        ).pk,
        open_org_pk=Tie.objects.get(pk=w.unscoped_tie.pk).organisation_id,  # type: ignore[union-attr]
        run_pk=RecheckRun.objects.create(trigger="matrix").pk,
        import_run_pk=ImportRun.objects.create(connector="nsf_awards", source="matrix.tar.gz").pk,
        export_pk=ReportExport.objects.create(kind="findings", format="csv", requested_by=pi).pk,
        pi_notification=Notification.objects.create(
            user=pi, kind="finding", dedupe_key="matrix", subject="Matrix"
        ),
    )
    assert w.objects["match"] is not None, "the listed name was not matched"
    w.objects.update(items_world(w))
    return w


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _ok(expected: int | tuple[int, ...], got: int) -> bool:
    return got in expected if isinstance(expected, tuple) else got == expected


@pytest.mark.django_db
def test_every_pattern_method_and_persona_gets_the_status_in_the_table() -> None:
    world = _matrix_world()
    record = os.environ.get("MATRIX_RECORD") == "1"
    wrong: list[str] = []
    for pattern, row in all_rows().items():
        path = row.path(world)
        for method, expected in row.methods.items():
            got: dict[str, int] = {}
            for persona in PERSONAS:
                # a fresh client each time: a row may sign its persona out (logout)
                send = getattr(_client(world.user(persona)), method.lower())
                response = send(path, row.data) if method != "GET" else send(path)
                got[persona] = response.status_code
            bad = [p for p in PERSONAS if not _ok(expected[p], got[p])]
            if bad or record:
                wrong.append(
                    f"{pattern!r} {method} {path}: "
                    + ", ".join(f"{p} {got[p]} (table {expected[p]})" for p in (bad or PERSONAS))
                )
    assert not wrong, "statuses differ from the table:\n" + "\n".join(wrong)
