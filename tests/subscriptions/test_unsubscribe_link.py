"""The e-mail's link stops watching without signing in: GET asks, POST does, a tampered token is refused."""

import pytest
from subscriptions.models import Subscription
from subscriptions.services import unsubscribe_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(panel, watcher) -> str:
    return f"/panels/unsubscribe/{unsubscribe_token(Subscription.objects.create(user=watcher, panel=panel))}/"


def test_following_the_link_asks_before_it_unsubscribes(client, link):
    response = client.get(link)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Stop watching Hereditary ataxia</button>" in page and 'method="post"' in page
    assert Subscription.objects.count() == 1  # a mail scanner's GET changes nothing


def test_the_pages_button_unsubscribes_without_signing_in(client, link):
    response = client.post(link)

    assert response.status_code == 200
    assert "You no longer watch Hereditary ataxia" in response.content.decode()
    assert not Subscription.objects.exists()


def test_a_mail_clients_one_click_post_unsubscribes(panel, link):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)

    response = strict.post(link, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    assert not Subscription.objects.exists()


def test_a_tampered_token_is_a_bad_request_that_says_so(client, link, curator, panel):
    other = Subscription.objects.create(user=curator, panel=panel)
    token = link.split("/")[-2]
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")

    for bad in (forged, "not-a-token", unsubscribe_token(other)[:-1]):
        response = client.post(f"/panels/unsubscribe/{bad}/")
        assert response.status_code == 400
        assert "This unsubscribe link is not valid" in response.content.decode()
    assert Subscription.objects.count() == 2


def test_a_link_used_twice_says_there_is_nothing_to_stop(client, link):
    client.post(link)

    response = client.get(link)

    assert response.status_code == 200
    assert "nothing to stop" in response.content.decode()
    assert client.post(link).status_code == 200
