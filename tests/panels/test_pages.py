"""The browsing pages show the public panels and any version of one."""

import pytest
from accounts.models import Reviewer
from panels import services
from panels.models import Panel

from tests.panels.factories import add_gene, add_region, add_str, make_panel, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def panel():
    curator = make_user(Reviewer.Role.CURATOR)
    panel = make_panel(curator, "Hereditary ataxia")
    services.review_entity(curator, add_gene(curator, panel, "ATXN1"), rating="GREEN")
    add_str(curator, panel, "ATXN1_SCA1")
    add_region(curator, panel, "ISCA-37446-Loss")
    make_panel(curator, "Secret panel", status=Panel.Status.INTERNAL)
    return panel


def test_the_panel_list_shows_public_panels_only(client, panel):
    page = client.get("/panels/").content.decode()

    assert "Hereditary ataxia" in page
    assert "Secret panel" not in page


def test_a_panel_page_shows_its_entities_versions_and_activity(client, panel):
    page = client.get(f"/panels/{panel.pk}/").content.decode()

    for text in ("v0.4", "ATXN1_SCA1", "ISCA-37446-Loss", "Green", "Added Gene ATXN1", "?version=0.0"):
        assert text in page


def test_an_old_version_of_a_panel_page(client, panel):
    page = client.get(f"/panels/{panel.pk}/", {"version": "0.1"}).content.decode()

    assert "v0.1" in page
    assert "ATXN1_SCA1" not in page.split('id="versions-title"')[0]


@pytest.mark.parametrize(("version", "status"), [("9.9", 404), ("x", 400)])
def test_unknown_versions_and_internal_panels_are_404(client, panel, version, status):
    assert client.get(f"/panels/{panel.pk}/", {"version": version}).status_code == status
    assert client.get(f"/panels/{Panel.objects.get(name='Secret panel').pk}/").status_code == 404
