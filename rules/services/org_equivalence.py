""" "The same organisation after screening": organisations the screening matched to the same
list entry (an accepted match, not rejected by a reviewer). Registered with
projects.connectors.evidence at start-up, so that evidence found in a paper under one spelling
("Harbin Inst. of Technology") meets the tie a PI recorded under another.

An organisation not screened yet (just created by an import; screening runs after the commit)
is screened by name here, without storing anything.
"""

from __future__ import annotations

from collections import defaultdict

from projects.models import Organisation
from rules.models import OrganisationMatch
from rules.services.screening import names_screen


def _stored_entries(org_ids: list[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    rows = (
        OrganisationMatch.objects.filter(
            organisation_id__in=org_ids, active=True, decision=OrganisationMatch.Decision.ACCEPT
        )
        .exclude(review_status=OrganisationMatch.Review.REJECTED)
        .values_list("organisation_id", "entry_id")
    )
    for org_id, entry_id in rows:
        found[org_id].add(entry_id)
    return found


def same_entry_organisations(org_ids: list[int]) -> dict[int, set[int]]:
    """For each organisation: the other organisations matched to one of its list entries."""
    entries = _stored_entries(org_ids)
    unscreened = [pk for pk in org_ids if pk not in entries]
    if unscreened:
        screened = set(
            OrganisationMatch.objects.filter(organisation_id__in=unscreened).values_list(
                "organisation_id", flat=True
            )
        )
        names = dict(
            Organisation.objects.filter(
                pk__in=[p for p in unscreened if p not in screened]
            ).values_list("pk", "name")
        )
        for (pk, _name), result in zip(
            names.items(), names_screen(names=names.values()), strict=True
        ):
            entries[pk] = {m["entry_id"] for m in result["matches"] if m["decision"] == "accept"}
    out: dict[int, set[int]] = {}
    for org_id in org_ids:
        ids = entries.get(org_id) or set()
        if not ids:
            out[org_id] = set()
            continue
        out[org_id] = set(
            OrganisationMatch.objects.filter(
                entry_id__in=ids, active=True, decision=OrganisationMatch.Decision.ACCEPT
            )
            .exclude(review_status=OrganisationMatch.Review.REJECTED)
            .values_list("organisation_id", flat=True)
        )
    return out
