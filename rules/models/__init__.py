from rules.models.lists import (
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
