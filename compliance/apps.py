from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance: findings, re-checks, review, audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from compliance import receivers
        from compliance.audit import propagation
        from compliance.audit import receivers as audit_receivers
        from compliance.notifications import receivers as notification_receivers
        from compliance.security import lockout  # noqa: F401  (audits lockouts)
        from compliance.security.admin import knox_admin_replace

        receivers.connect()
        audit_receivers.connect()
        notification_receivers.connect()
        propagation.connect()
        knox_admin_replace()
