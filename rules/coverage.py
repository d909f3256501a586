"""Which reference lists each published rule reads, and which rules cannot fire because none
of the lists they need is loaded (a rule that needs EL never fires without an EL edition,
and nothing else would say so)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Max

from rules.engine.analysis import referenced_lists, required_lists
from rules.models import PackParameter, ReferenceList, RuleVersion

MSG_CANT_FIRE = "can't fire: {lists} not loaded"


@dataclass(frozen=True)
class RuleLists:
    rule: str
    title: str
    reads: tuple[str, ...]  # every list code the condition reads
    missing: tuple[str, ...]  # of those, the lists with no loaded edition
    cant_fire: bool  # the rule needs one of its lists and none is loaded

    @property
    def message(self) -> str:
        return MSG_CANT_FIRE.format(lists=", ".join(self.missing)) if self.cant_fire else ""


def lists_loaded() -> set[str]:
    """Codes of lists whose newest edition holds at least one entry."""
    loaded: set[str] = set()
    newest = ReferenceList.objects.annotate(last=Max("versions__imported_at"))
    for ref in newest.filter(last__isnull=False):
        version = ref.versions.order_by("-imported_at", "-pk").first()
        if version is not None and version.entry_count > 0:
            loaded.add(ref.code)
    return loaded


def rule_lists() -> dict[str, RuleLists]:
    """Per published rule (by key): the lists it reads and whether it can fire."""
    params = dict(PackParameter.objects.values_list("name", "value"))
    loaded = lists_loaded()
    out: dict[str, RuleLists] = {}
    published = RuleVersion.objects.filter(status=RuleVersion.Status.PUBLISHED).select_related(
        "rule"
    )
    for version in published.order_by("rule__key"):
        condition = version.content.get("condition") if isinstance(version.content, dict) else None
        reads = referenced_lists(version.content, params)  # severity_when may read lists too
        required = required_lists(condition, params)
        out[version.rule.key] = RuleLists(
            rule=version.rule.key,
            title=version.rule.title,
            reads=tuple(sorted(reads)),
            missing=tuple(sorted(reads - loaded)),
            cant_fire=required is not None and not (required & loaded),
        )
    return out


def rules_cannot_fire() -> list[RuleLists]:
    return [r for r in rule_lists().values() if r.cant_fire]
