"""Errors are pages in the site's look that say what happened, never a bare server page."""

import pytest
from django.test import RequestFactory
from django.views import defaults

pytestmark = pytest.mark.django_db


def test_an_address_that_matches_nothing_is_a_404_page_with_the_sites_navigation(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "There is no page at this address, or it is not public." in page
    assert '<nav aria-label="Main"' in page and "Resolver404" not in page


def test_the_500_page_renders_in_the_sites_look_without_a_request_context():
    response = defaults.server_error(RequestFactory().get("/panels/"))

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert 'href="/panels/"' in page and "site.css" in page


def test_the_400_page_renders_without_a_message_for_djangos_own_bad_requests():
    response = defaults.bad_request(RequestFactory().get("/"), Exception("bad"))

    assert response.status_code == 400
    assert "Something in the address or the form was not understood." in response.content.decode()


def test_a_post_to_a_reading_page_is_refused_with_405(client):
    assert client.post("/panels/").status_code == 405
