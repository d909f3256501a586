from __future__ import annotations

from pathlib import Path

import pytest

from rules.services.lists import list_import

ROOT = Path(__file__).resolve().parents[2]
SEED_LISTS = ROOT / "seeds" / "lists"


@pytest.fixture
def seed_lists(db: None) -> None:
    """The curated DoD lists shipped in seeds/lists (no external data needed)."""
    list_import(fmt="grantcheck-yaml", path=SEED_LISTS)
