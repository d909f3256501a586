"""Labelled field-tagging sets: NSF award sample rows and split files -> ProjectText + labels.

Used by the model builder (rules/fields/build_model.py) and bench/fields_eval.py; no Django.
A split file (tests/data/fields_tune.csv, tests/data/fields_test_frozen.csv) has the columns
id, source, areas, note, sponsor, programme_codes, title, abstract: rows with source "nsf2017"
take their text from the NSF award sample by id, "written" rows carry their own text.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from rules.fields.nsf import nsf_programme_codes
from rules.fields.tagger import ProjectText

SAMPLE_COLUMNS = (
    "AwardID",
    "AwardTitle",
    "AbstractNarration",
    "Directorate",
    "Division",
    "ProgramElementCodes",
    "ProgramElementTexts",
    "ProgramReferenceCodes",
)
SPLIT_COLUMNS = ("id", "source", "areas", "note", "sponsor", "programme_codes", "title", "abstract")
SOURCE_NSF = "nsf2017"
SOURCE_WRITTEN = "written"


class DatasetError(ValueError):
    """A labelled set or the award sample is missing or malformed (the message says where)."""


@dataclass(frozen=True)
class Labelled:
    """One labelled project: its id, what the tagger reads, and the gold CET areas."""

    id: str
    project: ProjectText
    areas: frozenset[str]


def read_sample(path: Path) -> dict[str, ProjectText]:
    """NSF award sample CSV -> ProjectText by AwardID (PI names and contacts are not read)."""
    if not path.is_file():
        raise DatasetError(f"award sample not found: {path}")
    projects: dict[str, ProjectText] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in SAMPLE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DatasetError(f"{path} lacks columns {', '.join(missing)}")
        for row in reader:
            projects[row["AwardID"].strip()] = ProjectText(
                sponsor="NSF",
                title=row["AwardTitle"],
                abstract=row["AbstractNarration"],
                programme=row["ProgramElementTexts"],
                programme_codes=nsf_programme_codes(
                    row["Directorate"],
                    row["Division"],
                    row["ProgramElementCodes"],
                    row["ProgramReferenceCodes"],
                ),
            )
    return projects


def _areas(value: str, known: set[str], where: str) -> frozenset[str]:
    areas = frozenset(a.strip() for a in (value or "").split(";") if a.strip())
    unknown = areas - known
    if unknown:
        raise DatasetError(f"{where}: unknown area(s) {', '.join(sorted(unknown))}")
    return areas


def read_split(path: Path, sample: dict[str, ProjectText], known: set[str]) -> list[Labelled]:
    """Rows of a split file as Labelled projects, in file order."""
    if not path.is_file():
        raise DatasetError(f"labelled split not found: {path}")
    rows: list[Labelled] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != SPLIT_COLUMNS:
            raise DatasetError(f"{path} needs columns {','.join(SPLIT_COLUMNS)}")
        for line, row in enumerate(reader, start=2):
            where = f"{path}:{line}"
            areas = _areas(row["areas"], known, where)
            if row["source"] == SOURCE_NSF:
                project = sample.get(row["id"].strip())
                if project is None:
                    raise DatasetError(f"{where}: award {row['id']} is not in the sample")
            elif row["source"] == SOURCE_WRITTEN:
                codes = tuple(c for c in row["programme_codes"].split(";") if c.strip())
                project = ProjectText(
                    sponsor=row["sponsor"],
                    title=row["title"],
                    abstract=row["abstract"],
                    programme_codes=codes,
                )
            else:
                raise DatasetError(f"{where}: unknown source {row['source']!r}")
            rows.append(Labelled(id=row["id"].strip(), project=project, areas=areas))
    if not rows:
        raise DatasetError(f"{path} has no labelled rows")
    return rows
