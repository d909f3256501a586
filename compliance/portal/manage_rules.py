"""Portal pages for rule packs, rule versions, drafts, diffs, publishing and retiring."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compliance.portal.diffing import (
    DraftError,
    draft_error_from,
    draft_parse,
    rule_yaml,
    unified_diff,
)
from compliance.portal.manage_access import require_admin, require_portfolio
from projects.access import can_administer
from projects.errors import ApplicationError
from rules.coverage import rule_lists
from rules.models import PackParameter, Rule, RulePack, RuleVersion, Scenario
from rules.services.rulepacks import (
    content_hash,
    rule_version_create,
    rule_version_publish,
    rule_version_retire,
)

TEMPLATES = "compliance/portal/manage/"


def _version(rule: Rule, number: int) -> RuleVersion:
    return get_object_or_404(rule.versions.select_related("author"), number=number)


@login_required
@require_GET
def rules_overview(request: HttpRequest) -> HttpResponse:
    require_portfolio(request)
    published = RuleVersion.objects.filter(status=RuleVersion.Status.PUBLISHED)
    packs = RulePack.objects.prefetch_related(
        Prefetch(
            "rules",
            queryset=Rule.objects.prefetch_related(
                Prefetch("versions", queryset=published, to_attr="published")
            ),
        ),
        Prefetch("parameters", queryset=PackParameter.objects.select_related("updated_by")),
    )
    scenarios = Scenario.objects.prefetch_related("scenario_packs__pack")
    coverage = rule_lists()
    return render(
        request,
        TEMPLATES + "rules.html",
        {
            "packs": packs,
            "scenarios": scenarios,
            "unconfirmed": "UNCONFIRMED",
            "rule_lists": coverage,
            "rules_silent": [r for r in coverage.values() if r.cant_fire],
        },
    )


@login_required
@require_GET
def rule_detail(request: HttpRequest, key: str) -> HttpResponse:
    require_portfolio(request)
    rule = get_object_or_404(Rule.objects.select_related("pack"), key=key)
    versions = list(rule.versions.select_related("author").order_by("-number"))
    return render(
        request,
        TEMPLATES + "rule.html",
        {"rule": rule, "versions": versions, "can_edit": can_administer(request.user)},
    )


@login_required
@require_GET
def rule_version_detail(request: HttpRequest, key: str, n: int) -> HttpResponse:
    require_portfolio(request)
    rule = get_object_or_404(Rule.objects.select_related("pack"), key=key)
    return _version_page(request, rule, _version(rule, n))


def _version_page(
    request: HttpRequest, rule: Rule, version: RuleVersion, error: str = "", status: int = 200
) -> HttpResponse:
    previous = rule.versions.filter(number__lt=version.number).order_by("-number").first()
    return render(
        request,
        TEMPLATES + "rule_version.html",
        {
            "rule": rule,
            "version": version,
            "yaml": rule_yaml(version.content),
            "previous": previous,
            "can_edit": can_administer(request.user),
            "error": error,
        },
        status=status,
    )


@login_required
@require_GET
def rule_diff(request: HttpRequest, key: str) -> HttpResponse:
    require_portfolio(request)
    rule = get_object_or_404(Rule.objects.select_related("pack"), key=key)
    versions = list(rule.versions.order_by("-number"))
    by_number = {v.number: v for v in versions}
    error = ""
    rows: list[Any] = []
    a = b = None
    try:
        a = by_number[int(request.GET.get("a", ""))]
        b = by_number[int(request.GET.get("b", ""))]
    except (KeyError, ValueError):
        error = "Choose two versions of this rule to compare."
    if a is not None and b is not None:
        rows = unified_diff(
            rule_yaml(a.content),
            rule_yaml(b.content),
            old_name=f"v{a.number}",
            new_name=f"v{b.number}",
        )
    return render(
        request,
        TEMPLATES + "rule_diff.html",
        {
            "rule": rule,
            "versions": versions,
            "a": a,
            "b": b,
            "rows": rows,
            "added": sum(r.kind == "add" for r in rows),
            "removed": sum(r.kind == "del" for r in rows),
            "error": error,
        },
        status=400 if error and request.GET else 200,
    )


def _draft_save(
    *,
    rule: Rule,
    latest: RuleVersion | None,
    content: dict[str, Any],
    text: str,
    note: str,
    user: Any,
) -> tuple[RuleVersion | None, DraftError | None]:
    if latest is not None and content_hash(content) == latest.content_hash:
        return None, DraftError(f"No change from v{latest.number}: nothing to save.")
    try:
        return rule_version_create(rule=rule, content=content, user=user, note=note), None
    except ApplicationError as exc:
        return None, draft_error_from(exc, text)


@login_required
@require_http_methods(["GET", "POST"])
def rule_draft(request: HttpRequest, key: str) -> HttpResponse:
    require_portfolio(request)
    rule = get_object_or_404(Rule.objects.select_related("pack"), key=key)
    latest = rule.versions.order_by("-number").first()
    text = rule_yaml(latest.content) if latest else f"id: {rule.key}\ntitle: {rule.title}\n"
    note = ""
    valid = False  # "Validate" without JavaScript: checked, not saved
    error: DraftError | None = None
    if request.method == "POST":
        require_admin(request)
        text = request.POST.get("content", "")
        note = request.POST.get("note", "").strip()[:500]
        content, error = draft_parse(rule=rule, text=text)
        valid = content is not None and request.POST.get("action") == "validate"
        if content is not None and not valid:
            version, error = _draft_save(
                rule=rule, latest=latest, content=content, text=text, note=note, user=request.user
            )
            if version is not None:
                messages.success(request, f"Saved draft v{version.number} of {rule.key}.")
                return HttpResponseRedirect(
                    reverse("portal-rule-version", args=[rule.key, version.number])
                )
    return render(
        request,
        TEMPLATES + "rule_draft.html",
        {
            "rule": rule,
            "latest": latest,
            "text": text,
            "note": note,
            "error": error,
            "valid": valid,
            "can_edit": can_administer(request.user),
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def rule_draft_validate(request: HttpRequest, key: str) -> HttpResponse:
    """htmx: check the typed draft without saving it; answers with the inline result."""
    require_admin(request)
    rule = get_object_or_404(Rule.objects.select_related("pack"), key=key)
    content, error = draft_parse(rule=rule, text=request.POST.get("content", ""))
    return render(
        request,
        TEMPLATES + "_draft_result.html",
        {"error": error, "valid": content is not None},
    )


def _confirmed_action(request: HttpRequest, key: str, n: int, action: str) -> HttpResponse:
    require_admin(request)
    rule = get_object_or_404(Rule.objects.select_related("pack"), key=key)
    version = _version(rule, n)
    if request.POST.get("confirm") != "yes":
        error = f"Tick the confirmation box to {action} v{version.number}."
        return _version_page(request, rule, version, error=error, status=400)
    try:
        if action == "publish":
            rule_version_publish(version=version, user=request.user)
        else:
            rule_version_retire(version=version, user=request.user)
    except ApplicationError as exc:
        return _version_page(request, rule, version, error=exc.message, status=400)
    done = "published" if action == "publish" else "retired"
    messages.success(
        request,
        f"{rule.key} v{version.number} {done}; the affected projects are being re-checked.",
    )
    return HttpResponseRedirect(reverse("portal-rule", args=[rule.key]))


@login_required
@require_POST
def rule_version_publish_view(request: HttpRequest, key: str, n: int) -> HttpResponse:
    return _confirmed_action(request, key, n, "publish")


@login_required
@require_POST
def rule_version_retire_view(request: HttpRequest, key: str, n: int) -> HttpResponse:
    return _confirmed_action(request, key, n, "retire")
