"""The journeys of PanelApp's people, end to end in headless Chromium, against the stack ``make run`` starts.

One test per journey: a reader, a new user, a reviewer, a curator's curation
and a curator's imports. Every page comes from the real web handler; static
and uploaded files live in buckets on the embedded S3's own origin; tasks go
through the embedded SQS to the real worker handler on the real worker loop;
e-mails go out through the embedded SES and are read back from the local
mailbox (``/_local/mail/``), as a developer reads them. Destructive actions
go through their confirmation. With ``SCREENSHOTS=docs`` each journey keeps
its key pages in docs/screenshots/ (``journey-*.png``, see docs/journeys.md).
"""

import csv
import io
import re
import time
from urllib.parse import urlsplit

import pytest
from accounts.models import Reviewer
from django.core.management import call_command
from django.utils import timezone
from panels.models import Comment, Evaluation, Panel
from playwright.sync_api import expect

from tests.accounts.conftest import PASSWORD, make_account
from tests.browser.conftest import sign_in
from tests.imports.files import gene_row, hgnc_row, panel_file
from tests.panels.factories import add_gene, make_gene, make_panel
from tests.panels.test_gene_search import load_genes

BREAST = "Hereditary breast and ovarian cancer"
COLON = "Familial colon cancer"
DESKTOP = 1280


@pytest.fixture
def site(stack_site):
    """Every page of these journeys from the local stack (``make run``), never from the in-process server."""
    return stack_site


@pytest.fixture
def shoot(screenshot):
    """``shoot(tab, "reader-panel")`` keeps ``journey-reader-panel.png`` at desktop width."""
    return lambda tab, name: screenshot(tab, f"journey-{name}", width=DESKTOP)


def new_tab(browser, site):
    return browser.new_context(base_url=site).new_page()


def downloaded(tab, link):
    """Click ``link`` and return the download it starts."""
    with tab.expect_download() as started:
        link.click()
    return started.value


def tsv_rows(download) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(download.path().read_text(encoding="utf-8"), newline=""), delimiter="\t"))


# --- A reader ------------------------------------------------------------------------------------


def test_a_reader_searches_reads_a_panel_and_an_old_version_a_gene_compares_and_downloads(page, screenshot):
    call_command("load_demo_data", stdout=io.StringIO())
    breast, colon = Panel.objects.get(name=BREAST), Panel.objects.get(name=COLON)
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname))

    # Search for a gene: the panels that have it, with their ratings, a super panel's through its child.
    page.goto("/")
    page.get_by_label("Find a panel, disorder or gene").fill("BRCA1")
    page.get_by_role("button", name="Search").click()
    matches = page.locator(".gene-matches")
    expect(matches.locator("h2")).to_contain_text("BRCA1 is on 2 panels")
    assert "Green" in matches.locator("tr", has=page.get_by_role("link", name=BREAST, exact=True)).inner_text()
    assert "through " + BREAST in matches.locator("tr", has_text="Cancer susceptibility").inner_text()
    screenshot(page, "panel-search-gene", width=DESKTOP)

    # The gene across panels, then its evidence and reviews in one panel.
    page.get_by_role("link", name="BRCA1 across all panels").click()
    expect(page.locator("h1")).to_contain_text("BRCA1")
    assert "HGNC:1100" in page.locator(".gene-data").inner_text()
    assert page.locator("a[href='https://omim.org/entry/113705']").count() == 1
    screenshot(page, "entity-across-panels", width=DESKTOP)
    page.get_by_role("link", name=f"Evidence and reviews in {BREAST}").click()
    expect(page.locator(".review")).to_have_count(2)
    assert "Sam Patel" in page.locator("main").inner_text()
    assert page.locator("a[href='https://pubmed.ncbi.nlm.nih.gov/8091231/']").count() >= 1
    assert "Added Gene BRCA1" in page.locator(".history").inner_text()
    screenshot(page, "entity-in-panel", width=DESKTOP)

    # The panel, then an older version of it from its list of versions.
    page.goto(f"/panels/{breast.pk}/")
    expect(page.locator("h1")).to_contain_text(f"v{breast.version}")
    old = breast.snapshots.order_by("major_version", "minor_version").first().version
    page.locator(".versions").get_by_role("link", name=f"v{old}", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"You are reading version {old}")

    # That version downloads under a name of its own.
    download = downloaded(page, page.get_by_role("link", name="All entities (TSV)"))
    assert download.suggested_filename == f"{BREAST}-v{old}.tsv"
    assert {row["version"] for row in tsv_rows(download)} <= {old}

    # Compare two panels, then one gene across them.
    page.goto("/panels/compare/")
    page.get_by_label("First panel").select_option(label=f"{BREAST} (v{breast.version})")
    page.get_by_label("Second panel").select_option(label=f"{COLON} (v{colon.version})")
    screenshot(page, "compare-form", width=DESKTOP)
    page.get_by_role("button", name="Compare").click()
    summary = page.locator(".summary-counts")
    expect(summary).to_contain_text(f"6 only in {BREAST}")
    assert f"3 only in {COLON}" in summary.inner_text()
    screenshot(page, "compare-panels", width=DESKTOP)
    page.get_by_role("link", name="BRCA1").click()
    columns = page.locator(".side-by-side > section")
    expect(columns.nth(1)).to_contain_text(f"{COLON} does not have BRCA1")
    assert "Green" in columns.nth(0).inner_text()
    screenshot(page, "compare-gene", width=DESKTOP)

    # Every page, script, style and file came from the site or its own buckets (loopback): no third-party CDN.
    assert hosts == {"127.0.0.1"}


# --- A new user ----------------------------------------------------------------------------------


def test_a_new_user_registers_confirms_from_the_mailbox_and_asks_to_review(page, local_stack, shoot):
    make_account("curator", Reviewer.Role.CURATOR, email="curator@example.org")

    page.goto("/accounts/registration/")
    for label, value in [
        ("First name", "Ada"),
        ("Last name", "Lovelace"),
        ("E-mail address", "ada@example.org"),
        ("E-mail address again", "ada@example.org"),
        ("Password", PASSWORD),
        ("Password confirmation", PASSWORD),
        ("Affiliation", "Analytical Engines Ltd"),
    ]:
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Role").select_option("Clinical Scientist")
    page.get_by_label("Workplace").select_option("NHS diagnostic lab")
    page.get_by_label("Group").select_option("NHS Genomic Medicine Centre")
    shoot(page, "new-user-register")
    page.get_by_role("button", name="Register").click()
    expect(page.locator("h1")).to_have_text("Check your e-mail")
    sign_in(page, "ada@example.org", PASSWORD)  # not yet: the address is unconfirmed
    assert "correct username and password" in page.content()

    # The worker sent the confirmation through SES; the link is read from the local mailbox.
    page.goto(local_stack.mail_link("ada@example.org", "confirm your e-mail address"))
    expect(page.locator("h1")).to_have_text("Address confirmed")
    expect(page.locator("main")).to_contain_text("Your request to become a reviewer has gone to the curators.")
    shoot(page, "new-user-confirmed")
    assert local_stack.mail_link("curator@example.org", "waiting for approval").endswith("/accounts/reviewers/")
    page.goto("/_local/mail/")
    shoot(page, "new-user-mailbox")

    sign_in(page, "ada@example.org", PASSWORD)
    page.goto("/accounts/profile/")
    expect(page.locator(".facts")).to_contain_text("waiting for a curator to approve you as a reviewer")
    shoot(page, "new-user-profile")


# --- A reviewer ----------------------------------------------------------------------------------


def test_a_reviewer_reviews_comments_edits_and_deletes_their_own_comment_after_confirming(page, shoot):
    curator = make_account("curator", Reviewer.Role.CURATOR)
    make_account("reviewer", Reviewer.Role.REVIEWER)
    panel = make_panel(curator, "Hereditary ataxia")
    add_gene(curator, panel, "ATXN1")
    thread = page.locator(".thread__text")
    sign_in(page, "reviewer", PASSWORD)

    # A review with a comment, then a second comment through the same form.
    page.goto(f"/panels/{panel.pk}/gene/ATXN1/")
    page.get_by_role("link", name="Review ATXN1").click()
    page.get_by_label("Rating").select_option("AMBER")
    page.get_by_label("Comments").fill("Two unrelated familes")
    shoot(page, "reviewer-review")
    page.get_by_role("button", name="Save my review").click()
    expect(page.locator("main")).to_contain_text("Your review is saved.")
    page.get_by_role("link", name="Change your review").click()
    page.get_by_label("Comments").fill("A third family since")
    page.get_by_role("button", name="Update my review").click()
    expect(thread).to_have_text(["Two unrelated familes", "A third family since"])
    assert Evaluation.objects.get(user__username="reviewer").rating == "AMBER"

    # The first comment corrected in place.
    first, second = Comment.objects.order_by("created")
    page.locator(f"#comment-{first.pk}").get_by_role("link", name="Edit").click()
    page.get_by_label("Comment").fill("Two unrelated families")
    page.get_by_role("button", name="Save my comment").click()
    expect(thread).to_have_text(["Two unrelated families", "A third family since"])
    shoot(page, "reviewer-thread")

    # Deleting the second asks first: Cancel keeps it, confirming deletes it.
    page.locator(f"#comment-{second.pk}").get_by_role("link", name="Delete").click()
    dialog = page.get_by_role("dialog", name="Delete this comment on ATXN1?")
    dialog.wait_for()
    shoot(page, "reviewer-confirm-delete")
    dialog.get_by_role("link", name="Cancel").click()
    dialog.wait_for(state="detached")
    assert Comment.objects.filter(pk=second.pk).exists()
    page.locator(f"#comment-{second.pk}").get_by_role("link", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete the comment").click()
    expect(page.get_by_text("The comment is deleted.")).to_be_visible()
    expect(thread).to_have_text(["Two unrelated families"])


# --- A curator -----------------------------------------------------------------------------------


def test_a_curator_approves_a_reviewer_adds_rates_tags_readies_edits_promotes_and_signs_off(page, shoot):
    curator = make_account("curator", Reviewer.Role.CURATOR)
    hopeful = make_account("hopeful", Reviewer.Role.EXTERNAL)
    Reviewer.objects.filter(user=hopeful).update(approval=Reviewer.Approval.PENDING, email_verified_at=timezone.now())
    load_genes(  # HGNC's gene data, as the curators' import loads it
        hgnc_row(10548, "ATXN1", alias_symbol="", prev_symbol="SCA1", name="ataxin 1", omim_id="601556"),
        hgnc_row(10555, "ATXN2", alias_symbol="TNRC13", prev_symbol="SCA2", name="ataxin 2", omim_id="601517"),
    )
    panel = make_panel(curator, "Hereditary ataxia")
    add_gene(curator, panel, "ATXN1")  # the panel is at 0.1
    sign_in(page, "curator", PASSWORD)

    # Approve the person waiting to review.
    page.goto("/accounts/reviewers/")
    shoot(page, "curator-pending-reviewers")
    page.get_by_role("button", name="Approve Hopeful Tester").click()
    expect(page.get_by_text("Hopeful Tester is now a reviewer.")).to_be_visible()

    # Add a gene by searching for it: its first letters suggest the loaded genes they start; a click picks one.
    page.goto(f"/panels/{panel.pk}/")
    page.get_by_role("link", name="Add a gene").click()
    symbol = page.get_by_label("Gene symbol (HGNC)")
    symbol.press_sequentially("atx", delay=60)
    expect(page.get_by_role("status").filter(has_text="match")).to_contain_text("2 genes match “atx”")
    shoot(page, "curator-gene-suggestions")
    page.get_by_role("button", name="ATXN2 HGNC:10555 ataxin 2").click()
    expect(symbol).to_have_value("ATXN2")
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_url(f"**/panels/{panel.pk}/gene/ATXN2/")
    page.goto(f"/panels/{panel.pk}/")
    on_the_panel = page.locator(".entity-name")
    expect(on_the_panel).to_have_text(["ATXN1", "ATXN2"])
    on_the_panel.filter(has_text="ATXN2").click()

    # Rate, tag and mark ready in place, then edit the gene.
    page.get_by_label("Curator rating").select_option("GREEN")
    page.get_by_role("button", name="Set rating").click()
    expect(page.get_by_text("Rating saved.")).to_be_visible()
    page.get_by_label("Tags").fill("founder, anticipation")
    page.get_by_role("button", name="Save tags").click()
    expect(page.get_by_text("Tags saved.")).to_be_visible()
    page.get_by_role("button", name="Mark as ready").click()
    expect(page.get_by_text("Marked as ready.")).to_be_visible()
    shoot(page, "curator-entity-tools")
    page.get_by_role("link", name="Edit ATXN2").click()
    page.get_by_label("Phenotypes").fill("Spinocerebellar ataxia 2, 183090")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("main")).to_contain_text("Spinocerebellar ataxia 2, 183090")
    minor = Panel.objects.get(pk=panel.pk).version

    # Promote, then sign off the version before the promotion on a chosen day.
    page.goto(f"/panels/{panel.pk}/")
    page.get_by_role("link", name="Promote").click()
    page.get_by_label("Comment").fill("Reviewed by the neurology GMS panel")
    page.get_by_role("button", name="Promote").click()
    expect(page.locator("h1")).to_contain_text("v1.0")
    page.get_by_role("link", name="Sign off a version").click()
    page.get_by_label("Version", exact=True).select_option(minor)
    page.get_by_label("Signed off on").fill("2025-03-31")
    shoot(page, "curator-sign-off")
    page.get_by_role("button", name="Sign off").click()
    expect(page.locator("main")).to_contain_text(f"Version {minor} of Hereditary ataxia is signed off on 31 Mar 2025.")
    page.goto(f"/panels/{panel.pk}/")
    expect(page.locator(".facts")).to_contain_text(f"✔ v{minor} on 31 Mar 2025")
    shoot(page, "curator-panel")


def built_panel_rows(tab) -> list[dict[str, str]]:
    """The all-panels file, once the worker has built it: "being built" pages are reloaded until it downloads."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        tab.goto("/panels/")
        link = tab.get_by_role("link", name="All panels (TSV)")
        response = tab.request.get(link.get_attribute("href"), max_redirects=0)
        if response.status == 302:
            download = downloaded(tab, link)
            assert download.suggested_filename.startswith("All_panels_")
            return tsv_rows(download)
        assert response.status == 202, response.status
        time.sleep(1)
    raise AssertionError("the all-panels file was not built within 60 s")


def test_a_curator_imports_a_file_reads_its_report_a_broken_one_and_downloads_all_panels_after_a_restart(
    page, local_stack, tmp_path, shoot
):
    curator = make_account("curator", Reviewer.Role.CURATOR, email="curator@example.org")
    ataxia = make_panel(curator, "Hereditary ataxia", status=Panel.Status.PUBLIC)
    make_gene("ATXN1")
    good, broken = tmp_path / "ataxia update.tsv", tmp_path / "broken.tsv"
    good.write_bytes(panel_file(gene_row("ATXN1", panel="Hereditary ataxia")))
    broken.write_bytes(panel_file(gene_row("NOPE1", Model_Of_Inheritance="Dominant")))
    sign_in(page, "curator", PASSWORD)
    blocked: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and blocked.append(message.text))

    # The file goes from the page straight to the media bucket (another origin, which the CSP and CORS allow).
    page.goto("/panels/admin/")
    shoot(page, "curator-upload")
    section = page.get_by_role("region", name="Import panels")
    section.get_by_label("File").set_input_files(str(good))
    section.get_by_role("button", name="Upload and import").click()
    page.wait_for_url(re.compile(r"/panels/admin/imports/[0-9a-f-]{36}/$"))
    expect(page.locator("#import-status")).to_have_attribute("data-status", "succeeded", timeout=30_000)
    expect(page.get_by_role("row", name=re.compile("Hereditary ataxia"))).to_contain_text("New version")
    assert not blocked
    shoot(page, "curator-import-report")

    # A broken file: the report lists each problem with its row and column.
    page.goto("/panels/admin/")
    section.get_by_label("File").set_input_files(str(broken))
    section.get_by_role("button", name="Upload and import").click()
    expect(page.locator("#import-status")).to_have_attribute("data-status", "failed", timeout=30_000)
    expect(page.get_by_role("row", name=re.compile("Gene Symbol"))).to_contain_text("Unknown gene symbol 'NOPE1'")
    expect(page.get_by_role("row", name=re.compile("Model_Of_Inheritance"))).to_contain_text("'Dominant'")
    shoot(page, "curator-import-broken")

    # All panels, built by the worker after the import.
    ataxia.refresh_from_db()
    assert ataxia.version != "0.0"  # the import made a version
    rows = built_panel_rows(page)
    assert [(row["Level 4 title"], row["Current Version"]) for row in rows] == [("Hereditary ataxia", ataxia.version)]

    # make run restarted: new, empty buckets. The page says the file is being rebuilt, then it downloads again.
    local_stack.restart()
    response = page.goto("/panels/download_panel/")
    assert response.status == 202
    expect(page.locator("h1")).to_have_text("All panels: being rebuilt")
    shoot(page, "curator-download-rebuilding")
    # (The restart loaded the demo panels, as a first make run does: the file now lists them too.)
    rebuilt = built_panel_rows(page)
    assert [row for row in rebuilt if row["URL"] == rows[0]["URL"]] == rows
