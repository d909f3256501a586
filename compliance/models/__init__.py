from compliance.audit.models import AuditEvent
from compliance.models.api_tokens import ApiToken
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
    "ApiToken",
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
