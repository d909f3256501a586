"""Report exports: findings register, decisions log, exposure, audit log — as of any date.

Written as CSV (streamed), XLSX or PDF with a manifest, at once or by a Celery task; every
export writes an AuditEvent with its manifest. What the reports hold, scoped by the visibility
selectors: compliance.services.report_rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from contextvars import copy_context
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from compliance.audit.chain import Change, audit_record
from compliance.audit.context import acting_as, current_actor
from compliance.labels import scenario_base_code, scenario_label, sponsor_label
from compliance.models import ReportExport
from compliance.reports import (
    Manifest,
    Section,
    csv_chunks,
    sha256_file,
    write_pdf,
    write_xlsx,
)
from compliance.services.report_rows import (
    ReportRequest,
    exposure_rows,
    report_scenarios,
    report_sections,
)
from rules.models import Scenario

REPORT_TITLES = {
    "findings": "Findings register",
    "decisions": "Decisions log",
    "exposure": "Exposure by scenario",
    "audit": "Audit log",
}
#: Reports whose PDF opens with the dollars-at-stake chart.
EXPOSURE_CHART_KINDS = frozenset({"findings", "exposure"})


class _Counting:
    """Wraps a row iterator to count what was written (per scenario, when ``per_scenario``
    names the section's kind: counts are then keyed ``<kind>:<scenario code>``)."""

    def __init__(
        self,
        rows: Iterable[Mapping[str, Any]],
        *,
        per_scenario: str | None = None,
        scenarios: Iterable[str] = (),
    ) -> None:
        self.rows = rows
        self.count = 0
        self.per_scenario = per_scenario
        self.by_scenario = {f"{per_scenario}:{code}": 0 for code in scenarios}

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        for row in self.rows:
            self.count += 1
            if self.per_scenario is not None:
                key = f"{self.per_scenario}:{row.get('scenario_code', '')}"
                self.by_scenario[key] = self.by_scenario.get(key, 0) + 1
            yield row


def _manifest(req: ReportRequest, counts: Mapping[str, int], files: Mapping[str, str]) -> Manifest:
    return Manifest(
        kind=req.kind,
        format=req.fmt,
        filters=dict(req.filters),
        as_of=req.as_of.isoformat() if req.as_of else None,
        generated_by=req.user.get_username()
        if getattr(req.user, "is_authenticated", False)
        else "system",
        row_counts=dict(counts),
        files=dict(files),
    )


def _audit_export(manifest: Manifest) -> None:
    audit_record(
        Change(
            action="export",
            object_type="report",
            object_id=manifest.kind,
            object_repr=f"{manifest.kind} report ({manifest.format})",
            after=manifest.to_dict(),
        )
    )


def report_stream_csv(
    req: ReportRequest, *, filename: str, bom: bool = False, on_done: Any = None
) -> Iterator[bytes]:
    """Stream a CSV export chunk by chunk; the manifest and AuditEvent follow the last chunk."""
    [section] = report_sections(req, per_scenario=False)
    scenario_bound = req.kind != "audit"
    counter = _Counting(
        section.rows,
        per_scenario=req.kind if scenario_bound else None,
        scenarios=[s.code for s in report_scenarios(req)] if scenario_bound else (),
    )
    digest = hashlib.sha256()
    for chunk in csv_chunks(
        Section(section.name, section.title, section.columns, counter), bom=bom
    ):
        digest.update(chunk)
        yield chunk
    counts = counter.by_scenario if scenario_bound else {section.name: counter.count}
    manifest = _manifest(req, counts, {filename: digest.hexdigest()})
    _audit_export(manifest)
    if on_done is not None:
        on_done(manifest)


def report_write(req: ReportRequest, path: Path, *, bom: bool = False) -> Manifest:
    """Write a whole export to a file and return its manifest (the export is audited)."""
    if req.fmt == "csv":
        holder: list[Manifest] = []
        with path.open("wb") as fh:
            for chunk in report_stream_csv(req, filename=path.name, bom=bom, on_done=holder.append):
                fh.write(chunk)
        return holder[0]
    sections = report_sections(req)
    counters = [_Counting(s.rows) for s in sections]
    counted = [
        Section(s.name, s.title, s.columns, c) for s, c in zip(sections, counters, strict=True)
    ]
    words = _filter_words(req)
    with path.open("wb") as fh:
        if req.fmt == "xlsx":
            write_xlsx(counted, fh)
        else:
            write_pdf(
                title=f"grantcheck: {REPORT_TITLES[req.kind]}",
                manifest=_manifest(req, {}, {}),
                sections=counted,
                exposure=_pdf_exposure(req),
                stream=fh,
                scope=_scope(req, words),
                filter_labels=words,
            )
    counts = {s.name: c.count for s, c in zip(sections, counters, strict=True)}
    manifest = _manifest(req, counts, {path.name: sha256_file(path)})
    _audit_export(manifest)
    return manifest


def _pdf_exposure(req: ReportRequest) -> list[tuple[str, Decimal]] | None:
    """Dollars at stake per scenario for the PDF's chart, each labelled with its scenario and
    never added up; only for the reports about findings (the audit log holds audit content)."""
    if req.kind not in EXPOSURE_CHART_KINDS:
        return None
    scoped = {k: v for k, v in req.filters.items() if k in ("scenario", "sponsor", "department")}
    totals = ReportRequest("exposure", "pdf", req.user, req.as_of, scoped)
    labels = {s.code: label for s, label in _labelled(report_scenarios(totals))}
    return [
        (labels.get(r["scenario_code"], r["scenario"]), r["amount_usd"])
        for r in exposure_rows(totals)
        if r["group"] == "total"
    ]


def _filter_words(req: ReportRequest) -> dict[str, str]:
    """Each filter's value in words (scenario and sponsor names, not codes), for the PDF."""
    names = dict(Scenario.objects.values_list("code", "name"))
    words = {
        "scenario": lambda code: f"{names[code]} ({code})" if code in names else str(code),
        "sponsor": sponsor_label,
    }
    return {key: words.get(key, str)(value) for key, value in req.filters.items() if value}


def _scope(req: ReportRequest, words: dict[str, str]) -> str:
    """The cover's one-line scope, in words."""
    parts = [f"{key.replace('_', ' ')}: {text}" for key, text in sorted(words.items())]
    seen = "as of " + req.as_of.isoformat() if req.as_of else "current data"
    if not parts:
        per = "; one table per scenario" if req.kind != "audit" else ""
        return f"Everything visible to the requester ({seen}){per}."
    return f"{'; '.join(parts)} ({seen})."


def _labelled(scenarios: list[Scenario]) -> list[tuple[Scenario, str]]:
    base = scenario_base_code(Scenario.objects.all())
    return [(s, scenario_label(s, base_code=base)) for s in scenarios]


def report_export_request(req: ReportRequest) -> ReportExport:
    """Queue a large export; a Celery task writes it (after commit) for later download."""
    req.validate()
    export = ReportExport.objects.create(
        kind=req.kind,
        format=req.fmt,
        filters=req.filters,
        as_of=req.as_of,
        requested_by=req.user,
    )
    export_id = export.pk

    def enqueue() -> None:
        from compliance.tasks import report_export_task

        report_export_task.delay(export_id)

    # The task is queued at commit, perhaps after the request's actor is gone (a transaction
    # that outlives the view): queue it in the request's context, so it acts as its user.
    context = copy_context()
    transaction.on_commit(lambda: context.run(enqueue))
    return export


def report_export_run(*, export_id: int) -> str:
    claimed = ReportExport.objects.filter(pk=export_id, status=ReportExport.Status.QUEUED).update(
        status=ReportExport.Status.RUNNING
    )
    if not claimed:  # a redelivered message: someone already has it
        return str(ReportExport.objects.get(pk=export_id).status)
    export = ReportExport.objects.select_related("requested_by").get(pk=export_id)
    user = export.requested_by
    req = ReportRequest(export.kind, export.format, user, export.as_of, dict(export.filters))
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    name = f"{export.pk}-grantcheck-{export.kind}-{stamp}.{export.format}"
    root = Path(settings.EXPORT_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    # The worker runs as whoever asked (compliance.audit.propagation): keep their request id
    # and address; a task without them (re-run by hand) still names the requester.
    started = current_actor()
    same = user is not None and started.user_id == user.pk
    try:
        with acting_as(
            user, request_id=started.request_id if same else "", ip=started.ip if same else None
        ):
            manifest = report_write(req, root / name)
    except Exception as exc:
        ReportExport.objects.filter(pk=export_id).update(
            status=ReportExport.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}",
            finished_at=timezone.now(),
        )
        raise
    (root / f"{name}.manifest.json").write_text(manifest.to_json(), encoding="utf-8")
    ReportExport.objects.filter(pk=export_id).update(
        status=ReportExport.Status.DONE,
        file_name=name,
        manifest=manifest.to_dict(),
        finished_at=timezone.now(),
    )
    return ReportExport.Status.DONE


def report_export_path(export: ReportExport) -> Path:
    return Path(settings.EXPORT_ROOT) / export.file_name
