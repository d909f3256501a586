"""Forms of the "My records" pages: a person's research-security training, covered
international travel and MFTRP certifications. The destination of a trip is a fact of the
trip; no field asks for a person's ethnicity, national origin or citizenship."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from compliance.portal.forms_pi import DateInput
from projects.models import MftrpCertification, Person, Project, TrainingRecord, TravelRecord

MSG_DATE = "Enter a date as YYYY-MM-DD."
MSG_IN_FUTURE = "This date cannot be in the future."
MSG_PROJECT = "Choose one of your projects."


class RecordForm(forms.ModelForm):
    """A person's record; the person is set by the view (always the signed-in user's own).
    Fields with errors point at their messages (aria-invalid, aria-describedby)."""

    past_dates: tuple[str, ...] = ()

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.person = person
        for name, field in self.fields.items():
            if isinstance(field, forms.DateField):
                field.widget = DateInput()
                field.error_messages["invalid"] = MSG_DATE
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"{name}-help"

    def _get_validation_exclusions(self) -> set[str]:
        # The person is not a form field but is set: validate the unique constraints that
        # include it (the same course on the same day, the same trip) as form errors.
        exclude: set[str] = super()._get_validation_exclusions()  # type: ignore[misc]
        exclude.discard("person")
        return exclude

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in self.past_dates:
            value = data.get(name)
            if value is not None and value > timezone.localdate():
                self.add_error(name, MSG_IN_FUTURE)
        return data

    def full_clean(self) -> None:
        super().full_clean()
        for name, field in self.fields.items():
            if name in self.errors:
                described = f"{name}-help " if field.help_text else ""
                field.widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"{described}{name}-error"}
                )


class TrainingForm(RecordForm):
    past_dates = ("completed_on",)

    class Meta:
        model = TrainingRecord
        fields = ["course", "provider", "completed_on"]


class TravelForm(RecordForm):
    past_dates = ("preauthorised_on",)

    class Meta:
        model = TravelRecord
        fields = [
            "destination_country",
            "departed_on",
            "returned_on",
            "purpose",
            "preauthorised_on",
            "preauthorisation_reference",
        ]


class CertificationForm(RecordForm):
    past_dates = ("certified_on",)

    class Meta:
        model = MftrpCertification
        fields = ["project", "certified_on"]

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, person=person, **kwargs)
        project = self.fields["project"]
        assert isinstance(project, forms.ModelChoiceField)
        project.queryset = Project.objects.filter(roles__person=person).order_by("award_number")
        project.error_messages["invalid_choice"] = MSG_PROJECT
        project.label = "Award"


class DeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label="Yes, delete this record",
        error_messages={"required": "Tick the box to confirm the deletion."},
    )
