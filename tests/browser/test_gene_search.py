"""Adding a gene in headless Chromium: suggestions as the curator types, the same search without JavaScript, sources."""

from accounts.models import Reviewer
from django.contrib.auth import get_user_model
from panels.models import Entity

from tests.accounts.conftest import PASSWORD, make_account
from tests.browser.conftest import sign_in
from tests.imports.files import hgnc_row
from tests.panels.factories import add_gene, make_panel
from tests.panels.test_gene_search import load_genes

PHONE = 390


def load_brca_genes() -> None:
    load_genes(
        hgnc_row(1100, "BRCA1", alias_symbol="RNF53|BRCC1", name="BRCA1 DNA repair associated"),
        hgnc_row(1101, "BRCA2", alias_symbol="FANCD1", name="BRCA2 DNA repair associated"),
        hgnc_row(25668, "BRCC3", alias_symbol="C6.1A", name="BRCA1/BRCA2-containing complex subunit 3"),
    )


def add_gene_page(browser, site, *, genes: bool = True, javascript: bool = True):
    """A signed-in curator on the add-gene page of a new panel, with the BRCA genes loaded (or none)."""
    curator = make_account("curator", Reviewer.Role.CURATOR)
    panel = make_panel(curator, "Hereditary breast cancer")
    if genes:
        load_brca_genes()
    tab = browser.new_context(base_url=site, java_script_enabled=javascript).new_page()
    sign_in(tab, "curator", PASSWORD)
    tab.goto(f"/panels/{panel.pk}/gene/add/")
    return panel, tab


def test_a_curator_types_a_few_letters_picks_a_suggestion_and_adds_the_gene_with_sources(browser, site, screenshot):
    panel, tab = add_gene_page(browser, site)

    assert tab.get_by_role("heading", name="Find a gene").is_hidden()  # the field suggests genes itself
    symbol = tab.get_by_label("Gene symbol (HGNC)")
    symbol.press_sequentially("brc", delay=60)
    status = tab.get_by_role("status").filter(has_text="match")
    status.wait_for()
    assert status.inner_text().startswith("3 genes match “brc”")
    screenshot(tab, "add-gene-suggestions", width=1280)
    screenshot(tab, "add-gene-suggestions-phone", width=PHONE)
    tab.set_viewport_size({"width": 1280, "height": 900})

    # The keyboard reaches the suggestions too: down to the second, Enter chooses it.
    symbol.press("ArrowDown")
    tab.keyboard.press("ArrowDown")
    tab.keyboard.press("Enter")
    assert symbol.input_value() == "BRCA2"
    assert tab.get_by_role("status").filter(has_text="chosen").inner_text() == "BRCA2 chosen."

    # An alias finds the gene under its current symbol, chosen with the mouse.
    symbol.fill("")
    symbol.press_sequentially("rnf53", delay=60)
    tab.get_by_role("button", name="BRCA1 HGNC:1100").click()
    assert symbol.input_value() == "BRCA1"
    tab.get_by_label("UKGTN").check()
    tab.get_by_label("Other sources").fill("Breast cancer consortium list")
    tab.get_by_role("button", name="Add", exact=True).click()

    assert tab.url.endswith(f"/panels/{panel.pk}/gene/BRCA1/")
    added = panel.entities.get(entity_name="BRCA1")
    assert set(added.evidence.values_list("name", flat=True)) == {"UKGTN", "Breast cancer consortium list"}


def test_without_javascript_the_curator_finds_a_gene_by_an_alias_chooses_it_and_adds_it(browser, site, screenshot):
    panel, tab = add_gene_page(browser, site, javascript=False)

    tab.get_by_label("Symbol or its start, alias, previous symbol or HGNC id").fill("fancd1")
    tab.get_by_role("button", name="Find").click()
    assert "1 loaded gene matches “fancd1”" in tab.locator("main").inner_text()
    screenshot(tab, "add-gene-find", width=1280)
    screenshot(tab, "add-gene-find-phone", width=PHONE)
    tab.get_by_role("link", name="BRCA2").click()

    assert tab.get_by_label("Gene symbol (HGNC)").input_value() == "BRCA2"
    tab.get_by_label("Literature").check()
    tab.get_by_role("button", name="Add", exact=True).click()
    assert tab.url.endswith(f"/panels/{panel.pk}/gene/BRCA2/")
    assert list(panel.entities.get(entity_name="BRCA2").evidence.values_list("name", flat=True)) == ["Literature"]


def test_without_gene_data_the_add_gene_page_says_what_to_do_next(browser, site, screenshot):
    _, tab = add_gene_page(browser, site, genes=False)

    assert tab.get_by_role("heading", name="No gene data is loaded yet").is_visible()
    screenshot(tab, "add-gene-no-gene-data", width=1280)
    screenshot(tab, "add-gene-no-gene-data-phone", width=PHONE)
    tab.get_by_role("link", name="Gene data on the Import files page").click()
    assert tab.get_by_role("heading", name="Import files").is_visible()


def test_a_curator_adds_sources_to_an_entity_from_its_page_and_from_the_page_without_javascript(
    browser, site, screenshot
):
    curator = make_account("curator", Reviewer.Role.CURATOR)
    panel = make_panel(curator, "Hereditary ataxia")
    entity = add_gene(curator, panel, "ATXN1", sources=["Literature"])
    entity_page = f"/panels/{panel.pk}/gene/ATXN1/"
    tab = browser.new_context(base_url=site).new_page()
    sign_in(tab, "curator", PASSWORD)
    tab.goto(entity_page)

    tab.get_by_text("Add evidence sources").click()
    tab.get_by_label("Emory Genetics Laboratory").check()
    screenshot(tab, "add-sources-tools", width=1280)
    tab.get_by_role("button", name="Add sources").click()
    tab.get_by_text("Source added: Emory Genetics Laboratory.").wait_for()
    entity.refresh_from_db()
    assert entity.confidence_level == 1

    plain = browser.new_context(base_url=site, java_script_enabled=False).new_page()
    sign_in(plain, "curator", PASSWORD)
    plain.goto(entity_page + "add_sources/")
    screenshot(plain, "add-sources-form", width=1280)
    screenshot(plain, "add-sources-form-phone", width=PHONE)
    plain.get_by_label("Other sources").fill("Literature")
    plain.get_by_role("button", name="Add sources").click()
    assert "ATXN1 already has the source Literature" in plain.locator("main").inner_text()
    plain.get_by_label("Other sources").fill("")
    plain.get_by_label("UKGTN").check()
    plain.get_by_role("button", name="Add sources").click()
    assert plain.url.endswith(entity_page)
    assert "Source added: UKGTN." in plain.locator("main").inner_text()
    assert Entity.objects.get(pk=entity.pk).confidence_level == 2


def test_an_alias_added_as_a_symbol_shows_the_gene_it_names_even_with_javascript(browser, site):
    _, tab = add_gene_page(browser, site)

    tab.get_by_label("Gene symbol (HGNC)").fill("RNF53")
    tab.get_by_role("button", name="Add", exact=True).click()

    assert "Unknown gene symbol 'RNF53'" in tab.locator(".error-summary").inner_text()
    tab.get_by_role("link", name="BRCA1").click()
    assert tab.get_by_label("Gene symbol (HGNC)").input_value() == "BRCA1"
    assert tab.get_by_role("heading", name="Find a gene").is_hidden()


def test_a_gene_already_on_the_panel_is_suggested_but_cannot_be_chosen(browser, site, screenshot):
    panel, tab = add_gene_page(browser, site)
    add_gene(get_user_model().objects.get(username="curator"), panel, "BRCA2")
    tab.reload()

    symbol = tab.get_by_label("Gene symbol (HGNC)")
    symbol.press_sequentially("brc", delay=60)
    tab.get_by_role("status").filter(has_text="match").wait_for()
    there = tab.get_by_role("button", name="BRCA2 HGNC:1101")

    assert there.is_disabled() and "already on this panel" in there.inner_text()
    screenshot(tab, "add-gene-suggestions-already-on-panel", width=1280)
    symbol.press("ArrowDown")
    tab.keyboard.press("ArrowDown")  # past BRCA1, over BRCA2, to BRCC3
    tab.keyboard.press("Enter")
    assert symbol.input_value() == "BRCC3"


def test_on_a_phone_a_reviewers_add_gene_form_and_its_review_fit_the_screen(page, site):
    curator = make_account("curator", Reviewer.Role.CURATOR)
    make_account("reviewer", Reviewer.Role.REVIEWER)
    panel = make_panel(curator, "Hereditary breast cancer")
    load_brca_genes()
    sign_in(page, "reviewer", PASSWORD)
    page.set_viewport_size({"width": PHONE, "height": 900})
    page.goto(f"/panels/{panel.pk}/gene/add/")

    assert page.get_by_role("group", name="Your review").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE


def test_one_suggestion_is_announced_in_the_singular(browser, site):
    _, tab = add_gene_page(browser, site)

    tab.get_by_label("Gene symbol (HGNC)").press_sequentially("brca2", delay=60)
    status = tab.get_by_role("status").filter(has_text="match")
    status.wait_for()

    assert status.inner_text().startswith("1 gene matches “brca2”")
