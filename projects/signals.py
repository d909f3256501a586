"""Signals the portfolio sends upward (screening, re-checks), so projects imports no other app."""

from django.dispatch import Signal

# ids: organisation primary keys that were created or renamed (sent after commit).
organisations_changed = Signal()

# project_ids: projects whose field tags a reviewer changed (sent after commit).
field_tags_changed = Signal()

# project_ids: projects touched by a bulk write such as an import (sent after commit).
portfolio_changed = Signal()
