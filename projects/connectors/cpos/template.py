"""The structure of SciENcv's simple CPOS upload template, and a validator of our own for it.

SciENcv publishes no XSD for its Data Ingest (XML upload) of the CPOS common form; the
structure below follows its simple upload template as documented for NIH/NSF users
(docs/cpos.md): a bare ``<profile>`` with ``<identification>``, ``<employment>`` and
``<funding>`` in that order; each ``<support>`` with its children in a fixed order, text
limits, ``contributiontype`` award/inkind, ``supporttype`` current/pending, ``YYYY-MM-DD``
dates and ``<personmonth year="YYYY">`` rows.

The validator walks a parsed tree (``xml.etree`` elements from defusedxml) and returns every
problem with the entry it belongs to, so an import can reject one entry and keep the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.etree.ElementTree import Element

ROOT = "profile"
TOP_ORDER = ("identification", "employment", "funding")
IDENTIFICATION_ORDER = ("id", "account", "name")
NAME_ORDER = ("firstname", "middlename", "lastname")
POSITION_ORDER = ("positiontitle", "organization", "startdate", "enddate")
ORGANIZATION_ORDER = ("orgname", "city", "stateorprovince", "country")
SUPPORT_ORDER = (
    "projecttitle",
    "awardnumber",
    "supportsource",
    "location",
    "contributiontype",
    "awardamount",
    "inkinddescription",
    "overallobjectives",
    "potentialoverlap",
    "startdate",
    "enddate",
    "supporttype",
    "commitment",
)
# Longest text SciENcv takes per support field (characters); awardamount: digits.
SUPPORT_LIMITS = {
    "projecttitle": 300,
    "awardnumber": 50,
    "supportsource": 60,
    "location": 60,
    "inkinddescription": 500,
    "overallobjectives": 1500,
    "potentialoverlap": 5000,
}
AWARD_AMOUNT_DIGITS = 13
CONTRIBUTION_TYPES = ("award", "inkind")
SUPPORT_TYPES = ("current", "pending")

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
YEAR_RE = re.compile(r"^\d{4}$")
DIGITS_RE = re.compile(r"^\d+$")
NUMBER_RE = re.compile(r"^\d+(\.\d+)?$|^\.\d+$")


@dataclass(frozen=True)
class Problem:
    """One departure from the template. ``entry`` is ``position[i]`` or ``support[i]``
    (1-based) for a problem inside one entry, blank for one that concerns the whole file."""

    entry: str
    message: str

    def __str__(self) -> str:
        return f"{self.entry}: {self.message}" if self.entry else self.message


def text(element: Element | None) -> str:
    if element is None or element.text is None:
        return ""
    return element.text.strip()


def _children_in_order(parent: Element, order: tuple[str, ...], entry: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: list[str] = []
    last = -1
    for child in parent:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag not in order:
            problems.append(Problem(entry, f"<{tag}> is not allowed in <{parent.tag}>"))
            continue
        if tag in seen:
            problems.append(Problem(entry, f"<{tag}> appears more than once in <{parent.tag}>"))
        seen.append(tag)
        position = order.index(tag)
        if position < last:
            problems.append(
                Problem(entry, f"<{parent.tag}> children must be in the order {', '.join(order)}")
            )
        last = max(last, position)
    return problems


def _date(value: str) -> bool:
    from datetime import date

    if not DATE_RE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def validate_position(position: Element, entry: str) -> list[Problem]:
    problems = _children_in_order(position, POSITION_ORDER, entry)
    organization = position.find("organization")
    if organization is None or not text(organization.find("orgname")):
        problems.append(Problem(entry, "<organization><orgname> is missing or empty"))
    else:
        problems += _children_in_order(organization, ORGANIZATION_ORDER, entry)
    for tag in ("startdate", "enddate"):
        holder = position.find(tag)
        if holder is None:
            continue
        year = text(holder.find("year"))
        if not YEAR_RE.match(year):
            problems.append(Problem(entry, f"<{tag}><year> must be a 4-digit year, not {year!r}"))
    start, end = text(position.find("startdate/year")), text(position.find("enddate/year"))
    if YEAR_RE.match(start) and YEAR_RE.match(end) and end < start:
        problems.append(Problem(entry, f"ends ({end}) before it starts ({start})"))
    return problems


def validate_support(support: Element, entry: str) -> list[Problem]:
    problems = _children_in_order(support, SUPPORT_ORDER, entry)
    kind = text(support.find("contributiontype"))
    if kind not in CONTRIBUTION_TYPES:
        problems.append(Problem(entry, f"<contributiontype> must be award or inkind, not {kind!r}"))
    status = text(support.find("supporttype"))
    if status and status not in SUPPORT_TYPES:
        problems.append(Problem(entry, f"<supporttype> must be current or pending, not {status!r}"))
    for tag, limit in SUPPORT_LIMITS.items():
        value = text(support.find(tag))
        if len(value) > limit:
            message = f"<{tag}> has {len(value)} characters (at most {limit})"
            problems.append(Problem(entry, message))
    amount = text(support.find("awardamount"))
    if amount and (not DIGITS_RE.match(amount) or len(amount) > AWARD_AMOUNT_DIGITS):
        problems.append(
            Problem(entry, f"<awardamount> must be whole dollars, 13 digits at most: {amount!r}")
        )
    dates = {}
    for tag in ("startdate", "enddate"):
        value = text(support.find(tag))
        if value and not _date(value):
            problems.append(Problem(entry, f"<{tag}> must be a date YYYY-MM-DD, not {value!r}"))
        elif value:
            dates[tag] = value
    if len(dates) == 2 and dates["enddate"] < dates["startdate"]:
        problems.append(Problem(entry, "<enddate> is before <startdate>"))
    if kind == "award" and not text(support.find("supportsource")):
        problems.append(Problem(entry, "<supportsource> (the sponsor) is missing or empty"))
    if kind == "inkind":
        if not text(support.find("supportsource")):
            problems.append(Problem(entry, "<supportsource> (who gives it) is missing or empty"))
        for tag in ("projecttitle", "location"):
            if text(support.find(tag)):
                problems.append(Problem(entry, f"an in-kind entry's <{tag}> must be empty"))
    commitment = support.find("commitment")
    if commitment is None:
        problems.append(Problem(entry, "<commitment> is missing"))
    else:
        for child in commitment:
            if child.tag != "personmonth":
                problems.append(Problem(entry, f"<{child.tag}> is not allowed in <commitment>"))
                continue
            year = (child.get("year") or "").strip()
            if not YEAR_RE.match(year):
                problems.append(Problem(entry, f"<personmonth> year must be YYYY, not {year!r}"))
            value = text(child)
            if value and (not NUMBER_RE.match(value) or float(value) > 12):
                problems.append(
                    Problem(entry, f"<personmonth year={year!r}> must be 0 to 12, not {value!r}")
                )
    return problems


def cpos_validate(root: Element) -> list[Problem]:
    """Every way the document departs from the simple upload template (empty: it conforms)."""
    if root.tag != ROOT:
        return [Problem("", f"the root element must be <profile>, not <{root.tag}>")]
    problems: list[Problem] = []
    if root.attrib:
        names = ", ".join(sorted(root.attrib))
        problems.append(Problem("", f"<profile> takes no attributes in an upload (found {names})"))
    problems += _children_in_order(root, TOP_ORDER, "")
    if root.find("funding") is None:
        problems.append(Problem("", "<funding> is missing"))
    identification = root.find("identification")
    if identification is not None:
        problems += _children_in_order(identification, IDENTIFICATION_ORDER, "")
        name = identification.find("name")
        if name is not None:
            problems += _children_in_order(name, NAME_ORDER, "")
    for group, tag, check in (
        ("employment", "position", validate_position),
        ("funding", "support", validate_support),
    ):
        holder = root.find(group)
        if holder is None:
            continue
        for i, child in enumerate(holder, start=1):
            if child.tag != tag:
                problems.append(Problem("", f"<{child.tag}> is not allowed in <{group}>"))
                continue
            problems += check(child, f"{tag}[{i}]")
    return problems
