"""Rule packs as versioned data: loading, drafts, validation, publishing, parameters."""

from __future__ import annotations

import io
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
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
    per_pack = {
        path.stem: len(yaml.safe_load(path.read_text(encoding="utf-8")).get("rules", []))
        for path in SEEDS.glob("*.yaml")
        if path.stem != "scenarios"
    }
    assert f"versions_new {per_pack['current']} " in first.getvalue()
    versions = RuleVersion.objects.count()
    second = io.StringIO()
    call_command("load_rules", stdout=second)
    assert "versions_new 0" in second.getvalue() and "versions_new 1" not in second.getvalue()
    assert RuleVersion.objects.count() == versions == sum(per_pack.values())
    assert RuleVersion.objects.filter(status="published").count() == versions


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
    # R17's covered roles, R20's "current" window, R22's CHIPS key technology areas (DOMAIN.md
    # §5.2 UNCONFIRMED) and R24's advisory lists
    assert {
        "training_covered_roles",
        "travel_lookback_days",
        "trust_phase2_areas",
        "advisory_lists",
    } <= unconfirmed


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


class _FormFields(HTMLParser):
    """The values a browser would post from a page's form: inputs, textareas, selects."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name and a.get("type") not in ("submit", "checkbox", "file"):
            self.data[name] = a.get("value", "")
        elif tag == "input" and name and a.get("type") == "checkbox" and "checked" in a:
            self.data[name] = "on"
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data


def _admin_form(client: Any, url: str) -> dict[str, str]:
    page = _FormFields()
    page.feed(client.get(url).content.decode())
    page.data.pop("csrfmiddlewaretoken", None)
    return page.data


@pytest.mark.django_db
def test_a_parameter_changed_in_the_admin_is_validated_and_rechecks_its_rules(
    loaded: None, admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.test import Client

    from compliance.models import RecheckRun

    parameter = PackParameter.objects.get(name="r07_lookback_years")
    client = Client()
    client.force_login(admin_user)
    url = f"/admin/rules/rulepack/{parameter.pack_id}/change/"
    data = _admin_form(client, url)
    [field] = [k for k, v in data.items() if k.endswith("-name") and v == parameter.name]
    value_field = field.removesuffix("name") + "value"

    bad = client.post(url, {**data, value_field: '"five"'})
    assert bad.status_code == 200 and "expected a number" in bad.content.decode()
    parameter.refresh_from_db()
    assert parameter.value == 5 and not RecheckRun.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        good = client.post(url, {**data, value_field: "3"})
    assert good.status_code == 302
    parameter.refresh_from_db()
    assert parameter.value == 3 and parameter.updated_by == admin_user
    [run] = RecheckRun.objects.all()
    assert run.scope_key == "rules:R07" and run.scope["rules"] == ["R07"]
