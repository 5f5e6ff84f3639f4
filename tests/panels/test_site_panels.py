"""The panel index and the panel page, as an anonymous reader and as a curator sees them."""

import re

import pytest
from panels import services
from panels.models import Panel

from tests.panels.factories import bulk_genes
from tests.panels.site_data import text

pytestmark = pytest.mark.django_db


def listed_panels(response) -> list[str]:
    body = response.content.decode().split('class="panel-table"')[1]
    return re.findall(r'class="strong">([^<]+)</a>', body)


# --- The index -----------------------------------------------------------------


def test_the_index_lists_public_panels_by_name_without_internal_or_retired_ones(client, world):
    assert listed_panels(client.get("/panels/")) == ["Genetic epilepsy", "Hereditary ataxia", "Neurology super panel"]


def test_the_index_includes_retired_panels_when_asked(client, world):
    assert "Old ataxia panel" in listed_panels(client.get("/panels/", {"retired": "1"}))


def test_a_curator_also_sees_internal_panels(client, world):
    client.force_login(world.curator)

    assert "Unreleased panel" in listed_panels(client.get("/panels/"))


def test_the_index_counts_green_amber_and_red_entities_per_panel(client, world):
    page = text(client.get("/panels/"))
    ataxia_row = page.split("Hereditary ataxia</a>")[1].split("</tr>")[0]

    # ATXN1 green; FXN, the STR and the region have no list.
    assert re.findall(r'count--(\w+)" title="(\d+)', ataxia_row) == [("green", "1"), ("amber", "0"), ("red", "0")]


def test_a_super_panel_counts_its_childrens_entities(client, world):
    page = text(client.get("/panels/"))
    row = page.split("Neurology super panel</a>")[1].split("</tr>")[0]

    assert re.findall(r'count--(\w+)" title="(\d+)', row) == [("green", "1"), ("amber", "0"), ("red", "1")]


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("ataxia", ["Hereditary ataxia"]),  # name
        ("R54", ["Hereditary ataxia"]),  # relevant disorder
        ("epilepsy", ["Genetic epilepsy"]),  # name and disease group
        ("scn1a", ["Genetic epilepsy", "Neurology super panel"]),  # a gene, also through a child panel
        ("nothing-like-this", []),
    ],
)
def test_the_index_searches_names_disorders_and_genes(client, world, search, expected):
    assert listed_panels(client.get("/panels/", {"search": search})) == expected


def test_a_gene_search_lists_its_rating_in_each_panel_holding_it(client, world):
    page = text(client.get("/panels/", {"search": "atxn1"}))
    matches = page.split('class="gene-matches"')[1].split("</section>")[0]

    assert "ATXN1 is on 4 panels" in matches
    rows = re.findall(r'<tr> <td><a href="/panels/\d+/">([^<]+)</a>.*?class="badge badge-\w+"[^>]*>([^<]+)<', matches)
    assert rows == [
        ("Genetic epilepsy", "Red"),
        ("Hereditary ataxia", "Green"),
        ("Neurology super panel", "Green"),
        ("Neurology super panel", "Red"),
    ]
    assert "Old ataxia panel" not in matches


def test_the_index_filters_by_panel_type_and_disease_group(client, world):
    assert listed_panels(client.get("/panels/", {"type": "cancer-germline-100k"})) == ["Genetic epilepsy"]
    assert listed_panels(client.get("/panels/", {"group": "Epilepsy"})) == ["Genetic epilepsy"]
    assert listed_panels(client.get("/panels/", {"group": "Epilepsy", "type": "rare-disease-100k"})) == []


def test_the_index_sorts_by_recent_update_and_by_number_of_genes(client, world):
    services.update_panel(world.curator, world.ataxia, disease_sub_group="Updated last")  # its super panel moves too

    assert listed_panels(client.get("/panels/", {"sort": "updated"}))[-1] == "Genetic epilepsy"
    assert listed_panels(client.get("/panels/", {"sort": "genes"}))[0] == "Neurology super panel"


def test_the_index_ignores_an_unknown_sort(client, world):
    assert listed_panels(client.get("/panels/", {"sort": "evil", "search": "ataxia"})) == ["Hereditary ataxia"]


def test_a_nul_character_in_a_search_is_a_clear_400(client, world):
    response = client.get("/panels/", {"search": "ataxia\x00"})

    assert response.status_code == 400


def test_the_index_links_every_export(client, world):
    page = text(client.get("/panels/"))

    for export in ("download_panel", "download_genes", "download_strs", "download_regions"):
        assert f'href="/panels/{export}/"' in page


# --- The panel page ------------------------------------------------------------


def test_a_panel_page_groups_entities_by_type_with_ratings_as_words(client, world):
    page = text(client.get(f"/panels/{world.ataxia.pk}/"))

    assert '<h2 id="section-genes">Genes <span class="muted">(2)' in page
    assert '<h2 id="section-strs">STRs' in page and '<h2 id="section-regions">Regions' in page
    atxn1 = page.split(">ATXN1</a>")[1].split("</tr>")[0]
    assert 'class="badge badge-green" data-level="3">Green<' in atxn1
    assert "MONOALLELIC" in atxn1 and "Spinocerebellar ataxia 1" in atxn1 and "Literature" in atxn1
    # Two reviews of ATXN1.
    assert '<td class="num">2</td>' in atxn1
    assert '<span class="tag">founder</span>' in page.split(">FXN</a>")[1]
    assert f'href="/panels/{world.ataxia.pk}/gene/ATXN1/"' in page


def test_a_panel_page_lists_versions_with_sign_offs_and_contributors(client, world):
    page = text(client.get(f"/panels/{world.ataxia.pk}/"))

    assert "✔ Signed off 31 Mar 2025" in page
    assert f'href="/panels/{world.ataxia.pk}/?version=0.0"' in page
    contributors = page.split('id="contributors-title"')[1]
    assert 'Alex Morgan <span class="muted">(Genomics England)' in contributors
    assert "(NHS Laboratory)" in contributors


def test_a_panel_page_offers_downloads_by_category(client, world):
    page = text(client.get(f"/panels/{world.ataxia.pk}/"))

    for categories in ("01234", "34", "234", "2", "1"):
        assert f'href="/panels/{world.ataxia.pk}/download/{categories}/"' in page


def test_an_old_version_renders_that_versions_snapshot_and_downloads_it(client, world):
    page = text(client.get(f"/panels/{world.ataxia.pk}/", {"version": "0.2"}))  # ATXN1 just added

    assert "You are reading version 0.2" in page
    assert ">ATXN1</a>" in page and ">FXN</a>" not in page and "section-strs" not in page
    # Before the curator's review: no list.
    assert 'badge badge-none" data-level="0">No list<' in page.split(">ATXN1</a>")[1].split("</tr>")[0]
    assert f'href="/panels/{world.ataxia.pk}/download/01234/?version=0.2"' in page


def test_an_old_version_still_shows_an_entity_removed_since(client, world):
    services.remove_entity(world.curator, world.ataxia.entities.get(entity_name="FXN"))
    old = world.ataxia.snapshots.order_by("-major_version", "-minor_version")[1].version

    assert ">FXN</a>" not in text(client.get(f"/panels/{world.ataxia.pk}/"))
    assert ">FXN</a>" in text(client.get(f"/panels/{world.ataxia.pk}/", {"version": old}))


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ({"filter": "spinocerebellar"}, ["ATXN1"]),
        ({"filter": "founder"}, ["FXN"]),
        ({"level": "3"}, ["ATXN1"]),
        ({"level": ["0", "3"]}, ["ATXN1", "FXN", "ATXN1_SCA1", "ISCA-37446-Loss"]),
        ({"filter": "atxn1", "level": "0"}, ["ATXN1_SCA1"]),
    ],
)
def test_the_filter_box_works_on_the_server(client, world, query, shown):
    page = client.get(f"/panels/{world.ataxia.pk}/", query).content.decode()

    assert re.findall(r'class="entity-name">([^<]+)<', page) == shown


def test_a_super_panel_page_links_its_children_and_names_each_entitys_panel(client, world):
    page = text(client.get(f"/panels/{world.super_panel.pk}/"))

    children = page.split('id="children-title"')[1].split("</section>")[0]
    assert f'href="/panels/{world.ataxia.pk}/">Hereditary ataxia' in children
    assert f'href="/panels/{world.epilepsy.pk}/">Genetic epilepsy' in children
    assert page.count(">ATXN1</a>") == 2
    assert f'<a href="/panels/{world.epilepsy.pk}/">Genetic epilepsy</a></td>' in page


def test_an_internal_panel_is_a_404_for_the_public_and_readable_for_a_curator(client, world):
    assert client.get(f"/panels/{world.internal.pk}/").status_code == 404

    client.force_login(world.curator)
    assert ">SECRET1</a>" in text(client.get(f"/panels/{world.internal.pk}/"))


def test_a_retired_panel_page_is_public_and_says_retired(client, world):
    assert '<span class="tag tag--status">Retired</span>' in text(client.get(f"/panels/{world.retired.pk}/"))


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/panels/999999/", 404, "We could not find that page"),
        ("/panels/{pk}/?version=9.9", 404, "Hereditary ataxia has no version 9.9."),
        ("/panels/{pk}/?version=1", 400, "expected MAJOR.MINOR"),
        ("/panels/{pk}/?version=1.x", 400, "expected MAJOR.MINOR"),
    ],
)
def test_unknown_panels_and_bad_versions_are_friendly_pages_in_the_site_look(client, world, url, status, message):
    response = client.get(url.format(pk=world.ataxia.pk))

    assert response.status_code == status
    page = response.content.decode()
    assert message in page
    assert '<nav aria-label="Main"' in page and "site.css" in page


def test_a_deleted_panel_does_not_exist_even_for_curators(client, world):
    services.update_panel(world.curator, world.epilepsy, status=Panel.Status.DELETED)
    client.force_login(world.curator)

    assert client.get(f"/panels/{world.epilepsy.pk}/").status_code == 404


def test_a_large_panel_is_paged_so_each_page_fits_a_lambda_response(client, world):
    bulk_genes(world.curator, world.epilepsy, 600)

    first = client.get(f"/panels/{world.epilepsy.pk}/")
    last = client.get(f"/panels/{world.epilepsy.pk}/", {"page": "3"})

    assert len(re.findall(r'class="entity-name"', first.content.decode())) == 250
    assert "Showing 1\N{EN DASH}250 of 602 entities" in text(first) and "Page 1 of 3" in text(first)
    assert len(re.findall(r'class="entity-name"', last.content.decode())) == 102
    assert len(first.content) < 1_000_000 / 4


def test_the_filter_applies_before_paging(client, world):
    bulk_genes(world.curator, world.epilepsy, 600)

    page = text(client.get(f"/panels/{world.epilepsy.pk}/", {"filter": "scn1a"}))

    assert re.findall(r'class="entity-name">([^<]+)<', page) == ["SCN1A"]
    assert "Showing 1 matching of 602 entities" in page


def test_the_panel_page_counts_its_entities_in_words_that_agree_with_the_number(client, curator):
    panel = services.create_panel(curator, name="One gene panel", status=Panel.Status.PUBLIC)
    bulk_genes(curator, panel, 1)

    page = text(client.get(f"/panels/{panel.pk}/"))

    assert "1 gene, 0 STRs, 0 regions" in page


def test_the_curators_tools_offer_to_add_a_gene_an_str_and_a_region(client, curator, panel):
    client.force_login(curator)

    page = text(client.get(f"/panels/{panel.pk}/"))

    assert all(label in page for label in ("Add a gene", "Add an STR", "Add a region"))
