"""Portal routes: pi pages (included from config/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from compliance.portal import pi, pi_attestation, pi_cpos

urlpatterns: list[URLPattern | URLResolver] = [
    path("projects/<int:pk>/ties/new/", pi.tie_add, name="portal-tie-add"),
    path("projects/<int:pk>/ties/<int:tie_pk>/edit/", pi.tie_edit, name="portal-tie-edit"),
    path("projects/<int:pk>/ties/<int:tie_pk>/end/", pi.tie_end_view, name="portal-tie-end"),
    path("organisations/suggest/", pi.organisation_suggest, name="portal-org-suggest"),
    path("attestation/", pi_attestation.attestation, name="portal-attestation"),
    path("cpos/", pi_cpos.cpos_page, name="portal-cpos"),
    path("cpos/download/", pi_cpos.cpos_download, name="portal-cpos-download"),
]
