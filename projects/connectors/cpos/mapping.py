"""How CPOS entries and grantcheck's ties correspond (both directions; docs/cpos.md).

- ``<employment><position>``: a tie of a position kind (appointment, employment, visiting
  appointment, advisory role); a new one is an appointment.
- ``<support>`` with ``contributiontype`` award: a project of the person's in the portfolio
  (same award number), else a tie of a support kind (funding, talent programme,
  consulting); a new one is funding from the organisation named in ``supportsource``.
- ``<support>`` with ``contributiontype`` inkind: a tie of an in-kind kind (in-kind support,
  equipment, data sharing, visiting scholar hosted, joint laboratory); a new one is in-kind.

The CPOS common form is the current and pending (other) support document of NSF and NIH:
an imported entry is recorded as disclosed in ``current_pending``, which the rules already
read as a disclosure in current and pending / other support (R15). The file it came from is
on the import run; the CPOS fields with no column of their own (position title, award
number, project title, amount, person-months) are kept in the tie's notes, one ``CPOS
<field>: <value>`` line each, and written back into the draft.
"""

from __future__ import annotations

import re

from django_countries import countries

CPOS_DOCUMENT = "current_pending"
POSITION_KINDS = ("appointment", "employment", "visiting_at", "advisory")
AWARD_KINDS = ("funding", "talent_programme", "consulting")
INKIND_KINDS = ("in_kind", "equipment", "data_sharing", "visiting_scholar_hosted", "joint_lab")
NEW_POSITION_KIND, NEW_AWARD_KIND, NEW_INKIND_KIND = "appointment", "funding", "in_kind"

NOTE_PREFIX = "CPOS "
NOTE_POSITION_TITLE = "position title"
NOTE_PROJECT_TITLE = "project title"
NOTE_AWARD_NUMBER = "award number"
NOTE_AMOUNT = "amount"
NOTE_INKIND = "in-kind description"
NOTE_PERSON_MONTHS = "person-months"
_NOTE_LINE = re.compile(r"^CPOS ([a-z -]+): (.*)$")
# Characters XML 1.0 cannot carry (C0 controls but tab, newline, return; surrogates; FFFE/F).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def note_fields(notes: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in notes.splitlines():
        match = _NOTE_LINE.match(line.strip())
        if match:
            fields[match.group(1)] = match.group(2).strip()
    return fields


def notes_with(notes: str, fields: dict[str, str]) -> str:
    """The notes with these CPOS lines set (others kept as they are)."""
    kept = [line for line in notes.splitlines() if not _NOTE_LINE.match(line.strip())]
    added = [f"{NOTE_PREFIX}{key}: {value}" for key, value in fields.items() if value]
    return "\n".join([*kept, *added]).strip()


def xml_text(value: str, limit: int | None = None) -> str:
    """Text an upload can carry: no characters XML forbids, one line, within the limit."""
    cleaned = " ".join(_NOT_XML.sub(" ", value).split())
    if limit is not None and len(cleaned) > limit:
        cleaned = cleaned[:limit].rstrip()
    return cleaned


def country_code(value: str) -> str:
    """ISO 3166-1 alpha-2 for a CPOS country (alpha-2, alpha-3 or English name), or blank."""
    value = value.strip()
    if not value:
        return ""
    upper = value.upper()
    if len(upper) == 2 and upper in dict(countries):
        return upper
    if len(upper) == 3:
        code = countries.alpha2(upper)
        if code:
            return str(code)
    return str(countries.by_name(value, insensitive=True) or "")


def country_alpha3(code: str) -> str:
    return str(countries.alpha3(code) or "") if code else ""
