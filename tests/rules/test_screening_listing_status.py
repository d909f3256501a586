"""Screening output says whether a matched entry is current or delisted (with its dates) and
whether the match is on a former name: `screen --json`, the text output, the portal pages."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from rules.models import ListEntry, OrganisationMatch
from rules.models.lists import listing_status
from rules.services.screening import names_screen, organisations_screen
from tests.factories import OrganisationFactory

#: The 1260H row listed 2024-01-31 and delisted 2025-01-07.
MEGVII = "Beijing Megvii Technology Co., Ltd. (Megvii)"


def test_listing_status_reads_the_dates_as_rule_r29_does() -> None:
    day = date(2025, 6, 1)
    assert listing_status(None, None, day) == "current"
    assert listing_status(date(2024, 1, 31), None, day) == "current"
    assert listing_status(date(2024, 1, 31), date(2025, 1, 7), day) == "delisted"
    assert listing_status(date(2024, 1, 31), date(2025, 6, 1), day) == "delisted"
    assert listing_status(date(2024, 1, 31), date(2025, 6, 2), day) == "current"
    assert listing_status(date(2026, 1, 1), None, day) == "not yet listed"


@pytest.mark.django_db
def test_screen_json_marks_a_delisted_entry_with_its_dates(seed_lists: None) -> None:
    out = io.StringIO()
    call_command("screen", "Megvii Research, Beijing", "Huawei", "--json", stdout=out)
    [megvii, huawei] = json.loads(out.getvalue())

    [row] = [m for m in megvii["matches"] if m["name"] == MEGVII]
    assert row["listing"] == {
        "status": "delisted",
        "listed_on": "2024-01-31",
        "delisted_on": "2025-01-07",
    }
    assert row["on_former_name"] is False
    current = [m for m in huawei["matches"] if m["decision"] == "accept"]
    assert current and all(m["listing"]["status"] == "current" for m in current)
    assert all(m["listing"]["delisted_on"] is None for m in current)


@pytest.mark.django_db
def test_screen_json_marks_a_match_on_a_former_name(seed_lists: None) -> None:
    [old, new] = names_screen(
        names=["Third Military Medical University, Chongqing", "Army Medical University"]
    )
    [hit] = [m for m in old["matches"] if m["decision"] == "accept"]
    assert (hit["name"], hit["alias"], hit["on_former_name"]) == (
        "Army Medical University",
        "Third Military Medical University",
        True,
    )
    [hit] = [m for m in new["matches"] if m["decision"] == "accept"]
    assert hit["on_former_name"] is False and hit["alias"] is None


@pytest.mark.django_db
def test_screen_text_output_says_delisted_and_former(seed_lists: None) -> None:
    out = io.StringIO()
    call_command("screen", "Megvii Inc.", "Second Military Medical University", stdout=out)
    text = out.getvalue()
    assert "delisted 2025-01-07, listed 2024-01-31" in text
    assert "a former name" in text


@pytest.mark.django_db
def test_match_page_shows_listing_status_and_former_name(seed_lists: None, reviewer: Any) -> None:
    delisted = OrganisationFactory.create(name="Megvii", country="CN")
    former = OrganisationFactory.create(name="Fourth Military Medical University", country="CN")
    organisations_screen()
    megvii = OrganisationMatch.objects.get(organisation=delisted, entry__primary_name=MEGVII)
    afmu = OrganisationMatch.objects.get(organisation=former, active=True)
    assert megvii.entry.listing_status == "delisted"
    assert afmu.on_former_name and not megvii.on_former_name

    client = Client()
    client.force_login(reviewer)
    page = client.get(f"/matches/{megvii.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Delisted on 2025-01-07 (listed 2024-01-31)" in html
    assert "a former name" not in html

    html = client.get(f"/matches/{afmu.pk}/").content.decode()
    assert "a former name" in html and "Current" in html


@pytest.mark.django_db
def test_match_list_shows_listing_status(seed_lists: None, reviewer: Any) -> None:
    org = OrganisationFactory.create(name="Megvii", country="CN")
    organisations_screen()
    match = OrganisationMatch.objects.get(organisation=org, entry__primary_name=MEGVII)
    OrganisationMatch.objects.filter(pk=match.pk).update(decision="review")
    client = Client()
    client.force_login(reviewer)
    html = client.get("/matches/").content.decode()
    assert f"#{match.pk}" in html
    assert "Delisted on 2025-01-07" in html


@pytest.mark.django_db
def test_entry_alias_kind(seed_lists: None) -> None:
    entry = ListEntry.objects.filter(primary_name="Naval Medical University").latest("pk")
    assert entry.alias_kind("Second Military Medical University") == "former"
    assert entry.alias_kind("no such name") == ""
    assert entry.alias_kind(None) == ""
