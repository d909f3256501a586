# mypy: disable-error-code="import-untyped"
"""Per-user API tokens (django-rest-knox): only a hash of each token is stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from knox.models import AbstractAuthToken


class ApiToken(AbstractAuthToken):
    """A knox token (KNOX_TOKEN_MODEL) with a name, a scope and who issued it.

    read_only: the token may only read (GET, HEAD, OPTIONS); any write is refused with 403
    whatever the holder's role. issued_by differs from user for a service token that an
    administrator issued to another (service) account.
    """

    name = models.CharField(max_length=100)
    read_only = models.BooleanField(default=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self) -> str:
        scope = "read-only" if self.read_only else "read-write"
        return f"{self.name} ({self.token_key}…, {self.user}, {scope})"
