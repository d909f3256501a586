"""Controlled vocabularies of the portfolio model.

Tie kinds are a registry (kind -> description): choices, the import format and
docs/import-format.md are derived from it, so adding a kind is one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class Sponsor(models.TextChoices):
    NSF = "NSF", "National Science Foundation"
    NIH = "NIH", "National Institutes of Health"
    DOD = "DOD", "Department of Defense"
    DOE = "DOE", "Department of Energy"
    NASA = "NASA", "NASA"
    USDA = "USDA", "Department of Agriculture"
    OTHER_FEDERAL = "OTHER_FEDERAL", "Other federal"
    NON_FEDERAL = "NON_FEDERAL", "Non-federal"


FEDERAL_SPONSORS = frozenset(s.value for s in Sponsor if s != Sponsor.NON_FEDERAL)


class ProjectStatus(models.TextChoices):
    PROPOSAL = "proposal", "Proposal"
    ACTIVE = "active", "Active award"
    CLOSED = "closed", "Closed award"


class RoleKind(models.TextChoices):
    PI = "pi", "PI"
    CO_PI = "co_pi", "Co-PI"
    SENIOR_KEY = "senior_key", "Senior / key personnel"
    OTHER = "other", "Other"


KEY_ROLES = frozenset({RoleKind.PI, RoleKind.CO_PI, RoleKind.SENIOR_KEY})


class TieSource(models.TextChoices):
    SELF_DISCLOSED = "self_disclosed", "Self-disclosed"
    PUBLICATION = "publication", "Publication import"
    HR_FEED = "hr_feed", "HR feed"
    REVIEWER = "reviewer", "Added by a reviewer"
    ORCID = "orcid", "ORCID record"


class OrganisationType(models.TextChoices):
    UNIVERSITY = "university", "University"
    RESEARCH_INSTITUTE = "research_institute", "Research institute / lab"
    COMPANY = "company", "Company"
    GOVERNMENT = "government", "Government agency"
    MILITARY = "military", "Military"
    PROGRAMME = "programme", "Talent or funding programme"
    NONPROFIT = "nonprofit", "Non-profit / foundation"
    OTHER = "other", "Other"


@dataclass(frozen=True)
class TieKind:
    code: str
    label: str
    description: str


TIE_KINDS: dict[str, TieKind] = {
    k.code: k
    for k in (
        TieKind("appointment", "Appointment", "Paid, unpaid, honorary or adjunct position"),
        TieKind("employment", "Employment", "Employed by the organisation"),
        TieKind("coauthorship", "Co-authorship", "Co-authored a publication with its staff"),
        TieKind("joint_research", "Joint research", "Research collaboration or joint project"),
        TieKind("funding", "Funding received", "Research funding from the organisation"),
        TieKind("in_kind", "In-kind support", "Staff, space, materials or data given in kind"),
        TieKind("talent_programme", "Talent programme", "Participation in a talent programme"),
        TieKind(
            "visiting_scholar_hosted",
            "Visiting scholar hosted",
            "Hosted a visiting scholar from the organisation",
        ),
        TieKind("visiting_at", "Visiting appointment", "Visiting position at the organisation"),
        TieKind(
            "student_cosupervision",
            "Student co-supervision",
            "Co-supervises students with the organisation",
        ),
        TieKind("advisory", "Advisory role", "Advisory board or committee membership"),
        TieKind("consulting", "Consulting", "Consulting for the organisation"),
        TieKind("data_sharing", "Data sharing", "Data or material exchange agreement"),
        TieKind("joint_lab", "Joint laboratory", "Joint lab or centre with the organisation"),
        TieKind("equipment", "Equipment", "Equipment bought from or provided by it"),
        TieKind("patent", "Patent", "Patent filed or licensed with the organisation"),
        TieKind("travel", "Travel", "Travel paid for by the organisation"),
        TieKind("education", "Education", "Studied or trained at the organisation"),
        TieKind("award", "Award or distinction", "An award, prize or honour it conferred"),
    )
}
TIE_KIND_CHOICES = [(k.code, k.label) for k in TIE_KINDS.values()]


# Where a tie was disclosed (documents a sponsor asks for).
DISCLOSURE_DOCUMENTS: dict[str, str] = {
    "biosketch": "Biographical sketch (NSF, NIH, DOE, DoD, NASA)",
    # The SciENcv CPOS common form (NSF, NIH) is this document: `import_cpos` records it here.
    "current_pending": (
        "Current and pending (other) support, incl. the SciENcv CPOS common form "
        "(NSF, NIH, DOE, DoD, NASA)"
    ),
    "other_support": "NIH Other Support",
    "rppr": "Research performance progress report",
    "foreign_component": "NIH foreign component",
    "coi": "Institutional conflict of interest / commitment disclosure",
    "institutional": "Institutional outside-activity disclosure",
}
