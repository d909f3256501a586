"""The fact vocabulary of the condition language and its types.

Facts are read from plain dicts, one per namespace (project, field, person, role, tie,
org, match). Which namespaces exist depends on the scope a condition is evaluated in:
project scope always; person and role inside a quantifier over people or ties; tie and
org inside a quantifier over ties; match inside a quantifier over a tie's list matches.
"""

from __future__ import annotations

from enum import Enum


class T(Enum):
    STR = "text"
    NUM = "number"
    BOOL = "boolean"
    DATE = "date"  # may be empty (unknown / ongoing)
    SET = "set of text"


class Scope(Enum):
    PROJECT = "project"
    PERSON = "person"
    TIE = "tie"
    MATCH = "match"
    TRIP = "trip"  # inside a quantifier over a person's trips (a branch of person scope)
    ITEM = "item"  # inside a quantifier over a project's items (rules.engine.items)


# Namespace -> the scope that makes it available.
NAMESPACE_SCOPE: dict[str, Scope] = {
    "project": Scope.PROJECT,
    "field": Scope.PROJECT,
    "records": Scope.PROJECT,
    "person": Scope.PERSON,
    "role": Scope.PERSON,
    "tie": Scope.TIE,
    "org": Scope.TIE,
    "match": Scope.MATCH,
    "trip": Scope.TRIP,
    "institution": Scope.PROJECT,
    "equipment": Scope.ITEM,
    "component": Scope.ITEM,
    "patent": Scope.ITEM,
    "agreement": Scope.ITEM,
}

FACTS: dict[str, tuple[T, str]] = {
    "project.id": (T.NUM, "database id"),
    "project.sponsor": (T.STR, "NSF, NIH, DOD, DOE, NASA, USDA, OTHER_FEDERAL, NON_FEDERAL"),
    "project.programme": (T.STR, "programme, mechanism or activity code"),
    "project.award_number": (T.STR, "sponsor's award or proposal number"),
    "project.title": (T.STR, "title"),
    "project.status": (T.STR, "proposal, active, closed"),
    "project.amount_usd": (T.NUM, "amount in US dollars"),
    "project.start_date": (T.DATE, "start of the project period"),
    "project.end_date": (T.DATE, "end of the project period"),
    "project.department": (T.STR, "department"),
    "project.fundamental_research": (T.BOOL, "fundamental research (yes/no)"),
    "field.tags": (T.SET, "CET 2024 area codes tagged on the project (confidence at threshold)"),
    "field.sensitive": (T.BOOL, "the project has at least one sensitive-field tag"),
    "records.training": (T.BOOL, "the portfolio holds research-security training records"),
    "records.certifications": (T.BOOL, "the portfolio holds MFTRP certification records"),
    "records.travel": (T.BOOL, "the portfolio holds covered international travel records"),
    "person.id": (T.NUM, "database id"),
    "person.name": (T.STR, "name"),
    "person.department": (T.STR, "department"),
    "person.training_on": (
        T.DATE,
        "date of the person's latest research-security training; empty if none is recorded",
    ),
    "person.training_course": (T.STR, "course of that latest training"),
    "role.role": (T.STR, "pi, co_pi, senior_key, other; empty when not on the project"),
    "role.is_key": (T.BOOL, "PI, co-PI or senior/key personnel on this project"),
    "role.joined_on": (T.DATE, "when the person joined this award; empty if not recorded"),
    "role.certified_on": (
        T.DATE,
        "latest MFTRP certification of the person on this award; empty if none is recorded",
    ),
    "tie.id": (T.NUM, "database id"),
    "tie.kind": (T.STR, "tie kind (docs/import-format.md)"),
    "tie.start_date": (T.DATE, "start of the tie"),
    "tie.end_date": (T.DATE, "end of the tie; empty while ongoing"),
    "tie.ongoing": (T.BOOL, "no end date, or an end date after the evaluation date"),
    "tie.compensated": (T.BOOL, "paid or otherwise compensated"),
    "tie.source": (T.STR, "self_disclosed, publication, hr_feed, reviewer, orcid"),
    "tie.disclosed_in": (T.SET, "documents the tie was disclosed in"),
    "tie.disclosed": (T.BOOL, "disclosed in at least one document"),
    "tie.project_scoped": (T.BOOL, "the tie is part of this project's work"),
    "org.id": (T.NUM, "database id"),
    "org.name": (T.STR, "organisation name as written"),
    "org.country": (T.STR, "ISO 3166 alpha-2"),
    "org.type": (T.STR, "university, research_institute, company, government, military, ..."),
    "match.list": (T.STR, "list code: DOD1286, DOD1260H, EL, MEU, UVL, DPL, SDN, CMIC, ..."),
    "match.score": (T.NUM, "screening score in [0, 1]"),
    "match.decision": (T.STR, "accept or review"),
    "match.confirmed": (T.BOOL, "a reviewer confirmed the match"),
    "match.method": (T.STR, "exact, alias, fuzzy"),
    "match.listed_on": (T.DATE, "date the entry was listed"),
    "match.delisted_on": (T.DATE, "date the entry was delisted; empty if still listed"),
    "match.entry_name": (T.STR, "the list entry's primary name"),
    "match.rating": (T.STR, "advisory lists: the entry's rating (e.g. Very high, High)"),
    "trip.id": (T.NUM, "database id of the travel record"),
    "trip.country": (T.STR, "destination country of the trip, ISO 3166 alpha-2"),
    "trip.departed_on": (T.DATE, "departure date"),
    "trip.returned_on": (T.DATE, "return date; empty if not known"),
    "trip.preauthorised": (T.BOOL, "the institution pre-authorised the trip"),
    "trip.preauthorised_on": (T.DATE, "date of the pre-authorisation; empty if none"),
    "trip.reference": (T.STR, "pre-authorisation reference"),
    "trip.purpose": (T.STR, "purpose of the trip"),
    "institution.name": (T.STR, "our own institution's name"),
    "institution.federal_rd_avg_usd": (T.NUM, "federal R&D, 3-year average, US dollars"),
    "institution.programme_elements": (T.SET, "certified research-security programme elements"),
    "equipment.id": (T.NUM, "database id"),
    "equipment.description": (T.STR, "what the item is"),
    "equipment.model": (T.STR, "model"),
    "equipment.manufacturer": (T.STR, "manufacturer name (its organisation is org.*)"),
    "equipment.acquired_on": (T.DATE, "date acquired"),
    "component.id": (T.NUM, "database id"),
    "component.kind": (T.STR, "subaward or component"),
    "component.organisation": (T.STR, "the foreign performer"),
    "component.country": (T.STR, "ISO 3166 alpha-2 of the place of performance"),
    "component.activity_code": (T.STR, "NIH activity code"),
    "component.due_date": (T.DATE, "application due date"),
    "patent.id": (T.NUM, "database id"),
    "patent.tie_id": (T.NUM, "the patent tie's id"),
    "patent.jurisdiction": (T.STR, "patent office: ISO alpha-2, EP, WO, EA, AP, OA"),
    "patent.application_number": (T.STR, "application number"),
    "patent.filing_date": (T.DATE, "filing date"),
    "patent.disclosed": (T.BOOL, "disclosed in at least one document"),
    "patent.disclosed_in": (T.SET, "documents the filing was disclosed in"),
    "agreement.id": (T.NUM, "database id"),
    "agreement.kind": (T.STR, "confucius_institute, confucius_classroom, joint_institute, ..."),
    "agreement.counterpart": (T.STR, "the other party"),
    "agreement.counterpart_country": (T.STR, "ISO 3166 alpha-2"),
    "agreement.unit": (T.STR, "our unit that signed or hosts it (empty: the university)"),
    "agreement.start_date": (T.DATE, "start"),
    "agreement.end_date": (T.DATE, "end; empty while in force"),
    "agreement.in_force": (T.BOOL, "started and not ended on the evaluation date"),
}

# Item domains: a project's items other than ties. Each binds its namespace, plus `org` (and
# the organisation's list matches, for `listed`) and `person` where noted.
# name -> (namespace, other namespaces it binds, doc)
ITEM_DOMAINS: dict[str, tuple[str, frozenset[str], str]] = {
    "equipment": ("equipment", frozenset({"org"}), "equipment items on the project"),
    "components": ("component", frozenset(), "foreign subawards and components of the project"),
    "patents": (
        "patent",
        frozenset({"org", "person"}),
        "patent filings of key people and those scoped to the project",
    ),
    "agreements": ("agreement", frozenset(), "our institution's agreements"),
}

# Quantifier domains: name -> (scope required, scope inside)
DOMAINS: dict[str, tuple[Scope, Scope, str]] = {
    "people": (Scope.PROJECT, Scope.PERSON, "people with a role on the project"),
    "key_people": (Scope.PROJECT, Scope.PERSON, "PI, co-PIs and senior/key personnel"),
    "ties": (Scope.PROJECT, Scope.TIE, "ties of the project's people and ties scoped to it"),
    "key_ties": (Scope.PROJECT, Scope.TIE, "ties of key people and ties scoped to the project"),
    "project_ties": (Scope.PROJECT, Scope.TIE, "ties recorded as part of this project"),
    "person_ties": (Scope.PERSON, Scope.TIE, "ties of the person in scope"),
    "matches": (Scope.TIE, Scope.MATCH, "list matches of the tie's organisation"),
    "person_trips": (Scope.PERSON, Scope.TRIP, "covered international trips of the person"),
    **{name: (Scope.PROJECT, Scope.ITEM, doc) for name, (_ns, _o, doc) in ITEM_DOMAINS.items()},
}

# for_each: what one finding is about.
SUBJECTS: dict[str, Scope] = {
    "project": Scope.PROJECT,
    "people": Scope.PERSON,
    "key_people": Scope.PERSON,
    "ties": Scope.TIE,
    "key_ties": Scope.TIE,
    "project_ties": Scope.TIE,
    **dict.fromkeys(ITEM_DOMAINS, Scope.ITEM),
}

SEVERITIES = ("info", "low", "medium", "high", "block")
ERROR_SEVERITY = "error"
MEMBERSHIP_WHEN = ("during_tie", "now", "either")
