"""Helpers for page tests."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client


def signed_in(user: Any) -> Client:
    """A test client signed in as `user`, or anonymous when `user` is None."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def import_via_preview(client: Client, data: dict[str, Any]) -> Any:
    """Upload (the preview), then confirm with the token the preview holds."""
    preview = client.post("/lists/import/", data)
    token = re.search(r'name="token" value="([^"]+)"', preview.content.decode())
    if token is None:
        return preview
    return client.post("/lists/import/", {"token": token.group(1), "action": "confirm"})
