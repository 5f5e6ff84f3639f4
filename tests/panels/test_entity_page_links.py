"""Entity pages link to the resources reviewers read beside them, step to the panel's previous and next entity,
and explain ratings and terms beside the review form."""

import re

import pytest
from accounts.models import Reviewer
from django.db import connection
from django.test.utils import CaptureQueriesContext
from panels.models import Gene

from tests.panels.factories import add_gene, add_region, add_str, bulk_genes, make_panel, make_user
from tests.panels.site_data import text

pytestmark = pytest.mark.django_db


def outside_links(page: str) -> dict[str, str]:
    """Link text -> address of every link to another site (they all carry rel="noopener noreferrer")."""
    found = re.findall(r'<a href="([^"]+)" rel="noopener noreferrer">(.*?)</a>', page)
    return {re.sub(r"<[^>]+>", "", label).strip(): href.replace("&amp;", "&") for href, label in found}


def pager(page: str) -> dict[str, str]:
    """ "prev"/"next" -> the address the entity pager links to."""
    nav = re.search(r'<nav class="entity-pager".*?</nav>', page)
    return dict(re.findall(r'rel="(prev|next)" href="([^"]+)"', nav.group(0))) if nav else {}


def entity_url(panel, entity_type: str, name: str) -> str:
    return f"/panels/{panel.pk}/{entity_type}/{name}/"


# --- Links to other sites ------------------------------------------------------


def test_a_gene_links_to_ensembl_of_each_build_omim_hgnc_clingen_clinvar_gene2phenotype_and_decipher(client, world):
    gene = Gene.objects.get(hgnc_symbol="ATXN1")
    ensembl_38 = gene.ensembl_genes["GRch38"]["90"]["ensembl_id"]
    ensembl_37 = gene.ensembl_genes["GRch37"]["82"]["ensembl_id"]

    links = outside_links(text(client.get(entity_url(world.ataxia, "gene", "ATXN1"))))

    assert (
        links[f"Ensembl ATXN1 (GRCh38): {ensembl_38}"]
        == f"https://www.ensembl.org/Homo_sapiens/Gene/Summary?g={ensembl_38}"
    )
    assert links[f"Ensembl ATXN1 (GRCh37): {ensembl_37}"] == (
        f"https://grch37.ensembl.org/Homo_sapiens/Gene/Summary?g={ensembl_37}"
    )
    assert links[f"OMIM gene {gene.omim_gene[0]}"] == f"https://omim.org/entry/{gene.omim_gene[0]}"
    assert links[f"HGNC {gene.hgnc_id}"] == (
        f"https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/{gene.hgnc_id}"
    )
    assert links["ClinGen curations of ATXN1"] == (f"https://search.clinicalgenome.org/kb/genes/{gene.hgnc_id}")
    assert links["ClinVar variants in ATXN1"] == "https://www.ncbi.nlm.nih.gov/clinvar/?term=ATXN1%5Bgene%5D"
    assert links["Gene2Phenotype ATXN1 and its disorders"] == "https://www.ebi.ac.uk/gene2phenotype/search?query=ATXN1"
    assert links["DECIPHER ATXN1 and its patients"] == "https://www.deciphergenomics.org/gene/ATXN1"


def test_the_ensembl_table_links_each_id_to_the_site_of_its_build(client, world):
    gene = Gene.objects.get(hgnc_symbol="ATXN1")
    ensembl_37 = gene.ensembl_genes["GRch37"]["82"]["ensembl_id"]

    links = outside_links(text(client.get(entity_url(world.ataxia, "gene", "ATXN1"))))

    assert (
        links[f"{ensembl_37} on Ensembl GRCh37"]
        == f"https://grch37.ensembl.org/Homo_sapiens/Gene/Summary?g={ensembl_37}"
    )


def test_the_ensembl_table_names_each_build_as_it_is_written(client, world):
    page = text(client.get(entity_url(world.ataxia, "gene", "ATXN1")))

    assert "GRCh37" in page and "GRCh38" in page and "GRch" not in page


def test_a_gene_without_ids_links_only_by_its_symbol(client, curator):
    panel = make_panel(curator, "Bare gene panel")
    Gene.objects.create(hgnc_symbol="NOIDS1")
    add_gene(curator, panel, "NOIDS1")

    links = outside_links(text(client.get(entity_url(panel, "gene", "NOIDS1"))))

    assert sorted(links) == [
        "ClinVar variants in NOIDS1",
        "DECIPHER NOIDS1 and its patients",
        "Gene2Phenotype NOIDS1 and its disorders",
    ]


def test_the_page_of_a_gene_across_panels_has_the_same_links(client, world):
    links = outside_links(text(client.get("/panels/entities/ATXN1")))

    assert links["ClinVar variants in ATXN1"] == "https://www.ncbi.nlm.nih.gov/clinvar/?term=ATXN1%5Bgene%5D"
    assert any(label.startswith("Ensembl ATXN1 (GRCh38)") for label in links)


def test_an_str_links_its_position_to_ensembl_of_each_build_and_to_decipher(client, world):
    links = outside_links(text(client.get(entity_url(world.ataxia, "str", "ATXN1_SCA1"))))

    # tests.panels.factories.add_str: chr4, GRCh37 3,076,604-3,076,666, GRCh38 3,074,877-3,074,939.
    assert links["Ensembl chr4:3,074,877-3,074,939 (GRCh38)"] == (
        "https://www.ensembl.org/Homo_sapiens/Location/View?r=4:3074877-3074939"
    )
    assert links["Ensembl chr4:3,076,604-3,076,666 (GRCh37)"] == (
        "https://grch37.ensembl.org/Homo_sapiens/Location/View?r=4:3076604-3076666"
    )
    assert links["DECIPHER chr4:3,074,877-3,074,939 (GRCh38)"] == (
        "https://www.deciphergenomics.org/browser#q/4:3074877-3074939"
    )


def test_a_region_named_by_its_clingen_id_links_to_its_dosage_record(client, world):
    links = outside_links(text(client.get(entity_url(world.ataxia, "region", "ISCA-37446-Loss"))))

    assert links["ClinGen dosage sensitivity of ISCA-37446"] == (
        "https://search.clinicalgenome.org/kb/gene-dosage/region/ISCA-37446"
    )
    assert links["Ensembl chr22:18,924,718-21,111,383 (GRCh38)"] == (
        "https://www.ensembl.org/Homo_sapiens/Location/View?r=22:18924718-21111383"
    )


def test_a_region_without_a_grch37_position_or_clingen_id_links_what_it_has(client, curator):
    panel = make_panel(curator, "Region panel")
    add_region(curator, panel, "Deletion-of-22q", grch37_start=None, grch37_end=None)

    links = outside_links(text(client.get(entity_url(panel, "region", "Deletion-of-22q"))))

    assert sorted(links) == [
        "DECIPHER chr22:18,924,718-21,111,383 (GRCh38)",
        "Ensembl chr22:18,924,718-21,111,383 (GRCh38)",
    ]


def test_publications_that_are_pubmed_ids_link_to_pubmed(client, world):
    links = outside_links(text(client.get(entity_url(world.ataxia, "gene", "ATXN1"))))

    assert links["PMID 8358429"] == "https://pubmed.ncbi.nlm.nih.gov/8358429/"
    assert not any("2020" in href for href in links.values())  # "Smith 2020" is a citation, shown as text


def test_links_to_other_sites_open_in_the_same_tab_and_send_no_referrer(client, world):
    page = text(client.get(entity_url(world.ataxia, "gene", "ATXN1")))

    external = re.findall(r'<a href="https://[^"]+"[^>]*>', page)
    assert external and all('rel="noopener noreferrer"' in tag and "target=" not in tag for tag in external)


# --- Previous and next ---------------------------------------------------------


def test_the_first_entity_of_a_panel_has_a_next_and_no_previous(client, world):
    # The panel page lists genes, then STRs, then regions, each by name: ATXN1, FXN, ATXN1_SCA1, ISCA-37446-Loss.
    assert pager(text(client.get(entity_url(world.ataxia, "gene", "ATXN1")))) == {
        "next": entity_url(world.ataxia, "gene", "FXN")
    }


def test_the_last_gene_steps_on_to_the_first_str(client, world):
    assert pager(text(client.get(entity_url(world.ataxia, "gene", "FXN")))) == {
        "prev": entity_url(world.ataxia, "gene", "ATXN1"),
        "next": entity_url(world.ataxia, "str", "ATXN1_SCA1"),
    }


def test_an_entity_in_the_middle_has_both_neighbours(client, world):
    assert pager(text(client.get(entity_url(world.ataxia, "str", "ATXN1_SCA1")))) == {
        "prev": entity_url(world.ataxia, "gene", "FXN"),
        "next": entity_url(world.ataxia, "region", "ISCA-37446-Loss"),
    }


def test_the_last_entity_of_a_panel_has_a_previous_and_no_next(client, world):
    assert pager(text(client.get(entity_url(world.ataxia, "region", "ISCA-37446-Loss")))) == {
        "prev": entity_url(world.ataxia, "str", "ATXN1_SCA1")
    }


def test_the_only_entity_of_a_panel_has_no_pager(client, curator):
    panel = make_panel(curator, "One gene panel")
    add_gene(curator, panel, "ALONE1")

    assert pager(text(client.get(entity_url(panel, "gene", "ALONE1")))) == {}


def test_a_super_panel_steps_through_its_childrens_entities_once_each_and_stays_on_the_super_panel(client, world):
    # Children: ataxia (ATXN1, FXN, ATXN1_SCA1, ISCA-37446-Loss) and epilepsy (ATXN1, SCN1A).
    super_panel = world.super_panel

    assert pager(text(client.get(entity_url(super_panel, "gene", "ATXN1")))) == {
        "next": entity_url(super_panel, "gene", "FXN")
    }
    assert pager(text(client.get(entity_url(super_panel, "gene", "SCN1A")))) == {
        "prev": entity_url(super_panel, "gene", "FXN"),
        "next": entity_url(super_panel, "str", "ATXN1_SCA1"),
    }


def test_the_pager_names_the_kind_of_an_str_or_region_it_leads_to(client, world):
    page = text(client.get(entity_url(world.ataxia, "gene", "FXN")))

    assert re.search(r'rel="next"[^>]*>.*?ATXN1_SCA1 <span class="muted">\(STR\)</span></a>', page)


def entity_page_queries(client, panel, name: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(entity_url(panel, "gene", name)).status_code == 200
    return len(queries)


def test_the_entity_page_costs_the_same_queries_on_a_panel_of_2500_genes_as_on_a_small_one(
    client, curator, django_assert_max_num_queries
):
    small, large = make_panel(curator, "Small panel"), make_panel(curator, "Large panel")
    bulk_genes(curator, small, 3)
    bulk_genes(curator, large, 2500)
    small_middle = f"BULK{small.pk}X1"
    large_middle = f"BULK{large.pk}X1500"

    expected = entity_page_queries(client, small, small_middle)
    with django_assert_max_num_queries(expected):
        assert client.get(entity_url(large, "gene", large_middle)).status_code == 200
    assert expected <= 12


# --- Guidance ------------------------------------------------------------------


GUIDANCE_TOPICS = ["Ratings: green, amber, red", "Mode of inheritance", "Mode of pathogenicity", "Current diagnostic"]


def guidance_topics(page: str) -> list[str]:
    aside = re.search(r'<aside class="guidance".*?</aside>', page)
    return re.findall(r"<summary>(.*?)</summary>", aside.group(0)) if aside else []


def test_the_review_form_has_guidance_on_ratings_inheritance_pathogenicity_and_current_diagnostic(client, world):
    client.force_login(world.reviewer)

    page = text(client.get(entity_url(world.ataxia, "gene", "ATXN1") + "review/"))

    assert guidance_topics(page) == GUIDANCE_TOPICS
    assert "<details" in page and "<details open" not in page  # closed until asked for, and works without script


def test_a_commenter_is_not_shown_guidance_on_fields_they_do_not_have(client, world):
    client.force_login(make_user(Reviewer.Role.EXTERNAL))

    page = text(client.get(entity_url(world.ataxia, "gene", "ATXN1") + "review/"))

    assert "Used in current diagnostic testing" not in page.split("<aside")[0]  # the comment form
    assert guidance_topics(page) == []


def test_the_entity_page_explains_ratings_beside_the_curators_rating_form(client, world):
    client.force_login(world.curator)

    page = text(client.get(entity_url(world.ataxia, "gene", "ATXN1")))

    assert page.index('id="entity-tools"') < page.index('<aside class="guidance"')
    assert guidance_topics(page) == GUIDANCE_TOPICS


def test_the_guidance_shows_ratings_as_colour_and_word(client, world):
    client.force_login(world.reviewer)
    page = text(client.get(entity_url(world.ataxia, "gene", "ATXN1")))
    aside = page.split('<aside class="guidance"')[1].split("</aside>")[0]

    for colour in ("Green", "Amber", "Red"):
        assert f'<span class="badge badge-{colour.lower()}">{colour}</span>' in aside


def test_an_str_on_a_panel_without_a_gene_still_renders(client, curator):
    panel = make_panel(curator, "STR panel")
    add_str(curator, panel, "NOGENE_STR")

    assert "NOGENE_STR on other sites" in text(client.get(entity_url(panel, "str", "NOGENE_STR")))


def test_a_reader_who_may_not_review_sees_no_reviewer_guidance_on_the_entity_page(client, world):
    assert guidance_topics(text(client.get(entity_url(world.ataxia, "gene", "ATXN1")))) == []
