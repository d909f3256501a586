"""The administrators' import-runs page: every connector's runs with their reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from projects.connectors.nsf_import import import_nsf_awards
from projects.connectors.runs import record_run
from projects.models import ImportRun, Person, Project
from projects.selectors import import_runs_visible_to

pytestmark = pytest.mark.django_db

AWARDS = Path(__file__).resolve().parents[1] / "data" / "nsf" / "awards"
ADDRESSES = ("example.edu", "ada.quill", "2175550199")


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_administrator_sees_each_run_with_its_report(admin_user: Any) -> None:
    import_nsf_awards(AWARDS, user=admin_user)
    with record_run(ImportRun.Connector.ORCID, "/data/orcid") as report:
        report.count("imported", 7)
    client = _client(admin_user)
    page = client.get("/import/runs/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "NSF award XML" in body and "ORCID records" in body
    assert "2 imported, 0 updated, 0 unchanged, 3 rejected" in body
    assert "admin_user" in body  # who started it
    assert "2400003.xml" in body and "not well-formed XML" in body  # a rejected item, why
    rows = body[body.index("<tbody>") :]
    assert rows.index("ORCID records") < rows.index("NSF award XML")  # newest first
    assert 'href="/import/runs/"' in body  # the nav link

    nsf = ImportRun.objects.get(connector="nsf_awards")
    detail = client.get(f"/import/runs/{nsf.pk}/").content.decode()
    for item in ("2400003.xml", "2400004.xml", "2400005.xml"):
        assert item in detail
    assert "is not an amount in dollars" in detail and "Completed" in detail
    only_orcid = client.get("/import/runs/?connector=orcid").content.decode()
    assert "ORCID records" in only_orcid and "2400003.xml" not in only_orcid


def test_a_failed_run_shows_why(admin_user: Any) -> None:
    with pytest.raises(OSError), record_run(ImportRun.Connector.CPOS, "/nowhere"):
        raise OSError("No such file or directory: '/nowhere'")
    body = _client(admin_user).get("/import/runs/").content.decode()
    assert "Failed" in body and "No such file or directory" in body


def test_runs_are_paginated(admin_user: Any) -> None:
    ImportRun.objects.bulk_create(
        [ImportRun(connector="nsf_awards", source=f"batch-{i:02d}.zip") for i in range(30)]
    )
    client = _client(admin_user)
    first = client.get("/import/runs/").content.decode()
    assert "30 runs, page 1 of 2" in first and first.count("batch-") == 25
    second = client.get("/import/runs/?page=2").content.decode()
    assert second.count("batch-") == 5


def test_email_addresses_are_never_shown(admin_user: Any, api_client_for: Any) -> None:
    run = import_nsf_awards(AWARDS)
    client = _client(admin_user)
    project = Project.objects.get(award_number="2400001")
    pages = [
        client.get("/import/runs/"),
        client.get(f"/import/runs/{run.pk}/"),
        client.get(f"/projects/{project.pk}/"),
        client.get("/projects/"),
    ]
    api = api_client_for(admin_user)
    pages += [api.get("/api/v1/people/"), api.get("/api/v1/projects/")]
    for response in pages:
        assert response.status_code == 200
        text = response.content.decode().lower()
        assert not any(fragment in text for fragment in ADDRESSES), response.wsgi_request.path
    assert "Ada Quill" in pages[2].content.decode()
    assert "awarded to Example State University" in pages[2].content.decode()
    assert Person.objects.filter(name="Ada Quill").exists()


@pytest.mark.parametrize("persona", ["outsider", "pi", "reviewer", "auditor"])
def test_everyone_else_is_refused(persona: str, request: pytest.FixtureRequest) -> None:
    user = request.getfixturevalue(persona)
    run = ImportRun.objects.create(connector="nsf_awards", source="secret-feed.tar.gz")
    client = _client(user)
    assert client.get("/import/runs/").status_code == 403
    assert client.get(f"/import/runs/{run.pk}/").status_code == 403
    assert client.post("/import/runs/").status_code in (403, 405)  # read-only: nothing to write
    assert not import_runs_visible_to(user=user).exists()
    home = client.get("/", follow=True).content.decode()
    assert "/import/runs/" not in home  # no link to a page they cannot open
    assert ImportRun.objects.count() == 1


def test_anonymous_is_sent_to_sign_in() -> None:
    response = Client().get("/import/runs/")
    assert response.status_code == 302 and "login" in response["Location"]
