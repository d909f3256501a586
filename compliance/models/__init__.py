from compliance.audit.models import AuditEvent
from compliance.models.findings import (
    Finding,
    FindingDecision,
    RecheckChunk,
    RecheckRun,
    ReportExport,
)

__all__ = ["AuditEvent", "Finding", "FindingDecision", "RecheckChunk", "RecheckRun", "ReportExport"]
