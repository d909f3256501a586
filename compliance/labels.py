"""Human labels for the codes users would otherwise see: scenarios, sponsors, field tags,
statuses, name-match outcomes, and dollar amounts.

Templates use them through the ``labels`` template library (compliance.templatetags.labels);
exports and views call them directly. Labels come from the models' choices, the scenarios'
names and the field taxonomy, so a new code gets a label where its vocabulary is defined.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Final

from projects.models import FieldTag
from projects.vocabulary import Sponsor
from rules.models import ListEntry, OrganisationMatch, Scenario

#: Heading of the base scenario on a PI's pages (what applies now).
TODAY: Final = "Today"
#: Heading of a proposed-law scenario: a forecast, not something to fix now.
FORECAST: Final = "If {bill} passes"
_BILL_SEPARATOR: Final = " + "
TAG_METHODS: Final = {
    "programme_code": "from the sponsor's programme code",
    "text": "from the title and abstract",
    "reviewer": "set by a reviewer",
}


def scenario_bill(name: str) -> str:
    """The bill a scenario adds to current obligations ("Current obligations + S.2755" ->
    "S.2755"); a name without the separator is returned whole."""
    return name.split(_BILL_SEPARATOR, 1)[1] if _BILL_SEPARATOR in name else name


def scenario_base_code(scenarios: Iterable[Scenario] | None = None) -> str | None:
    """The scenario that holds today's obligations: the first in scenario order."""
    if scenarios is not None:
        ordered = sorted(scenarios, key=lambda s: (s.position, s.code))
        return ordered[0].code if ordered else None
    return Scenario.objects.order_by("position", "code").values_list("code", flat=True).first()


def scenario_label(scenario: Scenario, *, base_code: str | None = None, today: str = "") -> str:
    """ "If <bill> passes" for a forecast scenario; the base scenario keeps its name, or
    ``today`` when given (the PI's pages say "Today")."""
    base = base_code if base_code is not None else scenario_base_code()
    if scenario.code == base:
        return today or scenario.name
    return FORECAST.format(bill=scenario_bill(scenario.name))


def scenario_labels(*, today: str = "") -> dict[str, str]:
    """Code -> label for every scenario (one query)."""
    scenarios = list(Scenario.objects.all())
    base = scenario_base_code(scenarios)
    return {s.code: scenario_label(s, base_code=base, today=today) for s in scenarios}


def choice_label(choices: Any, value: Any) -> str:
    """The label of ``value`` in a TextChoices class (the value itself when unknown)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return "" if value is None else str(value)


def sponsor_label(code: str) -> str:
    return choice_label(Sponsor, code)


def area_label(code: str) -> str:
    """The CET area's name ("communications_networking" -> "Integrated Communication and
    Networking Technologies")."""
    from rules.services.fields import taxonomy  # reads the taxonomy file once

    names = {area.code: area.name for area in taxonomy().areas}
    return names.get(code, code.replace("_", " "))


def field_tag_label(tag: FieldTag) -> str:
    """ "Integrated Communication and Networking Technologies (confidence 89%, from the title
    and abstract)"."""
    method = TAG_METHODS.get(tag.method, tag.method.replace("_", " "))
    return f"{area_label(tag.area)} (confidence {tag.confidence:.0%}, {method})"


def usd(amount: Any, *, cents: bool = False) -> str:
    """Dollars with thousands separators and the currency: "$5,862,000" ("$5,862,000.50"
    when the amount has cents or ``cents`` is set); "" for no amount."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    if not value.is_finite():
        return str(amount)
    value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    value = abs(value)
    if cents or value != value.to_integral_value():
        return f"{sign}${value:,.2f}"
    return f"{sign}${value:,.0f}"


def match_outcome(match: OrganisationMatch) -> str:
    """What happened to a name match, in words ("accepted automatically: exact name")."""
    methods: dict[str, str] = {
        OrganisationMatch.Method.EXACT.value: "exact name",
        OrganisationMatch.Method.ALIAS.value: "a listed alias",
        OrganisationMatch.Method.FUZZY.value: "similar spelling",
    }
    method = methods.get(str(match.method), str(match.method))
    if match.review_status == OrganisationMatch.Review.CONFIRMED:
        return f"confirmed by a reviewer (matched on {method})"
    if match.review_status == OrganisationMatch.Review.REJECTED:
        return "rejected by a reviewer: not the same organisation"
    if match.decision == OrganisationMatch.Decision.ACCEPT:
        return f"accepted automatically (matched on {method}); no review needed"
    return f"awaiting a reviewer (matched on {method}, below the auto-accept score)"


def listing_label(entry: ListEntry) -> str:
    """Whether a list entry is current or delisted, with its dates, in words."""
    status = entry.listing_status
    listed = f"listed {entry.listed_on:%Y-%m-%d}" if entry.listed_on else ""
    if status == "delisted":
        text = f"delisted on {entry.delisted_on:%Y-%m-%d}"
        return f"{text} ({listed})" if listed else text
    if status == "not yet listed":
        return f"not yet listed (from {entry.listed_on:%Y-%m-%d})"
    return f"current ({listed})" if listed else "current"
