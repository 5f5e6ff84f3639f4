"""Comparing two panels: in both, rating differs, only in one; and one gene across the two."""

import re

import pytest

from tests.panels.factories import bulk_genes
from tests.panels.site_data import text

pytestmark = pytest.mark.django_db


def rows(response) -> dict[str, str]:
    """Entity name -> its comparison class."""
    return dict(
        (name, status)
        for status, name in re.findall(
            r'<tr class="compare-(\w+)"> <th scope="row"><a href="[^"]+">([^<]+)</a>', text(response)
        )
    )


def test_the_form_lists_the_visible_panels(client, world):
    page = text(client.get("/panels/compare/"))

    assert f'<option value="{world.ataxia.pk}">Hereditary ataxia' in page
    assert "Unreleased panel" not in page


def test_the_form_sends_its_choice_on_to_the_comparison(client, world):
    response = client.get("/panels/compare/", {"panel_a": world.ataxia.pk, "panel_b": world.epilepsy.pk})

    assert response.status_code == 302
    assert response["Location"] == f"/panels/compare/{world.ataxia.pk}/{world.epilepsy.pk}"


def test_an_incomplete_choice_is_a_400_that_says_so(client, world):
    response = client.get("/panels/compare/", {"panel_a": world.ataxia.pk, "panel_b": "x"})

    assert response.status_code == 400
    assert "Choose two panels to compare." in response.content.decode()


def test_two_panels_side_by_side(client, world):
    response = client.get(f"/panels/compare/{world.ataxia.pk}/{world.epilepsy.pk}")

    assert rows(response) == {
        "ATXN1": "differs",
        "ATXN1_SCA1": "only_a",
        "FXN": "only_a",
        "ISCA-37446-Loss": "only_a",
        "SCN1A": "only_b",
    }
    page = text(response)
    assert "<strong>0</strong> in both, same rating" in page
    assert "<strong>1</strong> in both, rating differs" in page
    assert "<strong>3</strong> only in Hereditary ataxia" in page


def test_a_super_panel_compares_with_its_childrens_entities(client, world):
    response = client.get(f"/panels/compare/{world.super_panel.pk}/{world.epilepsy.pk}")

    assert rows(response)["SCN1A"] == "same"
    assert rows(response)["FXN"] == "only_a"


def test_only_the_differences_when_asked(client, world):
    response = client.get(f"/panels/compare/{world.super_panel.pk}/{world.epilepsy.pk}", {"show": "differences"})

    assert "SCN1A" not in rows(response)
    assert "FXN" in rows(response)


def test_one_gene_across_the_two_panels(client, world):
    page = text(client.get(f"/panels/compare/{world.ataxia.pk}/{world.epilepsy.pk}/ATXN1"))

    first, second = page.split('id="column-1"')[1].split('id="column-2"')
    assert 'data-level="3">Green<' in first and "Well established." in first and "Less sure." in first
    assert 'data-level="1">Red<' in second


def test_a_gene_in_one_panel_only_says_the_other_lacks_it(client, world):
    page = text(client.get(f"/panels/compare/{world.ataxia.pk}/{world.epilepsy.pk}/FXN"))

    assert "Genetic epilepsy does not have FXN." in page


@pytest.mark.parametrize(
    "url",
    [
        "/panels/compare/{ataxia}/999999",
        "/panels/compare/{internal}/{ataxia}",
        "/panels/compare/{ataxia}/{epilepsy}/NOSUCH",
    ],
)
def test_unknown_panels_or_genes_are_a_friendly_404(client, world, url):
    response = client.get(url.format(ataxia=world.ataxia.pk, epilepsy=world.epilepsy.pk, internal=world.internal.pk))

    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_a_long_comparison_is_paged(client, world):
    bulk_genes(world.curator, world.epilepsy, 600)

    first = client.get(f"/panels/compare/{world.ataxia.pk}/{world.epilepsy.pk}")
    second = client.get(f"/panels/compare/{world.ataxia.pk}/{world.epilepsy.pk}", {"page": "2"})

    assert len(rows(first)) == 500 and "Page 1 of 2" in text(first)
    assert len(rows(second)) == 605 - 500
