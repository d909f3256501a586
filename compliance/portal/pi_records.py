""" "My records": a person keeps their own research-security training, covered international
travel and MFTRP certifications. Only the signed-in person's own records are listed or
changed here (everyone else's are 404); users without a person record may not add any (403).

Each save or deletion is recorded by simple_history and re-checks that person's projects only
(compliance.receivers_records); the findings it changes appear on the projects' self-check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from compliance.portal.forms_records import (
    CertificationForm,
    DeleteForm,
    RecordForm,
    TrainingForm,
    TravelForm,
)
from projects.models import Person
from projects.selectors import (
    certifications_visible_to,
    trainings_visible_to,
    trips_visible_to,
)

MSG_NO_PERSON = "Only people on the portfolio keep records here."


@dataclass(frozen=True)
class Kind:
    title: str
    form: type[RecordForm]
    visible: Callable[..., QuerySet[Any]]


KINDS = {
    "training": Kind("Research-security training", TrainingForm, trainings_visible_to),
    "travel": Kind("Covered international travel", TravelForm, trips_visible_to),
    "certification": Kind("MFTRP certification", CertificationForm, certifications_visible_to),
}


def _person(request: HttpRequest) -> Person:
    person = Person.objects.filter(user__pk=request.user.pk or 0).first()
    if person is None:
        raise PermissionDenied(MSG_NO_PERSON)
    return person


def _kind(kind: str) -> Kind:
    if kind not in KINDS:
        raise Http404("No such kind of record.")
    return KINDS[kind]


def _own(request: HttpRequest, kind: Kind, person: Person, record_pk: int) -> Model:
    """The record through its visibility selector, and only if it is the user's own."""
    return get_object_or_404(kind.visible(user=request.user).filter(person=person), pk=record_pk)


def _back() -> str:
    return reverse("portal-my-records")


@login_required
@require_GET
def my_records(request: HttpRequest) -> HttpResponse:
    person = Person.objects.filter(user__pk=request.user.pk or 0).first()
    sections = []
    for code, kind in KINDS.items():
        rows = kind.visible(user=request.user).filter(person=person) if person else []
        sections.append({"code": code, "title": kind.title, "rows": rows})
    return render(
        request, "compliance/portal/pi/records.html", {"person": person, "sections": sections}
    )


def _form_page(
    request: HttpRequest, code: str, kind: Kind, person: Person, record: Model | None
) -> HttpResponse:
    form = kind.form(
        request.POST if request.method == "POST" else None, instance=record, person=person
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        return HttpResponseRedirect(_back())
    heading = f"{'Edit' if record else 'Add'}: {kind.title.lower()}"
    return render(
        request,
        "compliance/portal/pi/record_form.html",
        {"form": form, "heading": heading, "kind": code, "record": record},
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_add(request: HttpRequest, kind: str) -> HttpResponse:
    found = _kind(kind)
    return _form_page(request, kind, found, _person(request), None)


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request: HttpRequest, kind: str, record_pk: int) -> HttpResponse:
    found = _kind(kind)
    person = _person(request)
    return _form_page(request, kind, found, person, _own(request, found, person, record_pk))


@login_required
@require_http_methods(["GET", "POST"])
def record_delete(request: HttpRequest, kind: str, record_pk: int) -> HttpResponse:
    found = _kind(kind)
    person = _person(request)
    record = _own(request, found, person, record_pk)
    form = DeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        record.delete()
        return HttpResponseRedirect(_back())
    return render(
        request,
        "compliance/portal/pi/record_delete.html",
        {"form": form, "record": record, "title": found.title},
    )
