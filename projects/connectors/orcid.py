"""ORCID public records, API v3.0 (record XML or JSON; a file or a folder of them).

From the record's activities summary: employments, educations, invited positions,
distinctions and fundings, each with its organisation (name and address country), start and
end dates and put-code. They become ties through ``evidence.evidence_record`` (source
``orcid``; idempotent by put-code; disputes respected):

| ORCID section | tie kind |
|---|---|
| employments | employment |
| educations | education |
| invited positions | visiting_at |
| distinctions | award (talent_programme when it names a talent or recruitment programme) |
| fundings | funding |

A record is linked to a portfolio person by its ORCID iD only, never by name; a record
whose iD is nobody's in the portfolio is counted as unlinked. Entries at a home institution
(GRANTCHECK_HOME_INSTITUTIONS) are left out: they are the person's own job. XML is parsed
with defusedxml; a file that cannot be read is reported by name and skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import parse as xml_parse
from django.core.exceptions import ValidationError

from projects.connectors.affiliations import HEADS
from projects.connectors.evidence import EvidenceItem, evidence_record
from projects.connectors.linking import Linker, normalize_orcid
from projects.connectors.runs import RunReport, record_run
from projects.connectors.sources import files_in, opened
from projects.models import ImportRun, Person, TieEvidence
from projects.normalize import organisation_key
from projects.vocabulary import OrganisationType, TieSource

SUFFIXES = (".xml", ".json", ".xml.gz", ".json.gz")
ORCID_URL = "https://orcid.org/{orcid}"
SECTIONS: dict[str, str] = {
    "employment": "employment",
    "education": "education",
    "invited-position": "visiting_at",
    "distinction": "award",
    "funding": "funding",
}
_TALENT_RE = re.compile(r"\btalent|\brecruitment program|thousand (?:talents|young)", re.I)


class RecordError(ValueError):
    """A record this connector cannot read (the message says why)."""


@dataclass(frozen=True)
class Activity:
    section: str  # a key of SECTIONS
    put_code: str
    organisation: str
    country: str
    start: date | None
    end: date | None
    title: str


def _fuzzy(year: Any, month: Any, day: Any) -> date | None:
    try:
        y = int(str(year))
    except (TypeError, ValueError):
        return None
    try:
        m = int(str(month)) if month not in (None, "") else 1
        d = int(str(day)) if day not in (None, "") else 1
        return date(y, m, d)
    except (TypeError, ValueError):
        return date(y, 1, 1) if 1000 < y < 3000 else None


# -- XML ------------------------------------------------------------------------------------


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _child(element: Any, name: str) -> Any:
    return next((c for c in element if _local(c.tag) == name), None)


def _text(element: Any, *path: str) -> str:
    for name in path:
        if element is None:
            return ""
        element = _child(element, name)
    return (element.text or "").strip() if element is not None else ""


def _xml_date(element: Any) -> date | None:
    if element is None:
        return None
    return _fuzzy(_text(element, "year"), _text(element, "month"), _text(element, "day"))


def _xml_record(root: Any) -> tuple[str, list[Activity]]:
    orcid = ""
    ident = next((e for e in root.iter() if _local(e.tag) == "orcid-identifier"), None)
    if ident is not None:
        orcid = _text(ident, "path")
    orcid = orcid or str(root.get("path") or "").strip("/").split("/")[0]
    activities: list[Activity] = []
    for element in root.iter():
        name = _local(element.tag)
        section = name.removesuffix("-summary")
        if not name.endswith("-summary") or section not in SECTIONS:
            continue
        org = _child(element, "organization")
        title = _text(element, "role-title") or _text(element, "title", "title")
        activities.append(
            Activity(
                section=section,
                put_code=str(element.get("put-code") or ""),
                organisation=_text(org, "name"),
                country=_text(org, "address", "country").upper()[:2],
                start=_xml_date(_child(element, "start-date")),
                end=_xml_date(_child(element, "end-date")),
                title=title,
            )
        )
    return orcid, activities


# -- JSON -----------------------------------------------------------------------------------


def _value(node: Any) -> Any:
    return node.get("value") if isinstance(node, dict) else node


def _json_date(node: Any) -> date | None:
    if not isinstance(node, dict):
        return None
    return _fuzzy(_value(node.get("year")), _value(node.get("month")), _value(node.get("day")))


def _json_summaries(node: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every "<section>-summary" object anywhere under node."""
    if isinstance(node, dict):
        for key, value in node.items():
            section = key.removesuffix("-summary")
            if key.endswith("-summary") and section in SECTIONS:
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, dict):
                        yield section, item
            else:
                yield from _json_summaries(value)
    elif isinstance(node, list):
        for item in node:
            yield from _json_summaries(item)


def _json_record(data: Any) -> tuple[str, list[Activity]]:
    if not isinstance(data, dict):
        raise RecordError("not a JSON object")
    orcid = str((data.get("orcid-identifier") or {}).get("path") or data.get("path") or "")
    activities = []
    for section, item in _json_summaries(data.get("activities-summary") or {}):
        org = item.get("organization") or {}
        title_node = item.get("title")
        title = str(_value(item.get("role-title")) or "")
        if not title and isinstance(title_node, dict):
            title = str(_value(title_node.get("title")) or "")
        activities.append(
            Activity(
                section=section,
                put_code=str(item.get("put-code") or ""),
                organisation=str(org.get("name") or "").strip(),
                country=str(_value((org.get("address") or {}).get("country")) or "").upper()[:2],
                start=_json_date(item.get("start-date")),
                end=_json_date(item.get("end-date")),
                title=title,
            )
        )
    return orcid, activities


def read_record(path: Path) -> tuple[str, list[Activity]]:
    """(ORCID iD, activities) of one record file."""
    with opened(path) as handle:
        if path.name.lower().removesuffix(".gz").endswith(".json"):
            try:
                return _json_record(json.load(handle))
            except ValueError as exc:
                raise RecordError(f"not ORCID record JSON: {exc}") from exc
        try:
            return _xml_record(xml_parse(handle).getroot())
        except (ParseError, DefusedXmlException) as exc:
            raise RecordError(f"not ORCID record XML: {exc}") from exc


def _org_type(name: str, kind: str) -> str:
    if kind == "talent_programme":
        return OrganisationType.PROGRAMME
    words = organisation_key(name).split()
    return next((t for head, t in HEADS if head in words), OrganisationType.OTHER)


def activity_item(person: Person, orcid: str, activity: Activity) -> EvidenceItem:
    kind = SECTIONS[activity.section]
    if kind == "award" and _TALENT_RE.search(f"{activity.organisation} {activity.title}"):
        kind = "talent_programme"
    return EvidenceItem(
        person=person,
        organisation=activity.organisation[:500],
        country=activity.country,
        org_type=_org_type(activity.organisation, kind),
        kind=kind,
        source=TieSource.ORCID,
        item_key=f"orcid:{orcid}:{activity.section}:{activity.put_code or activity.organisation}",
        role=TieEvidence.Role.RECORD,
        link_method="orcid",
        confidence=1.0,
        title=(activity.title or activity.section.replace("-", " "))[:500],
        url=ORCID_URL.format(orcid=orcid),
        start=activity.start,
        end=activity.end,
        affiliation=activity.organisation,
    )


def record_import(path: Path, linker: Linker, report: RunReport) -> None:
    try:
        raw_orcid, activities = read_record(path)
    except (RecordError, OSError, EOFError, UnicodeDecodeError) as exc:
        report.reject(path.name, str(exc))
        return
    report.count("records")
    orcid = normalize_orcid(raw_orcid)
    if not orcid:
        report.reject(path.name, "the record has no ORCID iD")
        return
    person = linker.by_orcid.get(orcid)
    if person is None:
        report.count("unlinked")
        return
    report.count("linked")
    for activity in activities:
        if not activity.organisation:
            report.reject(f"{path.name} {activity.section} {activity.put_code}", "no organisation")
            continue
        org_key = f" {organisation_key(activity.organisation)} "
        if any(f" {key} " in org_key for key in linker.home if key):
            report.count("home")
            continue
        try:
            outcome = evidence_record(activity_item(person, orcid, activity))
        except ValidationError as exc:
            item = f"{path.name} {activity.section} {activity.put_code}"
            report.reject(item, "; ".join(exc.messages))
            continue
        report.count(outcome)


def import_orcid(path: str | Path, *, user: Any = None, home: list[str] | None = None) -> RunReport:
    """Import ORCID record files (XML or JSON); one ImportRun records what it did."""
    with record_run(ImportRun.Connector.ORCID, str(path), user=user) as report:
        linker = Linker.build(extra_home=home)
        for file in files_in(path, SUFFIXES):
            report.count("files")
            record_import(file, linker, report)
    return report
