from compliance.audit.models import AuditEvent
from compliance.models.findings import Finding, FindingDecision, RecheckChunk, RecheckRun

__all__ = ["AuditEvent", "Finding", "FindingDecision", "RecheckChunk", "RecheckRun"]
