"""Field validators. Messages are module constants so tests can check them."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

ORCID_FORMAT = "ORCID iD must look like 0000-0002-1825-0097"
ORCID_CHECKSUM = "ORCID iD checksum digit is wrong"

_ORCID_RE = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")


def orcid_check_digit(base_digits: str) -> str:
    """ISO 7064 MOD 11-2 check character over the first 15 digits."""
    total = 0
    for ch in base_digits:
        total = (total + int(ch)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def validate_orcid(value: str) -> None:
    if not value:
        return
    if not _ORCID_RE.match(value):
        raise ValidationError(ORCID_FORMAT, code="orcid_format")
    digits = value.replace("-", "")
    if orcid_check_digit(digits[:15]) != digits[15]:
        raise ValidationError(ORCID_CHECKSUM, code="orcid_checksum")


def normalize_orcid(value: str) -> str:
    """Accept the https://orcid.org/ form and lower-case x."""
    value = value.strip()
    for prefix in ("https://orcid.org/", "http://orcid.org/", "orcid.org/"):
        if value.lower().startswith(prefix):
            value = value[len(prefix) :]
    return value.upper()
