"""Signals the rules app sends: other layers react without rules importing them."""

from django.dispatch import Signal

# ids: list of ListVersion primary keys created by one import (sent after commit).
list_versions_imported = Signal()

# keys: rule keys whose published version or parameters changed (sent after commit).
rules_changed = Signal()

# organisation_ids: organisations whose list matches changed in a screening run (after commit).
organisations_rescreened = Signal()

# match, reason, user: a reviewer rejected a name match ("not the same organisation"). Sent
# inside the review's transaction, so what receivers write commits or rolls back with it.
organisation_match_rejected = Signal()
