"""Watching a panel from its page and stopping from the profile: forms that work without JavaScript."""

import pytest
from accounts import policy
from django.contrib.auth.models import AnonymousUser
from panels.models import Panel
from subscriptions.models import Subscription

from tests.accounts.conftest import make_account
from tests.panels.factories import make_panel

pytestmark = pytest.mark.django_db


def test_a_signed_in_reader_sees_a_watch_button_on_the_panel_page(client, panel, watcher):
    client.force_login(watcher)

    page = client.get(f"/panels/{panel.pk}/").content.decode()

    assert f'action="/panels/{panel.pk}/watch/"' in page
    assert "Watch this panel</button>" in page


def test_an_anonymous_reader_is_offered_sign_in_instead_of_a_button(client, panel):
    page = client.get(f"/panels/{panel.pk}/").content.decode()

    assert "/watch/" not in page
    assert f"/accounts/login/?next=/panels/{panel.pk}/" in page


def test_watching_a_panel_records_it_and_returns_to_the_page(client, panel, watcher):
    client.force_login(watcher)

    response = client.post(f"/panels/{panel.pk}/watch/", {"next": f"/panels/{panel.pk}/"})

    assert response.status_code == 302 and response.url == f"/panels/{panel.pk}/"
    assert Subscription.objects.filter(user=watcher, panel=panel).count() == 1
    page = client.get(response.url).content.decode()
    assert "Stop watching</button>" in page and "You are watching this panel" in page


def test_watching_twice_is_watching_once(client, panel, watcher):
    client.force_login(watcher)
    client.post(f"/panels/{panel.pk}/watch/")
    client.post(f"/panels/{panel.pk}/watch/")

    assert Subscription.objects.filter(user=watcher, panel=panel).count() == 1


def test_watching_needs_a_post_with_a_csrf_token(panel, watcher):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(watcher)

    assert strict.get(f"/panels/{panel.pk}/watch/").status_code == 405
    assert strict.post(f"/panels/{panel.pk}/watch/").status_code == 403
    assert not Subscription.objects.exists()


def test_an_anonymous_post_to_watch_is_sent_to_sign_in(client, panel):
    response = client.post(f"/panels/{panel.pk}/watch/")

    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert not Subscription.objects.exists()


def test_a_panel_the_reader_cannot_see_cannot_be_watched(client, curator, watcher):
    hidden = make_panel(curator, name="Unreleased", status=Panel.Status.INTERNAL)
    client.force_login(watcher)

    assert client.post(f"/panels/{hidden.pk}/watch/").status_code == 404
    assert client.post("/panels/999999/watch/").status_code == 404
    assert not Subscription.objects.exists()


def test_an_off_site_next_is_ignored(client, panel, watcher):
    client.force_login(watcher)

    response = client.post(f"/panels/{panel.pk}/watch/", {"next": "https://evil.example.com/"})

    assert response.url == f"/panels/{panel.pk}/"


def test_stop_watching_from_the_panel_page(client, panel, watcher):
    Subscription.objects.create(user=watcher, panel=panel)
    client.force_login(watcher)

    response = client.post(f"/panels/{panel.pk}/unwatch/")

    assert response.status_code == 302
    assert not Subscription.objects.exists()


def test_the_profile_lists_watched_panels_each_with_a_stop_button(client, curator, panel, watcher):
    other = make_panel(curator, name="Cardiomyopathy")
    Subscription.objects.create(user=watcher, panel=panel)
    Subscription.objects.create(user=watcher, panel=other)
    client.force_login(watcher)

    page = client.get("/accounts/profile/").content.decode()

    assert page.index("Cardiomyopathy") < page.index("Hereditary ataxia")
    assert f'action="/panels/{panel.pk}/unwatch/"' in page and f'action="/panels/{other.pk}/unwatch/"' in page
    response = client.post(f"/panels/{other.pk}/unwatch/", {"next": "/accounts/profile/#watching-title"})
    assert response.url == "/accounts/profile/#watching-title"
    assert list(Subscription.objects.values_list("panel_id", flat=True)) == [panel.pk]


def test_the_profile_says_so_when_nothing_is_watched(client, watcher):
    client.force_login(watcher)

    assert "You are not watching any panel" in client.get("/accounts/profile/").content.decode()


def test_one_may_stop_watching_a_panel_that_has_become_internal(client, curator, panel, watcher):
    from panels import services

    Subscription.objects.create(user=watcher, panel=panel)
    services.update_panel(curator, panel, status=Panel.Status.INTERNAL)
    client.force_login(watcher)

    client.post(f"/panels/{panel.pk}/unwatch/")

    assert not Subscription.objects.exists()


def test_watching_is_for_verified_users_who_can_read_the_panel(curator, panel):
    hidden = make_panel(curator, name="Unreleased", status=Panel.Status.INTERNAL)
    external = make_account("reader")
    switched_off = make_account("gone", is_active=False)

    assert policy.can_watch_panel(external, panel)
    assert not policy.can_watch_panel(external, hidden)
    assert policy.can_watch_panel(curator, hidden)
    assert not policy.can_watch_panel(AnonymousUser(), panel)
    assert not policy.can_watch_panel(switched_off, panel)
