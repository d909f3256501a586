"""Template filters for human labels: {% load labels %} then ``{{ p.sponsor|sponsor }}``,
``{{ amount|usd }}``, ``{{ tag|field_tag }}``, ``{{ match|match_outcome }}``,
``{{ finding.scenario|scenario }}``, ``{{ match.entry|listing }}`` (see compliance.labels)."""

from __future__ import annotations

from typing import Any

from django import template

from compliance import labels
from projects.models import FieldTag
from projects.vocabulary import DISCLOSURE_DOCUMENTS
from rules.models import ListEntry, OrganisationMatch, Scenario

register = template.Library()


@register.filter
def sponsor(code: str) -> str:
    return labels.sponsor_label(code)


@register.filter
def usd(amount: Any) -> str:
    return labels.usd(amount)


@register.filter
def field_tag(tag: FieldTag) -> str:
    return labels.field_tag_label(tag)


@register.filter
def match_outcome(match: OrganisationMatch) -> str:
    return labels.match_outcome(match)


@register.filter
def scenario(value: Scenario) -> str:
    return labels.scenario_label(value)


@register.filter
def choice(value: Any, choices_owner: Any) -> str:
    """``{{ finding|choice:"status" }}``: the display label of a model field with choices."""
    display = getattr(value, f"get_{choices_owner}_display", None)
    return str(display()) if callable(display) else str(getattr(value, choices_owner, ""))


@register.filter
def disclosure_documents(codes: Any) -> str:
    """``{{ tie.disclosed_in|disclosure_documents }}``: where a tie was disclosed, in words."""
    return "; ".join(DISCLOSURE_DOCUMENTS.get(code, code) for code in codes or [])


@register.filter
def listing(entry: ListEntry) -> str:
    """``{{ match.entry|listing }}``: "current (listed 2021-06-03)" or "delisted on ..."."""
    return labels.listing_label(entry)
