"""Retired panels are read, not worked on: no new reviews, comments or entities except from curators.

The rule is one question of ``accounts.policy`` (``can_contribute_to``); the
panel services ask it too, so the pages, the admin and anything else that
writes through them are refused alike.
"""

import pytest
from accounts import policy
from accounts.models import Reviewer
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from panels import services
from panels.models import Evaluation, Panel

from tests.accounts.conftest import ROLES, make_role
from tests.panels.factories import add_gene, make_panel, make_user

pytestmark = pytest.mark.django_db

# status → the roles that may contribute to a panel in it.
MAY_CONTRIBUTE = {
    Panel.Status.PUBLIC: {"external", "reviewer", "curator", "view_only_staff", "superuser"},
    Panel.Status.PROMOTED: {"external", "reviewer", "curator", "view_only_staff", "superuser"},
    Panel.Status.RETIRED: {"curator", "superuser"},
    Panel.Status.INTERNAL: {"curator", "superuser"},
    Panel.Status.DELETED: set(),
}


@pytest.fixture
def curator():
    return make_user(Reviewer.Role.CURATOR, "panel-curator")


@pytest.fixture
def retired(curator):
    panel = make_panel(curator, "Old ataxia panel")
    add_gene(curator, panel, "ATXN1")
    panel.status = Panel.Status.RETIRED
    panel.save(update_fields=["status"])
    return panel


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", list(MAY_CONTRIBUTE))
def test_who_may_contribute_to_a_panel_in_each_status(curator, role, status):
    panel = make_panel(curator, f"A {status} panel", status=status)
    user = make_role(role)

    assert policy.can_contribute_to(user, panel) is (role in MAY_CONTRIBUTE[status])


def test_a_reviewer_may_review_and_comment_in_general_but_not_on_a_retired_panel(retired):
    reviewer = make_role("reviewer")

    assert policy.can_review(reviewer) and policy.can_comment(reviewer)
    assert not policy.can_review(reviewer, retired) and not policy.can_comment(reviewer, retired)


@pytest.mark.parametrize("role", ["reviewer", "external"])
def test_the_review_service_refuses_a_review_on_a_retired_panel_and_saves_nothing(retired, role):
    entity = retired.entities.get()

    with pytest.raises(PermissionDenied, match="Old ataxia panel is retired"):
        services.review_entity(make_role(role), entity, comments="Still relevant?")

    assert not Evaluation.objects.exists()


def test_the_entity_service_refuses_a_reviewers_new_gene_on_a_retired_panel(retired):
    with pytest.raises(PermissionDenied):
        services.add_entity(make_role("reviewer"), retired, entity_type="gene", gene="ATXN2", sources=["Expert list"])

    assert list(retired.entities.values_list("entity_name", flat=True)) == ["ATXN1"]


def test_a_curator_still_reviews_a_retired_panel(retired, curator):
    services.review_entity(curator, retired.entities.get(), rating="GREEN", comments="Checked before retiring")

    assert Evaluation.objects.filter(user=curator).count() == 1


@pytest.mark.parametrize("role", ["reviewer", "external"])
def test_the_review_page_of_a_retired_panel_is_a_403_saying_why(client, retired, role):
    client.force_login(make_role(role))
    url = reverse("panels:review", args=[retired.pk, "gene", "ATXN1"])

    page, posted = client.get(url), client.post(url, {"comments": "Still relevant?"})

    assert page.status_code == 403 and posted.status_code == 403
    assert "Old ataxia panel is retired" in posted.content.decode()
    assert not Evaluation.objects.exists()


def test_adding_a_gene_to_a_retired_panel_is_a_403_for_a_reviewer(client, retired):
    client.force_login(make_role("reviewer"))

    response = client.get(reverse("panels:add_entity", args=[retired.pk, "gene"]))

    assert response.status_code == 403


def test_the_entity_page_of_a_retired_panel_offers_a_reviewer_no_review(client, retired):
    client.force_login(make_role("reviewer"))
    review_url = reverse("panels:review", args=[retired.pk, "gene", "ATXN1"])

    page = client.get(reverse("panels:entity_in_panel", args=[retired.pk, "gene", "ATXN1"]))

    assert page.status_code == 200 and review_url not in page.content.decode()


def test_a_reviewer_may_still_withdraw_their_own_review_from_a_panel_once_it_is_retired(client, retired):
    reviewer = make_role("reviewer")
    retired.status = Panel.Status.PUBLIC
    retired.save(update_fields=["status"])
    review = services.review_entity(reviewer, retired.entities.get(), rating="RED", comments="Weak evidence")
    Panel.objects.filter(pk=retired.pk).update(status=Panel.Status.RETIRED)
    client.force_login(reviewer)

    response = client.post(reverse("panels:delete_review", args=[retired.pk, "gene", "ATXN1", review.pk]))

    assert response.status_code == 302 and not Evaluation.objects.exists()
