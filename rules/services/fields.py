"""Tag projects with CET 2024 areas; a reviewer's override wins and is kept."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from projects.errors import ApplicationError
from projects.models import FieldTag, Project
from projects.signals import field_tags_changed_on_commit
from rules.fields import ProjectText, Taxonomy, load_taxonomy, tag_project

TAXONOMY_PATH = Path(settings.BASE_DIR) / "seeds" / "fields" / "cet_2024.yaml"
MSG_REASON_REQUIRED = "A reason is required to override a field tag."


@lru_cache(maxsize=1)
def taxonomy() -> Taxonomy:
    return load_taxonomy(TAXONOMY_PATH)


def area_codes() -> list[str]:
    return [a.code for a in taxonomy().areas]


@transaction.atomic
def projects_tag(*, project_ids: Sequence[int] | None = None) -> dict[str, int]:
    """Run the tagger; auto tags are created, updated or removed, reviewer tags are left alone."""
    qs = Project.objects.order_by("pk")
    if project_ids is not None:
        qs = qs.filter(pk__in=list(project_ids))
    projects = list(qs.values("id", "sponsor", "title", "abstract", "programme", "programme_codes"))
    existing: dict[tuple[int, str], FieldTag] = {
        (t.project_id, t.area): t
        for t in FieldTag.objects.filter(project_id__in=[p["id"] for p in projects])
    }
    counts = {"projects": len(projects), "created": 0, "updated": 0, "removed": 0}
    seen: set[tuple[int, str]] = set()
    new: list[FieldTag] = []
    changed: list[FieldTag] = []
    for p in projects:
        text = ProjectText(
            sponsor=p["sponsor"],
            title=p["title"],
            abstract=p["abstract"] or "",
            programme=p["programme"] or "",
            programme_codes=tuple(p["programme_codes"] or ()),
        )
        for tag in tag_project(text, taxonomy()):
            key = (p["id"], tag.area)
            seen.add(key)
            current = existing.get(key)
            values = {
                "confidence": round(tag.confidence, 4),
                "method": tag.method,
                "evidence": list(tag.evidence),
            }
            if current is None:
                new.append(FieldTag(project_id=p["id"], area=tag.area, **values))
            elif current.source == FieldTag.Source.AUTO and any(
                getattr(current, k) != v for k, v in values.items()
            ):
                for k, v in values.items():
                    setattr(current, k, v)
                changed.append(current)
    stale_tags = [
        t
        for k, t in existing.items()
        if k not in seen and t.source == FieldTag.Source.AUTO and not t.suppressed
    ]
    stale = [t.pk for t in stale_tags]
    stale_projects = {t.project_id for t in stale_tags}
    FieldTag.objects.bulk_create(new)
    FieldTag.objects.bulk_update(changed, ["confidence", "method", "evidence", "updated_at"])
    FieldTag.objects.filter(pk__in=stale).delete()
    counts.update(created=len(new), updated=len(changed), removed=len(stale))
    # R21 reads field tags: re-check those projects after commit
    field_tags_changed_on_commit({t.project_id for t in new + changed} | stale_projects)
    return counts


@transaction.atomic
def field_tag_override(
    *, project: Project, area: str, present: bool, reason: str, user: Any
) -> FieldTag:
    """A reviewer adds (present=True) or suppresses (present=False) a tag; it beats the tagger."""
    if area not in area_codes():
        raise ApplicationError(f"unknown CET area {area!r}")
    if not reason.strip():
        raise ApplicationError(MSG_REASON_REQUIRED)
    tag, _ = FieldTag.objects.get_or_create(
        project=project,
        taxonomy="CET2024",
        area=area,
        defaults={"confidence": 1.0, "method": "reviewer", "source": FieldTag.Source.REVIEWER},
    )
    tag.suppressed = not present
    tag.source = FieldTag.Source.REVIEWER
    if present:
        tag.confidence, tag.method = 1.0, "reviewer"
    tag.reviewed_by = user
    tag.reviewed_at = timezone.now()
    tag.review_reason = reason.strip()
    tag.save()
    field_tags_changed_on_commit([project.pk])
    return tag


def project_tags(project_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    qs = Project.objects.order_by("sponsor", "award_number")
    if project_ids is not None:
        qs = qs.filter(pk__in=list(project_ids))
    tags: dict[int, list[dict[str, Any]]] = {}
    for t in FieldTag.objects.filter(project__in=qs, suppressed=False).order_by("-confidence"):
        tags.setdefault(t.project_id, []).append(
            {"area": t.area, "confidence": t.confidence, "method": t.method}
        )
    return [
        {"award_number": p.award_number, "sponsor": p.sponsor, "tags": tags.get(p.pk, [])}
        for p in qs
    ]
