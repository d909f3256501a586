"""Triggers: every change that can alter findings enqueues a re-check after commit."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save

from compliance.services.recheck import recheck_request
from compliance.services.recheck_scope import (
    projects_for_organisations,
    projects_for_people,
    projects_for_rules,
)
from compliance.services.sibling_decisions import findings_clear_for_match
from projects.models import FieldTag, Organisation, Person, Project, Role, Tie
from projects.signals import field_tags_changed, portfolio_changed
from rules.models import Scenario, ScenarioPack
from rules.signals import organisation_match_rejected, organisations_rescreened, rules_changed

# RecheckRun.scope_key holds at most this many characters.
SCOPE_KEY_MAX = 200


def scope_key_for(kind: str, parts: Iterable[str]) -> str:
    """ "kind:a,b,c", or, when that is too long for the column, "kind:#" and a digest of it:
    the same set of parts always gives the same key, so a newer run still supersedes."""
    joined = ",".join(parts)
    key = f"{kind}:{joined}"
    if len(key) <= SCOPE_KEY_MAX:
        return key
    return f"{kind}:#{hashlib.sha256(joined.encode()).hexdigest()}"


def _request_after_commit(trigger: str, scope_key: str, **kwargs: Any) -> None:
    transaction.on_commit(lambda: recheck_request(trigger=trigger, scope_key=scope_key, **kwargs))


def _recheck_found_after_commit(
    trigger: str, scope_key: str, projects: Callable[[], Iterable[int]]
) -> None:
    """After the commit, re-check the projects projects() finds then (if any): who is tied
    to what is read once the change is in."""

    def request() -> None:
        ids = sorted(set(projects()))
        if ids:
            recheck_request(trigger=trigger, scope_key=scope_key, project_ids=ids)

    transaction.on_commit(request)


def _on_rules_changed(sender: Any, keys: list[str], **kwargs: Any) -> None:
    project_ids, scenarios = projects_for_rules(rule_keys=keys)
    if scenarios:
        recheck_request(
            trigger=f"rules changed: {', '.join(sorted(keys))}",
            scope_key=scope_key_for("rules", sorted(keys)),
            project_ids=project_ids,
            scenario_codes=scenarios,
            rule_keys=keys,
        )


def _on_project_saved(sender: Any, instance: Project, **kwargs: Any) -> None:
    _request_after_commit(
        f"project {instance.award_number} changed",
        f"project:{instance.pk}",
        project_ids=[instance.pk],
    )


def _remember_placement(sender: Any, instance: Role | Tie, **kwargs: Any) -> None:
    """Before a role or tie is saved: where it was (its person and project), so that the
    projects it leaves are re-checked as well as those it joins."""
    before = None
    if instance.pk is not None:
        before = sender.objects.filter(pk=instance.pk).values_list("person_id", "project_id")
        before = before.first()
    instance._placed_before = before  # type: ignore[union-attr]


def _placed_before(instance: Role | Tie) -> tuple[int | None, int | None]:
    return getattr(instance, "_placed_before", None) or (None, None)


def _on_role_changed(sender: Any, instance: Role, **kwargs: Any) -> None:
    _old_person, old_project = _placed_before(instance)
    for project_id in {p for p in (instance.project_id, old_project) if p is not None}:
        _request_after_commit(
            f"role on project {project_id} changed",
            f"project:{project_id}",
            project_ids=[project_id],
        )


def _on_tie_changed(sender: Any, instance: Tie, **kwargs: Any) -> None:
    person_id, project_id = instance.person_id, instance.project_id
    old_person, old_project = _placed_before(instance)
    people = {p for p in (person_id, old_person) if p is not None}
    scoped = {p for p in (project_id, old_project) if p is not None}
    _recheck_found_after_commit(
        f"tie {instance.pk} changed",
        f"person:{person_id}",
        lambda: [*projects_for_people(person_ids=people), *scoped],
    )


# What the facts read of a person and of an organisation (rules.facts): a save that changed
# none of these (update_fields says so) changes no finding.
PERSON_FACTS = frozenset({"name", "department"})
ORGANISATION_FACTS = frozenset({"name", "country", "type"})


def _reads_facts(update_fields: Any, facts: frozenset[str]) -> bool:
    return update_fields is None or bool(facts & set(update_fields))


def _on_person_saved(
    sender: Any, instance: Person, created: bool, update_fields: Any = None, **kwargs: Any
) -> None:
    """A person's name or department is in the findings' explanations."""
    if created or not _reads_facts(update_fields, PERSON_FACTS):
        return  # someone new has no roles or ties yet: those trigger their own re-checks
    person_id = instance.pk
    _recheck_found_after_commit(
        f"person {person_id} changed",
        f"person:{person_id}",
        lambda: projects_for_people(person_ids=[person_id]),
    )


def _on_organisation_saved(
    sender: Any, instance: Organisation, created: bool, update_fields: Any = None, **kwargs: Any
) -> None:
    """Rules read an organisation's country and type (a steward's correction of a country
    changes findings even when its list matches stay the same)."""
    if created or not _reads_facts(update_fields, ORGANISATION_FACTS):
        return  # a new organisation has no ties yet
    org_id = instance.pk
    _recheck_found_after_commit(
        f"organisation {org_id} changed",
        f"organisation:{org_id}",
        lambda: projects_for_organisations(organisation_ids=[org_id]),
    )


def _on_portfolio_changed(sender: Any, project_ids: list[int], **kwargs: Any) -> None:
    if project_ids:
        recheck_request(trigger="portfolio import", scope_key="import", project_ids=project_ids)


def _on_field_tags_changed(sender: Any, project_ids: list[int], **kwargs: Any) -> None:
    recheck_request(
        trigger="field tag override",
        scope_key=scope_key_for("fields", map(str, sorted(project_ids))),
        project_ids=project_ids,
    )


def _on_field_tag_saved(sender: Any, instance: FieldTag, **kwargs: Any) -> None:
    """A tag edited one by one (the admin; the override service also announces its own, under
    the same scope key, so one run remains). Tagging writes in bulk and announces itself."""
    project_id = instance.project_id
    _request_after_commit("field tag changed", f"fields:{project_id}", project_ids=[project_id])


def _on_rescreened(sender: Any, organisation_ids: list[int], **kwargs: Any) -> None:
    project_ids = projects_for_organisations(organisation_ids=organisation_ids)
    if project_ids:
        recheck_request(
            trigger="list or organisation screening changed",
            scope_key="screening",
            project_ids=project_ids,
        )


def _on_match_rejected(sender: Any, match: Any, reason: str, user: Any, **kwargs: Any) -> None:
    """In the review's transaction: a rejection and its cleared findings commit together."""
    findings_clear_for_match(match=match, reason=reason, user=user)


def _on_scenario_changed(sender: Any, instance: ScenarioPack, **kwargs: Any) -> None:
    """A pack added to or removed from a scenario (removed: that pack's findings resolve)."""
    scenario_id = instance.scenario_id

    def request() -> None:
        code = Scenario.objects.filter(pk=scenario_id).values_list("code", flat=True).first()
        if code is not None:  # not when the scenario itself was deleted
            recheck_request(
                trigger=f"scenario {code} changed",
                scope_key=f"scenario:{code}",
                scenario_codes=[code],
            )

    transaction.on_commit(request)


def connect() -> None:
    from compliance import receivers_records

    receivers_records.connect()
    from compliance import receivers_items

    receivers_items.connect()
    rules_changed.connect(_on_rules_changed, dispatch_uid="compliance.rules_changed")
    portfolio_changed.connect(_on_portfolio_changed, dispatch_uid="compliance.portfolio")
    field_tags_changed.connect(_on_field_tags_changed, dispatch_uid="compliance.fields")
    organisations_rescreened.connect(_on_rescreened, dispatch_uid="compliance.rescreened")
    organisation_match_rejected.connect(_on_match_rejected, dispatch_uid="compliance.rejected")
    for model, handler in (
        (Project, _on_project_saved),
        (Role, _on_role_changed),
        (Tie, _on_tie_changed),
    ):
        post_save.connect(handler, sender=model, dispatch_uid=f"compliance.save.{model.__name__}")
        if model is not Project:  # a role or tie may move to another project or person
            pre_save.connect(
                _remember_placement, sender=model, dispatch_uid=f"compliance.pre.{model.__name__}"
            )
        if model is not Project:  # a deleted project's findings go with it
            post_delete.connect(
                handler, sender=model, dispatch_uid=f"compliance.del.{model.__name__}"
            )
    post_save.connect(_on_scenario_changed, sender=ScenarioPack, dispatch_uid="compliance.scenario")
    post_delete.connect(
        _on_scenario_changed, sender=ScenarioPack, dispatch_uid="compliance.scenario.del"
    )
    post_save.connect(_on_person_saved, sender=Person, dispatch_uid="compliance.save.Person")
    post_save.connect(_on_field_tag_saved, sender=FieldTag, dispatch_uid="compliance.save.FieldTag")
    post_save.connect(
        _on_organisation_saved, sender=Organisation, dispatch_uid="compliance.save.Organisation"
    )
