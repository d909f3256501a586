"""Portfolio data, one module per topic; import models from here (``projects.models``).

- ``portfolio``: organisations, people, projects, roles, ties and field tags;
- ``person_records``: a person's research-security training, covered international travel and
  annual MFTRP certifications per award;
- ``imports``: a record of each run of a data connector (NSF awards, publications, ORCID, CPOS);
- ``evidence``: what publications and ORCID records show about a tie, and disputes of it.

No field in this package records ethnicity, national origin or citizenship of a person:
rules key on ties to organisations, sponsors, fields, dates and disclosure.
"""

from projects.models.evidence import EvidenceDispute, TieEvidence
from projects.models.imports import ImportRun
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

__all__ = [
    "MSG_DISCLOSED_IN_FUTURE",
    "MSG_DISCLOSED_ON_WITHOUT_DOCUMENT",
    "EvidenceDispute",
    "FieldTag",
    "ImportRun",
    "MftrpCertification",
    "Organisation",
    "Person",
    "Project",
    "Role",
    "Tie",
    "TieEvidence",
    "TimeStamped",
    "TrainingRecord",
    "TravelRecord",
]
