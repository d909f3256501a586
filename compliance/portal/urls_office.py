"""Portal routes: the auditor's and data steward's pages (included from config/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from compliance.portal import audit_log, exports, import_runs, steward

urlpatterns: list[URLPattern | URLResolver] = [
    path("exports/", exports.exports_page, name="portal-exports"),
    path("exports/rows/", exports.exports_rows, name="portal-exports-rows"),
    path("audit-log/", audit_log.audit_log_page, name="portal-audit-log"),
    path("import/", steward.portfolio_import_page, name="portal-import"),
    path("import/runs/", import_runs.import_runs_page, name="portal-import-runs"),
    path("import/runs/<int:pk>/", import_runs.import_run_page, name="portal-import-run"),
]
