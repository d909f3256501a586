"""The research office's pages: exports, the audit log, the portfolio import with a preview,
project search, and a navigation that links only to pages its user can use."""

from __future__ import annotations

import hashlib
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from compliance.models import AuditEvent, Finding, ReportExport
from compliance.portal import audit_log, exports, steward
from projects.models import Person, Project, Role, Tie
from tests.factories import PersonFactory, ProjectFactory, RoleFactory
from tests.web import signed_in

IMPORT = Path(__file__).resolve().parents[1] / "data" / "import"


def _text(response: Any) -> str:
    return unescape(re.sub(r"\s+", " ", response.content.decode()))


def _nav(response: Any) -> str:
    html = response.content.decode()
    return html[html.index('<nav aria-label="Main">') : html.index("</nav>")]


# --- Exports -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_exports_page_refuses_outsiders_and_pis_and_starts_nothing(
    evaluated: dict[str, Any], outsider: Any, pi: Any
) -> None:
    assert signed_in(None).get("/exports/").status_code == 302
    for user in (outsider, pi):
        client = signed_in(user)
        assert client.get("/exports/").status_code == 403
        assert client.get("/exports/rows/").status_code == 403
        refused = client.post("/exports/", {"kind": "findings", "format": "csv"})
        assert refused.status_code == 403  # Django's plain 403 page (no project 403 template)
    assert ReportExport.objects.count() == 0


@pytest.mark.django_db
def test_auditor_exports_a_scenario_as_of_a_date_and_downloads_it_with_its_manifest(
    evaluated: dict[str, Any],
    auditor: Any,
    reviewer: Any,
    eager_celery: None,
    settings: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.EXPORT_ROOT = tmp_path
    today = timezone.localdate().isoformat()
    client = signed_in(auditor)
    page = client.get("/exports/")
    assert page.status_code == 200
    text = _text(page)
    assert "No exports yet" in text and "Audit log" in text  # auditors may export the log
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            "/exports/",
            {"kind": "findings", "scenario": "current", "as_of": today, "format": "csv"},
        )
    assert started.status_code == 302 and started["Location"] == "/exports/"
    export = ReportExport.objects.get()
    assert (export.requested_by, export.kind, export.format) == (auditor, "findings", "csv")
    assert export.filters == {"scenario": "current"} and str(export.as_of) == today
    assert export.status == ReportExport.Status.DONE
    rows = Finding.objects.filter(scenario__code="current").count()
    assert export.manifest["row_counts"] == {"findings:current": rows}  # counted per scenario
    history = _text(client.get("/exports/"))
    assert exports.MSG_QUEUED.format(pk=export.pk) in history
    assert "Findings register" in history and "Current obligations" in history
    assert today in history and "Ready" in history
    assert f"by {auditor.username}" in history
    sha = next(iter(export.manifest["files"].values()))
    assert sha[:10] in history
    link = f"/api/v1/report-exports/{export.pk}/download/"
    assert link in history
    download: Any = client.get(link)
    body = b"".join(download.streaming_content)
    assert hashlib.sha256(body).hexdigest() == sha
    assert AuditEvent.objects.filter(action="export", object_id="findings").exists()
    # someone else's history does not show it
    assert f'id="export-{export.pk}"' not in signed_in(reviewer).get("/exports/").content.decode()


@pytest.mark.django_db
def test_export_form_refuses_a_future_date_and_writes_nothing(
    evaluated: dict[str, Any], auditor: Any
) -> None:
    response = signed_in(auditor).post(
        "/exports/", {"kind": "findings", "format": "pdf", "as_of": "2999-01-01"}
    )
    assert response.status_code == 400
    assert exports.MSG_FUTURE in _text(response)
    assert ReportExport.objects.count() == 0


@pytest.mark.django_db
def test_reviewers_export_but_are_not_offered_the_audit_log(
    evaluated: dict[str, Any], reviewer: Any
) -> None:
    client = signed_in(reviewer)
    page = client.get("/exports/").content.decode()
    assert 'value="findings"' in page and 'value="audit"' not in page
    refused = client.post("/exports/", {"kind": "audit", "format": "csv"})
    assert refused.status_code == 400 and ReportExport.objects.count() == 0


@pytest.mark.django_db
def test_history_polls_while_an_export_is_queued(evaluated: dict[str, Any], auditor: Any) -> None:
    export = ReportExport.objects.create(kind="exposure", format="xlsx", requested_by=auditor)
    rows = signed_in(auditor).get("/exports/rows/").content.decode()
    assert 'hx-trigger="every 2s"' in rows and f'id="export-{export.pk}"' in rows
    assert "Queued" in rows and "/download/" not in rows


# --- Audit log -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_audit_log_is_for_auditors_and_admins_only(
    evaluated: dict[str, Any], outsider: Any, pi: Any, reviewer: Any
) -> None:
    for user in (outsider, pi, reviewer):
        assert signed_in(user).get("/audit-log/").status_code == 403


@pytest.mark.django_db
def test_audit_log_filters_by_actor_action_object_and_date(
    evaluated: dict[str, Any], auditor: Any, admin_user: Any, reviewer: Any
) -> None:
    finding = evaluated["finding"]
    signed_in(reviewer).post(
        f"/findings/{finding.pk}/", {"decision": "escalated", "reason": "Needs the export office"}
    )
    before = AuditEvent.objects.count()
    client = signed_in(auditor)
    everything = client.get("/audit-log/")
    assert everything.status_code == 200
    assert f"{before} events" in _text(everything)
    mine = client.get("/audit-log/", {"actor": reviewer.username})
    expected = AuditEvent.objects.filter(actor_username=reviewer.username).count()
    assert expected >= 1 and f"{expected} event" in _text(mine)
    assert "escalated" in _text(mine) and reviewer.username in _text(mine)
    creates = client.get("/audit-log/", {"action": "create", "object_type": "compliance.finding"})
    n = AuditEvent.objects.filter(action="create", object_type="compliance.finding").count()
    assert n > 0 and f"{n} event" in _text(creates)
    none = client.get("/audit-log/", {"date_to": "2000-01-01"})
    assert "No events match." in _text(none)
    bad = client.get("/audit-log/", {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert bad.status_code == 400 and audit_log.MSG_RANGE in _text(bad)
    assert signed_in(admin_user).get("/audit-log/").status_code == 200
    # read-only: a POST is not allowed, and viewing wrote nothing
    assert client.post("/audit-log/").status_code == 405
    assert AuditEvent.objects.count() == before


# --- Portfolio import ----------------------------------------------------------------------


def _files(kind: str = "good") -> dict[str, list[SimpleUploadedFile]]:
    return {
        "file": [
            SimpleUploadedFile(p.name, p.read_bytes()) for p in sorted((IMPORT / kind).iterdir())
        ]
    }


def _counts() -> tuple[int, int, int, int]:
    return (
        Project.objects.count(),
        Person.objects.count(),
        Role.objects.count(),
        Tie.objects.count(),
    )


@pytest.mark.django_db
def test_import_page_is_for_administrators_only(
    outsider: Any, pi: Any, reviewer: Any, auditor: Any
) -> None:
    before = _counts()
    for user in (outsider, pi, reviewer, auditor):
        client = signed_in(user)
        assert client.get("/import/").status_code == 403
        refused = client.post("/import/", {"action": "preview", **_files()})
        assert refused.status_code == 403
    assert _counts() == before


@pytest.mark.django_db
def test_import_previews_writes_nothing_then_imports_on_confirm(admin_user: Any) -> None:
    client = signed_in(admin_user)
    assert "Preview the import" in _text(client.get("/import/"))
    preview = client.post("/import/", {"action": "preview", **_files()})
    assert preview.status_code == 200
    text = _text(preview)
    assert "Preview — nothing has been written yet." in text
    shown = {c["label"]: c for c in preview.context["counts"]}
    assert (shown["Projects"]["created"], shown["Projects"]["changed"]) == (4, 0)
    assert shown["Ties"]["created"] >= 1
    assert re.search(r"Projects</th>\s*<td class=.num.>4</td>", preview.content.decode())
    assert _counts() == (0, 0, 0, 0)
    token = preview.context["token"]
    done = client.post("/import/", {"action": "confirm", "token": token})
    assert done.status_code == 200 and "Imported." in _text(done)
    assert Project.objects.filter(award_number="2234567").exists()
    counts = _counts()
    assert counts[0] == 4 and counts[3] >= 1
    # the staged files are gone: the same confirmation cannot import twice
    again = client.post("/import/", {"action": "confirm", "token": token})
    assert again.status_code == 400 and steward.MSG_EXPIRED in _text(again)
    assert _counts() == counts


@pytest.mark.django_db
def test_import_preview_lists_problems_and_offers_no_confirmation(admin_user: Any) -> None:
    client = signed_in(admin_user)
    preview = client.post("/import/", {"action": "preview", **_files("bad")})
    assert preview.status_code == 400
    text = _text(preview)
    assert "nothing was written" in text and "Import these rows" not in text
    assert preview.context["problems_total"] > 0
    first = preview.context["problems"][0]
    assert first.reason in text
    assert _counts() == (0, 0, 0, 0)


@pytest.mark.django_db
def test_another_user_cannot_confirm_a_preview(admin_user: Any, django_user_model: Any) -> None:
    client = signed_in(admin_user)
    preview = client.post("/import/", {"action": "preview", **_files()})
    token = preview.context["token"]
    other = django_user_model.objects.create_superuser("other_admin", "o@x.edu", "pw")
    refused = signed_in(other).post("/import/", {"action": "confirm", "token": token})
    assert refused.status_code == 400 and steward.MSG_EXPIRED in _text(refused)
    assert _counts() == (0, 0, 0, 0)
    cancelled = client.post("/import/", {"action": "cancel", "token": token})
    assert "nothing was written" in _text(cancelled)
    assert _counts() == (0, 0, 0, 0)


@pytest.mark.django_db
def test_import_without_files_says_what_to_choose(admin_user: Any) -> None:
    response = signed_in(admin_user).post("/import/", {"action": "preview"})
    assert response.status_code == 400 and steward.MSG_NO_FILE in _text(response)


# --- Project search ------------------------------------------------------------------------


@pytest.fixture
def searchable(pi: Any) -> dict[str, Project]:
    lasers = ProjectFactory.create(title="Ultrafast laser spectroscopy", award_number="2400111")
    RoleFactory.create(project=lasers, person=PersonFactory.create(name="Grace Okafor"), role="pi")
    soils = ProjectFactory.create(title="Soil carbon in drylands", award_number="W911-SOIL-7")
    RoleFactory.create(project=soils, person=pi.person, role="pi")
    RoleFactory.create(
        project=soils, person=PersonFactory.create(name="Grace Other"), role="senior_key"
    )
    return {"lasers": lasers, "soils": soils}


@pytest.mark.django_db
def test_reviewer_searches_by_title_award_and_pi_name(
    searchable: dict[str, Project], reviewer: Any
) -> None:
    client = signed_in(reviewer)
    for query, expected in (
        ("laser", {"2400111"}),
        ("soil-7", {"W911-SOIL-7"}),
        ("okafor", {"2400111"}),
        ("grace", {"2400111"}),  # a senior/key person's name is not a PI's name
    ):
        response = client.get("/projects/", {"q": query})
        shown = {p.award_number for p in response.context["page"]}
        assert shown == expected, query
        assert f"matching “{query}”" in _text(response)
    assert "No project matches “nothing-like-this”." in _text(
        client.get("/projects/", {"q": "nothing-like-this"})
    )


@pytest.mark.django_db
def test_search_never_widens_what_a_pi_or_outsider_sees(
    searchable: dict[str, Project], pi: Any, outsider: Any, auditor: Any
) -> None:
    assert {
        p.award_number for p in signed_in(pi).get("/projects/", {"q": "o"}).context["page"]
    } == {"W911-SOIL-7"}
    assert list(signed_in(outsider).get("/projects/", {"q": "laser"}).context["page"]) == []
    auditor_page = signed_in(auditor).get("/projects/", {"q": "laser"})
    assert [p.award_number for p in auditor_page.context["page"]] == ["2400111"]


# --- Navigation ----------------------------------------------------------------------------

LINKS = {
    "Dashboard": "/dashboard/",
    "Review queue": "/findings/",
    "Rules": "/rules/",
    "Lists": "/lists/",
    "Matches": "/matches/",
    "Exports": "/exports/",
    "Audit log": "/audit-log/",
    "Import": "/import/",
    "Administration": "/admin/",
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("outsider", set()),
        ("pi", set()),
        ("reviewer", {"Dashboard", "Review queue", "Rules", "Lists", "Matches", "Exports"}),
        (
            "auditor",
            {"Dashboard", "Review queue", "Rules", "Lists", "Matches", "Exports", "Audit log"},
        ),
        ("admin_user", set(LINKS)),
    ],
)
def test_each_persona_sees_only_links_it_can_use(
    persona: str, expected: set[str], request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)
    if persona == "reviewer":  # demo reviewers are staff without any model permission
        user.is_staff = True
        user.save()
    client: Client = signed_in(user)
    nav = _nav(client.get("/projects/"))
    shown = {label for label, url in LINKS.items() if f'href="{url}"' in nav}
    assert shown == expected
    for label, url in LINKS.items():
        if label in expected:  # every link shown opens
            assert client.get(url).status_code == 200, url
        elif label != "Administration":
            assert client.get(url).status_code in (403, 404), url


@pytest.mark.django_db
def test_audit_event_selector_gives_nothing_to_reviewers_pis_and_outsiders(
    evaluated: dict[str, Any], auditor: Any, admin_user: Any, reviewer: Any, pi: Any, outsider: Any
) -> None:
    from compliance.selectors import audit_events_visible_to

    total = AuditEvent.objects.count()
    assert total > 0
    for user in (auditor, admin_user):
        assert audit_events_visible_to(user=user).count() == total
    for user in (reviewer, pi, outsider, None):
        assert audit_events_visible_to(user=user).count() == 0
