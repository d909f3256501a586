"""Per-user API tokens: django-rest-knox keeps the token (only its hash), this its scope."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from knox.models import AuthToken


class ApiToken(models.Model):
    """A knox token's name, scope and who issued it (one row per token, deleted with it).

    read_only: the token may only read (GET, HEAD, OPTIONS); any write is refused with 403
    whatever the holder's role. issued_by differs from the token's user for a service token
    that an administrator issued to another (service) account. A knox token without this row
    (made outside grantcheck's pages) counts as read-only.

    Not a swapped knox model (KNOX_TOKEN_MODEL): knox's migrations create their table anyway,
    and a table no installed model owns, holding a foreign key to users, breaks `flush`.
    """

    token = models.OneToOneField(
        AuthToken, primary_key=True, on_delete=models.CASCADE, related_name="grantcheck"
    )
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
        ordering = ["-token__created"]
        verbose_name = "API token"

    def __str__(self) -> str:
        scope = "read-only" if self.read_only else "read-write"
        return f"{self.name} ({self.token_key}…, {self.user}, {scope})"

    @property
    def token_key(self) -> str:
        return str(self.token.token_key)

    @property
    def user(self) -> Any:
        return self.token.user

    @property
    def created(self) -> datetime:
        return self.token.created

    @property
    def expiry(self) -> datetime | None:
        return self.token.expiry
