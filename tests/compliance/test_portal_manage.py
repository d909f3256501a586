"""Portal rule pages: packs, versions, diff, draft editor, impact preview, publish, retire."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client

from compliance.models import AuditEvent, Finding, RecheckRun
from compliance.portal.diffing import rule_yaml
from rules.models import Rule, RuleVersion, Scenario
from rules.services.rulepacks import rule_version_create
from tests.compliance.conftest import TODAY
from tests.web import signed_in

LOOKBACK = "- tie_within:\n      years:\n        param: r07_lookback_years\n"


def _r07_yaml() -> str:
    published = Rule.objects.get(key="R07").published_version
    assert published is not None
    return rule_yaml(published.content)


def _with_lookback(years: int) -> str:
    text = _r07_yaml()
    assert LOOKBACK in text  # the fixture YAML is what the editor shows
    return text.replace(LOOKBACK, f"- tie_within:\n      years: {years}\n")


def _draft(years: int, user: Any = None) -> RuleVersion:
    import yaml

    content = yaml.safe_load(_with_lookback(years))
    return rule_version_create(rule=Rule.objects.get(key="R07"), content=content, user=user)


def _findings() -> list[tuple[Any, ...]]:
    return list(
        Finding.objects.order_by("pk").values_list(
            "pk", "status", "severity", "last_confirmed", "rule_version_id", "explanation"
        )
    )


def _gets(draft: RuleVersion) -> list[str]:
    n = draft.number
    return [
        "/rules/",
        "/rules/R07/",
        f"/rules/R07/diff/?a=1&b={n}",
        "/rules/R07/draft/",
        f"/rules/R07/versions/{n}/",
        f"/rules/R07/versions/{n}/preview/?date=2026-11-28",
    ]


def _posts(draft: RuleVersion) -> list[tuple[str, dict[str, str]]]:
    n, text = draft.number, _with_lookback(4)
    return [
        ("/rules/R07/draft/", {"content": text}),
        ("/rules/R07/draft/validate/", {"content": text}),
        (f"/rules/R07/versions/{n}/publish/", {"confirm": "yes"}),
        ("/rules/R07/versions/1/retire/", {"confirm": "yes"}),
    ]


@pytest.mark.django_db
def test_rule_pages_require_login(rules_loaded: None) -> None:
    draft = _draft(3)
    for url in _gets(draft):
        response = signed_in(None).get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    for url, data in _posts(draft):
        assert signed_in(None).post(url, data).status_code == 302, url


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["outsider", "pi"])
def test_outsiders_and_pis_are_refused_every_rule_page(
    persona: str, evaluated: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    client = signed_in(request.getfixturevalue(persona))
    draft = _draft(3)
    versions = list(RuleVersion.objects.values_list("pk", "status"))
    assert "/rules/" not in client.get("/projects/").content.decode()  # no nav link
    for url in [*_gets(draft), "/rules/NOPE/"]:
        assert client.get(url).status_code == 403, url
    for url, data in _posts(draft):
        assert client.post(url, data).status_code == 403, url
    assert list(RuleVersion.objects.values_list("pk", "status")) == versions


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["auditor", "reviewer"])
def test_auditors_and_reviewers_read_every_rule_page_and_every_write_is_refused(
    persona: str, evaluated: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    client = signed_in(request.getfixturevalue(persona))
    draft = _draft(3)
    versions = list(RuleVersion.objects.values_list("pk", "status", "number"))
    events = AuditEvent.objects.count()
    for url in _gets(draft):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert 'href="/rules/"' in page and 'href="/lists/"' in page  # nav links
        assert "Save draft" not in page and "Publish v" not in page
    assert "Read only" in client.get("/rules/R07/draft/").content.decode()
    for url, data in _posts(draft):
        assert client.post(url, data).status_code == 403, url
    assert list(RuleVersion.objects.values_list("pk", "status", "number")) == versions
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_overview_lists_packs_published_versions_parameters_and_scenarios(
    rules_loaded: None, reviewer: Any
) -> None:
    page = signed_in(reviewer).get("/rules/").content.decode()
    r07 = Rule.objects.get(key="R07")
    assert f'href="/rules/R07/versions/{r07.published_version.number}/"' in page  # type: ignore[union-attr]
    assert "r07_lookback_years" in page
    assert re.search(r"<code>\w+</code></td><td><code>[^<]*</code></td><td>.*UNCONFIRMED", page)
    assert "Current obligations" in page
    current = Scenario.objects.get(code="current")
    for pack in current.ordered_packs:
        assert f'href="#pack-{pack.code}">{pack.code}</a>' in page


@pytest.mark.django_db
def test_rule_page_lists_versions_with_status_author_and_hash(
    rules_loaded: None, admin_user: Any, reviewer: Any
) -> None:
    draft = _draft(3, user=admin_user)
    page = signed_in(reviewer).get("/rules/R07/").content.decode()
    assert f'href="/rules/R07/versions/{draft.number}/">v{draft.number}</a>' in page
    assert "admin_user" in page and draft.content_hash[:12] in page
    assert "st-draft" in page and "st-published" in page
    yaml_page = signed_in(reviewer).get(f"/rules/R07/versions/{draft.number}/").content.decode()
    assert "years: 3" in unescape(yaml_page) and draft.content_hash in yaml_page


@pytest.mark.django_db
def test_admin_saves_a_valid_draft_as_a_new_draft_version(
    rules_loaded: None, admin_user: Any
) -> None:
    client = signed_in(admin_user)
    form = unescape(client.get("/rules/R07/draft/").content.decode())
    assert _r07_yaml() in form  # prefilled with the latest version
    before = RuleVersion.objects.filter(rule__key="R07").count()
    response = client.post(
        "/rules/R07/draft/", {"content": _with_lookback(3), "note": "three-year look-back"}
    )
    version = RuleVersion.objects.filter(rule__key="R07").order_by("-number").first()
    assert version is not None and response.status_code == 302
    assert response["Location"] == f"/rules/R07/versions/{version.number}/"
    assert RuleVersion.objects.filter(rule__key="R07").count() == before + 1
    assert version.status == "draft" and version.author == admin_user
    assert version.note == "three-year look-back"
    assert version.content["condition"]["all"][2] == {"tie_within": {"years": 3}}
    assert Rule.objects.get(key="R07").published_version.number == version.number - 1  # type: ignore[union-attr]
    event = AuditEvent.objects.get(
        action="create", object_type="rules.ruleversion", object_id=str(version.pk)
    )
    assert event.actor_username == "admin_user"
    again = client.post("/rules/R07/draft/", {"content": _with_lookback(3)})
    assert again.status_code == 400 and "No change from v" in again.content.decode()
    assert RuleVersion.objects.filter(rule__key="R07").count() == before + 1


@pytest.mark.django_db
def test_invalid_yaml_is_refused_with_its_line_and_the_text_is_kept(
    rules_loaded: None, admin_user: Any
) -> None:
    before = RuleVersion.objects.count()
    text = "id: R07\ntitle: broken\ncondition: {all: [\n  {fact: tie.kind\n"
    response = signed_in(admin_user).post("/rules/R07/draft/", {"content": text})
    page = response.content.decode()
    assert response.status_code == 400 and "Not valid YAML (line" in page
    assert f">{text}</textarea>" in unescape(page)
    assert RuleVersion.objects.count() == before


@pytest.mark.django_db
def test_invalid_condition_is_refused_with_path_and_line_and_the_text_is_kept(
    rules_loaded: None, admin_user: Any
) -> None:
    before = RuleVersion.objects.count()
    text = _r07_yaml().replace("fact: tie.kind", "fact: tie.colour")
    line = 1 + text.splitlines().index(next(x for x in text.splitlines() if "tie.colour" in x))
    client = signed_in(admin_user)
    for url in ("/rules/R07/draft/", "/rules/R07/draft/validate/"):
        response = client.post(url, {"content": text}, HTTP_HX_REQUEST="true")
        page = unescape(response.content.decode())
        assert "unknown fact 'tie.colour'" in page, url
        assert "rule R07.condition.all[0].fact" in page and f"(line {line})" in page
    assert RuleVersion.objects.count() == before
    saved = unescape(client.post("/rules/R07/draft/", {"content": text}).content.decode())
    assert f">{text}</textarea>" in saved
    wrong_id = client.post("/rules/R07/draft/", {"content": text.replace("id: R07", "id: R99")})
    assert "rule id must stay R07" in wrong_id.content.decode()
    assert RuleVersion.objects.count() == before


@pytest.mark.django_db
def test_validate_answers_inline_without_saving(rules_loaded: None, admin_user: Any) -> None:
    before = RuleVersion.objects.count()
    response = signed_in(admin_user).post(
        "/rules/R07/draft/validate/", {"content": _with_lookback(3)}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Valid: this draft compiles" in page
    assert "<html" not in page  # a fragment for htmx
    assert RuleVersion.objects.count() == before


@pytest.mark.django_db
def test_validate_works_without_javascript_and_saves_nothing(
    rules_loaded: None, admin_user: Any
) -> None:
    before = RuleVersion.objects.count()
    client = signed_in(admin_user)
    form = client.get("/rules/R07/draft/").content.decode()
    assert 'name="action" value="validate" hx-post="/rules/R07/draft/validate/"' in form
    text = _with_lookback(3)
    response = client.post("/rules/R07/draft/", {"content": text, "action": "validate"})
    page = unescape(response.content.decode())
    assert response.status_code == 200 and "Valid: this draft compiles" in page
    assert f">{text}</textarea>" in page
    assert RuleVersion.objects.count() == before


@pytest.mark.django_db
def test_writes_need_the_csrf_token(rules_loaded: None, admin_user: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    before = list(RuleVersion.objects.values_list("pk", "status"))
    assert client.post("/rules/R07/draft/", {"content": _with_lookback(3)}).status_code == 403
    assert client.post("/rules/R07/versions/1/retire/", {"confirm": "yes"}).status_code == 403
    assert list(RuleVersion.objects.values_list("pk", "status")) == before
    form = client.get("/rules/R07/draft/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in form and "X-CSRFToken" in form  # htmx header


@pytest.mark.django_db
def test_unknown_rules_and_versions_are_404_for_portfolio_users(
    rules_loaded: None, auditor: Any
) -> None:
    client = signed_in(auditor)
    for url in ("/rules/NOPE/", "/rules/R07/versions/99/", "/rules/R07/versions/99/preview/"):
        assert client.get(url).status_code == 404, url


@pytest.mark.django_db
def test_diff_shows_the_changed_parameter_lines_marked_added_and_removed(
    rules_loaded: None, auditor: Any
) -> None:
    draft = _draft(3)
    published = Rule.objects.get(key="R07").published_version
    assert published is not None
    response = signed_in(auditor).get(f"/rules/R07/diff/?a={published.number}&b={draft.number}")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<del>        param: r07_lookback_years</del>" in page
    assert '<span class="sr-only">removed</span>' in page
    assert "<ins>      years: 3</ins>" in page and '<span class="sr-only">added</span>' in page
    assert "<strong>1</strong> line added" in page and "<strong>2</strong> lines removed" in page
    assert "param: dod_expanded_lists" in page  # context around the change
    same = signed_in(auditor).get(f"/rules/R07/diff/?a={draft.number}&b={draft.number}")
    assert "the same content" in same.content.decode()
    bad = signed_in(auditor).get("/rules/R07/diff/?a=1&b=99")
    assert bad.status_code == 400 and "Choose two versions" in bad.content.decode()


def _section(page: str, code: str) -> str:
    start = page.index(f'<h2 id="sc-{code}">')
    end = page.find("</section>", start)
    return page[start:end]


@pytest.mark.django_db
def test_preview_shows_resolving_findings_and_dollars_and_leaves_live_findings_alone(
    evaluated: dict[str, Any], reviewer: Any
) -> None:
    draft = _draft(3)
    live = _findings()
    assert any(f[1] == "open" for f in live)
    response = signed_in(reviewer).get(
        f"/rules/R07/versions/{draft.number}/preview/?date=2026-11-28"
    )
    assert response.status_code == 200
    page = unescape(response.content.decode())
    current = _section(page, "current")
    visiting = f"tie:{evaluated['visiting'].pk}"
    resolved = current[current.index("would resolve (1)") : current.index("severity would change")]
    assert visiting in resolved and "W911NF-24-1-0042" in resolved
    assert "would appear (0)" in current
    assert (
        'Before (live findings)</th><td class="num">1</td><td class="num">$1,250,000</td>'
        in current
    )
    assert "After (with v" in current and '<td class="num">$0</td></tr>' in current
    assert "+$0 / \u2212$1,250,000" in current  # minus sign
    for scenario in Scenario.objects.filter(scenario_packs__pack=draft.rule.pack):
        assert f'<h2 id="sc-{scenario.code}">' in page
    assert _findings() == live  # the preview wrote nothing
    draft.refresh_from_db()
    assert draft.status == "draft"


@pytest.mark.django_db
def test_preview_shows_appearing_findings_and_severity_changes(
    evaluated: dict[str, Any], auditor: Any
) -> None:
    live = _findings()
    longer = _draft(10)
    page = unescape(
        signed_in(auditor)
        .get(f"/rules/R07/versions/{longer.number}/preview/?date=2026-11-28")
        .content.decode()
    )
    current = _section(page, "current")
    appear = current[current.index("would appear (1)") : current.index("would resolve")]
    assert f"tie:{evaluated['old'].pk}" in appear
    assert "would resolve (0)" in current
    import yaml

    milder = yaml.safe_load(_r07_yaml().replace("severity: high", "severity: low", 1))
    draft = rule_version_create(rule=Rule.objects.get(key="R07"), content=milder)
    page = unescape(
        signed_in(auditor)
        .get(f"/rules/R07/versions/{draft.number}/preview/?date=2026-11-28")
        .content.decode()
    )
    changed = _section(page, "current")
    changed = changed[changed.index("severity would change (1)") :]
    assert f"tie:{evaluated['visiting'].pk}" in changed and "lowered" in changed
    assert '<span class="sev sev-high">high</span>' in changed
    assert _findings() == live


@pytest.mark.django_db
def test_preview_refuses_a_bad_date(rules_loaded: None, reviewer: Any) -> None:
    draft = _draft(3)
    response = signed_in(reviewer).get(f"/rules/R07/versions/{draft.number}/preview/?date=soon")
    assert response.status_code == 400 and "YYYY-MM-DD" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_publish_needs_confirmation_then_publishes_rechecks_and_audits(
    portfolio: dict[str, Any], admin_user: Any, eager_celery: None
) -> None:
    from compliance.services.recheck import recheck_request

    recheck_request(trigger="baseline", scope_key="all", today=TODAY)
    finding = Finding.objects.get(rule__key="R07", scenario__code="current")
    assert finding.status == "open"
    old = Rule.objects.get(key="R07").published_version
    assert old is not None
    draft = _draft(3, user=admin_user)
    last_run = RecheckRun.objects.order_by("-pk").values_list("pk", flat=True).first()
    client = signed_in(admin_user)
    url = f"/rules/R07/versions/{draft.number}/publish/"
    unconfirmed = client.post(url, {})
    assert (
        unconfirmed.status_code == 400
        and "Tick the confirmation box" in unconfirmed.content.decode()
    )
    draft.refresh_from_db()
    assert draft.status == "draft" and not RecheckRun.objects.filter(pk__gt=last_run).exists()

    response = client.post(url, {"confirm": "yes"})
    assert response.status_code == 302 and response["Location"] == "/rules/R07/"
    draft.refresh_from_db()
    old.refresh_from_db()
    assert draft.status == "published" and draft.published_at is not None
    assert old.status == "retired"
    run = RecheckRun.objects.filter(pk__gt=last_run).get()
    assert run.trigger == "rules changed: R07" and run.status == "done"
    finding.refresh_from_db()
    assert finding.status == "resolved" and finding.resolved_by_run == run
    event = AuditEvent.objects.filter(
        action="update", object_type="rules.ruleversion", object_id=str(draft.pk)
    ).last()
    assert event is not None and event.actor_username == "admin_user"
    assert (event.before or {}).get("status") == "draft"
    assert (event.after or {}).get("status") == "published"
    page = client.get("/rules/R07/").content.decode()
    assert "published; the affected projects are being re-checked" in page
    again = client.post(url, {"confirm": "yes"})
    assert again.status_code == 400 and "Only a draft can be published." in again.content.decode()


@pytest.mark.django_db(transaction=True)
def test_retire_needs_confirmation_then_retires_and_audits(
    rules_loaded: None, admin_user: Any, eager_celery: None
) -> None:
    version = Rule.objects.get(key="R07").published_version
    assert version is not None
    client = signed_in(admin_user)
    url = f"/rules/R07/versions/{version.number}/retire/"
    assert client.post(url, {}).status_code == 400
    version.refresh_from_db()
    assert version.status == "published"
    assert client.post(url, {"confirm": "yes"}).status_code == 302
    version.refresh_from_db()
    assert version.status == "retired" and version.retired_at is not None
    assert Rule.objects.get(key="R07").published_version is None
    event = AuditEvent.objects.filter(
        action="update", object_type="rules.ruleversion", object_id=str(version.pk)
    ).last()
    assert event is not None and (event.after or {}).get("status") == "retired"
    assert event.actor_username == "admin_user"
