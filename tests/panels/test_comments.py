"""Comment threads: each review keeps its dated comments, its author edits or deletes one, a curator deletes any."""

import importlib
from datetime import timedelta

import pytest
from accounts import policy
from accounts.models import Reviewer
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from panels import comments, services
from panels.models import Activity, Comment, Evaluation, Panel

from tests.panels.factories import add_gene, make_panel, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def entity(curator, panel):
    return add_gene(curator, panel, "ATXN1")


@pytest.fixture
def reviewer():
    return make_user(Reviewer.Role.REVIEWER, username="rev")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, entity, *extra) -> str:
    return reverse(f"panels:{name}", args=[entity.panel_id, entity.entity_type, entity.entity_name, *extra])


def thread_of(user, entity) -> list[str]:
    return list(Comment.objects.filter(evaluation__entity=entity, user=user).values_list("text", flat=True))


# --- Adding: the review form adds, never replaces ------------------------------------------------


def test_saving_a_review_twice_keeps_both_comments_in_order(reviewer, entity):
    services.review_entity(reviewer, entity, rating="AMBER", comments="Two families")
    services.review_entity(reviewer, entity, rating="GREEN", comments="A third family now")

    assert thread_of(reviewer, entity) == ["Two families", "A third family now"]
    assert Evaluation.objects.get(entity=entity, user=reviewer).rating == "GREEN"


def test_a_review_saved_without_a_comment_leaves_the_thread_as_it_was(reviewer, entity):
    services.review_entity(reviewer, entity, rating="AMBER", comments="Two families")
    services.review_entity(reviewer, entity, rating="RED", comments="   ")

    assert thread_of(reviewer, entity) == ["Two families"]


def test_the_review_form_offers_an_empty_box_for_the_next_comment(reviewer, entity):
    services.review_entity(reviewer, entity, rating="AMBER", comments="Two families")

    form = signed_in(reviewer).get(url("review", entity)).context["form"]

    assert form.initial["rating"] == "AMBER" and "comments" not in form.initial


def test_posting_the_review_form_twice_adds_a_comment_each_time(reviewer, entity):
    client = signed_in(reviewer)

    client.post(url("review", entity), {"rating": "AMBER", "comments": "First"})
    client.post(url("review", entity), {"rating": "AMBER", "comments": "Second"})

    assert thread_of(reviewer, entity) == ["First", "Second"]


def test_each_comment_carries_its_author_dates_and_the_panel_version(reviewer, entity):
    before = timezone.now()
    services.review_entity(reviewer, entity, comments="Dated")

    comment = Comment.objects.get()
    assert comment.user == reviewer and comment.evaluation.user == reviewer
    assert before <= comment.created == comment.modified <= timezone.now()
    assert comment.version == Panel.objects.get(pk=entity.panel_id).version
    assert not comment.edited


def test_a_curators_rating_with_a_comment_adds_it_to_their_thread_and_to_the_version(curator, entity):
    signed_in(curator).post(url("rate_entity", entity), {"rating": "GREEN", "comment": "Expert consensus"})

    assert thread_of(curator, entity) == ["Expert consensus"]
    assert Panel.objects.get(pk=entity.panel_id).version_comment == "Expert consensus"


def test_reviews_keep_their_own_threads_and_deleting_a_review_takes_its_thread_only(reviewer, curator, entity):
    services.review_entity(reviewer, entity, comments="Mine")
    services.review_entity(curator, entity, comments="The curator's")

    services.delete_review(reviewer, Evaluation.objects.get(user=reviewer))

    assert list(Comment.objects.values_list("text", flat=True)) == ["The curator's"]


def test_copied_reviews_bring_their_comments(reviewer, curator, entity):
    services.review_entity(reviewer, entity, rating="GREEN", comments="First")
    services.review_entity(reviewer, entity, comments="Second")
    target = make_panel(curator, "Second opinion")
    copy = add_gene(curator, target, "ATXN1")

    services.copy_reviews(curator, entity.panel, target)

    copied = Comment.objects.filter(evaluation__entity=copy)
    assert [(c.text, c.user_id) for c in copied] == [("First", reviewer.pk), ("Second", reviewer.pk)]
    assert thread_of(reviewer, entity) == ["First", "Second"]


# --- Editing and deleting, through the service layer ---------------------------------------------


def test_the_author_edits_a_comment_which_keeps_its_place_and_says_it_was_edited(reviewer, entity):
    services.review_entity(reviewer, entity, comments="Frist")
    services.review_entity(reviewer, entity, comments="Later")
    first = Comment.objects.get(text="Frist")

    edited = comments.edit_comment(reviewer, first, "  First  ")

    assert thread_of(reviewer, entity) == ["First", "Later"]
    assert edited.edited and edited.created == first.created
    assert Activity.objects.filter(text="ATXN1: comment by Reviewer Person edited", user=reviewer).exists()


@pytest.mark.parametrize("text", ["", "   ", "nul \x00 here"])
def test_an_edit_to_nothing_or_to_what_postgresql_cannot_store_is_refused(reviewer, entity, text):
    services.review_entity(reviewer, entity, comments="Kept")

    with pytest.raises(ValidationError):
        comments.edit_comment(reviewer, Comment.objects.get(), text)

    assert thread_of(reviewer, entity) == ["Kept"]


def test_nobody_else_edits_a_comment_not_even_a_curator(reviewer, curator, entity):
    services.review_entity(reviewer, entity, comments="Mine")

    with pytest.raises(PermissionDenied):
        comments.edit_comment(curator, Comment.objects.get(), "Rewritten")

    assert thread_of(reviewer, entity) == ["Mine"]


def test_the_author_deletes_one_comment_and_the_review_and_other_comments_stay(reviewer, entity):
    services.review_entity(reviewer, entity, rating="RED", comments="Keep")
    services.review_entity(reviewer, entity, rating="RED", comments="Drop")

    comments.delete_comment(reviewer, Comment.objects.get(text="Drop"))

    assert thread_of(reviewer, entity) == ["Keep"]
    assert Evaluation.objects.get(user=reviewer).rating == "RED"
    assert Activity.objects.filter(text="ATXN1: comment by Reviewer Person deleted", user=reviewer).exists()


def test_a_curator_deletes_anyones_comment_and_another_reviewer_may_not(reviewer, curator, entity):
    services.review_entity(reviewer, entity, comments="Spam")
    other = make_user(Reviewer.Role.REVIEWER)

    with pytest.raises(PermissionDenied):
        comments.delete_comment(other, Comment.objects.get())
    comments.delete_comment(curator, Comment.objects.get())

    assert not Comment.objects.exists()


def test_comments_make_no_panel_version(reviewer, entity):
    services.review_entity(reviewer, entity, comments="One")
    version = Panel.objects.get(pk=entity.panel_id).version

    comments.edit_comment(reviewer, Comment.objects.get(), "Two")
    comments.delete_comment(reviewer, Comment.objects.get())

    assert Panel.objects.get(pk=entity.panel_id).version == version


# --- Who may: accounts.policy ---------------------------------------------------------------------


def test_the_policy_lets_the_author_edit_and_delete_and_curators_only_delete(reviewer, curator, entity):
    services.review_entity(reviewer, entity, comments="Mine")
    comment = Comment.objects.get()
    external, other = make_user(Reviewer.Role.EXTERNAL), make_user(Reviewer.Role.REVIEWER)
    answers = {
        name: (policy.can_edit_comment(user, comment, entity.panel), policy.can_delete_comment(user, comment))
        for name, user in [
            ("author", reviewer),
            ("curator", curator),
            ("external", external),
            ("other", other),
            ("anonymous", AnonymousUser()),
        ]
    }

    assert answers == {
        "author": (True, True),
        "curator": (False, True),
        "external": (False, False),
        "other": (False, False),
        "anonymous": (False, False),
    }


def test_on_a_retired_panel_the_author_may_delete_but_not_edit(reviewer, curator, entity):
    services.review_entity(reviewer, entity, comments="Mine")
    services.update_panel(curator, entity.panel, status=Panel.Status.RETIRED)
    panel = Panel.objects.get(pk=entity.panel_id)
    comment = Comment.objects.get()

    assert not policy.can_edit_comment(reviewer, comment, panel)
    assert policy.can_delete_comment(reviewer, comment)


def test_a_switched_off_author_may_do_nothing(reviewer, entity):
    services.review_entity(reviewer, entity, comments="Mine")
    reviewer.is_active = False
    comment = Comment.objects.get()

    assert not policy.can_edit_comment(reviewer, comment) and not policy.can_delete_comment(reviewer, comment)


# --- The pages -------------------------------------------------------------------------------------


def test_the_entity_page_shows_each_reviews_thread_dated_and_oldest_first(client, reviewer, entity):
    services.review_entity(reviewer, entity, rating="AMBER", comments="First thoughts")
    services.review_entity(reviewer, entity, comments="Second thoughts")

    page = client.get(url("entity_in_panel", entity)).content.decode()

    thread = page.split('class="thread"')[1]
    assert thread.index("First thoughts") < thread.index("Second thoughts")
    assert "<time datetime=" in thread
    assert "Edit" not in thread and "Delete" not in thread  # anonymous readers read


def test_the_author_sees_edit_and_delete_and_a_curator_only_delete(reviewer, curator, entity):
    services.review_entity(reviewer, entity, comments="Mine")
    comment = Comment.objects.get()
    edit, delete = url("edit_comment_by_user", entity, comment.pk), url("delete_comment_by_user", entity, comment.pk)

    as_author = signed_in(reviewer).get(url("entity_in_panel", entity)).content.decode()
    as_curator = signed_in(curator).get(url("entity_in_panel", entity)).content.decode()

    assert f'href="{edit}"' in as_author and f'href="{delete}" data-confirm' in as_author
    assert f'href="{edit}"' not in as_curator and f'href="{delete}" data-confirm' in as_curator


def test_deleting_asks_first_on_a_page_whose_form_posts_the_delete(reviewer, entity):
    services.review_entity(reviewer, entity, comments="Second thoughts")
    comment = Comment.objects.get()
    delete = url("delete_comment_by_user", entity, comment.pk)

    question = signed_in(reviewer).get(delete)

    page = question.content.decode()
    assert question.status_code == 200 and "Delete this comment on ATXN1?" in page
    assert "“Second thoughts” leaves the thread" in page and f'action="{delete}"' in page
    assert Comment.objects.filter(pk=comment.pk).exists()  # asking deletes nothing


def test_the_author_edits_a_comment_through_its_page(reviewer, entity):
    services.review_entity(reviewer, entity, comments="Tpyo")
    comment = Comment.objects.get()
    client = signed_in(reviewer)
    edit = url("edit_comment_by_user", entity, comment.pk)

    form = client.get(edit)
    response = client.post(edit, {"text": "Typo"})

    assert form.status_code == 200 and form.context["form"].initial["text"] == "Tpyo"
    assert response.status_code == 302 and response.url.endswith(f"#comment-{comment.pk}")
    page = client.get(url("entity_in_panel", entity)).content.decode()
    assert "Typo" in page and "edited" in page.split('class="thread"')[1]


def test_an_empty_edit_is_a_400_with_the_reason_beside_the_field_and_at_the_top(reviewer, entity):
    services.review_entity(reviewer, entity, comments="Kept")
    comment = Comment.objects.get()

    response = signed_in(reviewer).post(url("edit_comment_by_user", entity, comment.pk), {"text": " "})

    page = response.content.decode()
    assert response.status_code == 400
    assert 'class="error-summary"' in page and 'href="#id_text"' in page
    assert Comment.objects.get().text == "Kept"


@pytest.mark.parametrize("who", ["curator", "other", "anonymous"])
def test_nobody_but_the_author_opens_or_posts_the_edit_page(reviewer, curator, entity, who):
    services.review_entity(reviewer, entity, comments="Mine")
    client = {"curator": signed_in(curator), "other": signed_in(make_user(Reviewer.Role.REVIEWER))}.get(who, Client())
    edit = url("edit_comment_by_user", entity, Comment.objects.get().pk)

    answers = (client.get(edit).status_code, client.post(edit, {"text": "Rewritten"}).status_code)

    assert answers == ((302, 302) if who == "anonymous" else (403, 403))  # anonymous: to the sign-in page
    assert Comment.objects.get().text == "Mine"


def test_deleting_through_the_page_author_and_curator_yes_others_403(reviewer, curator, entity):
    services.review_entity(reviewer, entity, comments="One")
    services.review_entity(reviewer, entity, comments="Two")
    one, two = Comment.objects.all()

    refused = signed_in(make_user(Reviewer.Role.REVIEWER)).post(url("delete_comment_by_user", entity, one.pk))
    by_author = signed_in(reviewer).post(url("delete_comment_by_user", entity, one.pk))
    by_curator = signed_in(curator).post(url("delete_comment_by_user", entity, two.pk))

    assert (refused.status_code, by_author.status_code, by_curator.status_code) == (403, 302, 302)
    assert not Comment.objects.exists()


def test_a_comment_of_another_entity_or_gone_is_a_404(reviewer, curator, panel, entity):
    services.review_entity(reviewer, entity, comments="On ATXN1")
    other = add_gene(curator, panel, "ATXN2")
    comment = Comment.objects.get()
    client = signed_in(reviewer)

    wrong_entity = client.post(url("delete_comment_by_user", other, comment.pk))
    missing = client.get(url("edit_comment_by_user", entity, comment.pk + 1000))

    assert (wrong_entity.status_code, missing.status_code) == (404, 404)
    assert Comment.objects.exists()


def test_the_profile_shows_each_reviews_latest_comment(reviewer, entity):
    services.review_entity(reviewer, entity, comments="Older words")
    services.review_entity(reviewer, entity, comments="Newest words")

    page = signed_in(reviewer).get(reverse("accounts:profile")).content.decode()

    assert "Newest words" in page and "Older words" not in page


# --- The data migration ----------------------------------------------------------------------------


def test_the_migration_moves_each_reviews_comment_into_its_thread_and_back(reviewer, entity):
    """Run 0006 backwards then forwards on real rows: the old column's text becomes the thread's first comment.

    The column is gone since 0008; it is put back inside the test's transaction, which rolls it away again.
    """
    services.review_entity(reviewer, entity, rating="GREEN")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # PostgreSQL alters no table with checks pending
        cursor.execute("ALTER TABLE panels_evaluation ADD COLUMN comments text NOT NULL DEFAULT ''")
    migration = importlib.import_module("panels.migrations.0006_comment_thread")
    state = MigrationExecutor(connection).loader.project_state(("panels", "0006_comment_thread")).apps
    OldEvaluation = state.get_model("panels", "Evaluation")
    OldEvaluation.objects.filter(user_id=reviewer.pk).update(comments="Written before threads")
    created = Evaluation.objects.get(user=reviewer).created
    Evaluation.objects.filter(user=reviewer).update(modified=created + timedelta(days=2))
    services.review_entity(make_user(Reviewer.Role.REVIEWER), entity, rating="RED")  # no comment: no thread

    migration.comments_into_threads(state, None)

    (comment,) = Comment.objects.all()
    assert (comment.text, comment.user, comment.created) == ("Written before threads", reviewer, created)
    assert comment.edited  # the review changed after it was made: the text may have too
    comments.edit_comment(reviewer, comment, "Rewritten since")
    OldEvaluation.objects.filter(user_id=reviewer.pk).update(comments="")
    migration.threads_into_comments(state, None)
    assert OldEvaluation.objects.get(user_id=reviewer.pk).comments == "Rewritten since"
