from compliance.audit.models import AuditEvent
from compliance.models.findings import (
    Finding,
    FindingDecision,
    RecheckChunk,
    RecheckRun,
    ReportExport,
)
from compliance.models.portal import (
    Attestation,
    FindingComment,
    Notification,
    NotificationPreference,
)

__all__ = [
    "Attestation",
    "AuditEvent",
    "Finding",
    "FindingComment",
    "FindingDecision",
    "Notification",
    "NotificationPreference",
    "RecheckChunk",
    "RecheckRun",
    "ReportExport",
]
