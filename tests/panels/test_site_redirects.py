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


# Every row of the README's "Old addresses" table: the old address and where it lands today.
OLD_ADDRESSES = [
    ("/crowdsourcing/PanelApp/", "/"),
    ("/crowdsourcing/PanelApp/Login", "/accounts/login/"),
    ("/crowdsourcing/PanelApp/Genes", "/panels/entities/"),
    ("/crowdsourcing/PanelApp/Genes/ATXN1", "/panels/entities/ATXN1"),
    ("/crowdsourcing/PanelApp/PanelBrowser", "/panels/"),
    (f"/crowdsourcing/PanelApp/EditPanel/{OLD_ID}", "/panels/{ataxia}/"),
    (f"/crowdsourcing/PanelApp/GeneReview/{OLD_ID}/ATXN1", "/panels/{ataxia}/gene/ATXN1/"),
    ("/crowdsourcing/WebServices/get_panel/{ataxia}?version=0.1", "/WebServices/get_panel/{ataxia}?version=0.1"),
    ("/panels/{ataxia}/ATXN1/", "/panels/{ataxia}/gene/ATXN1/"),
    ("/panels/{ataxia}/ATXN1_SCA1/", "/panels/{ataxia}/str/ATXN1_SCA1/"),
    ("/panels/{ataxia}/download_version/", "/panels/{ataxia}/download/01234/"),
    ("/panels/copy/{epilepsy}/{ataxia}", "/panels/{ataxia}/copy_reviews/"),
    ("/panels/upload_genes/", "/panels/admin/"),
    ("/panels/upload_panel/", "/panels/admin/"),
    ("/panels/upload_reviews/", "/panels/admin/"),
    ("/accounts/password_change/", "/accounts/change_password/"),
    ("/api/docs.json", "/api/schema/?format=json"),
    ("/api/docs.yaml", "/api/schema/"),
]


@pytest.mark.parametrize(("old", "new"), OLD_ADDRESSES)
def test_each_old_address_of_the_readme_redirects_to_todays_page(client, world, old, new):
    ids = {"ataxia": world.ataxia.pk, "epilepsy": world.epilepsy.pk}

    response = client.get(old.format(**ids))

    assert response.status_code == 301
    assert response["Location"] == new.format(**ids)


@pytest.mark.parametrize(
    "old",
    [
        "/crowdsourcing/PanelApp/Genes/ATXN1",
        f"/crowdsourcing/PanelApp/GeneReview/{OLD_ID}/ATXN1",
        "/panels/{ataxia}/ATXN1/",
    ],
)
def test_an_old_first_site_address_lands_on_a_page_naming_what_it_asked_for(client, world, old):
    response = client.get(old.format(ataxia=world.ataxia.pk), follow=True)

    assert response.status_code == 200
    assert "ATXN1" in response.content.decode()


def test_an_old_webservices_address_lands_on_the_webservices_answer(client, world):
    response = client.get(f"/crowdsourcing/WebServices/get_panel/{world.ataxia.pk}", follow=True)

    assert response.status_code == 200
    assert response.json()["result"]["SpecificDiseaseName"] == "Hereditary ataxia"


@pytest.mark.parametrize(
    "path",
    [
        "/crowdsourcing/PanelApp/EditPanel/" + "f" * 24,
        "/crowdsourcing/PanelApp/EditPanel/notanid",
        "/crowdsourcing/PanelApp/GeneReview/" + "f" * 24 + "/ATXN1",
        "/crowdsourcing/PanelApp/EditPanel/" + "0" * 24,  # the internal panel's, below
        "/panels/999999/ATXN1/",
    ],
)
def test_an_unknown_or_hidden_old_id_is_the_sites_404(client, world, path):
    services.update_panel(world.curator, world.internal, hash_id="0" * 24)

    response = client.get(path)

    assert response.status_code == 404
    assert "text/html" in response["Content-Type"]


def test_upstreams_version_download_form_lands_on_that_versions_download(client, world):
    response = client.post(f"/panels/{world.ataxia.pk}/download_version/", {"panel_version": "0.2"})

    assert response.status_code == 303
    assert response["Location"] == f"/panels/{world.ataxia.pk}/download/01234/?version=0.2"
    assert client.get(response["Location"]).status_code == 200


def test_the_panel_list_by_gene_lists_the_panels_holding_it_and_their_super_panels(client, world):
    response = client.get("/panels/", {"gene": "SCN1A"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Genetic epilepsy" in page and "Neurology super panel" in page
    assert "Hereditary ataxia" not in page
