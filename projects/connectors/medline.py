"""PubMed MEDLINE citation XML (``MedlineCitationSet``; .xml or .xml.gz; a file or a folder).

Parsed with defusedxml (no entity expansion, no external references), one citation at a time
so a whole baseline file never sits in memory. Per author: LastName, ForeName (or Initials),
an ORCID ``Identifier`` and every ``AffiliationInfo/Affiliation``. The paper's date is its
``PubDate`` (``MedlineDate`` "2015 Oct-Dec" reads as October 2015), its link the PubMed page.
A file that is not well-formed XML is reported by name and skipped; what it held before the
error is kept.

Data: the MEDLINE/PubMed citation records are courtesy of the U.S. National Library of Medicine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from projects.connectors.linking import Author, Linker
from projects.connectors.publications import Paper, paper_record
from projects.connectors.runs import RunReport, record_run
from projects.connectors.sources import files_in, opened
from projects.models import ImportRun

SUFFIXES = (".xml", ".xml.gz")
PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
_YEAR_RE = re.compile(r"\b(\d{4})\b")


def _month(text: str | None) -> int:
    if not text:
        return 1
    text = text.strip()
    if text.isdigit():
        return min(max(int(text), 1), 12)
    return MONTHS.get(text[:3].lower(), 1)


def _date(element: Any) -> date | None:
    if element is None:
        return None
    year = element.findtext("Year")
    if year and year.strip().isdigit():
        month = _month(element.findtext("Month"))
        day_text = (element.findtext("Day") or "1").strip()
        day = int(day_text) if day_text.isdigit() else 1
        try:
            return date(int(year), month, day)
        except ValueError:
            return date(int(year), month, 1)
    medline = element.findtext("MedlineDate") or ""
    found = _YEAR_RE.search(medline)
    if found:
        rest = medline[found.end() :].strip()
        return date(int(found.group(1)), _month(rest.split("-")[0] if rest else None), 1)
    return None


def _author(element: Any) -> Author | None:
    surname = (element.findtext("LastName") or "").strip()
    if not surname:
        return None  # a collective name ("... Study Group"): no person to link
    given = (element.findtext("ForeName") or element.findtext("Initials") or "").strip()
    orcid = ""
    for ident in element.findall("Identifier"):
        if (ident.get("Source") or "").upper() == "ORCID" and ident.text:
            orcid = ident.text.strip()
    affiliations = tuple(
        " ".join(a.text.split())
        for a in element.findall("AffiliationInfo/Affiliation")
        if a.text and a.text.strip()
    )
    return Author(surname=surname, given=given, orcid=orcid, affiliations=affiliations)


def citation_paper(citation: Any) -> Paper | None:
    pmid = (citation.findtext("PMID") or "").strip()
    article = citation.find("Article")
    if not pmid or article is None:
        return None
    published = _date(article.find("Journal/JournalIssue/PubDate"))
    if published is None:
        published = _date(article.find("ArticleDate")) or _date(citation.find("DateCreated"))
    title = (
        " ".join("".join(article.find("ArticleTitle").itertext()).split())
        if (article.find("ArticleTitle") is not None)
        else ""
    )
    authors = tuple(
        a for a in (_author(e) for e in article.findall("AuthorList/Author")) if a is not None
    )
    return Paper(
        key=f"pmid:{pmid}",
        title=title,
        url=PUBMED_URL.format(pmid=pmid),
        published_on=published,
        authors=authors,
    )


def medline_papers(handle: IO[bytes]) -> Iterator[Paper]:
    """Papers of one MEDLINE XML stream, one citation at a time (parse errors propagate)."""
    for _event, element in iterparse(handle, events=("end",)):
        if element.tag in ("MedlineCitation",):
            paper = citation_paper(element)
            element.clear()
            if paper is not None:
                yield paper


def import_medline(
    path: str | Path, *, user: Any = None, home: list[str] | None = None
) -> RunReport:
    """Import a MEDLINE XML file or folder; one ImportRun records what it did."""
    with record_run(ImportRun.Connector.MEDLINE_XML, str(path), user=user) as report:
        linker = Linker.build(extra_home=home)
        for file in files_in(path, SUFFIXES):
            report.count("files")
            try:
                with opened(file) as handle:
                    for paper in medline_papers(handle):
                        paper_record(paper, linker, report)
            except (ParseError, DefusedXmlException, OSError, EOFError) as exc:
                report.reject(file.name, f"not readable MEDLINE XML: {exc}")
    return report
