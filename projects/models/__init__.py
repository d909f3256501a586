"""Portfolio data, one module per topic; import models from here (``projects.models``).

- ``portfolio``: organisations, people, projects, roles, ties and field tags;
- ``person_records``: a person's research-security training, covered international travel and
  annual MFTRP certifications per award;
- ``imports``: a record of each run of a data connector (NSF awards, publications, ORCID, CPOS);
- ``evidence``: what publications and ORCID records show about a tie, and disputes of it;
- ``equipment``: equipment items on a project and their manufacturer (R08);
- ``structure``: a project's foreign subawards and foreign components (R14);
- ``patents``: patent filings, the office a patent tie was filed in (R10);
- ``institution``: our own university, its units, agreements and certified research-security
  programme elements (R11, R19).

No field in this package records ethnicity, national origin or citizenship of a person:
rules key on ties to organisations, sponsors, fields, dates and disclosure.
"""

from projects.models.equipment import EquipmentItem
from projects.models.evidence import EvidenceDispute, TieEvidence
from projects.models.imports import ImportRun
from projects.models.institution import (
    InstitutionAgreement,
    InstitutionProfile,
    InstitutionUnit,
    ProgrammeElement,
)
from projects.models.patents import PATENT_OFFICES, PatentFiling
from projects.models.person_records import MftrpCertification, TrainingRecord, TravelRecord
from projects.models.portfolio import (
    MSG_DISCLOSED_IN_FUTURE,
    MSG_DISCLOSED_ON_WITHOUT_DOCUMENT,
    FieldTag,
    Organisation,
    Person,
    Project,
    Role,
    Tie,
    TimeStamped,
)
from projects.models.structure import ForeignComponent

__all__ = [
    "MSG_DISCLOSED_IN_FUTURE",
    "MSG_DISCLOSED_ON_WITHOUT_DOCUMENT",
    "PATENT_OFFICES",
    "EquipmentItem",
    "EvidenceDispute",
    "FieldTag",
    "ForeignComponent",
    "ImportRun",
    "InstitutionAgreement",
    "InstitutionProfile",
    "InstitutionUnit",
    "MftrpCertification",
    "Organisation",
    "PatentFiling",
    "Person",
    "ProgrammeElement",
    "Project",
    "Role",
    "Tie",
    "TieEvidence",
    "TimeStamped",
    "TrainingRecord",
    "TravelRecord",
]
