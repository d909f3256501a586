"""Files uploaded to an API view, typed the way the services take them."""

from __future__ import annotations

from typing import BinaryIO, NamedTuple, cast

from rest_framework.request import Request


class Upload(NamedTuple):
    field: str
    name: str
    stream: BinaryIO


def request_uploads(request: Request) -> list[Upload]:
    """Every uploaded file (repeated form fields included), in upload order.

    Django's UploadedFile is a binary file object (read, seek, chunks); the stubs type it
    apart from BinaryIO, so the one cast lives here.
    """
    return [
        Upload(key, upload.name or key, cast(BinaryIO, upload))
        for key in request.FILES
        for upload in request.FILES.getlist(key)
    ]
