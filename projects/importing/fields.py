"""Cell parsers for the import format. Each returns a value or raises CellError(reason)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django_countries import countries

from projects.models.portfolio import MSG_DISCLOSED_IN_FUTURE, MSG_DISCLOSED_ON_WITHOUT_DOCUMENT
from projects.validators import normalize_orcid, validate_orcid
from projects.vocabulary import (
    DISCLOSURE_DOCUMENTS,
    TIE_KINDS,
    ProjectStatus,
    RoleKind,
    Sponsor,
    TieSource,
)


class CellError(ValueError):
    pass


TRUE = {"true", "yes", "y", "1"}
FALSE = {"false", "no", "n", "0"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _slug(value: str) -> str:
    return re.sub(r"[\s\-/]+", "_", value.strip().lower())


def _choice(value: str, allowed: dict[str, str], what: str) -> str:
    key = _slug(value)
    if key in allowed:
        return allowed[key]
    raise CellError(
        f"unknown {what} {value!r}; expected one of {', '.join(sorted(set(allowed.values())))}"
    )


_SPONSORS = {_slug(s.value): s.value for s in Sponsor} | {_slug(s.label): s.value for s in Sponsor}
_SPONSORS |= {"dow": Sponsor.DOD.value}  # "Department of War" naming used by DoD since 2025
_STATUSES = {s.value: s.value for s in ProjectStatus} | {"award": "active"}
_ROLES = {r.value: r.value for r in RoleKind} | {
    "copi": "co_pi",
    "senior": "senior_key",
    "key": "senior_key",
    "key_personnel": "senior_key",
    "senior_personnel": "senior_key",
    "principal_investigator": "pi",
}
_KINDS = {k: k for k in TIE_KINDS}
_SOURCES = {s.value: s.value for s in TieSource}


def required(value: str) -> str:
    if not value:
        raise CellError("is required")
    return value


def parse_sponsor(value: str) -> str:
    return _choice(required(value), _SPONSORS, "sponsor")


def parse_status(value: str) -> str:
    return _choice(required(value), _STATUSES, "status")


def parse_role(value: str) -> str:
    return _choice(required(value), _ROLES, "role")


def parse_kind(value: str) -> str:
    return _choice(required(value), _KINDS, "tie kind")


def parse_source(value: str) -> str:
    if not value:
        return TieSource.SELF_DISCLOSED.value
    return _choice(value, _SOURCES, "source")


def parse_date(value: str, *, is_required: bool = False) -> date | None:
    if not value:
        if is_required:
            raise CellError("is required")
        return None
    if not _ISO_DATE.match(value):
        raise CellError(f"bad date {value!r}; expected YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CellError(f"bad date {value!r}: {exc}") from exc


def parse_bool(value: str, *, default: bool | None = None) -> bool:
    word = value.strip().lower()
    if not word:
        if default is None:
            raise CellError("is required (true or false)")
        return default
    if word in TRUE:
        return True
    if word in FALSE:
        return False
    raise CellError(f"bad boolean {value!r}; expected true or false")


def parse_amount(value: str) -> Decimal:
    cleaned = required(value).replace(",", "").replace("$", "").strip()
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as exc:
        raise CellError(f"bad amount {value!r}; expected a number of US dollars") from exc
    if not amount.is_finite():
        raise CellError(f"bad amount {value!r}")
    if amount < 0:
        raise CellError(f"amount {value!r} is negative")
    if amount != amount.quantize(Decimal("0.01")):
        raise CellError(f"amount {value!r} has more than 2 decimal places")
    if amount >= Decimal("1e12"):
        raise CellError(f"amount {value!r} is too large")
    return amount.quantize(Decimal("0.01"))


def parse_email(value: str) -> str:
    email = required(value).lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise CellError(f"bad e-mail address {value!r}") from exc
    return email


def parse_orcid(value: str) -> str:
    if not value:
        return ""
    orcid = normalize_orcid(value)
    try:
        validate_orcid(orcid)
    except ValidationError as exc:
        raise CellError(f"{exc.messages[0]} ({value!r})") from exc
    return orcid


def parse_country(value: str) -> str:
    if not value:
        return ""
    if len(value) == 2 and value.upper() in dict(countries):
        return value.upper()
    code = countries.by_name(value)
    if code:
        return str(code)
    aliases = {
        "usa": "US",
        "united states": "US",
        "uk": "GB",
        "russia": "RU",
        "iran": "IR",
        "north korea": "KP",
        "south korea": "KR",
        "taiwan": "TW",
        "hong kong": "HK",
    }
    if value.strip().lower() in aliases:
        return aliases[value.strip().lower()]
    raise CellError(f"unknown country {value!r}; use an ISO 3166 alpha-2 code such as CN")


def parse_disclosed_in(value: str) -> list[str]:
    docs: list[str] = []
    for part in value.split(";"):
        item = _slug(part)
        if not item or item == "none":
            continue
        if item not in DISCLOSURE_DOCUMENTS:
            raise CellError(
                f"unknown disclosure document {part.strip()!r}; expected any of "
                f"{', '.join(DISCLOSURE_DOCUMENTS)}"
            )
        if item not in docs:
            docs.append(item)
    return sorted(docs)


def disclosure_date_problem(values: dict[str, Any]) -> str | None:
    """Why a tie row's ``disclosed_on`` cannot stand (the same checks as ``Tie.clean``)."""
    when = values.get("disclosed_on")
    if when is None:
        return None
    if not values.get("disclosed_in"):
        return MSG_DISCLOSED_ON_WITHOUT_DOCUMENT
    if when > timezone.localdate():
        return MSG_DISCLOSED_IN_FUTURE
    return None


def parse_text(value: str, *, max_length: int, is_required: bool = False) -> str:
    if is_required:
        required(value)
    if len(value) > max_length:
        raise CellError(f"is longer than {max_length} characters")
    return value


_CODE = re.compile(r"^[A-Z]{2,8}:[A-Z]{2,4}:[A-Za-z0-9._-]{1,32}$")


def parse_code_list(value: str) -> list[str]:
    """Sponsor programme codes, `;`-separated: NSF:DIR:MPS;NSF:PE:1281;NIH:IC:NCI."""
    codes: list[str] = []
    for part in value.split(";"):
        code = part.strip()
        if not code:
            continue
        if not _CODE.match(code):
            raise CellError(
                f"bad programme code {code!r}; expected AGENCY:KIND:CODE like NSF:PE:1281"
            )
        if code not in codes:
            codes.append(code)
    return codes
