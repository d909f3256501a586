"""Who may see and do what. Roles are Django groups, created by a migration."""

from __future__ import annotations

from typing import Any

PI = "pi"
REVIEWER = "reviewer"
AUDITOR = "auditor"
ADMIN = "admin"
ROLE_GROUPS = (PI, REVIEWER, AUDITOR, ADMIN)


def has_group(user: Any, *names: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return bool(user.groups.filter(name__in=names).exists())


def sees_whole_portfolio(user: Any) -> bool:
    """Reviewers, auditors and admins see every project; PIs only their own."""
    return has_group(user, REVIEWER, AUDITOR, ADMIN)


def can_administer(user: Any) -> bool:
    return has_group(user, ADMIN) or bool(getattr(user, "is_staff", False) and user.is_superuser)


def can_review(user: Any) -> bool:
    """Research-office reviewers and admins decide; auditors and PIs only read."""
    return has_group(user, REVIEWER, ADMIN)


def can_read_audit_log(user: Any) -> bool:
    """The audit-log page: auditors and administrators (PRODUCT.md: the auditor's audit log)."""
    return has_group(user, AUDITOR, ADMIN)


def can_use_admin_site(user: Any) -> bool:
    """Django admin opens for staff, but shows nothing without a model permission: a staff
    reviewer with no permission would only meet "You don't have permission"."""
    if not (getattr(user, "is_authenticated", False) and user.is_active and user.is_staff):
        return False
    return bool(user.is_superuser or user.get_all_permissions())
