"""The home page shows the curators' tabs, one at a time, from stored HTML, in one query."""

import pytest
from content.models import HomeTab
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_home_page_opens_on_the_first_tab_and_lists_them_all(client):
    response = client.get("/")

    page = response.content.decode()
    assert response.status_code == 200
    assert '<h2 id="tab-title">About PanelApp</h2>' in page
    for slug in ("Introduction", "News", "Guidelines", "Reviewers", "FAQs", "Glossary", "WebServices"):
        assert f'href="?tab={slug}#about"' in page
    assert 'href="?tab=Introduction#about" aria-current="page"' in page


def test_a_tab_link_shows_that_tab_and_only_its_text(client):
    page = client.get("/", {"tab": "WebServices"}).content.decode()

    assert '<h2 id="tab-title">WebServices</h2>' in page
    assert 'href="?tab=WebServices#about" aria-current="page"' in page
    assert '<a href="/api/docs/">API documentation</a>' in page
    assert "Green" not in page.split('id="tab-title"')[1]  # the Guidelines tab's text is not sent


def test_an_unknown_tab_is_a_404_naming_it(client):
    response = client.get("/", {"tab": "Nonsense"})

    assert response.status_code == 404


def test_the_search_and_the_cards_stay(client):
    page = client.get("/").content.decode()

    assert f'action="{reverse("panels:list")}"' in page
    assert 'href="/api/docs/"' in page and 'href="/api/schema/"' in page


def test_the_home_page_is_one_query_however_long_the_tabs(client, django_assert_num_queries):
    for number in range(10):
        HomeTab.objects.create(title=f"Extra {number}", slug=f"extra-{number}", body="text " * 5000, position=100)

    with django_assert_num_queries(1):
        client.get("/", {"tab": "extra-3"})


def test_text_stored_by_older_rules_is_rendered_afresh(client):
    HomeTab.objects.filter(slug="News").update(body="Fresh **news**", body_html="<p>stale</p>", rendered_with=0)

    page = client.get("/", {"tab": "News"}).content.decode()

    assert "<strong>news</strong>" in page and "stale" not in page


def test_readers_get_no_edit_link_and_curators_do(client, curator):
    assert "Edit this tab" not in client.get("/").content.decode()

    client.force_login(curator)
    page = client.get("/", {"tab": "FAQs"}).content.decode()

    assert f'href="{reverse("content:edit_tab", args=["FAQs"])}"' in page


def test_no_inline_style_or_script_reaches_the_page_from_a_tab(client):
    HomeTab.objects.filter(slug="News").update(
        body='<style>body{}</style> <img src=x onerror="alert(1)"> [x](javascript:alert(1))\n\n| a |\n|:-:|\n| b |',
    )
    HomeTab.objects.get(slug="News").save()  # rendered on save

    tab = client.get("/", {"tab": "News"}).content.decode().split('id="tab-title"')[1]

    assert "<style" not in tab and "<img" not in tab and "style=" not in tab and 'href="javascript' not in tab
