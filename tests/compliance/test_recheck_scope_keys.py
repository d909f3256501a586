"""Re-check scope keys fit their column whatever the number of projects or rules."""

from __future__ import annotations

from compliance.models import RecheckRun
from compliance.receivers import SCOPE_KEY_MAX, scope_key_for


def test_a_short_scope_key_lists_its_parts() -> None:
    assert scope_key_for("fields", ["3", "17"]) == "fields:3,17"


def test_a_long_scope_key_is_a_digest_that_fits_and_is_the_same_for_the_same_set() -> None:
    ids = [str(n) for n in range(100_000, 100_060)]  # 60 seven-character ids: 419 characters
    key = scope_key_for("fields", ids)
    assert len(key) <= SCOPE_KEY_MAX == RecheckRun._meta.get_field("scope_key").max_length
    assert key.startswith("fields:#")
    assert scope_key_for("fields", list(ids)) == key  # a newer run still supersedes
    assert scope_key_for("fields", ids[:-1]) != key
