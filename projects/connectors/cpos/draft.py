"""A person's CPOS draft as pages and the API hand it out: the XML, its file name, and the
entries it holds (for the page's preview)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from projects.connectors.cpos.build import cpos_entries, cpos_xml
from projects.connectors.cpos.read import CposDocument, parse_xml
from projects.connectors.cpos.template import Problem, cpos_validate
from projects.models import Person

CONTENT_TYPE = "application/xml; charset=utf-8"


@dataclass
class CposDraft:
    person: Person
    as_of: date
    document: CposDocument
    xml: bytes
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def file_name(self) -> str:
        slug = re.sub(r"[^A-Za-z0-9]+", "-", self.person.name).strip("-").lower() or "person"
        return f"cpos-draft-{slug}-{self.as_of.isoformat()}.xml"


def cpos_draft(person: Person, *, as_of: date | None = None) -> CposDraft:
    """Build the draft and check it against the template (problems listed, never hidden)."""
    day = as_of or timezone.localdate()
    document = cpos_entries(person, as_of=day)
    data = cpos_xml(document)
    return CposDraft(person, day, document, data, cpos_validate(parse_xml(data)))
