"""The permission matrix: expected status of every URL pattern x method x persona.

One entry per URL pattern, keyed by the pattern as the URLconf walk spells it (prefixes
joined, e.g. "projects/<int:pk>/ties/new/" or "api/v1/^ties/(?P<pk>[^/.]+)/$");
test_permission_matrix.py fails naming any pattern without an entry.

Adding a row: pick the pattern's key from the failure message, give it a URL (a function of
the security World, or a plain string) and, per method, the status each persona gets, in the
order of PERSONAS: anonymous, outsider, PI, co-PI, senior personnel on the project, reviewer,
auditor, administrator. `by(...)` spells that out; the profiles below cover most pages.

Writes are sent with an empty (or deliberately invalid) body, so a persona that may write
gets past the permission check and is refused by validation (200 re-rendering the form with
its errors, or 400), while nothing changes; a persona that may not gets 403 (read-only) or
404 (cannot see the object). Objects are the World's (tests/security/world.py): "mine" is
the project the PI, co-PI and senior personnel are on. `MATRIX_RECORD=1 pytest
tests/security/test_permission_matrix.py` prints every cell as the app answers it, to fill
in a new row (check each status against the policy before copying it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.security.world import PERSONAS, World

Statuses = dict[str, int | tuple[int, ...]]  # persona -> status (or any of several)
Url = str | Callable[[World], str]


def by(
    anonymous: int,
    outsider: int,
    pi: int,
    co_pi: int,
    senior: int,
    reviewer: int,
    auditor: int,
    admin: int,
) -> Statuses:
    values = (anonymous, outsider, pi, co_pi, senior, reviewer, auditor, admin)
    return dict(zip(PERSONAS, values, strict=True))


@dataclass(frozen=True)
class Row:
    url: Url
    methods: dict[str, Statuses]
    data: dict[str, Any] = field(default_factory=dict)  # POST body (form-encoded)
    note: str = ""

    def path(self, world: World) -> str:
        return self.url(world) if callable(self.url) else self.url


# ---------------------------------------------------------------- profiles
# anonymous is sent to sign in (302) on every portal page
EVERYONE = by(200, 200, 200, 200, 200, 200, 200, 200)
SIGNED_IN = by(302, 200, 200, 200, 200, 200, 200, 200)
ON_PROJECT = by(302, 404, 200, 200, 200, 200, 200, 200)  # an object of "mine"
OFFICE = by(302, 403, 403, 403, 403, 200, 200, 200)  # research office pages (read)
ADMIN_WRITE = by(302, 403, 403, 403, 403, 403, 403, 400)  # administrators only (invalid body)
# API: anonymous 403 (session authentication answers first), outsiders see nothing (an
# empty list, 404 on a detail)
API_LIST = by(403, 200, 200, 200, 200, 200, 200, 200)
API_ON_PROJECT = by(403, 404, 200, 200, 200, 200, 200, 200)
API_OFFICE = by(403, 403, 403, 403, 403, 200, 200, 200)
API_WRITE_REFUSED = by(403, 405, 405, 405, 405, 405, 405, 405)  # read-only endpoints
API_ADMIN_WRITE = by(403, 403, 403, 403, 403, 403, 403, 400)
ADMIN_SITE = by(302, 302, 302, 302, 302, 302, 302, 200)  # Django admin: staff only
OWN_RECORD_API = by(403, 404, 200, 404, 404, 200, 200, 200)  # the PI's own training/trip/...
# "My records": people keep their own; users without a person record may not (403); another
# person's record is not found (404). Empty writes re-render the form with its errors (200).
HAS_PERSON = by(302, 403, 200, 200, 200, 403, 403, 403)
OWN_RECORD = by(302, 403, 200, 404, 404, 403, 403, 403)


def _mine(w: World) -> int:
    assert w.mine is not None
    return w.mine.pk


def _pi_person(w: World) -> int:
    pk: int = w.users["pi"].person.pk
    return pk


CPOS = by(302, 404, 200, 404, 404, 200, 200, 200)
CPOS_POST = by(302, 405, 405, 405, 405, 405, 405, 405)
API_CPOS = by(403, 404, 200, 404, 404, 200, 200, 200)


def _f(w: World) -> int:
    assert w.finding is not None
    return w.finding.pk


def _o(name: str) -> Callable[[World], Any]:
    return lambda w: w.objects[name]


def api(
    name: str, list_: Statuses, detail: Statuses, detail_url: Callable[[World], Any]
) -> dict[str, Row]:
    """The four patterns a DRF router makes for a read-only viewset (with format suffixes)."""
    base = f"api/v1/^{name}"
    return {
        f"{base}/$": Row(f"/api/v1/{name}/", {"GET": list_, "POST": _writes(list_)}),
        f"{base}\\.(?P<format>[a-z0-9]+)/?$": Row(f"/api/v1/{name}.json", {"GET": list_}),
        f"{base}/(?P<pk>[^/.]+)/$": Row(
            lambda w: f"/api/v1/{name}/{detail_url(w)}/",
            {"GET": detail, "DELETE": _writes(detail)},
        ),
        f"{base}/(?P<pk>[^/.]+)\\.(?P<format>[a-z0-9]+)/?$": Row(
            lambda w: f"/api/v1/{name}/{detail_url(w)}.json", {"GET": detail}
        ),
    }


def _writes(read: Statuses) -> Statuses:
    """A write to a read-only endpoint: refused by the permission check as the read is (403),
    else 405 (DRF checks the method before looking the object up)."""
    return {p: (s if s == 403 else 405) for p, s in read.items()}


def admin_site(models: list[tuple[str, str, Any]]) -> dict[str, Row]:
    """The Django admin's patterns for each registered model (app, model, an object id)."""
    rows: dict[str, Row] = {}
    missing = by(302, 302, 302, 302, 302, 302, 302, 302)  # an object that does not exist
    for app, model, _obj in models:
        base = f"admin/{app}/{model}/"
        rows[base] = Row(f"/{base}", {"GET": ADMIN_SITE})
        # read-only models (audit events, runs, ...) refuse "add" to the administrator too
        rows[f"{base}add/"] = Row(f"/{base}add/", {"GET": {**ADMIN_SITE, "admin": (200, 403)}})
        for suffix in ("", "history/", "delete/", "change/"):
            # read-only models refuse "delete" before looking for the object
            expect = {**missing, "admin": (302, 403)} if suffix == "delete/" else missing
            rows[f"{base}<path:object_id>/{suffix}"] = Row(
                f"/{base}999999999/{suffix}", {"GET": expect}
            )
    return rows


ROWS: dict[str, Row] = {
    # ------------------------------------------------------------ sign-in and account
    "": Row("/", {"GET": by(302, 302, 302, 302, 302, 302, 302, 302)}),
    # a wrong password re-renders the form (200) until the address is throttled (429)
    "accounts/login/": Row(
        "/accounts/login/",
        {"GET": EVERYONE, "POST": dict.fromkeys(PERSONAS, (200, 429))},
        data={"username": "nobody", "password": "wrong"},
    ),
    "accounts/logout/": Row("/accounts/logout/", {"POST": by(*[302] * 8)}),
    "accounts/password_change/": Row(
        "/accounts/password_change/", {"GET": SIGNED_IN, "POST": SIGNED_IN}
    ),
    "accounts/password_change/done/": Row("/accounts/password_change/done/", {"GET": SIGNED_IN}),
    "accounts/password_reset/": Row(
        "/accounts/password_reset/", {"GET": EVERYONE, "POST": EVERYONE}
    ),
    "accounts/password_reset/done/": Row("/accounts/password_reset/done/", {"GET": EVERYONE}),
    "accounts/reset/<uidb64>/<token>/": Row("/accounts/reset/MQ/bad-token/", {"GET": EVERYONE}),
    "accounts/reset/done/": Row("/accounts/reset/done/", {"GET": EVERYONE}),
    # ------------------------------------------------------------ PI pages
    "projects/": Row("/projects/", {"GET": SIGNED_IN}),
    "projects/<int:pk>/": Row(lambda w: f"/projects/{_mine(w)}/", {"GET": ON_PROJECT}),
    "projects/<int:pk>/self-check/": Row(
        lambda w: f"/projects/{_mine(w)}/self-check/", {"GET": ON_PROJECT}
    ),
    # senior personnel add their own ties; auditors read only
    "projects/<int:pk>/ties/new/": Row(
        lambda w: f"/projects/{_mine(w)}/ties/new/",
        {"GET": by(302, 404, 200, 200, 200, 200, 403, 200)}
        | {"POST": by(302, 404, 200, 200, 200, 200, 403, 200)},
    ),
    # a colleague's tie scoped to "mine": its PI and co-PI edit it, senior personnel only their own
    "projects/<int:pk>/ties/<int:tie_pk>/edit/": Row(
        lambda w: f"/projects/{_mine(w)}/ties/{w.scoped_here.pk}/edit/",  # type: ignore[union-attr]
        {
            "GET": by(302, 404, 200, 200, 403, 200, 403, 200),
            "POST": by(302, 404, 200, 200, 403, 200, 403, 200),
        },
    ),
    "projects/<int:pk>/ties/<int:tie_pk>/end/": Row(
        lambda w: f"/projects/{_mine(w)}/ties/{w.scoped_here.pk}/end/",  # type: ignore[union-attr]
        {
            "GET": by(302, 404, 200, 200, 403, 200, 403, 200),
            "POST": by(302, 404, 200, 200, 403, 200, 403, 200),
        },
        data={"end_date": "not a date"},
    ),
    "my-records/": Row("/my-records/", {"GET": SIGNED_IN}),
    "my-records/<str:kind>/new/": Row(
        "/my-records/training/new/", {"GET": HAS_PERSON, "POST": HAS_PERSON}
    ),
    "my-records/<str:kind>/<int:record_pk>/edit/": Row(
        lambda w: f"/my-records/travel/{w.objects['pi_trip_pk']}/edit/",
        {"GET": OWN_RECORD, "POST": OWN_RECORD},
    ),
    "my-records/<str:kind>/<int:record_pk>/delete/": Row(
        lambda w: f"/my-records/training/{w.objects['pi_training_pk']}/delete/",
        {"GET": OWN_RECORD, "POST": OWN_RECORD},
    ),
    # htmx fragment: anyone with a role, and the research office
    "organisations/suggest/": Row(
        "/organisations/suggest/?q=Open", {"GET": by(302, 404, 200, 200, 200, 200, 200, 200)}
    ),
    # everyone reads their own; only people with a person record can attest
    "attestation/": Row(
        "/attestation/",
        # an empty attestation is refused (400) for anyone with a person record
        {"GET": SIGNED_IN, "POST": by(302, 403, 400, 400, 400, 403, 403, 403)},
    ),
    # evidence found about oneself: people with a person record; disputes only of one's own
    "evidence/": Row("/evidence/", {"GET": by(302, 404, 200, 200, 200, 404, 404, 404)}),
    "evidence/ties/<int:tie_pk>/dispute/": Row(
        lambda w: f"/evidence/ties/{w.objects['pi_found_tie'].pk}/dispute/",
        {
            "GET": by(302, 404, 200, 403, 403, 403, 403, 403),
            "POST": by(302, 404, 400, 403, 403, 403, 403, 403),
        },
    ),
    # CPOS drafts: one's own (a PI), anyone's for the research office; never a colleague's
    # (co-PI, senior personnel: 404); read only (POST 405, auditors included)
    "cpos/": Row(lambda w: f"/cpos/?person={_pi_person(w)}", {"GET": CPOS, "POST": CPOS_POST}),
    "cpos/download/": Row(
        lambda w: f"/cpos/download/?person={_pi_person(w)}", {"GET": CPOS, "POST": CPOS_POST}
    ),
    # API tokens: everyone signed in manages their own (a key nobody holds: 404)
    "account/tokens/": Row(
        "/account/tokens/",
        {"GET": SIGNED_IN, "POST": by(302, 400, 400, 400, 400, 400, 400, 400)},
        data={"name": "", "days": "not a number"},
    ),
    "account/tokens/<str:token_key>/revoke/": Row(
        "/account/tokens/nosuchkey/revoke/", {"POST": by(302, 404, 404, 404, 404, 404, 404, 404)}
    ),
    # ------------------------------------------------------------ exports, audit log, import
    "exports/": Row(
        "/exports/",
        {"GET": OFFICE, "POST": by(302, 403, 403, 403, 403, 400, 400, 400)},
        data={"kind": "bogus"},
    ),
    "exports/rows/": Row("/exports/rows/", {"GET": OFFICE}),  # htmx fragment
    "audit-log/": Row("/audit-log/", {"GET": by(302, 403, 403, 403, 403, 403, 200, 200)}),
    "import/": Row(
        "/import/",
        {"GET": by(302, 403, 403, 403, 403, 403, 403, 200), "POST": ADMIN_WRITE},
    ),
    "import/runs/": Row("/import/runs/", {"GET": by(302, 403, 403, 403, 403, 403, 403, 200)}),
    "import/runs/<int:pk>/": Row(
        lambda w: f"/import/runs/{w.objects['import_run_pk']}/",
        {"GET": by(302, 403, 403, 403, 403, 403, 403, 200)},
    ),
    # ------------------------------------------------------------ research office
    "dashboard/": Row("/dashboard/", {"GET": OFFICE}),
    "dashboard/runs/": Row("/dashboard/runs/", {"GET": OFFICE}),  # htmx fragment
    "findings/": Row("/findings/", {"GET": OFFICE}),
    "findings/<int:pk>/": Row(
        lambda w: f"/findings/{_f(w)}/",
        {"GET": ON_PROJECT, "POST": by(302, 404, 403, 403, 403, 200, 403, 200)},
    ),
    # assign with nothing chosen goes back to the queue with a message; decide refuses (400)
    "findings/assign/": Row(
        "/findings/assign/", {"POST": by(302, 403, 403, 403, 403, 302, 403, 302)}
    ),
    "findings/decide/": Row(
        "/findings/decide/", {"POST": by(302, 403, 403, 403, 403, 400, 403, 400)}
    ),
    # comments: the project's PI and co-PI, and reviewers; internal notes: reviewers only
    "findings/<int:pk>/comments/": Row(
        lambda w: f"/findings/{_f(w)}/comments/",
        {"POST": by(302, 404, 400, 400, 403, 400, 403, 400)},
    ),
    "findings/<int:pk>/notes/": Row(
        lambda w: f"/findings/{_f(w)}/notes/",
        {"POST": by(302, 404, 403, 403, 403, 400, 403, 400)},
    ),
    "matches/": Row("/matches/", {"GET": OFFICE}),
    "matches/<int:pk>/": Row(
        lambda w: f"/matches/{w.objects['match'].pk}/",
        {"GET": OFFICE, "POST": by(302, 403, 403, 403, 403, 400, 403, 400)},
    ),
    "disputes/": Row("/disputes/", {"GET": OFFICE}),
    "disputes/<int:pk>/": Row(
        lambda w: f"/disputes/{w.objects['dispute'].pk}/",
        {"GET": OFFICE, "POST": by(302, 403, 403, 403, 403, 400, 403, 400)},
    ),
    "rules/": Row("/rules/", {"GET": OFFICE}),
    "rules/<str:key>/": Row(lambda w: f"/rules/{w.objects['rule_key']}/", {"GET": OFFICE}),
    "rules/<str:key>/diff/": Row(
        lambda w: f"/rules/{w.objects['rule_key']}/diff/", {"GET": OFFICE}
    ),
    "rules/<str:key>/draft/": Row(
        lambda w: f"/rules/{w.objects['rule_key']}/draft/",
        {"GET": OFFICE, "POST": ADMIN_WRITE},
        data={"content": "{not yaml"},
    ),
    "rules/<str:key>/draft/validate/": Row(
        lambda w: f"/rules/{w.objects['rule_key']}/draft/validate/",
        {"POST": by(302, 403, 403, 403, 403, 403, 403, 200)},  # htmx: errors inline, 200
        data={"content": "{not yaml"},
    ),
    "rules/<str:key>/versions/<int:n>/": Row(
        lambda w: f"/rules/{w.objects['rule_key']}/versions/{w.objects['rule_n']}/",
        {"GET": OFFICE},
    ),
    "rules/<str:key>/versions/<int:n>/preview/": Row(
        lambda w: f"/rules/{w.objects['rule_key']}/versions/{w.objects['rule_n']}/preview/",
        {"GET": OFFICE},
    ),
    "rules/<str:key>/versions/<int:n>/publish/": Row(
        lambda w: f"/rules/{w.objects['rule_key']}/versions/{w.objects['rule_n']}/publish/",
        {"POST": ADMIN_WRITE},
    ),
    "rules/<str:key>/versions/<int:n>/retire/": Row(
        lambda w: f"/rules/{w.objects['rule_key']}/versions/{w.objects['rule_n']}/retire/",
        {"POST": ADMIN_WRITE},
    ),
    "lists/": Row("/lists/", {"GET": OFFICE}),
    "lists/import/": Row("/lists/import/", {"GET": OFFICE, "POST": ADMIN_WRITE}),
    "lists/versions/<int:pk>/": Row(
        lambda w: f"/lists/versions/{w.objects['list_version'].pk}/", {"GET": OFFICE}
    ),
    # ------------------------------------------------------------ notifications (own only)
    "notifications/": Row("/notifications/", {"GET": SIGNED_IN}),
    "notifications/<int:pk>/read/": Row(
        lambda w: f"/notifications/{w.objects['pi_notification'].pk}/read/",
        {"POST": by(302, 404, 302, 404, 404, 404, 404, 404)},
    ),
    "notifications/read-all/": Row("/notifications/read-all/", {"POST": by(302, *[302] * 7)}),
    "notifications/preference/": Row(
        "/notifications/preference/",
        {"POST": by(302, 400, 400, 400, 400, 400, 400, 400)},
        data={"delivery": "sometimes"},
    ),
    # ------------------------------------------------------------ operations
    "healthz": Row("/healthz", {"GET": EVERYONE}),
    # ------------------------------------------------------------ API
    "api/v1/": Row("/api/v1/", {"GET": API_LIST}),
    "api/v1/<drf_format_suffix:format>": Row("/api/v1/.json", {"GET": API_LIST}),
    "api/schema/": Row("/api/schema/", {"GET": EVERYONE}),
    "api/docs/": Row("/api/docs/", {"GET": EVERYONE}),
    "api/v1/imports/portfolio/": Row("/api/v1/imports/portfolio/", {"POST": API_ADMIN_WRITE}),
    "api/v1/imports/list/": Row("/api/v1/imports/list/", {"POST": API_ADMIN_WRITE}),
    "api/v1/screen/": Row("/api/v1/screen/", {"POST": by(403, 400, 400, 400, 400, 400, 400, 400)}),
    "api/v1/scenarios/<int:pk>/whatif/": Row(
        lambda w: f"/api/v1/scenarios/{w.objects['scenario'].pk}/whatif/",
        {"POST": by(403, 403, 403, 403, 403, 200, 403, 200)},
    ),
    "api/v1/^reports/(?P<kind>findings|decisions|exposure|audit)/$": Row(
        "/api/v1/reports/findings/?format=csv", {"GET": API_LIST}
    ),
    "api/v1/^reports/(?P<kind>findings|decisions|exposure|audit)/exports/$": Row(
        "/api/v1/reports/findings/exports/?format=bogus",
        {"POST": by(403, 400, 400, 400, 400, 400, 400, 400)},
    ),
    **api("projects", API_LIST, API_ON_PROJECT, _mine),
    **api("people", API_LIST, API_ON_PROJECT, lambda w: w.user("pi").person.pk),
    **api("roles", API_LIST, API_ON_PROJECT, _o("pi_role_pk")),
    **api("organisations", API_LIST, API_ON_PROJECT, _o("open_org_pk")),
    **api("ties", API_LIST, API_ON_PROJECT, lambda w: w.unscoped_tie.pk),  # type: ignore[union-attr]
    # a person's own records: the research office sees all, anyone else only their own
    **api("trainings", API_LIST, OWN_RECORD_API, _o("pi_training_pk")),
    **api("trips", API_LIST, OWN_RECORD_API, _o("pi_trip_pk")),
    **api("certifications", API_LIST, OWN_RECORD_API, _o("pi_certification_pk")),
    **api("lists", API_LIST, API_LIST, _o("list_pk")),
    **api("list-versions", API_LIST, API_LIST, lambda w: w.objects["list_version"].pk),
    **api("rule-packs", API_LIST, API_LIST, _o("pack_pk")),
    **api("rule-versions", API_LIST, API_LIST, _o("rule_version_pk")),
    **api("scenarios", API_LIST, API_LIST, lambda w: w.objects["scenario"].pk),
    **api("findings", API_LIST, API_ON_PROJECT, _f),
    **api("rechecks", API_OFFICE, API_OFFICE, _o("run_pk")),
    **api("report-exports", API_LIST, by(403, 404, 200, 404, 404, 404, 404, 404), _o("export_pk")),
    **api("organisation-matches", API_LIST, API_ON_PROJECT, lambda w: w.objects["match"].pk),
    **api("equipment", API_LIST, API_ON_PROJECT, _o("equipment_pk")),
    **api("foreign-components", API_LIST, API_ON_PROJECT, _o("component_pk")),
    **api("patent-filings", API_LIST, API_ON_PROJECT, _o("patent_pk")),
    **api("institution", API_OFFICE, API_OFFICE, _o("institution_pk")),
    **api("institution-units", API_OFFICE, API_OFFICE, _o("unit_pk")),
    **api("institution-agreements", API_OFFICE, API_OFFICE, _o("agreement_pk")),
    **api("programme-elements", API_OFFICE, API_OFFICE, _o("element_pk")),
    "api/v1/^findings/exposure/$": Row("/api/v1/findings/exposure/", {"GET": API_LIST}),
    "api/v1/^findings/exposure\\.(?P<format>[a-z0-9]+)/?$": Row(
        "/api/v1/findings/exposure.json", {"GET": API_LIST}
    ),
    "api/v1/^findings/(?P<pk>[^/.]+)/decide/$": Row(
        lambda w: f"/api/v1/findings/{_f(w)}/decide/",
        {"POST": by(403, 404, 403, 403, 403, 400, 403, 400)},
    ),
    "api/v1/^findings/(?P<pk>[^/.]+)/decide\\.(?P<format>[a-z0-9]+)/?$": Row(
        lambda w: f"/api/v1/findings/{_f(w)}/decide.json",
        {"POST": by(403, 404, 403, 403, 403, 400, 403, 400)},
    ),
    "api/v1/^findings/(?P<pk>[^/.]+)/siblings/$": Row(
        lambda w: f"/api/v1/findings/{_f(w)}/siblings/", {"GET": API_ON_PROJECT}
    ),
    "api/v1/^findings/(?P<pk>[^/.]+)/siblings\\.(?P<format>[a-z0-9]+)/?$": Row(
        lambda w: f"/api/v1/findings/{_f(w)}/siblings.json", {"GET": API_ON_PROJECT}
    ),
    # tokens: a wrong password is 400 for anyone; listing needs a sign-in; revoking is
    # authenticated by the token being revoked (a session has none: 401)
    "api/v1/auth/token/": Row(
        "/api/v1/auth/token/",
        {"POST": by(400, 400, 400, 400, 400, 400, 400, 400)},
        data={"username": "nobody", "password": "wrong"},
    ),
    "api/v1/auth/tokens/": Row("/api/v1/auth/tokens/", {"GET": API_LIST}),
    "api/v1/auth/token/revoke/": Row("/api/v1/auth/token/revoke/", {"POST": by(*[401] * 8)}),
    "api/v1/^people/(?P<pk>[^/]+)/cpos/$": Row(
        lambda w: f"/api/v1/people/{_pi_person(w)}/cpos/",
        {"GET": API_CPOS, "POST": by(403, 405, 405, 405, 405, 405, 405, 405)},
    ),
    "api/v1/^report-exports/(?P<pk>[^/.]+)/download/$": Row(
        lambda w: f"/api/v1/report-exports/{w.objects['export_pk']}/download/",
        {"GET": by(403, 404, 409, 404, 404, 404, 404, 404)},  # queued: 409 to its owner
    ),
    "api/v1/^report-exports/(?P<pk>[^/.]+)/download\\.(?P<format>[a-z0-9]+)/?$": Row(
        lambda w: f"/api/v1/report-exports/{w.objects['export_pk']}/download.json",
        {"GET": by(403, 404, 409, 404, 404, 404, 404, 404)},
    ),
    "api/v1/^organisation-matches/(?P<pk>[^/.]+)/review/$": Row(
        lambda w: f"/api/v1/organisation-matches/{w.objects['match'].pk}/review/",
        {"POST": by(403, 404, 403, 403, 403, 400, 403, 400)},
    ),
    "api/v1/^organisation-matches/(?P<pk>[^/.]+)/review\\.(?P<format>[a-z0-9]+)/?$": Row(
        lambda w: f"/api/v1/organisation-matches/{w.objects['match'].pk}/review.json",
        {"POST": by(403, 404, 403, 403, 403, 400, 403, 400)},
    ),
    # ------------------------------------------------------------ Django admin (staff only)
    "admin/": Row("/admin/", {"GET": ADMIN_SITE}),
    "admin/login/": Row("/admin/login/", {"GET": by(200, 200, 200, 200, 200, 200, 200, 302)}),
    "admin/logout/": Row("/admin/logout/", {"POST": by(*[302] * 8)}),
    "admin/password_change/": Row("/admin/password_change/", {"GET": ADMIN_SITE}),
    "admin/password_change/done/": Row("/admin/password_change/done/", {"GET": ADMIN_SITE}),
    "admin/autocomplete/": Row(
        "/admin/autocomplete/", {"GET": by(302, 302, 302, 302, 302, 302, 302, 403)}
    ),
    "admin/jsi18n/": Row("/admin/jsi18n/", {"GET": ADMIN_SITE}),
    "admin/r/<path:content_type_id>/<path:object_id>/": Row(
        "/admin/r/999999/1/", {"GET": by(302, 302, 302, 302, 302, 302, 302, 404)}
    ),
    "admin/auth/user/<id>/password/": Row(
        "/admin/auth/user/999999999/password/", {"GET": by(302, 302, 302, 302, 302, 302, 302, 404)}
    ),
    "admin/^(?P<app_label>auth|projects|rules|axes|compliance)/$": Row(
        "/admin/projects/", {"GET": ADMIN_SITE}
    ),
    "admin/(?P<url>.*)$": Row(
        "/admin/no-such-page/", {"GET": by(302, 302, 302, 302, 302, 302, 302, 404)}
    ),
}
