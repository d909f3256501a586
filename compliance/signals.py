"""Signals the compliance layer sends, so notifications and others react without coupling."""

from django.dispatch import Signal

# Sent after commit when a re-check run ends (done or failed). kwargs: run_id, status.
recheck_run_finished = Signal()
