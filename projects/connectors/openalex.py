"""OpenAlex works as JSON Lines (one work per line; .jsonl or .jsonl.gz; a file or a folder).

Read per work (OpenAlex's published work schema): ``id`` ("https://openalex.org/W…"),
``doi``, ``title`` (or ``display_name``), ``publication_date`` (or ``publication_year``) and
``authorships``: each with ``author.display_name`` and ``author.orcid``, ``institutions``
(``display_name``, ``country_code``, ``type``, ``ror``) and ``raw_affiliation_strings``. An
author's institutions are taken as OpenAlex identified them; the raw strings serve for
linking by affiliation and when no institution was identified. A line that is not a JSON
object, or a work without an id, is rejected with its line number; the rest is imported.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

from projects.connectors.linking import Author, Linker
from projects.connectors.publications import Paper, paper_record
from projects.connectors.runs import RunReport, record_run
from projects.connectors.sources import files_in, opened
from projects.models import ImportRun
from projects.vocabulary import OrganisationType

SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson")
# OpenAlex institution types -> ours.
TYPES = {
    "education": OrganisationType.UNIVERSITY,
    "facility": OrganisationType.RESEARCH_INSTITUTE,
    "government": OrganisationType.GOVERNMENT,
    "company": OrganisationType.COMPANY,
    "nonprofit": OrganisationType.NONPROFIT,
    "funder": OrganisationType.NONPROFIT,
}


class WorkError(ValueError):
    """A work this connector cannot read (the message says why)."""


def _date(work: dict[str, Any]) -> date | None:
    text = work.get("publication_date")
    if isinstance(text, str):
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            pass
    year = work.get("publication_year")
    return date(year, 1, 1) if isinstance(year, int) and 1000 < year < 3000 else None


def _split(display_name: str) -> tuple[str, str]:
    words = display_name.split()
    if not words:
        return "", ""
    return words[-1], " ".join(words[:-1])


def _author(authorship: dict[str, Any]) -> Author | None:
    person = authorship.get("author") or {}
    surname, given = _split(str(person.get("display_name") or ""))
    if not surname:
        return None
    institutions = tuple(
        (
            str(inst.get("display_name") or "").strip(),
            str(inst.get("country_code") or "").upper()[:2],
            TYPES.get(str(inst.get("type") or ""), OrganisationType.OTHER),
        )
        for inst in authorship.get("institutions") or []
        if isinstance(inst, dict) and str(inst.get("display_name") or "").strip()
    )
    raw = authorship.get("raw_affiliation_strings") or []
    if isinstance(authorship.get("raw_affiliation_string"), str):
        raw = [*raw, authorship["raw_affiliation_string"]]
    return Author(
        surname=surname,
        given=given,
        orcid=str(person.get("orcid") or ""),
        affiliations=tuple(str(r) for r in raw if str(r).strip()),
        institutions=institutions,
    )


def work_paper(work: Any) -> Paper:
    if not isinstance(work, dict):
        raise WorkError("not a JSON object")
    work_id = str(work.get("id") or "").rstrip("/").rsplit("/", 1)[-1]
    if not work_id:
        raise WorkError("the work has no id")
    authorships = work.get("authorships") or []
    if not isinstance(authorships, list):
        raise WorkError("authorships is not a list")
    authors = tuple(
        a for a in (_author(x) for x in authorships if isinstance(x, dict)) if a is not None
    )
    return Paper(
        key=f"openalex:{work_id}",
        title=str(work.get("title") or work.get("display_name") or "")[:500],
        url=str(work.get("doi") or work.get("id") or "")[:500],
        published_on=_date(work),
        authors=authors,
    )


def openalex_works(handle: IO[bytes], name: str, report: RunReport) -> Iterator[Paper]:
    for number, raw in enumerate(handle, start=1):
        line = raw.strip()
        if not line:
            continue
        try:
            yield work_paper(json.loads(line))
        except (ValueError, WorkError) as exc:  # json.JSONDecodeError is a ValueError
            report.reject(f"{name} line {number}", f"not an OpenAlex work: {exc}")


def import_openalex(
    path: str | Path, *, user: Any = None, home: list[str] | None = None
) -> RunReport:
    """Import OpenAlex works (JSON Lines); one ImportRun records what it did."""
    with record_run(ImportRun.Connector.OPENALEX_JSONL, str(path), user=user) as report:
        linker = Linker.build(extra_home=home)
        for file in files_in(path, SUFFIXES):
            report.count("files")
            try:
                with opened(file) as handle:
                    for paper in openalex_works(handle, file.name, report):
                        paper_record(paper, linker, report)
            except (OSError, EOFError, UnicodeDecodeError) as exc:
                report.reject(file.name, f"not readable: {exc}")
    return report
