"""Papers → evidence: link authors to portfolio people, then record what each paper shows.

For each author linked to a person (projects.connectors.linking):

- each of the person's own affiliations on the paper that is not a home institution is
  evidence of an **appointment** there (a second affiliation; a tie the person recorded there
  receives it as confirmation);
- each co-author's institution (not one of the person's own on that paper, not one they are
  known to work at) is evidence of **co-authorship** with it: collaboration, not appointment.

Every institution becomes an organisation (created once; the screening flow screens each new
one after the commit, rules.receivers), and the evidence goes through
``evidence.evidence_record`` (idempotent, disputes respected). A person linked on no known
affiliation at all (by ORCID iD, with no home institution configured and no recorded
employment) has their first affiliation on the paper taken as their home.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError

from projects.connectors.affiliations import Institution, institutions_of
from projects.connectors.evidence import EvidenceItem, evidence_record
from projects.connectors.linking import Author, Link, Linker
from projects.connectors.runs import RunReport
from projects.models import TieEvidence
from projects.vocabulary import TieSource


@dataclass(frozen=True)
class Paper:
    key: str  # "pmid:17942999", "openalex:W2741809807"
    title: str
    url: str
    published_on: date | None
    authors: tuple[Author, ...] = field(default_factory=tuple)


def author_institutions(author: Author) -> list[tuple[Institution, str]]:
    """The author's institutions with the text each came from: as the source identified
    them when it did (OpenAlex), else parsed from the affiliation strings (MEDLINE)."""
    if author.institutions:
        return [
            (Institution(name[:500], country, kind), name)
            for name, country, kind in author.institutions
        ]
    return [(inst, text) for text in author.affiliations for inst in institutions_of([text])]


def _own_and_others(
    paper: Paper, index: int, link: Link, linker: Linker
) -> tuple[list[tuple[Institution, str]], list[tuple[Institution, str]]]:
    """(the person's unknown own institutions, co-authors' institutions), each with the
    affiliation text it came from."""
    author = paper.authors[index]
    own_all = author_institutions(author)
    known_any = bool(linker.known_keys(link.person))
    # Not the home institution: a recorded tie there still receives the evidence (confirmed)
    own_unknown = [(inst, text) for inst, text in own_all if not linker.is_home(text)]
    if not known_any and own_unknown and len(own_unknown) == len(own_all):
        own_unknown = own_unknown[1:]  # nothing known about them: the first is their home
    own_keys = {inst.key for inst, _ in own_all}
    others: list[tuple[Institution, str]] = []
    seen: set[str] = set()
    for j, coauthor in enumerate(paper.authors):
        if j == index:
            continue
        for inst, text in author_institutions(coauthor):
            if inst.key in own_keys or inst.key in seen:
                continue
            if linker.is_known(link.person, inst.name):
                continue
            seen.add(inst.key)
            others.append((inst, text))
    return own_unknown, others


def paper_record(paper: Paper, linker: Linker, report: RunReport) -> None:
    """Record one paper's evidence for every linked author; problems are reported by item."""
    report.count("papers")
    for index, author in enumerate(paper.authors):
        link = linker.link(author)
        if link is None:
            continue
        report.count("authors_linked")
        report.count(f"linked_by_{link.method}")
        own, others = _own_and_others(paper, index, link, linker)
        items = [
            (inst, text, "appointment", TieEvidence.Role.OWN_AFFILIATION) for inst, text in own
        ] + [(inst, text, "coauthorship", TieEvidence.Role.COAUTHOR) for inst, text in others]
        for inst, text, kind, role in items:
            item = EvidenceItem(
                person=link.person,
                organisation=inst.name,
                country=inst.country,
                org_type=inst.type,
                kind=kind,
                source=TieSource.PUBLICATION,
                item_key=paper.key,
                role=role,
                link_method=link.method,
                confidence=link.confidence,
                title=paper.title,
                url=paper.url,
                start=paper.published_on,
                end=paper.published_on,
                affiliation=text,
            )
            try:
                outcome = evidence_record(item)
            except ValidationError as exc:
                report.reject(f"{paper.key} ({inst.name})", "; ".join(exc.messages))
                continue
            report.count(outcome)
