"""Signals the portfolio sends upward (screening, re-checks), so projects imports no other app."""

from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal

# ids: organisation primary keys that were created or renamed (sent after commit).
organisations_changed = Signal()

# project_ids: projects whose field tags a reviewer changed (sent after commit).
field_tags_changed = Signal()

# project_ids: projects touched by a bulk write such as an import (sent after commit).
portfolio_changed = Signal()


def field_tags_changed_on_commit(project_ids: Iterable[int]) -> None:
    """Send field_tags_changed for these projects once the transaction commits (none: nothing)."""
    ids = sorted(set(project_ids))
    if ids:
        transaction.on_commit(lambda: field_tags_changed.send(sender=None, project_ids=ids))


# Our institution's facts (profile, units, agreements, programme elements) changed in bulk,
# e.g. by an import (sent after commit; single saves send post_save as usual).
institution_changed = Signal()
