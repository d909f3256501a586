from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rules.services.lists import list_import

ROOT = Path(__file__).resolve().parents[2]
SEED_LISTS = ROOT / "seeds" / "lists"


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Run tasks in-process for this test, whatever the broker (CI has a real one)."""
    from config.celery import app

    old = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = old


@pytest.fixture
def seed_lists(db: None) -> None:
    """The curated DoD lists shipped in seeds/lists (no external data needed)."""
    list_import(fmt="grantcheck-yaml", path=SEED_LISTS)
