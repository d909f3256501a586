"""The upload size limit (GRANTCHECK_UPLOAD_MAX_BYTES), enforced before a body is read.

* ``UploadLimitMiddleware`` (first in MIDDLEWARE, before CSRF reads the form) answers a
  request whose Content-Length is over the limit with 413 without reading a byte of it.
* ``UploadLimitHandler`` (first in FILE_UPLOAD_HANDLERS) counts file bytes as they stream
  in, for bodies whose length is not known up front; over the limit it stops the upload,
  marks the request, and the middleware answers 413 whatever the view made of the rest.

Uploaded files themselves go to disk beyond FILE_UPLOAD_MAX_MEMORY_SIZE (Django's handlers).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import status
from rest_framework.exceptions import APIException

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
MSG_TOO_LARGE = "Upload too large"
_FLAG = "grantcheck_upload_too_large"


def upload_max_bytes() -> int:
    return int(getattr(settings, "GRANTCHECK_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def too_large_message(limit: int | None = None) -> str:
    limit = upload_max_bytes() if limit is None else limit
    return f"{MSG_TOO_LARGE}: the limit is {_size(limit)} per request; nothing was imported."


class UploadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "upload_too_large"

    def __init__(self) -> None:
        super().__init__(too_large_message())


def upload_refused(request: Any) -> bool:
    """True when the streaming handler stopped this request's upload at the limit."""
    return bool(getattr(request, _FLAG, False))


def too_large_response(request: HttpRequest) -> HttpResponse:
    message = too_large_message()
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=413)
    page = (
        "<!doctype html><title>Upload too large</title>"
        f"<h1>Upload too large</h1><p>{escape(message)}</p>"
        "<p>Go back and choose a smaller file.</p>"
    )
    return HttpResponse(page, status=413)


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        return 0


class UploadLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _content_length(request) > upload_max_bytes():
            return too_large_response(request)  # before anything reads the body
        response = self.get_response(request)
        if upload_refused(request):
            return too_large_response(request)
        return response


class UploadLimitHandler(FileUploadHandler):
    """Counts the file bytes of one request; stops the upload when they pass the limit."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = upload_max_bytes()
        self.received = 0

    def _refuse(self) -> None:
        if self.request is not None:
            setattr(self.request, _FLAG, True)
        raise StopUpload(connection_reset=True)

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        if content_length > self.limit:
            self._refuse()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self._refuse()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
