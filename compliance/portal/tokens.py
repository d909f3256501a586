"""Portal: a user's API tokens (account menu): issue, list, revoke.

Everyone signed in manages only their OWN tokens (another user's token is a 404);
administrators see every token, may revoke any, and issue service tokens to other accounts.
Auditors' tokens are always read-only. A token's text is shown once, on the page that issued
it; only its hash is kept.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from compliance.security.tokens import (
    api_token_issue,
    api_token_revoke,
    read_only_role,
    tokens_visible_to,
)
from projects.access import can_administer
from projects.errors import ApplicationError


class TokenForm(forms.Form):
    name = forms.CharField(label="Name (where the token is used)", max_length=100)
    days = forms.IntegerField(label="Expires after (days)", min_value=1)
    read_only = forms.BooleanField(label="Read-only (cannot change anything)", required=False)
    for_username = forms.CharField(
        label="Issue to account (service token; blank: yourself)", max_length=150, required=False
    )

    def __init__(self, *args: object, admin: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["days"] = forms.IntegerField(
            label="Expires after (days)", min_value=1, max_value=settings.API_TOKEN_MAX_DAYS
        )
        if not admin:
            del self.fields["for_username"]


def _page(
    request: HttpRequest,
    form: TokenForm,
    *,
    status: int = 200,
    issued: str = "",
) -> HttpResponse:
    return render(
        request,
        "compliance/portal/tokens.html",
        {
            "form": form,
            "tokens": tokens_visible_to(user=request.user),
            "issued": issued,
            "always_read_only": read_only_role(request.user),
            "revoked": request.GET.get("revoked") == "1",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def tokens_page(request: HttpRequest) -> HttpResponse:
    admin = can_administer(request.user)
    if request.method == "GET":
        initial = {"days": settings.API_TOKEN_DEFAULT_DAYS}
        return _page(request, TokenForm(initial=initial, admin=admin))
    form = TokenForm(request.POST, admin=admin)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        _token, text = api_token_issue(
            issued_by=request.user,
            name=form.cleaned_data["name"],
            read_only=form.cleaned_data["read_only"],
            days=form.cleaned_data["days"],
            for_username=form.cleaned_data.get("for_username") or "",
        )
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return _page(request, form, status=400)
    except PermissionError as exc:
        form.add_error(None, str(exc))
        return _page(request, form, status=403)
    fresh = TokenForm(initial={"days": settings.API_TOKEN_DEFAULT_DAYS}, admin=admin)
    return _page(request, fresh, status=201, issued=text)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_key: str) -> HttpResponse:
    try:
        api_token_revoke(token_key=token_key, by=request.user)
    except LookupError as exc:
        raise Http404(str(exc)) from exc
    return HttpResponseRedirect(reverse("portal-tokens") + "?revoked=1")
