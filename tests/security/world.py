"""A small portfolio with one user per persona, shared by the security tests.

Personas (issue 20 §5): anonymous, outsider, PI, co-PI, senior personnel on the project,
reviewer, auditor, administrator. `mine` is the project the PI, co-PI and senior personnel
hold roles on; `theirs` is a colleague's project none of them is on. The colleague (`other`)
is also on `mine`, with one tie scoped to `theirs` (confidential notes), one unscoped and one
scoped to `mine`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.models import Group, User
from django.utils import timezone

from compliance.models import Finding, FindingComment
from projects.access import ADMIN, AUDITOR, PI, REVIEWER
from projects.models import EvidenceDispute, Organisation, Person, Project, Tie, TieEvidence
from rules.models import Rule, RulePack, RuleVersion, Scenario
from tests.factories import (
    OrganisationFactory,
    PersonFactory,
    ProjectFactory,
    RoleFactory,
    TieFactory,
)

CONFIDENTIAL = "Confidential: consulting fee paid through a family account"
INTERNAL_NOTE = "Internal: the account of the visit does not match the HR feed"
PERSONAS = ("anonymous", "outsider", "pi", "co_pi", "senior", "reviewer", "auditor", "admin")


@dataclass
class World:
    users: dict[str, Any] = field(default_factory=dict)
    mine: Project | None = None
    theirs: Project | None = None
    other: Person | None = None
    hidden_tie: Tie | None = None  # the colleague's tie scoped to `theirs`
    unscoped_tie: Tie | None = None  # the colleague's tie that counts for every project
    scoped_here: Tie | None = None  # the colleague's tie scoped to `mine`
    own_elsewhere: Tie | None = None  # the PI's own tie scoped to `theirs`
    hidden_org: Organisation | None = None
    finding: Finding | None = None
    other_finding: Finding | None = None
    objects: dict[str, Any] = field(default_factory=dict)

    def user(self, persona: str) -> Any:
        return self.users.get(persona)


def _user(username: str, group: str | None, *, person: bool = False) -> Any:
    user = User.objects.create(username=username, email=f"{username}@univ.edu")
    user.set_unusable_password()  # signed in with force_login; hashing a password is slow
    user.save()
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    if person:
        PersonFactory.create(user=user, email=f"{username}@univ.edu", name=username.title())
    return user


def _finding(project: Project, scenario: Scenario, version: RuleVersion) -> Finding:
    return Finding.objects.create(
        scenario=scenario,
        rule=version.rule,
        rule_version=version,
        project=project,
        subject="project",
        severity="high",
        explanation="Tie to a listed entity",
        last_confirmed=timezone.now(),
    )


def build_world(*, rules: bool = True) -> World:
    """Every persona and the rows the security tests read. `rules=False` when the caller
    has loaded the real rule packs (then their first scenario and rule are used)."""
    w = World()
    w.users = {
        "anonymous": None,
        "outsider": _user("sec_outsider", None),
        "pi": _user("sec_pi", PI, person=True),
        "co_pi": _user("sec_co_pi", PI, person=True),
        "senior": _user("sec_senior", PI, person=True),
        "reviewer": _user("sec_reviewer", REVIEWER),
        "auditor": _user("sec_auditor", AUDITOR),
        "admin": _user("sec_admin", ADMIN),
    }
    admin = w.users["admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    w.mine = ProjectFactory.create(title="Our project")
    w.theirs = ProjectFactory.create(title="A colleague's project")
    RoleFactory.create(project=w.mine, person=w.users["pi"].person, role="pi")
    RoleFactory.create(project=w.mine, person=w.users["co_pi"].person, role="co_pi")
    RoleFactory.create(project=w.mine, person=w.users["senior"].person, role="senior_key")
    w.other = PersonFactory.create(name="Colleague Elsewhere")
    RoleFactory.create(project=w.mine, person=w.other, role="senior_key")
    RoleFactory.create(project=w.theirs, person=w.other, role="pi")
    w.hidden_org = OrganisationFactory.create(name="Secretive Consulting Partners", country="CN")
    w.hidden_tie = TieFactory.create(
        person=w.other,
        organisation=w.hidden_org,
        kind="consulting",
        project=w.theirs,
        start_date=date(2024, 1, 1),
        notes=CONFIDENTIAL,
    )
    w.unscoped_tie = TieFactory.create(
        person=w.other, organisation=OrganisationFactory.create(name="Open Unscoped Institute")
    )
    w.scoped_here = TieFactory.create(
        person=w.other,
        project=w.mine,
        organisation=OrganisationFactory.create(name="Scoped Here Laboratory"),
    )
    w.own_elsewhere = TieFactory.create(
        person=w.users["pi"].person,
        project=w.theirs,
        organisation=OrganisationFactory.create(name="My Own Elsewhere Academy"),
    )
    # Evidence found about the PI (a paper) and about the colleague, and the PI's dispute.
    found = TieFactory.create(
        person=w.users["pi"].person,
        organisation=OrganisationFactory.create(name="Found Abroad University", country="CN"),
        kind="appointment",
        source="publication",
        start_date=date(2024, 5, 1),
        end_date=date(2024, 5, 1),
    )
    TieEvidence.objects.create(
        tie=found,
        source="publication",
        item_key="pmid:1",
        title="A paper",
        role="own_affiliation",
        link_method="orcid",
        url="https://pubmed.ncbi.nlm.nih.gov/1/",
        published_on=date(2024, 5, 1),
    )
    others = TieFactory.create(
        person=w.other,
        project=w.theirs,
        organisation=OrganisationFactory.create(name="Colleague Found Institute", country="RU"),
        kind="appointment",
        source="orcid",
    )
    TieEvidence.objects.create(
        tie=others,
        source="orcid",
        item_key="orcid:x:employment:1",
        role="record",
        link_method="orcid",
    )
    w.objects["pi_found_tie"] = found
    w.objects["others_found_tie"] = others
    w.objects["dispute"] = EvidenceDispute.objects.create(
        person=found.person,
        organisation=found.organisation,
        kind=found.kind,
        source="publication",
        tie=found,
        reason="not_me",
        raised_by=w.users["pi"],
    )
    w.objects["others_dispute"] = EvidenceDispute.objects.create(
        person=w.other,
        organisation=others.organisation,
        kind=others.kind,
        source="orcid",
        tie=others,
        reason="wrong_affiliation",
    )
    scenario: Scenario | None
    version: RuleVersion | None
    if rules:
        pack = RulePack.objects.create(code="sec-pack", title="Security test pack")
        rule = Rule.objects.create(pack=pack, key="SEC1", title="Security test rule")
        version = RuleVersion.objects.create(
            rule=rule,
            number=1,
            content={"legal_basis": {"citation": "Test Act §1", "url": "https://example.org/act"}},
            content_hash="0" * 64,
            status="published",
        )
        scenario = Scenario.objects.create(code="current", name="Current obligations")
    else:
        scenario = Scenario.objects.order_by("position").first()
        version = RuleVersion.objects.filter(status="published").first()
    assert scenario is not None and version is not None
    w.finding = _finding(w.mine, scenario, version)
    w.other_finding = _finding(w.theirs, scenario, version)
    FindingComment.objects.create(
        finding=w.finding, author=w.users["reviewer"], body=INTERNAL_NOTE, kind="internal"
    )
    return w
