"""Portal routes: the account's API tokens (included from config/urls.py)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from compliance.portal import tokens

urlpatterns: list[URLPattern | URLResolver] = [
    path("account/tokens/", tokens.tokens_page, name="portal-tokens"),
    path(
        "account/tokens/<str:token_key>/revoke/",
        tokens.token_revoke,
        name="portal-token-revoke",
    ),
]
