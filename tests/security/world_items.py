"""The security World's equipment, foreign component, patent filing and institution facts:
the project items on "mine" (seen by the people on it, 404 to an outsider) and the
institution's (the research office only)."""

from __future__ import annotations

from datetime import date
from typing import Any

from projects.models import (
    EquipmentItem,
    ForeignComponent,
    InstitutionAgreement,
    InstitutionProfile,
    InstitutionUnit,
    PatentFiling,
    ProgrammeElement,
)
from tests.factories import OrganisationFactory, TieFactory
from tests.security.world import World


def items_world(w: World) -> dict[str, Any]:
    assert w.mine is not None and w.other is not None
    maker = OrganisationFactory.create(name="Matrix Optics Ltd", country="DE")
    equipment = EquipmentItem.objects.create(
        project=w.mine, description="Spectrometer", manufacturer=maker
    )
    component = ForeignComponent.objects.create(project=w.mine, kind="subaward", country="DE")
    patent_tie = TieFactory.create(
        person=w.other, organisation=maker, kind="patent", project=w.mine
    )
    patent = PatentFiling.objects.create(tie=patent_tie, jurisdiction="EP")
    profile = InstitutionProfile.objects.create(name="Security Test University")
    unit = InstitutionUnit.objects.create(profile=profile, name="School of Languages")
    agreement = InstitutionAgreement.objects.create(
        profile=profile,
        unit=unit,
        kind="exchange",
        counterpart="Partner U",
        start_date=date(2020, 1, 1),
    )
    element = ProgrammeElement.objects.create(profile=profile, element="cybersecurity")
    return {
        "equipment_pk": equipment.pk,
        "component_pk": component.pk,
        "patent_pk": patent.pk,
        "institution_pk": profile.pk,
        "unit_pk": unit.pk,
        "agreement_pk": agreement.pk,
        "element_pk": element.pk,
    }
