"""Old addresses keep working: /panels/genes/..., first-generation panel ids and /crowdsourcing/... redirect."""

import pytest
from panels import services

from tests.panels.site_data import build_world

pytestmark = pytest.mark.django_db
OLD_ID = "55a9041e22c1fc6711b0c6c0"


@pytest.fixture
def world():
    world = build_world()
    services.update_panel(world.curator, world.ataxia, hash_id=OLD_ID)
    return world


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/panels/genes/", "/panels/entities/"),
        ("/panels/genes/ATXN1", "/panels/entities/ATXN1"),
        ("/panels/genes/ATXN1?tag=founder", "/panels/entities/ATXN1?tag=founder"),
        (f"/panels/{OLD_ID}/", "/panels/{ataxia}/"),
        (f"/panels/{OLD_ID}/gene/ATXN1/", "/panels/{ataxia}/gene/ATXN1/"),
        (f"/panels/{OLD_ID}/?version=0.1", "/panels/{ataxia}/?version=0.1"),
        ("/crowdsourcing/panels/", "/panels/"),
        ("/crowdsourcing/panels/{ataxia}/?version=0.2", "/panels/{ataxia}/?version=0.2"),
        ("/crowdsourcing/", "/"),
    ],
)
def test_an_old_address_redirects_permanently_to_the_same_page(client, world, old, new):
    response = client.get(old.format(ataxia=world.ataxia.pk))

    assert response.status_code == 301
    assert response["Location"] == new.format(ataxia=world.ataxia.pk)


def test_an_old_address_lands_on_a_working_page(client, world):
    response = client.get(f"/panels/{OLD_ID}/", follow=True)

    assert response.status_code == 200
    assert "Hereditary ataxia" in response.content.decode()


@pytest.mark.parametrize("path", ["/crowdsourcing//evil.example/", "/crowdsourcing/\\\\evil.example/"])
def test_a_crowdsourcing_address_never_leaves_the_site(client, world, path):
    response = client.get(path)

    assert response.status_code == 301
    assert response["Location"].startswith("/") and not response["Location"].startswith(("//", "/\\"))


def test_an_unknown_old_panel_id_is_a_404_and_an_internal_one_is_not_revealed(client, world):
    services.update_panel(world.curator, world.internal, hash_id="0" * 24)

    assert client.get("/panels/" + "f" * 24 + "/").status_code == 404
    assert client.get("/panels/" + "0" * 24 + "/").status_code == 404
