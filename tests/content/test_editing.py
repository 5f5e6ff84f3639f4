"""Curators edit the home page's tabs on the site, with a preview, and every save is in the admin's log."""

import pytest
from accounts import policy
from content.models import HomeTab
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

pytestmark = pytest.mark.django_db

EDIT = reverse("content:edit_tab", args=["News"])


def test_only_curators_may_edit_home_content(curator, reviewer):
    assert policy.can_edit_home_content(curator)
    assert not policy.can_edit_home_content(reviewer)
    assert not policy.can_edit_home_content(AnonymousUser())


def test_a_switched_off_curator_may_not_edit(curator):
    curator.is_active = False

    assert not policy.can_edit_home_content(curator)


def test_a_reader_is_sent_to_sign_in(client):
    response = client.get(EDIT)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_reviewer_is_refused(client, reviewer):
    client.force_login(reviewer)

    assert client.get(EDIT).status_code == 403
    assert client.post(EDIT, {"title": "News", "body": "Mine now"}).status_code == 403
    assert "Mine now" not in HomeTab.objects.get(slug="News").body


def test_the_form_shows_the_tabs_markdown(curator_client):
    page = curator_client.get(EDIT).content.decode()

    assert "Welcome to PanelApp" in page
    assert 'name="preview"' in page and 'name="save"' in page


def test_preview_shows_the_rendering_and_saves_nothing(curator_client):
    response = curator_client.post(EDIT, {"title": "News", "body": "## Out now\n\n**Version 2**", "preview": "1"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "<h3>Out now</h3>" in page and "<strong>Version 2</strong>" in page
    assert "Out now" not in HomeTab.objects.get(slug="News").body


def test_saving_stores_the_text_and_its_html_and_returns_to_the_tab(curator_client, curator):
    response = curator_client.post(EDIT, {"title": "Latest news", "body": "**Version 2** is out", "save": "1"})

    tab = HomeTab.objects.get(slug="News")
    assert response.status_code == 302 and response["Location"] == "/?tab=News"
    assert tab.title == "Latest news" and tab.modified_by == curator
    assert tab.body_html == "<p><strong>Version 2</strong> is out</p>\n"


def test_saving_leaves_a_line_in_the_admin_log(curator_client, curator):
    curator_client.post(EDIT, {"title": "News", "body": "Changed", "save": "1"})

    entry = LogEntry.objects.get(object_id=str(HomeTab.objects.get(slug="News").pk))
    assert entry.user == curator and entry.action_flag == CHANGE
    assert entry.get_change_message() == "Changed Text."


def test_a_link_or_image_the_page_would_drop_is_refused_naming_it(curator_client):
    body = "[run](javascript:alert(1)) ![logo](https://elsewhere.example/logo.png)"

    response = curator_client.post(EDIT, {"title": "News", "body": body, "save": "1"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "javascript:alert(1)" in page and "https://elsewhere.example/logo.png" in page
    assert "javascript" not in HomeTab.objects.get(slug="News").body


def test_an_overlong_text_is_refused(curator_client):
    response = curator_client.post(EDIT, {"title": "News", "body": "x" * 30_001, "save": "1"})

    assert response.status_code == 400


def test_an_unknown_tab_is_a_404(curator_client):
    assert curator_client.get(reverse("content:edit_tab", args=["Nonsense"])).status_code == 404


def test_a_tab_saved_in_the_admin_is_rendered_and_attributed(client, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    client.force_login(root)
    tab = HomeTab.objects.get(slug="FAQs")
    url = reverse("admin:content_hometab_change", args=[tab.pk])

    response = client.post(url, {"title": "FAQs", "slug": "FAQs", "position": 40, "body": "*Asked*"})

    tab.refresh_from_db()
    assert response.status_code == 302
    assert tab.body_html == "<p><em>Asked</em></p>\n" and tab.modified_by == root
