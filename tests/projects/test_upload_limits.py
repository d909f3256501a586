"""Uploads over GRANTCHECK_UPLOAD_MAX_BYTES: 413 before the body is read; nothing written."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.core.files.uploadhandler import StopUpload
from django.test import RequestFactory, override_settings

from projects.models import Organisation, Person, Project, Role, Tie
from projects.upload_limits import MSG_TOO_LARGE, UploadLimitHandler, upload_refused
from rules.models import ListEntry, ListVersion, ReferenceList
from tests.web import signed_in

DATA = Path(__file__).resolve().parents[1] / "data"
CSL = (DATA / "lists" / "csl_small.csv").read_bytes()
LIMIT = 4096
MODELS = (Project, Person, Role, Tie, Organisation, ReferenceList, ListVersion, ListEntry)


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def _big(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"x" * (LIMIT * 3))


@pytest.mark.django_db
@override_settings(GRANTCHECK_UPLOAD_MAX_BYTES=LIMIT)
@pytest.mark.parametrize(
    ("url", "payload"),
    [
        ("/api/v1/imports/portfolio/", lambda: {"file": _big("portfolio.xlsx")}),
        ("/api/v1/imports/list/", lambda: {"format": "csl-csv", "file": _big("csl.csv")}),
    ],
    ids=["portfolio", "list"],
)
def test_api_upload_over_the_limit_is_413(
    url: str, payload: Callable[[], dict[str, Any]], admin_user: Any, api_client_for: Any
) -> None:
    response = api_client_for(admin_user).post(url, payload(), format="multipart")

    assert response.status_code == 413
    assert MSG_TOO_LARGE in response.json()["detail"]
    assert "4,096 bytes" in response.json()["detail"]
    assert all(n == 0 for n in _counts().values())


@pytest.mark.django_db
@override_settings(GRANTCHECK_UPLOAD_MAX_BYTES=LIMIT)
def test_portal_list_upload_over_the_limit_is_413(admin_user: Any) -> None:
    response = signed_in(admin_user).post(
        "/lists/import/", {"format": "csl-csv", "file": _big("csl.csv")}
    )
    assert response.status_code == 413
    assert MSG_TOO_LARGE in response.content.decode()
    assert all(n == 0 for n in _counts().values())


@pytest.mark.django_db
@override_settings(GRANTCHECK_UPLOAD_MAX_BYTES=LIMIT)
def test_the_body_is_not_read_when_content_length_is_over_the_limit(admin_user: Any) -> None:
    """The middleware answers before CSRF, the session or the view touch the body."""
    client = signed_in(admin_user)
    body = io.BytesIO(b"--b\r\n" + b"x" * (LIMIT * 2))
    response = client.generic(
        "POST",
        "/lists/import/",
        data=body.getvalue(),
        content_type="multipart/form-data; boundary=b",
    )
    assert response.status_code == 413
    assert response.wsgi_request._read_started is False  # type: ignore[attr-defined]


@pytest.mark.django_db
@override_settings(GRANTCHECK_UPLOAD_MAX_BYTES=1_000_000)
def test_uploads_under_the_limit_still_import(
    admin_user: Any, api_client_for: Callable[[Any], Any]
) -> None:
    response = api_client_for(admin_user).post(
        "/api/v1/imports/list/",
        {"format": "csl-csv", "file": SimpleUploadedFile("csl.csv", CSL)},
        format="multipart",
    )
    assert response.status_code == 201, response.content


@override_settings(GRANTCHECK_UPLOAD_MAX_BYTES=LIMIT)
def test_streaming_handler_stops_an_upload_of_unknown_length_at_the_limit() -> None:
    request = RequestFactory().post("/api/v1/imports/list/")
    handler = UploadLimitHandler(request)
    assert handler.receive_data_chunk(b"x" * LIMIT, 0) == b"x" * LIMIT
    assert not upload_refused(request)
    with pytest.raises(StopUpload) as stop:
        handler.receive_data_chunk(b"x", LIMIT)
    assert stop.value.connection_reset is True
    assert upload_refused(request)


@override_settings(GRANTCHECK_UPLOAD_MAX_BYTES=LIMIT)
def test_streaming_handler_refuses_a_declared_length_over_the_limit() -> None:
    request = RequestFactory().post("/")
    with pytest.raises(StopUpload):
        UploadLimitHandler(request).handle_raw_input(None, {}, LIMIT + 1, b"b")
    assert upload_refused(request)


@pytest.mark.django_db
@override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_uploads_beyond_the_memory_threshold_are_spooled_to_disk(
    admin_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compliance.portal import manage_lists

    seen: list[Any] = []
    original = manage_lists.staged_create

    def spy(**kwargs: Any) -> Any:
        seen.extend(kwargs["files"])
        return original(**kwargs)

    monkeypatch.setattr(manage_lists, "staged_create", spy)
    response = signed_in(admin_user).post(
        "/lists/import/", {"format": "csl-csv", "file": SimpleUploadedFile("csl.csv", CSL)}
    )
    assert len(seen) == 1 and isinstance(seen[0], TemporaryUploadedFile)
    assert response.status_code == 200
    assert response.context["preview"]["report"].created_versions  # previewed, not written
    assert ListVersion.objects.count() == 0
