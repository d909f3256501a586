"""Files uploaded to an API view, typed the way the services take them."""

from __future__ import annotations

from typing import BinaryIO, NamedTuple, cast

from rest_framework.request import Request

from projects.upload_limits import UploadTooLarge, upload_refused


class Upload(NamedTuple):
    field: str
    name: str
    stream: BinaryIO


def request_uploads(request: Request) -> list[Upload]:
    """Every uploaded file (repeated form fields included), in upload order.

    Raises UploadTooLarge (413) when the streaming limit stopped the upload part-way, so no
    service ever sees a partial set of files. Django's UploadedFile is a binary file object
    (read, seek, chunks); the stubs type it apart from BinaryIO, so the one cast lives here.
    """
    uploads = [
        Upload(key, upload.name or key, cast(BinaryIO, upload))
        for key in request.FILES
        for upload in request.FILES.getlist(key)
    ]
    if upload_refused(request):
        raise UploadTooLarge()
    return uploads
