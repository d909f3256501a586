"""Pure parsers for restricted-party lists (no Django).

Formats (``PARSERS`` keys):

* ``csl-csv`` / ``csl-json``: trade.gov Consolidated Screening List; one list per CSL source.
* ``ofac-sdn``: OFAC legacy CSV set (a directory holding sdn.csv, alt.csv, add.csv).
* ``grantcheck-yaml``: our curated lists and alias table in ``seeds/lists/``.
* ``advisory-csv``: advisory counterpart ratings (name, aliases, rating, source, licence note).

Every parser raises :class:`ListFormatError` (path, line, field, message) on malformed input.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rules.lists.parsers.advisory import parse_advisory_csv
from rules.lists.parsers.base import (
    ALIAS_KINDS,
    ENTITY_TYPES,
    ListFormatError,
    ListMeta,
    ParsedAlias,
    ParsedEntry,
    ParseResult,
    slugify,
)
from rules.lists.parsers.countries import country_code
from rules.lists.parsers.csl import CSL_SOURCES, parse_csl_csv, parse_csl_json, source_code
from rules.lists.parsers.ofac import parse_ofac_sdn
from rules.lists.parsers.yaml_lists import (
    ALIAS_FILE_NAME,
    AliasRow,
    apply_alias_table,
    load_alias_table,
    parse_grantcheck_yaml,
)

PARSERS: dict[str, Callable[[Path], ParseResult]] = {
    "csl-csv": parse_csl_csv,
    "csl-json": parse_csl_json,
    "ofac-sdn": parse_ofac_sdn,
    "grantcheck-yaml": parse_grantcheck_yaml,
    "advisory-csv": parse_advisory_csv,
}


def parse_list(fmt: str, path: Path) -> ParseResult:
    """Parse ``path`` with the parser registered for ``fmt``."""
    try:
        parser = PARSERS[fmt]
    except KeyError:
        known = ", ".join(sorted(PARSERS))
        raise ValueError(f"unknown list format {fmt!r}; known formats: {known}") from None
    return parser(Path(path))


__all__ = [
    "ALIAS_FILE_NAME",
    "ALIAS_KINDS",
    "CSL_SOURCES",
    "ENTITY_TYPES",
    "PARSERS",
    "AliasRow",
    "ListFormatError",
    "ListMeta",
    "ParseResult",
    "ParsedAlias",
    "ParsedEntry",
    "apply_alias_table",
    "country_code",
    "load_alias_table",
    "parse_list",
    "slugify",
    "source_code",
]
