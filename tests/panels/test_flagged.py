"""Flagged entities, as upstream: what a reviewer adds waits, flagged, for a curator's approval."""

import pytest
from accounts.models import Reviewer
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from panels import services, tsv
from panels.models import Entity

from tests.panels.factories import add_gene, add_str, make_panel, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer():
    return make_user(Reviewer.Role.REVIEWER)


@pytest.fixture
def flagged(reviewer, panel):
    """A gene a reviewer added."""
    return add_gene(reviewer, panel, "ATXN1")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def entity_path(entity: Entity, name: str = "entity_in_panel") -> str:
    return reverse(f"panels:{name}", args=[entity.panel_id, entity.entity_type, entity.entity_name])


def tsv_rows(content: bytes) -> list[dict[str, str]]:
    header, *lines = content.decode().splitlines()
    return [dict(zip(header.split("\t"), line.split("\t"), strict=True)) for line in lines]


# --- Services ----------------------------------------------------------------------------


def test_an_entity_a_reviewer_adds_is_flagged(flagged):
    assert flagged.flagged is True


def test_an_entity_a_curator_adds_is_not_flagged(curator, panel):
    assert add_gene(curator, panel, "ATXN2").flagged is False


def test_a_str_a_reviewer_adds_is_flagged_too(reviewer, panel):
    assert add_str(reviewer, panel).flagged is True


def test_a_curators_approval_clears_the_flag_with_an_activity_line_and_no_new_version(curator, panel, flagged):
    version = panel.snapshots.count()

    services.approve_entity(curator, flagged, comment="Checked the evidence")

    flagged.refresh_from_db()
    assert flagged.flagged is False
    assert panel.snapshots.count() == version  # the flag is not in the API: nothing it serves changed
    line = panel.activities.get(entity_name="ATXN1", text__startswith="ATXN1 approved")
    assert line.text == "ATXN1 approved: Checked the evidence"
    assert line.user == curator


def test_a_reviewer_cannot_approve(reviewer, flagged):
    with pytest.raises(PermissionDenied):
        services.approve_entity(reviewer, flagged)

    flagged.refresh_from_db()
    assert flagged.flagged is True


def test_approving_an_entity_that_is_not_flagged_says_so(curator, panel):
    entity = add_gene(curator, panel, "ATXN2")

    with pytest.raises(Exception, match="ATXN2 is not flagged"):
        services.approve_entity(curator, entity)


def test_a_curators_rating_is_a_decision_that_clears_the_flag(curator, flagged):
    services.review_entity(curator, flagged, rating="GREEN", comments="Clear evidence")

    flagged.refresh_from_db()
    assert flagged.flagged is False


def test_a_curators_rating_in_an_imported_reviews_file_clears_the_flag_too(curator, flagged):
    review = {"entity": flagged, "user": curator, "rating": "AMBER", "comments": "From the curation meeting"}

    services.import_reviews(curator, [review], text="Reviews imported")

    flagged.refresh_from_db()
    assert flagged.flagged is False


def test_a_reviewers_review_leaves_the_flag(reviewer, flagged):
    services.review_entity(make_user(Reviewer.Role.REVIEWER), flagged, rating="RED", comments="Not convinced")

    flagged.refresh_from_db()
    assert flagged.flagged is True


def test_a_change_by_someone_who_is_not_a_curator_flags_the_entity(curator, panel):
    entity = add_gene(curator, panel, "ATXN2")
    staff = make_user(Reviewer.Role.REVIEWER)  # e.g. admin staff with the change permission, not a curator

    services.update_entity(staff, entity, phenotypes=["Ataxia"])

    entity.refresh_from_db()
    assert entity.flagged is True


def test_a_curators_change_leaves_the_flag_for_their_approval(curator, flagged):
    services.update_entity(curator, flagged, phenotypes=["Ataxia"])

    flagged.refresh_from_db()
    assert flagged.flagged is True


# --- The site ---------------------------------------------------------------------------


def test_the_panel_page_shows_the_flag_in_words_on_the_entitys_row(client, panel, flagged, curator):
    add_gene(curator, panel, "ATXN2")

    page = client.get(reverse("panels:detail", args=[panel.pk])).content.decode()

    assert page.count('class="badge badge-flagged"') == 1
    row = page[page.index('<tr data-search="atxn1') : page.index("</tr>", page.index('<tr data-search="atxn1'))]
    assert "Flagged" in row and "waiting for a curator" in row


def test_an_old_version_shows_no_flag(client, curator, panel, flagged):
    panel.refresh_from_db()
    old = panel.version
    add_gene(curator, panel, "ATXN2")

    page = client.get(reverse("panels:detail", args=[panel.pk]), {"version": old}).content.decode()

    assert "badge-flagged" not in page


def test_the_entity_across_panels_page_shows_the_flag_on_its_panels_row_only(client, curator, panel, flagged):
    other = make_panel(curator, "Spastic paraplegia")
    add_gene(curator, other, "ATXN1")

    page = client.get(reverse("panels:entity", args=["ATXN1"])).content.decode()

    assert page.count('class="badge badge-flagged"') == 1
    row = page[page.index(f'href="/panels/{panel.pk}/"') :]
    assert row.index("badge-flagged") < row.index("</tr>")


def test_curators_filter_the_panel_page_to_flagged_entities(curator, panel, flagged):
    add_gene(curator, panel, "ATXN2")
    client = signed_in(curator)

    everything = client.get(reverse("panels:detail", args=[panel.pk])).content.decode()
    only_flagged = client.get(reverse("panels:detail", args=[panel.pk]), {"flagged": "1"}).content.decode()

    assert 'name="flagged"' in everything
    assert 'Flagged only <span class="muted">(1)</span>' in everything
    assert "ATXN2" in everything
    assert ">ATXN1</a>" in only_flagged
    assert ">ATXN2</a>" not in only_flagged
    assert 'name="flagged" value="1" aria-describedby="flagged-help" checked' in only_flagged


def test_readers_are_not_offered_the_flagged_filter(client, panel, flagged):
    assert 'name="flagged"' not in client.get(reverse("panels:detail", args=[panel.pk])).content.decode()


def test_the_entity_page_shows_the_flag(client, flagged):
    page = client.get(entity_path(flagged)).content.decode()

    assert "badge-flagged" in page


def test_a_curator_approves_from_the_entity_page(curator, panel, flagged):
    client = signed_in(curator)
    assert "Approve ATXN1" in client.get(entity_path(flagged)).content.decode()

    response = client.post(entity_path(flagged, "approve_entity"), {"comment": ""}, follow=True)

    assert response.status_code == 200
    assert "ATXN1 is approved." in response.content.decode()
    flagged.refresh_from_db()
    assert flagged.flagged is False
    assert "Approve ATXN1" not in client.get(entity_path(flagged)).content.decode()


@pytest.mark.parametrize("role", [Reviewer.Role.REVIEWER, Reviewer.Role.EXTERNAL])
def test_only_curators_may_post_an_approval(role, flagged):
    response = signed_in(make_user(role)).post(entity_path(flagged, "approve_entity"))

    assert response.status_code == 403
    flagged.refresh_from_db()
    assert flagged.flagged is True


def test_an_approval_asked_for_with_get_is_refused(curator, flagged):
    assert signed_in(curator).get(entity_path(flagged, "approve_entity")).status_code == 405


def test_the_panel_page_reads_the_flags_in_one_query_whatever_the_size(client, curator, reviewer):
    small = make_panel(curator, "Small")
    add_gene(reviewer, small, "SMALL1")
    large = make_panel(curator, "Large")
    for number in range(30):
        add_gene(reviewer if number % 2 else curator, large, f"LARGE{number}")

    def queries(panel) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("panels:detail", args=[panel.pk])).status_code == 200
        return len(captured)

    assert queries(small) == queries(large)


# --- The API ----------------------------------------------------------------------------


def test_the_api_filters_a_panels_entities_by_the_flag(client, curator, panel, flagged):
    add_gene(curator, panel, "ATXN2")

    only_flagged = client.get(f"/api/v1/panels/{panel.pk}/genes/", {"flagged": "true"}).json()
    not_flagged = client.get(f"/api/v1/panels/{panel.pk}/genes/", {"flagged": "false"}).json()

    assert [gene["entity_name"] for gene in only_flagged["results"]] == ["ATXN1"]
    assert [gene["entity_name"] for gene in not_flagged["results"]] == ["ATXN2"]


def test_the_cross_panel_lists_filter_by_the_flag(client, curator, panel, flagged, reviewer):
    other = make_panel(curator, "Other")
    add_gene(curator, other, "ATXN1")
    add_str(reviewer, other)

    genes = client.get("/api/v1/genes/", {"flagged": "true"}).json()["results"]
    entities = client.get("/api/v1/entities/", {"flagged": "true"}).json()["results"]

    assert [(gene["entity_name"], gene["panel"]["id"]) for gene in genes] == [("ATXN1", panel.pk)]
    assert {entity["entity_name"] for entity in entities} == {"ATXN1", "HTT_HD"}


def test_the_api_keeps_upstreams_shape_without_a_flag_field(client, panel, flagged):
    assert "flagged" not in client.get(f"/api/v1/panels/{panel.pk}/genes/ATXN1/").json()


def test_an_old_versions_entities_are_filtered_by_their_flag_now(client, curator, panel, flagged):
    panel.refresh_from_db()
    old = panel.version
    add_gene(curator, panel, "ATXN2")
    add_gene(make_user(Reviewer.Role.REVIEWER), panel, "ATXN3")

    response = client.get(f"/api/v1/panels/{panel.pk}/genes/", {"flagged": "true", "version": old})

    assert response.status_code == 200
    assert [gene["entity_name"] for gene in response.json()["results"]] == ["ATXN1"]


def test_a_malformed_flag_filter_is_a_400(client, panel):
    response = client.get(f"/api/v1/panels/{panel.pk}/genes/", {"flagged": "perhaps"})

    assert response.status_code == 400
    assert "flagged" in response.json()["detail"]


# --- The panel file ---------------------------------------------------------------------


def test_the_tsv_says_which_entities_are_flagged_and_ready(client, curator, panel, flagged):
    ready = add_gene(curator, panel, "ATXN2")
    services.set_entity_ready(curator, ready, ready=True)

    rows = {row["Entity Name"]: row for row in tsv_rows(client.get(f"/panels/{panel.pk}/download/01234/").content)}

    assert (rows["ATXN1"]["Flagged"], rows["ATXN1"]["ready"]) == ("True", "False")
    assert (rows["ATXN2"]["Flagged"], rows["ATXN2"]["ready"]) == ("False", "True")


def test_an_old_versions_tsv_leaves_the_live_marks_empty(client, curator, panel, flagged):
    panel.refresh_from_db()
    old = panel.version
    add_gene(curator, panel, "ATXN2")

    rows = tsv_rows(client.get(f"/panels/{panel.pk}/download/01234/", {"version": old}).content)

    assert {(row["Flagged"], row["ready"]) for row in rows} == {("", "")}


def test_a_super_panels_tsv_reads_the_marks_of_its_childrens_entities(client, curator, panel, flagged):
    super_panel = services.create_panel(curator, name="Neurology", status="public", child_panels=[panel])

    rows = tsv_rows(client.get(f"/panels/{super_panel.pk}/download/01234/").content)

    assert [(row["Entity Name"], row["Flagged"]) for row in rows] == [("ATXN1", "True")]


def test_the_tsv_keeps_upstreams_36_columns():
    assert len(tsv.COLUMNS) == 36
