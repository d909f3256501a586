"""Audit snapshots: JSON-safe values, read from the loaded attributes (deferred ones as usual)."""

from __future__ import annotations

import enum
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from projects.auditing import attribute_reader, jsonable, snapshot
from projects.models import Project
from tests.factories import ProjectFactory


class Colour(enum.StrEnum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Tag(str):
    """A str subclass that is not an enum."""


def test_jsonable_converts_every_kind_of_value_as_before() -> None:
    at = datetime(2026, 11, 29, 12, 30, tzinfo=UTC)
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    value = {
        "at": at,
        "on": date(2026, 1, 2),
        "amount": Decimal("1234.50"),
        "colour": Colour.RED,
        "level": Level.HIGH,
        "tag": Tag("t"),
        "id": ident,
        "nested": {1: [at, (Decimal("1"), {"x": None})], "set": {"a"}},
        "plain": [True, 1, 1.5, "s", None],
    }
    out = jsonable(value)

    assert out == {
        "at": "2026-11-29T12:30:00+00:00",
        "on": "2026-01-02",
        "amount": "1234.50",
        "colour": "red",
        "level": 3,
        "tag": "t",
        "id": "12345678-1234-5678-1234-567812345678",
        "nested": {"1": ["2026-11-29T12:30:00+00:00", ["1", {"x": None}]], "set": ["a"]},
        "plain": [True, 1, 1.5, "s", None],
    }
    assert json.loads(json.dumps(out)) == out  # JSON-safe all the way down
    # The same types again (converters are looked up once per type): the same answers.
    assert jsonable(Decimal("2")) == "2" and jsonable(date(2026, 1, 3)) == "2026-01-03"


def test_attribute_reader_reads_loaded_values_and_falls_back_for_missing_ones() -> None:
    class Thing:
        def __init__(self) -> None:
            self.a = 1

        @property
        def b(self) -> int:  # not in __dict__: read through the attribute
            return 2

    read = attribute_reader(("a", "b"))
    assert read(Thing()) == (1, 2)
    assert attribute_reader(("a",))(Thing()) == (1,)


@pytest.mark.django_db
def test_a_snapshot_of_a_partly_loaded_row_equals_one_of_the_full_row(db: Any) -> None:
    project = ProjectFactory.create(amount_usd=Decimal("250000.00"))
    full = snapshot(Project.objects.get(pk=project.pk))
    partial = Project.objects.only("id").get(pk=project.pk)

    assert snapshot(partial) == full  # deferred fields are loaded, not left out
    assert full["amount_usd"] == "250000.00" and full["id"] == project.pk
