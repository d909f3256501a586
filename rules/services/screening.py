"""Screen names and portfolio organisations against the current edition of every list."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from projects.errors import ApplicationError
from projects.models import Organisation
from rules.models import (
    ListEntry,
    ListVersion,
    OrganisationMatch,
    OrganisationMatchReview,
    ScreeningRun,
)
from rules.models.lists import listing_status
from rules.screening import IndexEntry, Match, Screener, ScreeningIndex, Thresholds
from rules.screening.confusables import screen_folded
from rules.signals import organisation_match_rejected, organisations_rescreened

MSG_REASON_REQUIRED = "A reason is required for a match decision."


def thresholds() -> Thresholds:
    default = Thresholds()
    accept = getattr(settings, "SCREENING_ACCEPT_THRESHOLD", None)
    review = getattr(settings, "SCREENING_REVIEW_THRESHOLD", None)
    return Thresholds(
        accept=default.accept if accept is None else accept,
        review=default.review if review is None else review,
    )


def current_versions() -> list[tuple[int, str]]:
    """(pk, content hash) of the newest version of every list (its current edition)."""
    latest: dict[int, tuple[int, str]] = {}
    for pk, list_id, content in ListVersion.objects.order_by("imported_at", "pk").values_list(
        "pk", "reference_list_id", "content_hash"
    ):
        latest[list_id] = (pk, content)
    return sorted(latest.values())


def current_version_ids() -> list[int]:
    return [pk for pk, _content in current_versions()]


@dataclass(frozen=True)
class EntryRef:
    entry_id: int
    list_id: int
    list_code: str
    external_id: str
    version_id: int
    listed_on: date | None = None
    delisted_on: date | None = None
    former_names: frozenset[str] = frozenset()


class _IndexCache:
    """One index per set of current versions, rebuilt when a list edition is imported."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[tuple[int, str], ...] | None = None
        self._index: ScreeningIndex | None = None
        self._refs: dict[int, EntryRef] = {}

    def get(self) -> tuple[ScreeningIndex, dict[int, EntryRef]]:
        key = tuple(current_versions())
        with self._lock:
            if self._index is None or key != self._key:
                self._index, self._refs = _build_index([pk for pk, _content in key])
                self._key = key
            return self._index, self._refs

    def clear(self) -> None:
        with self._lock:
            self._key, self._index, self._refs = None, None, {}


def _build_index(version_ids: Sequence[int]) -> tuple[ScreeningIndex, dict[int, EntryRef]]:
    rows = ListEntry.objects.filter(version_id__in=version_ids).values_list(
        "pk",
        "primary_name",
        "aliases",
        "country",
        "external_id",
        "version_id",
        "version__reference_list_id",
        "version__reference_list__code",
        "listed_on",
        "delisted_on",
    )
    entries: list[IndexEntry] = []
    refs: dict[int, EntryRef] = {}
    for (
        pk,
        name,
        aliases,
        country,
        ext,
        version_id,
        list_id,
        code,
        listed,
        delisted,
    ) in rows.iterator(chunk_size=5000):
        entries.append(
            IndexEntry(
                key=pk,
                list_code=code,
                name=name,
                aliases=tuple(a["name"] for a in aliases),
                country=country,
            )
        )
        former = frozenset(a["name"] for a in aliases if a.get("kind") == "former")
        refs[pk] = EntryRef(pk, list_id, code, ext, version_id, listed, delisted, former)
    return Screener(entries), refs


INDEX = _IndexCache()


def names_screen(*, names: Iterable[str]) -> list[dict[str, Any]]:
    """The shared output of `manage.py screen --json` and POST /api/v1/screen/."""
    index, refs = INDEX.get()
    limits = thresholds()
    out: list[dict[str, Any]] = []
    for name in names:
        matches, folded = screen_folded(index, name, thresholds=limits)
        out.append(
            {
                "query": name,
                "matches": [dict(_match_json(m, refs), note=folded.reason) for m in matches],
            }
        )
    return out


def _entry_id(match: Match) -> int:
    return cast(int, match.key)


def _match_json(match: Match, refs: dict[int, EntryRef]) -> dict[str, Any]:
    ref = refs[_entry_id(match)]
    today = timezone.localdate()
    return {
        "list": match.list_code,
        "entry_id": ref.entry_id,
        "external_id": ref.external_id,
        "name": match.name,
        "alias": match.alias,
        "method": match.method,
        "score": round(match.score, 4),
        "decision": match.decision,
        "list_version": ref.version_id,
        "listing": {
            "status": listing_status(ref.listed_on, ref.delisted_on, today),
            "listed_on": ref.listed_on.isoformat() if ref.listed_on else None,
            "delisted_on": ref.delisted_on.isoformat() if ref.delisted_on else None,
        },
        "on_former_name": match.alias is not None and match.alias in ref.former_names,
    }


def organisations_screen(
    *, organisation_ids: Iterable[int] | None = None, trigger: str = "manual"
) -> ScreeningRun:
    """Refresh OrganisationMatch rows; reviewers' decisions persist across re-screening."""
    run = ScreeningRun.objects.create(
        trigger=trigger, status=ScreeningRun.Status.RUNNING, started_at=timezone.now()
    )
    try:
        _screen_into(run, organisation_ids)
    except Exception as exc:
        run.status = ScreeningRun.Status.FAILED
        run.error = f"{type(exc).__name__}: {exc}"
        run.finished_at = timezone.now()
        run.save()
        raise
    run.status = ScreeningRun.Status.DONE
    run.finished_at = timezone.now()
    run.save()
    return run


@transaction.atomic
def _screen_into(run: ScreeningRun, organisation_ids: Iterable[int] | None) -> None:
    index, refs = INDEX.get()
    limits = thresholds()
    orgs = Organisation.objects.all()
    if organisation_ids is not None:
        orgs = orgs.filter(pk__in=list(organisation_ids))
    org_rows = list(orgs.values_list("pk", "name", "aliases"))
    existing: dict[tuple[int, int, str], OrganisationMatch] = {
        (m.organisation_id, m.reference_list_id, m.external_id): m
        for m in OrganisationMatch.objects.filter(organisation_id__in=[o[0] for o in org_rows])
    }
    seen: set[tuple[int, int, str]] = set()
    new: list[OrganisationMatch] = []
    changed: list[OrganisationMatch] = []
    for org_id, name, aliases in org_rows:
        best: dict[tuple[int, int, str], tuple[Match, str, str]] = {}
        for query in [name, *aliases]:
            matches, folded = screen_folded(index, query, thresholds=limits)
            for match in matches:
                ref = refs[_entry_id(match)]
                key = (org_id, ref.list_id, ref.external_id)
                if key not in best or match.score > best[key][0].score:
                    best[key] = (match, query, folded.reason)
        for key, (match, query, note) in best.items():
            seen.add(key)
            ref = refs[_entry_id(match)]
            fields = {
                "entry_id": ref.entry_id,
                "query": query[:1000],
                "alias": (match.alias or "")[:1000],
                "method": match.method,
                "score": round(float(match.score), 4),
                "decision": match.decision,
                "note": note[:500],
                "active": True,
            }
            current = existing.get(key)
            if current is None:
                new.append(
                    OrganisationMatch(
                        organisation_id=org_id,
                        reference_list_id=ref.list_id,
                        external_id=ref.external_id,
                        run=run,
                        **fields,
                    )
                )
                continue
            if any(getattr(current, k) != v for k, v in fields.items()):
                for k, v in fields.items():
                    setattr(current, k, v)
                current.run = run
                changed.append(current)
    removed = [m for k, m in existing.items() if k not in seen and m.active]
    for m in removed:
        m.active = False
        m.run = run
    OrganisationMatch.objects.bulk_create(new, batch_size=1000)
    update_fields = [
        "entry_id",
        "query",
        "alias",
        "method",
        "score",
        "decision",
        "note",
        "active",
        "run",
        "updated_at",
    ]
    for m in changed + removed:
        m.updated_at = timezone.now()
    OrganisationMatch.objects.bulk_update(changed + removed, update_fields, batch_size=1000)
    changed_orgs = sorted({m.organisation_id for m in new + changed + removed})
    if changed_orgs:
        transaction.on_commit(
            lambda: organisations_rescreened.send(
                sender=OrganisationMatch, organisation_ids=changed_orgs
            )
        )
    run.organisations = len(org_rows)
    run.matches_new = len(new)
    run.matches_changed = len(changed)
    run.matches_removed = len(removed)


@transaction.atomic
def organisation_match_review(
    *, match: OrganisationMatch, status: str, reason: str, user: Any
) -> OrganisationMatch:
    """A reviewer confirms or rejects a match; the decision and its history persist."""
    if status not in (OrganisationMatch.Review.CONFIRMED, OrganisationMatch.Review.REJECTED):
        raise ApplicationError(f"Unknown decision {status!r}; use confirmed or rejected.")
    if not reason or not reason.strip():
        raise ApplicationError(MSG_REASON_REQUIRED)
    match = OrganisationMatch.objects.select_for_update().get(pk=match.pk)
    match.review_status = status
    match.review_reason = reason.strip()
    match.reviewed_by = user
    match.reviewed_at = timezone.now()
    match.save()
    OrganisationMatchReview.objects.create(
        match=match, status=status, reason=match.review_reason, reviewer=user
    )
    if status == OrganisationMatch.Review.REJECTED:  # findings resting on it are cleared
        organisation_match_rejected.send(
            sender=OrganisationMatch, match=match, reason=match.review_reason, user=user
        )
    org_id = match.organisation_id
    transaction.on_commit(  # findings that rest on this match are re-checked
        lambda: organisations_rescreened.send(sender=OrganisationMatch, organisation_ids=[org_id])
    )
    return match
