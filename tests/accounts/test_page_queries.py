"""The account pages run a fixed number of queries, however many reviews or waiting users there are."""

import pytest
from accounts.models import Reviewer
from django.urls import reverse
from django.utils import timezone
from panels.models import Comment, Evaluation

from tests.accounts.conftest import make_account
from tests.panels.factories import add_gene, make_panel, make_user

pytestmark = pytest.mark.django_db


def add_waiting(how_many: int) -> None:
    for i in range(how_many):
        user = make_account(f"waiting{i}", Reviewer.Role.EXTERNAL)
        Reviewer.objects.filter(user=user).update(approval="pending", email_verified_at=timezone.now())


def own_reviews(user, how_many: int) -> None:
    curator = make_user(Reviewer.Role.CURATOR)
    panel = make_panel(curator)
    entities = [add_gene(curator, panel) for _ in range(how_many)]
    reviews = Evaluation.objects.bulk_create(Evaluation(entity=entity, user=user) for entity in entities)
    now = timezone.now()
    Comment.objects.bulk_create(
        Comment(evaluation=review, user=user, text="a comment", created=now, modified=now) for review in reviews
    )


@pytest.mark.parametrize("how_many", [1, 120])
def test_the_profile_page_queries_do_not_grow_with_the_users_reviews(client, django_assert_num_queries, how_many):
    user = make_account("me", Reviewer.Role.REVIEWER)
    own_reviews(user, how_many)
    client.force_login(user)

    # session, user, reviewer profile, count and page of reviews, their comments, token, notifications, watched panels
    with django_assert_num_queries(9):
        response = client.get(reverse("accounts:profile"))

    assert len(response.context["evaluations"]) == min(how_many, 50)


@pytest.mark.parametrize("how_many", [1, 60])
def test_the_waiting_reviewers_page_queries_do_not_grow_with_the_waiting(client, django_assert_num_queries, how_many):
    add_waiting(how_many)
    client.force_login(make_account("curator", Reviewer.Role.CURATOR))

    # session, user, reviewer profile, count and page of waiting users, the header menu's count
    with django_assert_num_queries(6):
        response = client.get(reverse("accounts:pending_reviewers"))

    assert len(response.context["pending"]) == min(how_many, 50)


def test_a_superuser_made_by_createsuperuser_has_a_profile_page_without_a_reviewer_profile(client):
    client.force_login(make_account("root", is_staff=True, is_superuser=True))

    response = client.get(reverse("accounts:profile"))

    assert response.status_code == 200
    assert "Reviewers waiting for approval" in response.content.decode()  # a superuser counts as a curator
