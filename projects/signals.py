"""Signals the portfolio sends upward (screening, re-checks), so projects imports no other app."""

from django.dispatch import Signal

# ids: organisation primary keys that were created or renamed (sent after commit).
organisations_changed = Signal()
