"""The API's JSON parser: bodies are bounded in size and nesting depth before they are parsed.

Python's json module recurses per nesting level, so a body 1,000 levels deep raised
RecursionError (a 500). This parser reads at most GRANTCHECK_JSON_MAX_BYTES, measures the
nesting with a linear scan, and answers anything over the limits with a 400 (ParseError).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json as drf_json

MSG_JSON_TOO_DEEP = "JSON nested too deeply"
MSG_JSON_TOO_BIG = "JSON body too large"
DEFAULT_MAX_DEPTH = 64
DEFAULT_MAX_BYTES = 2 * 1024 * 1024

_TOKENS = re.compile(r'[\[\]{}"\\]')


def json_max_depth() -> int:
    return int(getattr(settings, "GRANTCHECK_JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH))


def json_max_bytes() -> int:
    return int(getattr(settings, "GRANTCHECK_JSON_MAX_BYTES", DEFAULT_MAX_BYTES))


def json_depth_exceeds(text: str, limit: int) -> bool:
    """True when arrays/objects nest deeper than ``limit`` (brackets in strings don't count)."""
    depth = 0
    in_string = False
    escaped_at = -1
    for match in _TOKENS.finditer(text):
        pos = match.start()
        if pos == escaped_at:
            continue
        char = text[pos]
        if in_string:
            if char == "\\":
                escaped_at = pos + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


class LimitedJSONParser(JSONParser):
    """DRF's JSONParser with a size and a depth limit (both settings, sensible defaults)."""

    def parse(
        self,
        stream: IO[Any] | None,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        if stream is None:
            return None
        limit = json_max_bytes()
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise ParseError(f"{MSG_JSON_TOO_BIG}: the limit is {limit:,} bytes.")
        encoding = get_encoding(parser_context or {})
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - body is not {encoding}: {exc}") from exc
        depth = json_max_depth()
        if json_depth_exceeds(text, depth):
            raise ParseError(f"{MSG_JSON_TOO_DEEP}: at most {depth} levels of arrays and objects.")
        try:
            return drf_json.loads(
                text, parse_constant=drf_json.strict_constant if self.strict else None
            )
        except RecursionError as exc:  # a backstop: the scan above already bounds the depth
            raise ParseError(f"{MSG_JSON_TOO_DEEP}.") from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
