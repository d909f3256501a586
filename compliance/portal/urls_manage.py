"""Portal routes: manage pages (included from config/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from compliance.portal import manage_lists, manage_preview, manage_rules

urlpatterns: list[URLPattern | URLResolver] = [
    path("rules/", manage_rules.rules_overview, name="portal-rules"),
    path("rules/<str:key>/", manage_rules.rule_detail, name="portal-rule"),
    path("rules/<str:key>/diff/", manage_rules.rule_diff, name="portal-rule-diff"),
    path("rules/<str:key>/draft/", manage_rules.rule_draft, name="portal-rule-draft"),
    path(
        "rules/<str:key>/draft/validate/",
        manage_rules.rule_draft_validate,
        name="portal-rule-validate",
    ),
    path(
        "rules/<str:key>/versions/<int:n>/",
        manage_rules.rule_version_detail,
        name="portal-rule-version",
    ),
    path(
        "rules/<str:key>/versions/<int:n>/preview/",
        manage_preview.rule_version_preview,
        name="portal-rule-preview",
    ),
    path(
        "rules/<str:key>/versions/<int:n>/publish/",
        manage_rules.rule_version_publish_view,
        name="portal-rule-publish",
    ),
    path(
        "rules/<str:key>/versions/<int:n>/retire/",
        manage_rules.rule_version_retire_view,
        name="portal-rule-retire",
    ),
    path("lists/", manage_lists.lists_overview, name="portal-lists"),
    path("lists/import/", manage_lists.list_import_view, name="portal-list-import"),
    path("lists/versions/<int:pk>/", manage_lists.list_version_detail, name="portal-list-version"),
]
