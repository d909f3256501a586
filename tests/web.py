"""Helpers for page tests."""

from __future__ import annotations

from typing import Any

from django.test import Client


def signed_in(user: Any) -> Client:
    """A test client signed in as `user`, or anonymous when `user` is None."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
