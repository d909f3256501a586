"""Notifications: portal rows for every event, e-mailed at once or in a daily digest.

selectors.py reads, delivery.py sends e-mail and records preferences and read state,
findings.py / digests.py / attestations.py decide who hears about what, tasks.py and
receivers.py run them (Celery beat and the recheck_run_finished signal). docs/notifications.md.
"""
