"""The rules of the service layer: versions, snapshots, activities, confidence, super panels."""

import json
from datetime import date

import pytest
from accounts.models import Reviewer
from django.core.exceptions import ValidationError
from panels import services
from panels.models import Activity, Entity, Evaluation, HistoricalSnapshot, Panel

from tests.panels.factories import add_gene, add_region, add_str, make_gene, make_panel, make_user

pytestmark = pytest.mark.django_db


def snapshot_data(panel: Panel, version: str) -> dict:
    major, minor = services.parse_version(version)
    return json.loads(panel.snapshots.get(major_version=major, minor_version=minor).data)


def test_a_new_panel_is_version_0_0_with_its_snapshot_and_activity(curator):
    panel = make_panel(curator, name="Cystic fibrosis")

    assert panel.version == "0.0"
    assert snapshot_data(panel, "0.0")["name"] == "Cystic fibrosis"
    assert list(Activity.objects.filter(panel=panel).values_list("text", "panel_version")) == [
        ("Panel created: Cystic fibrosis", "0.0")
    ]


def test_adding_a_gene_bumps_the_minor_version_writes_the_snapshot_and_the_activity(curator, panel):
    add_gene(curator, panel, "ATXN1")

    panel.refresh_from_db()
    assert panel.version == "0.1"
    data = snapshot_data(panel, "0.1")
    assert [gene["entity_name"] for gene in data["genes"]] == ["ATXN1"]
    assert data["stats"] == {"number_of_genes": 1, "number_of_strs": 0, "number_of_regions": 0}
    assert snapshot_data(panel, "0.0")["genes"] == []
    activity = Activity.objects.filter(panel=panel).first()
    assert (activity.text, activity.panel_version, activity.user, activity.entity_type, activity.entity_name) == (
        "Added Gene ATXN1",
        "0.1",
        curator,
        "gene",
        "ATXN1",
    )


def test_every_version_keeps_its_own_snapshot(curator, panel):
    add_gene(curator, panel, "ATXN1")
    add_str(curator, panel, "ATXN1_SCA1")
    add_region(curator, panel, "ISCA-1-Loss")

    assert [s.version for s in panel.snapshots.all()] == ["0.3", "0.2", "0.1", "0.0"]
    assert snapshot_data(panel, "0.2")["strs"][0]["entity_name"] == "ATXN1_SCA1"
    assert snapshot_data(panel, "0.2")["regions"] == []


def test_a_change_that_changes_nothing_makes_no_version(curator, panel):
    entity = add_gene(curator, panel, "ATXN1", penetrance="Complete")

    services.update_entity(curator, entity, penetrance="Complete")
    services.update_panel(curator, panel, name="Hereditary ataxia")

    panel.refresh_from_db()
    assert panel.version == "0.1"


def test_updating_an_entity_bumps_the_version_and_names_the_change(curator, panel):
    entity = add_gene(curator, panel, "ATXN1")

    services.update_entity(curator, entity, penetrance="Incomplete", tags=["founder"])

    panel.refresh_from_db()
    assert panel.version == "0.2"
    gene = snapshot_data(panel, "0.2")["genes"][0]
    assert (gene["penetrance"], gene["tags"]) == ("Incomplete", ["founder"])
    assert Activity.objects.filter(panel=panel).first().text == "ATXN1: changed penetrance, tags"


def test_removing_an_entity_bumps_the_version(curator, panel):
    entity = add_gene(curator, panel, "ATXN1")

    services.remove_entity(curator, entity)

    panel.refresh_from_db()
    assert panel.version == "0.2"
    assert snapshot_data(panel, "0.2")["genes"] == []
    assert snapshot_data(panel, "0.1")["genes"][0]["entity_name"] == "ATXN1"


def test_promoting_starts_the_next_major_version(curator, panel):
    add_gene(curator, panel, "ATXN1")

    services.promote_panel(curator, panel, comment="Reviewed")

    panel.refresh_from_db()
    assert (panel.version, panel.version_comment) == ("1.0", "Reviewed")
    assert panel.snapshots.latest().comment == "Reviewed"


@pytest.mark.parametrize(
    ("rating", "level"), [(Evaluation.Rating.GREEN, 3), (Evaluation.Rating.AMBER, 2), (Evaluation.Rating.RED, 1)]
)
def test_a_curators_rating_sets_the_confidence_level_and_a_new_version(curator, panel, rating, level):
    entity = add_gene(curator, panel, "ATXN1")

    services.review_entity(curator, entity, rating=rating, comments="Decided")

    entity.refresh_from_db()
    panel.refresh_from_db()
    assert entity.confidence_level == level
    assert panel.version == "0.2"
    assert snapshot_data(panel, "0.2")["genes"][0]["confidence_level"] == str(level)
    assert f"Expert Review {rating.title()}" in snapshot_data(panel, "0.2")["genes"][0]["evidence"]


def test_the_latest_curator_rating_wins(curator, panel):
    entity = add_gene(curator, panel, "ATXN1")
    services.review_entity(curator, entity, rating="GREEN")

    services.review_entity(make_user(Reviewer.Role.CURATOR), entity, rating="RED")

    entity.refresh_from_db()
    assert entity.confidence_level == 1
    assert list(entity.evidence.filter(name__startswith="Expert Review").values_list("name", flat=True)) == [
        "Expert Review Red"
    ]


def test_a_curator_confirming_the_same_rating_makes_no_new_version(curator, panel):
    entity = add_gene(curator, panel, "ATXN1")
    services.review_entity(curator, entity, rating="GREEN")

    services.review_entity(curator, entity, rating="GREEN", comments="Still green")

    panel.refresh_from_db()
    assert panel.version == "0.2"
    assert Activity.objects.filter(panel=panel).first().text == "ATXN1 was reviewed: rated GREEN"


@pytest.mark.parametrize("role", [Reviewer.Role.REVIEWER, Reviewer.Role.EXTERNAL])
def test_a_reviewers_rating_is_logged_but_changes_neither_confidence_nor_version(curator, panel, role):
    entity = add_gene(curator, panel, "ATXN1")

    evaluation = services.review_entity(make_user(role), entity, rating="GREEN", comments="Looks right")

    entity.refresh_from_db()
    panel.refresh_from_db()
    assert (entity.confidence_level, panel.version) == (0, "0.1")
    assert evaluation.version == "0.1"
    assert Activity.objects.filter(panel=panel).first().text == "ATXN1 was reviewed: rated GREEN"


def test_a_second_review_by_the_same_user_replaces_the_first(curator, panel):
    entity = add_gene(curator, panel, "ATXN1")
    reviewer = make_user(Reviewer.Role.REVIEWER)

    services.review_entity(reviewer, entity, rating="RED")
    services.review_entity(reviewer, entity, rating="AMBER")

    assert list(entity.evaluations.values_list("rating", flat=True)) == ["AMBER"]


@pytest.mark.parametrize(
    ("evidence", "level"),
    [
        ([], 0),
        (["Literature", "Other"], 0),
        (["UKGTN"], 1),
        (["UKGTN", "Emory Genetics Laboratory"], 2),
        (["UKGTN", "Emory Genetics Laboratory", "Radboud University Medical Center, Nijmegen", "UKGTN"], 3),
        (["Expert Review Amber", "UKGTN", "Emory Genetics Laboratory", "UKGTN"], 2),
        (["Expert Review Removed", "Expert Review Green"], 0),
        (["Literature", "Expert Review Green"], 3),
    ],
)
def test_confidence_level_from_evidence_newest_first(evidence, level):
    assert services.confidence_level(evidence) == level


def test_a_super_panel_bumps_when_a_child_bumps(curator):
    child = make_panel(curator, name="Familial colon cancer")
    add_gene(curator, child, "MLH1")
    other = make_panel(curator, name="Breast cancer")
    add_gene(curator, other, "BRCA1")
    super_panel = make_panel(curator, name="Cancer susceptibility", child_panels=[child, other])
    assert super_panel.version == "0.0"

    add_gene(curator, child, "MSH2")

    super_panel.refresh_from_db()
    assert super_panel.version == "0.1"
    data = snapshot_data(super_panel, "0.1")
    assert [(g["entity_name"], g["panel"]["name"], g["panel"]["version"]) for g in data["genes"]] == [
        ("BRCA1", "Breast cancer", "0.1"),
        ("MLH1", "Familial colon cancer", "0.2"),
        ("MSH2", "Familial colon cancer", "0.2"),
    ]
    assert data["stats"]["number_of_genes"] == 3
    assert Activity.objects.filter(panel=super_panel).first().text == (
        "Child panel Familial colon cancer updated to version 0.2"
    )


def test_a_super_panel_has_no_entities_of_its_own(curator):
    super_panel = make_panel(curator, child_panels=[make_panel(curator)])

    with pytest.raises(ValidationError, match="super panel"):
        add_gene(curator, super_panel, "BRCA1")


def test_super_panels_cannot_be_nested(curator):
    super_panel = make_panel(curator, child_panels=[make_panel(curator)])

    with pytest.raises(ValidationError, match="nested"):
        make_panel(curator, child_panels=[super_panel])


def test_bad_input_raises_and_changes_nothing(curator, panel):
    before = (Activity.objects.count(), HistoricalSnapshot.objects.count(), Entity.objects.count())

    with pytest.raises(ValidationError, match="Unknown gene symbol"):
        services.add_entity(curator, panel, entity_type="gene", gene="NOPE1")
    with pytest.raises(ValidationError, match="Not a field of a str: mode_of_pathogenicity_typo"):
        add_str(curator, panel, mode_of_pathogenicity_typo="x")
    with pytest.raises(ValidationError, match="Unknown rating"):
        services.review_entity(curator, add_gene(curator, panel, "ATXN1"), rating="BLUE")

    panel.refresh_from_db()
    assert panel.version == "0.1"
    assert (Activity.objects.count(), HistoricalSnapshot.objects.count(), Entity.objects.count()) == (
        before[0] + 1,
        before[1] + 1,
        before[2] + 1,
    )


def test_the_same_entity_cannot_be_added_twice(curator, panel):
    add_gene(curator, panel, "ATXN1")

    with pytest.raises(ValidationError, match="already on panel"):
        add_gene(curator, panel, "ATXN1")


def test_signing_off_marks_that_version_without_a_new_one(curator, panel):
    add_gene(curator, panel, "ATXN1")
    services.promote_panel(curator, panel, comment="Reviewed")
    add_gene(curator, panel, make_gene().hgnc_symbol)

    snapshot = services.sign_off(curator, panel, version="1.0", signed_off_date=date(2026, 1, 31))

    panel.refresh_from_db()
    assert (snapshot.version, snapshot.signed_off_date, panel.version) == ("1.0", date(2026, 1, 31), "1.1")
    assert Activity.objects.filter(panel=panel).first().text == "Version 1.0 signed off on 2026-01-31"


@pytest.mark.parametrize("version", ["9.9", "1", "one.two", "1.2.3", ""])
def test_signing_off_a_version_that_does_not_exist_is_refused(curator, panel, version):
    with pytest.raises(ValidationError):
        services.sign_off(curator, panel, version=version, signed_off_date=date(2026, 1, 31))


def test_activity_keeps_names_when_the_panel_is_renamed(curator, panel):
    services.update_panel(curator, panel, name="Hereditary ataxia and paraplegia")

    assert list(Activity.objects.filter(panel=panel).values_list("panel_name", flat=True)) == [
        "Hereditary ataxia and paraplegia",
        "Hereditary ataxia",
    ]


def test_panels_without_an_old_hash_id_do_not_collide(curator):
    make_panel(curator, hash_id="")
    panel = make_panel(curator, hash_id="")

    assert panel.hash_id is None
