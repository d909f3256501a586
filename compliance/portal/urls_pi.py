"""Portal routes: pi pages (included from config/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from compliance.portal import pi, pi_attestation, pi_cpos, pi_records

urlpatterns: list[URLPattern | URLResolver] = [
    path("projects/<int:pk>/ties/new/", pi.tie_add, name="portal-tie-add"),
    path("projects/<int:pk>/ties/<int:tie_pk>/edit/", pi.tie_edit, name="portal-tie-edit"),
    path("projects/<int:pk>/ties/<int:tie_pk>/end/", pi.tie_end_view, name="portal-tie-end"),
    path("organisations/suggest/", pi.organisation_suggest, name="portal-org-suggest"),
    path("attestation/", pi_attestation.attestation, name="portal-attestation"),
    path("my-records/", pi_records.my_records, name="portal-my-records"),
    path("my-records/<str:kind>/new/", pi_records.record_add, name="portal-record-add"),
    path(
        "my-records/<str:kind>/<int:record_pk>/edit/",
        pi_records.record_edit,
        name="portal-record-edit",
    ),
    path(
        "my-records/<str:kind>/<int:record_pk>/delete/",
        pi_records.record_delete,
        name="portal-record-delete",
    ),
    path("cpos/", pi_cpos.cpos_page, name="portal-cpos"),
    path("cpos/download/", pi_cpos.cpos_download, name="portal-cpos-download"),
]
