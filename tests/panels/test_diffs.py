"""What changed between two versions: /panels/<pk>/diff/<from>/<to>/ (page and TSV), for change control."""

import csv
import io

import pytest
from accounts.models import Reviewer
from panels import diffs, services
from panels.models import Activity, Panel
from panels.pages import diff as diff_page

from tests.panels.factories import add_gene, make_panel, make_user

pytestmark = pytest.mark.django_db

MOI = "MONOALLELIC, autosomal or pseudoautosomal, NOT imprinted"
BIALLELIC = "BIALLELIC, autosomal or pseudoautosomal"


def named(role: str, first: str, last: str):
    user = make_user(role)
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


@pytest.fixture
def history():
    """Hereditary ataxia, promoted to 1.0 and 2.0 by Alex: ATXN1, ATXN2 and ATXN3 (rated amber)."""
    alex = named(Reviewer.Role.CURATOR, "Alex", "Morgan")
    sam = named(Reviewer.Role.CURATOR, "Sam", "Patel")
    reviewer = named(Reviewer.Role.REVIEWER, "Jo", "Rivera")
    panel = make_panel(alex, "Hereditary ataxia")
    add_gene(alex, panel, "ATXN1", phenotypes=["Spinocerebellar ataxia 1"])
    add_gene(alex, panel, "ATXN2")
    atxn3 = add_gene(alex, panel, "ATXN3")
    services.review_entity(alex, atxn3, rating="AMBER")
    services.promote_panel(alex, panel, comment="Reviewed")  # 1.0
    services.promote_panel(alex, panel, comment="Placeholder")  # 2.0 (from here on, 2.x)
    panel.refresh_from_db()
    return {"panel": panel, "alex": alex, "sam": sam, "reviewer": reviewer, "atxn3": atxn3}


@pytest.fixture
def changed(history):
    """The changes after 2.0, then a promotion to 3.0 and one more change: the panel at 3.1."""
    panel, alex, sam = history["panel"], history["alex"], history["sam"]
    add_gene(sam, panel, "ATXN7")
    services.remove_entity(alex, panel.entities.get(entity_name="ATXN2"))
    services.review_entity(sam, history["atxn3"], rating="GREEN")
    atxn1 = panel.entities.get(entity_name="ATXN1")
    services.update_entity(sam, atxn1, mode_of_inheritance=BIALLELIC)
    services.review_entity(history["reviewer"], atxn1, rating="RED", comments="Not convinced")  # no version
    services.promote_panel(alex, panel, comment="Annual review")  # 3.0
    services.update_entity(alex, atxn1, phenotypes=["Spinocerebellar ataxia 1", "Cerebellar ataxia"])  # 3.1
    return Panel.objects.get(pk=panel.pk)


def activity(text: str) -> Activity:
    return Activity.objects.get(text=text)


def lines_of(panel, old, new) -> list[diffs.Line]:
    return diffs.diff_versions(panel, *diffs.find_versions(panel, old, new)).lines


def test_a_diff_across_a_promotion_lists_each_change_with_who_and_when(changed):
    lines = lines_of(changed, "1.0", "3.1")

    found = [(line.text, line.who, line.when) for line in lines]
    promoted = activity("Increased major version to 3.0")
    assert found == [
        # The panel's own changes first, oldest first: both promotions since 1.0.
        ("Increased major version to 2.0", ["Alex Morgan"], activity("Increased major version to 2.0").created),
        ("Increased major version to 3.0", ["Alex Morgan"], promoted.created),
        (
            f"ATXN1: mode of inheritance “{MOI}” → “{BIALLELIC}”",
            ["Sam Patel"],
            activity("ATXN1: changed mode of inheritance").created,
        ),
        (
            "ATXN1: phenotypes added “Cerebellar ataxia”",
            ["Alex Morgan"],
            activity("ATXN1: changed phenotypes").created,
        ),
        ("Removed gene ATXN2 (no list)", ["Alex Morgan"], activity("Removed Gene ATXN2").created),
        (
            "ATXN3: rating amber → green",
            ["Sam Patel"],
            activity("ATXN3 was reviewed: rated GREEN; confidence level 3").created,
        ),
        (
            "ATXN3: sources added “Expert Review Green”; removed “Expert Review Amber”",
            ["Sam Patel"],
            activity("ATXN3 was reviewed: rated GREEN; confidence level 3").created,
        ),
        ("Added gene ATXN7 (no list)", ["Sam Patel"], activity("Added Gene ATXN7").created),
    ]
    # The reviewer's opinion made no version: it changed nothing served and is nobody's change here.
    assert all("Jo Rivera" not in line.who for line in lines)
    rating = next(line for line in lines if line.field == "confidence_level")
    assert (rating.before, rating.after) == ("2", "3")


def test_versions_before_the_first_are_not_in_the_diff(changed):
    """From 2.0: the 2.0 promotion itself is not a change since 2.0."""
    texts = [line.text for line in lines_of(changed, "2.0", "3.1")]

    assert "Increased major version to 2.0" not in texts
    assert "Increased major version to 3.0" in texts


def test_the_page_lists_the_lines_with_who_and_when(client, changed):
    response = client.get(f"/panels/{changed.pk}/diff/1.0/3.1/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "What changed in Hereditary ataxia" in page
    assert "<strong>Removed gene ATXN2 (no list)</strong>" in page
    assert "ATXN3: rating amber → green" in page
    row = page[page.index("ATXN1: mode of inheritance") :]
    row = row[: row.index("</tr>")]
    assert "Sam Patel" in row
    when = activity("ATXN1: changed mode of inheritance").created
    assert f'datetime="{when.isoformat()}"' in row
    assert f'href="/panels/{changed.pk}/diff/1.0/3.1/tsv/"' in page


def test_the_tsv_holds_the_pages_lines(client, changed):
    response = client.get(f"/panels/{changed.pk}/diff/1.0/3.1/tsv/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/tab-separated-values; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="Hereditary ataxia-v1.0-to-v3.1.tsv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode(), newline=""), delimiter="\t"))
    expected = lines_of(changed, "1.0", "3.1")
    assert [row["Line"] for row in rows] == [line.text for line in expected]
    assert [row["Who"] for row in rows] == ["; ".join(line.who) for line in expected]
    moi = next(row for row in rows if row["Field"] == "mode_of_inheritance")
    assert (moi["Entity name"], moi["Before"], moi["After"]) == ("ATXN1", MOI, BIALLELIC)
    assert moi["When"] == activity("ATXN1: changed mode of inheritance").created.isoformat().replace("+00:00", "Z")


def test_the_tsv_neutralises_cells_a_spreadsheet_would_run(client, history):
    panel, alex = history["panel"], history["alex"]
    services.update_entity(alex, panel.entities.get(entity_name="ATXN1"), phenotypes=["=HYPERLINK(1)"])

    body = client.get(f"/panels/{panel.pk}/diff/2.0/2.1/tsv/").content.decode()

    assert "\t'=HYPERLINK(1)\t" in body


def test_the_diff_page_without_versions_shows_the_latest_change(client, changed):
    response = client.get(f"/panels/{changed.pk}/diff/")

    assert response.status_code == 302
    assert response["Location"] == f"/panels/{changed.pk}/diff/3.0/3.1/"
    chosen = client.get(f"/panels/{changed.pk}/diff/", {"from": "1.0", "to": "2.0"})
    assert chosen["Location"] == f"/panels/{changed.pk}/diff/1.0/2.0/"


def test_a_long_diff_is_paged(client, changed, monkeypatch):
    monkeypatch.setattr(diff_page, "LINES_PER_PAGE", 3)

    first = client.get(f"/panels/{changed.pk}/diff/1.0/3.1/").content.decode()
    last = client.get(f"/panels/{changed.pk}/diff/1.0/3.1/", {"page": "3"}).content.decode()

    assert "Lines 1\N{EN DASH}3 of 8" in first and "Page 1 of 3" in first
    assert "Added gene ATXN7" in last and "Added gene ATXN7" not in first


def test_a_diff_read_backwards_names_the_changes_it_would_undo(changed):
    backwards = {line.text: line.who for line in lines_of(changed, "3.1", "1.0")}

    assert backwards["Added gene ATXN2 (no list)"] == ["Alex Morgan"]  # who removed it
    assert backwards["Removed gene ATXN7 (no list)"] == ["Sam Patel"]  # who added it
    assert backwards["ATXN3: rating green → amber"] == ["Sam Patel"]


def test_the_same_version_twice_has_nothing_to_show(client, changed):
    response = client.get(f"/panels/{changed.pk}/diff/3.1/3.1/")

    assert response.status_code == 200
    assert "Nothing changed between these versions." in response.content.decode()


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("diff/one/3.1/", 400, "Incorrect version &#x27;one&#x27;: expected MAJOR.MINOR"),
        ("diff/1.0/3/", 400, "Incorrect version &#x27;3&#x27;"),
        ("diff/1.0/9.9/", 404, "Hereditary ataxia has no version 9.9."),
        ("diff/0.7/3.1/", 404, "Hereditary ataxia has no version 0.7."),
        ("diff/1.0/9.9/tsv/", 404, "Hereditary ataxia has no version 9.9."),
        ("diff/?from=x", 400, "Incorrect version &#x27;x&#x27;"),
    ],
)
def test_a_bad_or_unknown_version_is_answered_with_what_was_wrong(client, changed, path, status, message):
    response = client.get(f"/panels/{changed.pk}/{path}")

    assert response.status_code == status
    assert message in response.content.decode()


def test_a_hidden_panels_diff_is_not_found(client, curator):
    internal = make_panel(curator, "Secret", status=Panel.Status.INTERNAL)

    assert client.get(f"/panels/{internal.pk}/diff/").status_code == 404
    assert client.get(f"/panels/{internal.pk}/diff/0.0/0.0/").status_code == 404


def test_a_super_panels_diff_names_the_child_panel_and_who_changed_it_there(history):
    alex, sam = history["alex"], history["sam"]
    child = history["panel"]
    super_panel = make_panel(alex, "Neurology super panel", child_panels=[child])
    before = Panel.objects.get(pk=super_panel.pk).version
    add_gene(sam, child, "ATXN10")

    lines = lines_of(super_panel, before, None)

    assert [(line.text, line.who) for line in lines] == [
        ("Added gene ATXN10 (from Hereditary ataxia) (no list)", ["Sam Patel"])
    ]
    assert lines[0].when == activity("Added Gene ATXN10").created
    assert lines[0].child == {"id": child.pk, "name": "Hereditary ataxia"}
