"""The attestation page: a person confirms their disclosures; others may only read it.

`attestation/` is the signed-in user's own record. `attestation/?person=<id>` shows someone
else's status read-only, to anyone who can see that person (404 otherwise). Nobody can
attest for another person: a POST always attests for the signed-in user's own record.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from compliance.portal.forms_pi import AttestForm
from compliance.selectors import attestations_visible_to
from compliance.services.attestations import (
    STATEMENT,
    attestation_create,
)
from compliance.services.disclosure_gaps import disclosure_gaps
from projects.errors import ApplicationError
from projects.models import Person
from projects.selectors import people_visible_to, projects_visible_to, ties_visible_to
from projects.vocabulary import DISCLOSURE_DOCUMENTS

MSG_NO_PERSON = (
    "Your account is not linked to a person record, so there is nothing for you to attest. "
    "If you are a PI or key personnel, ask the research office to link your account."
)
MSG_NOT_YOURS = "You can only attest for yourself."
EXPLAIN_PREFIX = "explain-"


def _own_person(user: Any) -> Person | None:
    try:
        person = user.person
    except ObjectDoesNotExist:
        return None
    return person if isinstance(person, Person) else None


def _person_param(request: HttpRequest) -> int | None:
    raw = request.POST.get("person") or request.GET.get("person") or ""
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404("No such person.")
    return int(raw)


@login_required
@require_http_methods(["GET", "POST"])
def attestation(request: HttpRequest) -> HttpResponse:
    own = _own_person(request.user)
    wanted = _person_param(request)
    if wanted is not None and (own is None or wanted != own.pk):
        person: Person | None = get_object_or_404(people_visible_to(user=request.user), pk=wanted)
    else:
        person = own
    is_own = own is not None and person is not None and person.pk == own.pk
    form = AttestForm(request.POST if request.method == "POST" else None)
    error = ""
    explanations = _explanations(request)
    if request.method == "POST":
        if own is None:
            raise PermissionDenied(MSG_NO_PERSON)
        if not is_own:
            raise PermissionDenied(MSG_NOT_YOURS)
        if form.is_valid():
            try:
                attestation_create(
                    user=request.user,
                    person=own,
                    statement=STATEMENT,
                    ip=request.META.get("REMOTE_ADDR"),
                    explanations=explanations,
                )
            except ApplicationError as exc:
                error = exc.message
            else:
                return HttpResponseRedirect(reverse("portal-attestation"))
    context = _context(request.user, person, is_own, form, error)
    context["gap_rows"] = [(g, explanations.get(g.pk, "")) for g in context.get("gaps", [])]
    status = 400 if request.method == "POST" else 200
    return render(request, "compliance/portal/pi/attestation.html", context, status=status)


def _explanations(request: HttpRequest) -> dict[int, str]:
    """explain-<finding id> fields of the form: what the person wrote about each gap."""
    found: dict[int, str] = {}
    for key in request.POST:
        raw = key.removeprefix(EXPLAIN_PREFIX)
        if key.startswith(EXPLAIN_PREFIX) and raw.isdigit():
            found[int(raw)] = request.POST.get(key, "")
    return found


def _context(
    user: Any, person: Person | None, is_own: bool, form: AttestForm, error: str
) -> dict[str, Any]:
    if person is None:
        return {"person": None, "message": MSG_NO_PERSON}
    today = timezone.localdate()
    theirs = attestations_visible_to(user=user).filter(person=person)
    theirs = theirs.order_by("-attested_at", "-pk")
    latest = theirs.first()
    current = theirs.filter(valid_until__gte=today).first()
    return {
        "person": person,
        "is_own": is_own,
        "current": current,
        "latest": latest,
        "lapsed": latest is not None and current is None,
        "tie_rows": [
            (tie, [DISCLOSURE_DOCUMENTS.get(d, d) for d in tie.disclosed_in])
            for tie in ties_visible_to(user=user)
            .filter(person=person)
            .select_related("project")
            .order_by("organisation__name", "-start_date")
        ],
        "projects": projects_visible_to(user=user)
        .filter(roles__person=person)
        .order_by("sponsor", "award_number"),
        "gaps": disclosure_gaps(person=person),
        "statement": STATEMENT,
        "form": form,
        "error": error,
        "today": today,
    }
