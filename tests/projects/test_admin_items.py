"""The admin of the new facts: institution facts are edited by administrators only, even by
a staff member holding the model permissions; the API refuses every write."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from projects.models import InstitutionProfile, ProgrammeElement


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_only_administrators_edit_institution_facts_in_the_admin(
    reviewer: Any, admin_user: Any
) -> None:
    profile = InstitutionProfile.objects.create(name="Example State University")
    reviewer.is_staff = True
    reviewer.save()
    reviewer.user_permissions.add(
        *Permission.objects.filter(
            content_type__model__in=["programmeelement", "institutionprofile"]
        )
    )
    staff = _client(reviewer)
    url = "/admin/projects/programmeelement/add/"
    data = {"profile": profile.pk, "element": "cybersecurity", "certified_on": "2025-01-15"}
    assert staff.get("/admin/projects/programmeelement/").status_code == 200  # may read
    assert staff.post(url, data).status_code == 403
    assert (
        staff.post(
            f"/admin/projects/institutionprofile/{profile.pk}/change/", {"name": "Renamed"}
        ).status_code
        == 403
    )
    assert not ProgrammeElement.objects.exists()
    assert InstitutionProfile.objects.get().name == "Example State University"

    response = _client(admin_user).post(url, data)
    assert response.status_code == 302, response.content[:500]
    assert ProgrammeElement.objects.get().element == "cybersecurity"


@pytest.mark.django_db
def test_pis_see_no_institution_facts_and_nobody_writes_them_over_the_api(
    pi: Any, auditor: Any, admin_user: Any
) -> None:
    from rest_framework.test import APIClient

    InstitutionProfile.objects.create(name="Example State University")
    for user, status in ((pi, 403), (auditor, 200), (admin_user, 200)):
        client = APIClient()
        client.force_authenticate(user)
        assert client.get("/api/v1/institution/").status_code == status
        assert client.post("/api/v1/institution/", {"name": "X"}).status_code in (403, 405)
    assert InstitutionProfile.objects.count() == 1
