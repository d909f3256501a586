"""The CPOS draft page: a person's Current and Pending (Other) Support, built from their
projects and disclosed ties, as a SciENcv upload file (docs/cpos.md).

`cpos/` is the signed-in user's own record; `cpos/?person=<id>` another person's, for the
research office (``projects.selectors.cpos_people_visible_to``; 404 for anyone else). The
download is checked against the upload template first: a draft that fails is not handed
out, the page lists why (422).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from projects.connectors.cpos.draft import CONTENT_TYPE, CposDraft, cpos_draft
from projects.models import Person
from projects.selectors import cpos_people_visible_to

MSG_NO_PERSON = (
    "Your account is not linked to a person record, so there is no support to list. "
    "If you are a PI or key personnel, ask the research office to link your account."
)
TEMPLATE = "compliance/portal/pi/cpos.html"


def _person(request: HttpRequest) -> Person | None:
    """The person asked for (?person=), else the user's own record; 404 when not theirs."""
    raw = request.GET.get("person", "")
    visible = cpos_people_visible_to(user=request.user)
    if raw:
        if not raw.isdigit():
            raise Http404("No such person.")
        return get_object_or_404(visible, pk=int(raw))
    try:
        own = request.user.person  # type: ignore[union-attr]
    except ObjectDoesNotExist:
        return None
    return own if isinstance(own, Person) else None


def _context(request: HttpRequest, draft: CposDraft | None) -> dict[str, Any]:
    if draft is None:
        return {"person": None, "message": MSG_NO_PERSON}
    own = getattr(request.user, "person", None)
    query = "" if own is not None and own.pk == draft.person.pk else f"?person={draft.person.pk}"
    return {"person": draft.person, "draft": draft, "query": query}


@login_required
@require_GET
def cpos_page(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    draft = cpos_draft(person) if person is not None else None
    return render(request, TEMPLATE, _context(request, draft))


@login_required
@require_GET
def cpos_download(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if person is None:
        raise Http404(MSG_NO_PERSON)
    draft = cpos_draft(person)
    if not draft.ok:
        return render(request, TEMPLATE, _context(request, draft), status=422)
    response = HttpResponse(draft.xml, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{draft.file_name}"'
    return response
