"""The curators' operations of the service layer: promotion e-mails, ready marks, sources, reviews, comments."""

import pytest
from accounts.models import Reviewer
from panels import services
from panels.models import Activity, Evaluation

from tests.panels.factories import add_gene, make_panel, make_user

pytestmark = pytest.mark.django_db


def reviewer_with_email(address: str):
    user = make_user(Reviewer.Role.REVIEWER)
    user.email = address
    user.save()
    return user


def test_promoting_e_mails_each_contributor_once_after_commit(
    curator, panel, django_capture_on_commit_callbacks, mailoutbox
):
    entity = add_gene(curator, panel, "ATXN1")
    other = add_gene(curator, panel, "ATXN2")
    alice, bob = reviewer_with_email("alice@example.org"), reviewer_with_email("bob@example.org")
    services.review_entity(alice, entity, rating="GREEN")
    services.review_entity(alice, other, rating="RED")
    services.review_entity(bob, entity, rating="AMBER")

    with django_capture_on_commit_callbacks(execute=True):
        promoted = services.promote_and_notify(curator, panel, comment="Reviewed by the GMS panel")

    assert promoted.version == "1.0"
    assert sorted(m.to[0] for m in mailoutbox) == ["alice@example.org", "bob@example.org"]
    assert all(len(m.to) == 1 and "promoted to version 1.0" in m.subject for m in mailoutbox)
    assert f"/panels/{panel.pk}/" in mailoutbox[0].body


def test_marking_an_entity_ready_is_logged_without_a_new_version(curator, panel):
    entity = add_gene(curator, panel, "ATXN1")

    services.set_entity_ready(curator, entity, ready=True)
    services.set_entity_ready(curator, entity, ready=True)

    entity.refresh_from_db()
    panel.refresh_from_db()
    assert entity.ready and panel.version == "0.1"
    assert Activity.objects.filter(text="ATXN1 marked as ready").count() == 1


def test_marking_a_panel_not_ready_clears_every_ready_mark(curator, panel):
    for symbol in ("ATXN1", "ATXN2"):
        services.set_entity_ready(curator, add_gene(curator, panel, symbol), ready=True)

    assert services.mark_panel_not_ready(curator, panel) == 2
    assert not panel.entities.filter(ready=True).exists()


def test_clearing_all_sources_recomputes_confidence_and_bumps_the_version(curator, panel):
    entity = add_gene(curator, panel, "ATXN1", sources=["Emory Genetics Laboratory", "UKGTN", "Literature"])
    assert entity.confidence_level == 2

    services.remove_sources(curator, entity)

    entity.refresh_from_db()
    panel.refresh_from_db()
    assert (entity.confidence_level, entity.evidence.count(), panel.version) == (0, 0, "0.2")


def test_removing_one_source_keeps_the_others(curator, panel):
    entity = add_gene(curator, panel, "ATXN1", sources=["UKGTN", "Literature"])

    services.remove_sources(curator, entity, names=["UKGTN"])

    assert list(entity.evidence.values_list("name", flat=True)) == ["Literature"]


def test_removing_a_source_the_entity_does_not_have_changes_nothing(curator, panel):
    entity = add_gene(curator, panel, "ATXN1")

    services.remove_sources(curator, entity, names=["Not a source"])

    panel.refresh_from_db()
    assert panel.version == "0.1"


def test_a_reviewer_deletes_their_own_review(curator, panel):
    entity = add_gene(curator, panel, "ATXN1")
    alice = reviewer_with_email("alice@example.org")
    review = services.review_entity(alice, entity, rating="GREEN", comments="Three families")

    services.delete_review(alice, review)

    assert not Evaluation.objects.filter(pk=review.pk).exists()
    assert Activity.objects.filter(text__startswith="ATXN1: review by", text__endswith="deleted").exists()


def test_copying_reviews_fills_matching_entities_without_overwriting(curator, panel):
    alice, bob = reviewer_with_email("alice@example.org"), reviewer_with_email("bob@example.org")
    source_entity = add_gene(curator, panel, "ATXN1")
    add_gene(curator, panel, "ONLYHERE")
    services.review_entity(alice, source_entity, rating="GREEN", comments="From the source")
    services.review_entity(bob, source_entity, rating="RED")
    target = make_panel(curator, name="Ataxia copy")
    target_entity = add_gene(curator, target, "ATXN1")
    services.review_entity(bob, target_entity, rating="AMBER")

    copied = services.copy_reviews(curator, panel, target)

    assert copied == 1
    reviews = dict(Evaluation.objects.filter(entity=target_entity).values_list("user__email", "rating"))
    assert reviews == {"alice@example.org": "GREEN", "bob@example.org": "AMBER"}
    assert services.copy_reviews(curator, panel, target) == 0


def test_copying_reviews_takes_the_same_queries_for_a_large_panel(curator, panel):
    alice = reviewer_with_email("alice@example.org")
    target = make_panel(curator, name="Copy target")
    for symbol in ("G1", "G2", "G3"):
        services.review_entity(alice, add_gene(curator, panel, symbol), rating="GREEN")
        add_gene(curator, target, symbol)

    def copy_counting() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            services.copy_reviews(curator, panel, target)
        return len(queries)

    small = copy_counting()
    for symbol in ("G4", "G5", "G6", "G7", "G8"):
        services.review_entity(alice, add_gene(curator, panel, symbol), rating="GREEN")
        add_gene(curator, target, symbol)
    assert copy_counting() == small


def test_promoting_stores_a_notification_for_each_contributor(curator, panel):
    from notifications.models import Notification

    alice = reviewer_with_email("alice@example.org")
    services.review_entity(alice, add_gene(curator, panel, "ATXN1"), rating="GREEN")

    services.promote_and_notify(curator, panel, comment="Reviewed")

    notification = Notification.objects.get(user=alice)
    assert notification.subject == "PanelApp: Hereditary ataxia promoted to version 1.0"
    assert notification.url == f"/panels/{panel.pk}/"
    assert set(Notification.objects.values_list("user", flat=True)) == {alice.pk, curator.pk}


def superuser():
    from django.contrib.auth import get_user_model

    # No reviewer profile: a superuser made with createsuperuser or first_admin has none.
    return get_user_model().objects.create_user("root", is_staff=True, is_superuser=True)


CURATORS = {"curator by role": lambda: make_user(Reviewer.Role.CURATOR), "superuser": superuser}


@pytest.mark.parametrize("kind", sorted(CURATORS))
def test_a_curators_rating_is_the_decision_whether_by_role_or_as_superuser(curator, panel, kind):
    entity = add_gene(curator, panel, "ATXN1")

    services.review_entity(CURATORS[kind](), entity, rating="AMBER")

    entity.refresh_from_db()
    panel.refresh_from_db()
    assert (entity.confidence_level, panel.version) == (2, "0.2")
    assert sorted(entity.evidence.values_list("name", flat=True)) == ["Expert Review Amber", "Literature"]


@pytest.mark.parametrize("kind", sorted(CURATORS))
def test_an_imported_curators_rating_is_the_decision_whether_by_role_or_as_superuser(curator, panel, kind):
    entity = add_gene(curator, panel, "ATXN1")

    [(_, decided)] = services.import_reviews(
        curator, [{"entity": entity, "user": CURATORS[kind](), "rating": "RED"}], text="Reviews imported"
    )

    entity.refresh_from_db()
    assert decided and entity.confidence_level == 1


def test_a_switched_off_curators_imported_rating_still_counts(curator, panel):
    """Who the reviewer is decides, not whether they may sign in today (their review predates it)."""
    entity = add_gene(curator, panel, "ATXN1")
    former = make_user(Reviewer.Role.CURATOR)
    former.is_active = False
    former.save()

    services.import_reviews(curator, [{"entity": entity, "user": former, "rating": "GREEN"}], text="Imported")

    entity.refresh_from_db()
    assert entity.confidence_level == 3
