"""Forms of the PI pages: add or edit a tie, end a tie, attest."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_countries import countries

from projects.models import Organisation, Person, Project, Tie
from projects.normalize import organisation_key
from projects.services import organisation_get_or_create, tie_create, tie_update
from projects.vocabulary import DISCLOSURE_DOCUMENTS, TIE_KIND_CHOICES

MSG_PERSON = "Choose a person on this project."
MSG_KIND = "Choose a kind of tie from the list."
MSG_ORGANISATION = "Enter the organisation's name."
MSG_COUNTRY = "Choose a country from the list, or leave it blank."
MSG_DATE = "Enter a date as YYYY-MM-DD."
MSG_END_BEFORE_START = "The end date cannot be before the start date."
MSG_ALREADY_ENDED = "This tie already ended on {date}; there is nothing to end."
MSG_CONFIRM = "Tick the box to confirm your disclosures are complete and current."
MSG_DISCLOSED_IN = "Choose documents from the list."
MSG_DISCLOSED_ON_WITHOUT_DOCUMENT = "Tick where it was disclosed as well as giving the date."
MSG_DISCLOSED_IN_FUTURE = "The disclosure date cannot be in the future."

TIE_FIELDS = (
    "person",
    "kind",
    "start_date",
    "end_date",
    "compensated",
    "disclosed_in",
    "disclosed_on",
    "notes",
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class AccessibleForm(forms.Form):
    """Fields with errors point at their messages (aria-invalid, aria-describedby)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"{name}-help"

    def full_clean(self) -> None:
        super().full_clean()
        self.mark_errors()

    def mark_errors(self) -> None:
        for name, field in self.fields.items():
            if name in self.errors:
                described = f"{name}-help " if field.help_text else ""
                field.widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"{described}{name}-error"}
                )


class TieForm(AccessibleForm):
    person = forms.ModelChoiceField(
        queryset=Person.objects.none(),
        label="Person",
        empty_label="Choose a person",
        error_messages={"required": MSG_PERSON, "invalid_choice": MSG_PERSON},
    )
    kind = forms.ChoiceField(
        choices=[("", "Choose a kind of tie"), *TIE_KIND_CHOICES],
        label="Kind of tie",
        error_messages={"required": MSG_KIND, "invalid_choice": MSG_KIND},
    )
    organisation = forms.CharField(
        label="Organisation",
        max_length=500,
        error_messages={"required": MSG_ORGANISATION},
    )
    country = forms.ChoiceField(
        choices=[("", "Not known"), *[(c.code, c.name) for c in countries]],
        label="Country",
        required=False,
        error_messages={"invalid_choice": MSG_COUNTRY},
    )
    start_date = forms.DateField(
        label="Start date", required=False, widget=DateInput(), error_messages={"invalid": MSG_DATE}
    )
    end_date = forms.DateField(
        label="End date", required=False, widget=DateInput(), error_messages={"invalid": MSG_DATE}
    )
    compensated = forms.BooleanField(
        label="Compensated",
        required=False,
        help_text="Paid, or given anything of value (salary, honoraria, research support).",
    )
    project_scoped = forms.BooleanField(
        label="Only for this project",
        required=False,
        help_text="Tick if the tie is part of this project's work; otherwise it counts for "
        "every project the person is on.",
    )
    disclosed_in = forms.MultipleChoiceField(
        choices=list(DISCLOSURE_DOCUMENTS.items()),
        label="Disclosed in",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Every document the tie is in. Leave all unticked if it has not been "
        "disclosed yet.",
        error_messages={"invalid_choice": MSG_DISCLOSED_IN},
    )
    disclosed_on = forms.DateField(
        label="Disclosed on",
        required=False,
        widget=DateInput(),
        help_text="The date of the latest of those documents (submitted or signed).",
        error_messages={"invalid": MSG_DATE},
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(
        self,
        *args: Any,
        people: QuerySet[Person],
        project: Project,
        tie: Tie | None = None,
        **kwargs: Any,
    ) -> None:
        if tie is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "person": tie.person_id,
                "kind": tie.kind,
                "organisation": tie.organisation.name,
                "country": getattr(tie.organisation.country, "code", "") or "",
                "start_date": tie.start_date,
                "end_date": tie.end_date,
                "compensated": tie.compensated,
                "project_scoped": tie.project_id == project.pk,
                "disclosed_in": list(tie.disclosed_in),
                "disclosed_on": tie.disclosed_on,
                "notes": tie.notes,
            }
        super().__init__(*args, **kwargs)
        self.project, self.tie = project, tie
        person_field = self.fields["person"]
        assert isinstance(person_field, forms.ModelChoiceField)
        person_field.queryset = people
        self.fields["organisation"].widget.attrs.update({"autocomplete": "off"})

    def clean_organisation(self) -> str:
        name = str(self.cleaned_data.get("organisation", "")).strip()
        if not name or not organisation_key(name):
            raise ValidationError(MSG_ORGANISATION)
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", MSG_END_BEFORE_START)
        disclosed_on = data.get("disclosed_on")
        if disclosed_on and not data.get("disclosed_in"):
            self.add_error("disclosed_on", MSG_DISCLOSED_ON_WITHOUT_DOCUMENT)
        elif disclosed_on and disclosed_on > timezone.localdate():
            self.add_error("disclosed_on", MSG_DISCLOSED_IN_FUTURE)
        return data

    def save(self) -> Tie:
        """Create or update the tie (and the organisation if it is new), all or nothing."""
        data = self.cleaned_data
        try:
            with transaction.atomic():
                organisation = _organisation_for(data["organisation"], data["country"])
                fields = {name: data[name] for name in TIE_FIELDS}
                fields["disclosed_in"] = sorted(set(data["disclosed_in"]))
                fields["organisation"] = organisation
                fields["project"] = self._project_for(data["project_scoped"])
                if self.tie is None:
                    return tie_create(**fields)
                return tie_update(tie=self.tie, **fields)
        except ValidationError as exc:
            self._add_model_errors(exc)
            self.mark_errors()
            raise

    def _project_for(self, scoped: bool) -> Project | None:
        if scoped:
            return self.project
        # Unticked here only unscopes it from this project, not from another one.
        if self.tie is not None and self.tie.project_id not in (None, self.project.pk):
            return self.tie.project
        return None

    def _add_model_errors(self, exc: ValidationError) -> None:
        mapping = {"name": "organisation", "country": "country"}
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                target = mapping.get(field, field)
                self.add_error(target if target in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)


def _organisation_for(name: str, country: str) -> Organisation:
    if not country:
        # Typed without a country: reuse the one organisation of that name if there is one.
        same_name = list(Organisation.objects.filter(normalized_name=organisation_key(name))[:2])
        if len(same_name) == 1:
            return same_name[0]
    organisation, _created = organisation_get_or_create(name=name, country=country)
    return organisation


class TieEndForm(AccessibleForm):
    end_date = forms.DateField(
        label="End date", required=False, widget=DateInput(), error_messages={"invalid": MSG_DATE}
    )

    def __init__(self, *args: Any, tie: Tie, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"end_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.tie = tie

    def clean_end_date(self) -> date:
        ended = self.tie.end_date
        if ended is not None and ended <= timezone.localdate():
            raise ValidationError(MSG_ALREADY_ENDED.format(date=ended.isoformat()))
        end: date = self.cleaned_data.get("end_date") or timezone.localdate()
        if self.tie.start_date and end < self.tie.start_date:
            raise ValidationError(MSG_END_BEFORE_START)
        return end


class AttestForm(forms.Form):
    confirm = forms.BooleanField(required=True, error_messages={"required": MSG_CONFIRM})
