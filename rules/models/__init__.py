from rules.models.lists import (
    CuratedAlias,
    ListEntry,
    ListVersion,
    OrganisationMatch,
    OrganisationMatchReview,
    ReferenceList,
    ScreeningRun,
)
from rules.models.rulepacks import (
    PackParameter,
    Rule,
    RulePack,
    RuleVersion,
    Scenario,
    ScenarioPack,
)

__all__ = [
    "CuratedAlias",
    "ListEntry",
    "ListVersion",
    "OrganisationMatch",
    "OrganisationMatchReview",
    "PackParameter",
    "ReferenceList",
    "Rule",
    "RulePack",
    "RuleVersion",
    "Scenario",
    "ScenarioPack",
    "ScreeningRun",
]
