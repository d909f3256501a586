from __future__ import annotations

import csp.constants as csp
from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from compliance import apis as compliance_apis
from compliance import apis_reports, apis_tokens
from compliance import views as compliance_views
from compliance.portal import views as portal
from projects import apis as project_apis
from projects import apis_cpos, apis_items
from projects import apis_person_records as record_apis
from rules import apis as rules_apis
from rules import apis_packs as rules_pack_apis

# The Swagger UI: its start-up script from our own URL (the split view), the UI itself from
# its CDN, whose styles are inline: this page alone allows them (CSP, config/settings.py).
_SWAGGER_CDN = "https://cdn.jsdelivr.net"
SWAGGER_UI = csp_replace(
    {
        "script-src": [csp.SELF, _SWAGGER_CDN],
        "style-src": [csp.SELF, _SWAGGER_CDN, csp.UNSAFE_INLINE],
        "img-src": [csp.SELF, "data:", _SWAGGER_CDN],
    }
)(SpectacularSwaggerSplitView.as_view(url_name="schema"))

router = DefaultRouter()
router.register("projects", project_apis.ProjectViewSet, basename="project")
router.register("people", project_apis.PersonViewSet, basename="person")
router.register("roles", project_apis.RoleViewSet, basename="role")
router.register("organisations", project_apis.OrganisationViewSet, basename="organisation")
router.register("ties", project_apis.TieViewSet, basename="tie")
router.register("trainings", record_apis.TrainingRecordViewSet, basename="training")
router.register("trips", record_apis.TravelRecordViewSet, basename="trip")
router.register("certifications", record_apis.MftrpCertificationViewSet, basename="certification")
for _prefix, _viewset, _basename in (
    ("equipment", apis_items.EquipmentItemViewSet, "equipment-item"),
    ("foreign-components", apis_items.ForeignComponentViewSet, "foreign-component"),
    ("patent-filings", apis_items.PatentFilingViewSet, "patent-filing"),
    ("institution", apis_items.InstitutionProfileViewSet, "institution-profile"),
    ("institution-units", apis_items.InstitutionUnitViewSet, "institution-unit"),
    ("institution-agreements", apis_items.InstitutionAgreementViewSet, "institution-agreement"),
    ("programme-elements", apis_items.ProgrammeElementViewSet, "programme-element"),
):
    router.register(_prefix, _viewset, basename=_basename)
router.register("lists", rules_apis.ReferenceListViewSet, basename="list")
router.register("list-versions", rules_apis.ListVersionViewSet, basename="list-version")
router.register("rule-packs", rules_pack_apis.RulePackViewSet, basename="rule-pack")
router.register("rule-versions", rules_pack_apis.RuleVersionViewSet, basename="rule-version")
router.register("scenarios", rules_pack_apis.ScenarioViewSet, basename="scenario")
router.register("findings", compliance_apis.FindingViewSet, basename="finding")
router.register("rechecks", compliance_apis.RecheckRunViewSet, basename="recheck")
router.register("report-exports", apis_reports.ReportExportViewSet, basename="report-export")
router.register(
    "organisation-matches", rules_apis.OrganisationMatchViewSet, basename="organisation-match"
)

api_v1: list[URLPattern | URLResolver] = [
    path("imports/portfolio/", project_apis.PortfolioImportApi.as_view(), name="portfolio-import"),
    path(
        "scenarios/<int:pk>/whatif/",
        compliance_apis.ScenarioWhatIfApi.as_view(),
        name="scenario-whatif",
    ),
    re_path(
        rf"^reports/(?P<kind>{apis_reports.KIND_PATTERN})/exports/$",
        apis_reports.ReportExportStartApi.as_view(),
        name="report-export-start",
    ),
    re_path(
        rf"^reports/(?P<kind>{apis_reports.KIND_PATTERN})/$",
        apis_reports.ReportApi.as_view(),
        name="report",
    ),
    # any id: a malformed one is the API's JSON 404, not Django's HTML page
    re_path(r"^people/(?P<pk>[^/]+)/cpos/$", apis_cpos.PersonCposApi.as_view(), name="person-cpos"),
    path("screen/", rules_apis.ScreenApi.as_view(), name="screen"),
    path("imports/list/", rules_apis.ListImportApi.as_view(), name="list-import"),
    # API tokens (issue 20 §3): password -> token (throttled per account), list, revoke.
    path("auth/token/", apis_tokens.TokenLoginApi.as_view(), name="api-token-login"),
    path("auth/tokens/", apis_tokens.TokenListApi.as_view(), name="api-token-list"),
    path("auth/token/revoke/", apis_tokens.TokenRevokeApi.as_view(), name="api-token-revoke"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", portal.home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("projects/", portal.project_list, name="portal-projects"),
    path("projects/<int:pk>/", portal.project_detail, name="portal-project"),
    path("projects/<int:pk>/self-check/", portal.project_self_check_view, name="portal-self-check"),
    path("dashboard/", portal.dashboard, name="portal-dashboard"),
    path("findings/", portal.review_queue, name="portal-queue"),
    path("findings/<int:pk>/", portal.finding_detail, name="portal-finding"),
    path("", include("compliance.portal.urls_pi")),
    path("", include("compliance.portal.urls_review")),
    path("", include("compliance.portal.urls_manage")),
    path("", include("compliance.portal.urls_notify")),
    path("", include("compliance.portal.urls_office")),  # exports, audit log, import
    path("", include("compliance.portal.urls_tokens")),
    path("", include("compliance.portal.urls_evidence")),
    path("healthz", compliance_views.health, name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SWAGGER_UI, name="api-docs"),
]

# Single sign-on: its URLs exist only when OpenID Connect is configured (docs/sso.md).
if settings.OIDC_ENABLED:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))

admin.site.site_header = "grantcheck administration"
admin.site.site_title = "grantcheck"
