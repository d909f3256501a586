from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from projects.demo import build_demo_tables
from projects.models import Organisation, Person, Project, Role, Tie


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    return {
        "projects": sorted(
            Project.objects.values_list(
                "sponsor",
                "award_number",
                "title",
                "amount_usd",
                "start_date",
                "end_date",
                "status",
                "department",
                "fundamental_research",
            )
        ),
        "people": sorted(Person.objects.values_list("email", "name", "orcid", "department")),
        "roles": sorted(Role.objects.values_list("project__award_number", "person__email", "role")),
        "orgs": sorted(Organisation.objects.values_list("name", "country")),
        "ties": sorted(
            Tie.objects.values_list(
                "person__email",
                "organisation__name",
                "kind",
                "start_date",
                "end_date",
                "compensated",
                "source",
            ),
            key=repr,
        ),
    }


@pytest.mark.django_db
def test_load_demo_twice_with_the_same_seed_gives_the_same_portfolio() -> None:
    call_command("load_demo", "--projects", "40", "--seed", "7", stdout=io.StringIO())
    first = _snapshot()
    out = io.StringIO()

    call_command("load_demo", "--projects", "40", "--seed", "7", stdout=out)

    assert _snapshot() == first
    assert "0 created       0 changed" in out.getvalue()
    assert len(first["projects"]) == 40


def test_same_seed_same_tables_other_seed_other_tables() -> None:
    def rows(seed: int) -> list[Any]:
        return [t.rows for t in build_demo_tables(projects=60, seed=seed).values()]

    assert rows(3) == rows(3)
    assert rows(3) != rows(4)


@pytest.mark.django_db
def test_demo_portfolio_is_realistic() -> None:
    call_command("load_demo", "--projects", "300", stdout=io.StringIO())
    assert Project.objects.count() == 300
    assert Project.objects.values("sponsor").distinct().count() >= 6
    assert Project.objects.values("department").distinct().count() >= 10
    ties = Tie.objects.count()
    listed = Tie.objects.filter(
        organisation__name__in=[
            "Harbin Institute of Technology",
            "Beihang University",
            "Northwestern Polytechnical University",
            "National University of Defense Technology",
            "Thousand Talents Plan",
            "Huawei Technologies Co., Ltd.",
            "China Electronics Technology Group Corporation",
        ]
    ).count()
    assert 0 < listed / ties < 0.10
    climate_china = Tie.objects.filter(
        person__department__in=["Earth and Climate Sciences", "Public Health"],
        organisation__name__in=["Tsinghua University", "Peking University", "Zhejiang University"],
    )
    assert climate_china.exists()
    pi = Person.objects.get(user__username="pi")
    assert pi.roles.filter(role="pi").exists()
