"""Portal routes: evidence found in publications and ORCID records, and disputes of it."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from compliance.portal import evidence

urlpatterns: list[URLPattern | URLResolver] = [
    path("evidence/", evidence.my_evidence, name="portal-evidence"),
    path("evidence/ties/<int:tie_pk>/dispute/", evidence.dispute_new, name="portal-dispute-new"),
    path("disputes/", evidence.dispute_list, name="portal-disputes"),
    path("disputes/<int:pk>/", evidence.dispute_detail, name="portal-dispute"),
]
