"""Rule packs as versioned data: loading, drafts, validation, publishing, parameters."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from compliance.models import AuditEvent
from projects.errors import ApplicationError
from rules.models import PackParameter, Rule, RuleVersion
from rules.services.rulepacks import (
    pack_parameter_set,
    rule_version_create,
    rule_version_publish,
    rules_load,
)

SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "rules"


@pytest.fixture
def loaded(db: None) -> None:
    rules_load(directory=SEEDS)


@pytest.mark.django_db
def test_load_rules_twice_is_a_no_op() -> None:
    first = io.StringIO()
    call_command("load_rules", stdout=first)
    assert "versions_new 13" in first.getvalue()
    versions = RuleVersion.objects.count()
    second = io.StringIO()
    call_command("load_rules", stdout=second)
    assert "versions_new 0" in second.getvalue() and "versions_new 1" not in second.getvalue()
    assert RuleVersion.objects.count() == versions == 17
    assert RuleVersion.objects.filter(status="published").count() == 17


@pytest.mark.django_db
def test_invalid_draft_is_refused_with_the_path_and_nothing_is_saved(loaded: None) -> None:
    rule = Rule.objects.get(key="R07")
    content = dict(rule.published_version.content)  # type: ignore[union-attr]
    content["condition"] = {
        "all": [{"fact": "tie.kind", "eq": "coauthorship"}, {"fact": "tie.colour", "eq": "red"}]
    }
    with pytest.raises(ApplicationError) as exc:
        rule_version_create(rule=rule, content=content)
    assert exc.value.extra["path"] == "rule R07.condition.all[1].fact"
    assert "unknown fact 'tie.colour'" in exc.value.message
    assert rule.versions.count() == 1


@pytest.mark.django_db
def test_publishing_a_draft_retires_the_previous_version(loaded: None, reviewer: Any) -> None:
    rule = Rule.objects.get(key="R07")
    live = rule.published_version
    assert live is not None
    content = {**live.content, "severity": "medium"}
    draft = rule_version_create(rule=rule, content=content, user=reviewer)
    assert draft.status == "draft" and draft.number == 2 and draft.author == reviewer
    rule_version_publish(version=draft)
    live.refresh_from_db()
    draft.refresh_from_db()
    assert (live.status, draft.status) == ("retired", "published")
    assert rule.published_version == draft
    retired = AuditEvent.objects.filter(
        object_type="rules.ruleversion", object_id=str(live.pk), action="update"
    ).last()
    assert retired is not None
    assert (retired.before or {}).get("status") == "published"
    assert (retired.after or {}).get("status") == "retired"
    with pytest.raises(ApplicationError, match="Only a draft"):
        rule_version_publish(version=draft)


@pytest.mark.django_db
def test_versions_are_immutable(loaded: None) -> None:
    version = RuleVersion.objects.get(rule__key="R05")
    version.content_hash = "0" * 64
    with pytest.raises(ValidationError, match="immutable"):
        version.save()


@pytest.mark.django_db
def test_parameter_change_is_validated_against_the_packs_rules(loaded: None) -> None:
    parameter = PackParameter.objects.get(name="r07_lookback_years")
    with pytest.raises(ApplicationError, match="expected a number"):
        pack_parameter_set(parameter=parameter, value="five")
    parameter.refresh_from_db()
    assert parameter.value == 5
    pack_parameter_set(parameter=parameter, value=3)
    parameter.refresh_from_db()
    assert parameter.value == 3 and parameter.status == "confirmed"


@pytest.mark.django_db
def test_unconfirmed_values_are_parameters_marked_as_such(loaded: None) -> None:
    unconfirmed = set(
        PackParameter.objects.filter(status="UNCONFIRMED").values_list("name", flat=True)
    )
    assert {"dod_expanded_lists", "ftrp_lookback_years", "safe_hostile_entity_lists"} <= unconfirmed


@pytest.mark.django_db
def test_a_bad_pack_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "pack: {code: bad, title: Bad}\nrules:\n  - id: RB\n    title: bad\n"
        "    legal_basis: {citation: x}\n    condition: {fact: project.sponsor, like: D}\n",
        encoding="utf-8",
    )
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="unknown operator 'like'"):
        call_command("load_rules", str(tmp_path))
    assert not Rule.objects.filter(key="RB").exists()
