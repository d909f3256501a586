"""The notifications page: own rows only, read state, delivery preference, nav count."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory

from compliance.models import Notification, NotificationPreference
from compliance.notifications.delivery import MSG_UNKNOWN_DELIVERY
from tests.web import signed_in

PAGE = "/notifications/"


def checked(page: str) -> str:
    """The value of the checked delivery radio button."""
    found = re.findall(r'<input type="radio" name="delivery" value="(\w+)"[^>]* checked>', page)
    assert len(found) == 1, found
    return found[0]


def note(user: Any, n: int, read: bool = False) -> Notification:
    from django.utils import timezone

    return Notification.objects.create(
        user=user,
        kind="finding",
        dedupe_key=f"finding:{n}",
        subject=f"High finding number {n}",
        body=f"Details of {n}",
        url=f"/findings/{n}/",
        read_at=timezone.now() if read else None,
    )


@pytest.fixture
def mine(pi: Any, co_pi: Any) -> dict[str, Any]:
    return {
        "unread": note(pi, 1),
        "other_unread": note(pi, 2),
        "read": note(pi, 3, read=True),
        "theirs": note(co_pi, 4),
    }


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in_everywhere(mine: dict[str, Any]) -> None:
    client = signed_in(None)
    pk = mine["unread"].pk
    for method, url in (
        ("get", PAGE),
        ("post", f"/notifications/{pk}/read/"),
        ("post", "/notifications/read-all/"),
        ("post", "/notifications/preference/"),
    ):
        response = getattr(client, method)(url, {"delivery": "digest"})
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url
    assert Notification.objects.filter(read_at__isnull=False).count() == 1
    assert not NotificationPreference.objects.exists()


@pytest.mark.django_db
def test_a_user_sees_only_their_own_newest_first_with_unread_marked(
    mine: dict[str, Any], pi: Any
) -> None:
    page = signed_in(pi).get(PAGE).content.decode()
    assert "High finding number 4" not in page
    positions = [page.index(f"High finding number {n}") for n in (3, 2, 1)]
    assert positions == sorted(positions)  # newest first
    assert page.count('class="note unread"') == 2 and page.count(">Unread</span>") == 2
    assert "Notifications <strong>(2 unread)</strong>" in page
    assert 'href="/findings/1/"' in page and "Details of 1" in page


@pytest.mark.django_db
def test_another_users_notification_is_404_and_stays_unread(
    mine: dict[str, Any], pi: Any, outsider: Any
) -> None:
    theirs = mine["theirs"]
    for user in (pi, outsider):
        assert signed_in(user).post(f"/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    outsider_page = signed_in(outsider).get(PAGE).content.decode()
    assert "You have no notifications." in outsider_page and "High finding" not in outsider_page


@pytest.mark.django_db
def test_mark_read_then_mark_all_read(mine: dict[str, Any], pi: Any, co_pi: Any) -> None:
    client = signed_in(pi)
    response = client.post(f"/notifications/{mine['unread'].pk}/read/", {"page": "1"})
    assert response.status_code == 302 and response["Location"] == "/notifications/?page=1"
    mine["unread"].refresh_from_db()
    mine["other_unread"].refresh_from_db()
    assert mine["unread"].read_at is not None and mine["other_unread"].read_at is None
    assert "(1 unread)" in client.get(PAGE).content.decode()

    assert client.post("/notifications/read-all/").status_code == 302
    assert not Notification.objects.filter(user=pi, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=mine["theirs"].pk).read_at is None  # co-PI's untouched
    page = client.get(PAGE).content.decode()
    assert "unread)" not in page and 'class="note unread"' not in page


@pytest.mark.django_db
def test_preference_is_saved_and_a_bad_value_is_refused_next_to_the_field(
    mine: dict[str, Any], pi: Any
) -> None:
    client = signed_in(pi)
    assert checked(client.get(PAGE).content.decode()) == "immediate"
    response = client.post("/notifications/preference/", {"delivery": "digest"})
    assert response.status_code == 302 and response["Location"] == "/notifications/?saved=1"
    assert NotificationPreference.objects.get(user=pi).delivery == "digest"
    page = client.get(response["Location"]).content.decode()
    assert "Your delivery preference is saved." in page and checked(page) == "digest"

    bad = client.post("/notifications/preference/", {"delivery": "hourly"})
    assert bad.status_code == 400
    shown = bad.content.decode()
    assert f'id="delivery-error" role="alert">{MSG_UNKNOWN_DELIVERY}' in shown
    assert NotificationPreference.objects.get(user=pi).delivery == "digest"


@pytest.mark.django_db
def test_writes_need_post_and_a_csrf_token(mine: dict[str, Any], pi: Any) -> None:
    client = signed_in(pi)
    assert client.get(f"/notifications/{mine['unread'].pk}/read/").status_code == 405
    assert client.get("/notifications/read-all/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(pi)
    assert strict.post("/notifications/read-all/").status_code == 403
    assert strict.post("/notifications/preference/", {"delivery": "digest"}).status_code == 403
    assert Notification.objects.filter(user=pi, read_at__isnull=True).count() == 2
    assert not NotificationPreference.objects.exists()


@pytest.mark.django_db
def test_auditor_manages_only_their_own_notifications(mine: dict[str, Any], auditor: Any) -> None:
    own = note(auditor, 9)
    client = signed_in(auditor)
    page = client.get(PAGE).content.decode()
    assert "High finding number 9" in page and "High finding number 1" not in page
    assert client.post(f"/notifications/{mine['unread'].pk}/read/").status_code == 404
    assert client.post(f"/notifications/{own.pk}/read/").status_code == 302
    own.refresh_from_db()
    assert own.read_at is not None
    assert client.post("/notifications/preference/", {"delivery": "digest"}).status_code == 302
    assert NotificationPreference.objects.get(user=auditor).delivery == "digest"
    mine["unread"].refresh_from_db()
    assert mine["unread"].read_at is None


@pytest.mark.django_db
def test_pages_of_25(pi: Any) -> None:
    for n in range(30):
        note(pi, n)
    client = signed_in(pi)
    first = client.get(PAGE).content.decode()
    assert first.count("<article") == 25 and "High finding number 29<" in first
    second = client.get(PAGE, {"page": 2}).content.decode()
    assert second.count("<article") == 5 and "High finding number 0<" in second
    assert "Page 2 of 2" in second


@pytest.mark.django_db
def test_nav_count_is_one_query(
    mine: dict[str, Any], pi: Any, django_assert_num_queries: Any
) -> None:
    request = RequestFactory().get("/")
    request.user = pi
    template = Template("{% load notify %}{% unread_notification_count as n %}{{ n }}")
    with django_assert_num_queries(1):
        assert template.render(Context({"request": request})) == "2"
