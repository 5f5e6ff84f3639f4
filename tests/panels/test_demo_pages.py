"""The site's pages answer on the embedded SQLite default (``make run`` without a database) as on PostgreSQL.

Run in the smoke set, so a query only PostgreSQL understands fails here first.
"""

import pytest
from django.core.management import call_command
from panels.models import Entity, Panel

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

READER_PAGES = (
    "/",
    "/panels/",
    "/panels/?search=BRCA1",
    "/panels/?search=HP:0000001",
    "/panels/?disorder=R208",
    "/panels/?retired=1&sort=updated",
    "/panels/entities/",
    "/panels/entities/BRCA1",
    "/panels/activity/",
    "/panels/feed/",
    "/panels/compare/",
    "/WebServices/list_panels/?Types=all",
    "/WebServices/search_genes/BRCA1/",
)


@pytest.fixture
def demo():
    call_command("load_demo_data", verbosity=0)


@pytest.mark.parametrize("path", READER_PAGES)
def test_a_readers_page_answers(client, demo, path):
    assert client.get(path).status_code == 200


def test_every_public_panel_its_versions_feed_and_entities_answer(client, demo):
    for panel in Panel.objects.visible():
        for path in (f"/panels/{panel.pk}/", f"/panels/{panel.pk}/feed/", f"/panels/activity/?panel={panel.pk}"):
            assert client.get(path).status_code == 200, path
        entity = Entity.objects.filter(panel=panel).first()
        if entity is not None:
            path = f"/panels/{panel.pk}/{entity.entity_type}/{entity.entity_name}/"
            assert client.get(path).status_code == 200, path


def test_a_curators_pages_answer(client, demo):
    from accounts.models import Reviewer

    from tests.panels.factories import make_user

    client.force_login(make_user(Reviewer.Role.CURATOR))
    panel = Panel.objects.visible().filter(child_panels__isnull=True).first()
    entity = Entity.objects.filter(panel=panel, entity_type="gene").first()
    entity_page = f"/panels/{panel.pk}/gene/{entity.entity_name}/"
    paths = (
        f"/panels/{panel.pk}/?flagged=1",
        f"/panels/{panel.pk}/gene/add/?find=BRC",
        f"/panels/gene_search/?q=brc&panel={panel.pk}",
        f"/panels/{panel.pk}/update/",
        f"/panels/{panel.pk}/sign_off/",
        entity_page,
        f"{entity_page}edit/",
        f"{entity_page}add_sources/",
        "/accounts/profile/",
        "/panels/admin/",
    )
    for path in paths:
        assert client.get(path).status_code == 200, path
    assert client.post(f"/panels/{panel.pk}/watch/").status_code in (200, 302)


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"hpo": "HP:0003002"}, ["Hereditary breast and ovarian cancer"]),
        ({"omim": "120435"}, ["Familial colon cancer"]),
        ({"disorder": "R208"}, ["Hereditary breast and ovarian cancer"]),
    ],
)
def test_the_demo_panels_are_found_by_their_phenotype_codes(client, demo, query, expected):
    found = client.get("/api/v1/panels/", query).json()["results"]

    assert [panel["name"] for panel in found] == expected


def test_the_changes_between_a_panels_versions_answer(client, demo):
    panel = Panel.objects.get(name="Hereditary breast and ovarian cancer")
    diff = f"/panels/{panel.pk}/diff/1.1/2.0/"

    for path in (diff, f"{diff}tsv/", f"/api/v1/panels/{panel.pk}/diff/?from=1.1&to=2.0"):
        assert client.get(path).status_code == 200, path
