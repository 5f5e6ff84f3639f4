"""``accounts.policy`` answers each question for each role."""

import pytest
from accounts import policy
from accounts.models import Reviewer
from django.contrib.auth.models import AnonymousUser
from panels.models import Panel

from tests.accounts.conftest import ROLES, make_account, make_role
from tests.panels.factories import make_panel, make_user

pytestmark = pytest.mark.django_db

# question → the roles (of ROLES) for which the answer is yes.
EXPECTED = {
    policy.can_comment: {"external", "reviewer", "curator", "view_only_staff", "superuser"},
    policy.can_review: {"reviewer", "curator", "superuser"},
    policy.can_curate: {"curator", "superuser"},
    policy.can_approve_reviewers: {"curator", "superuser"},
    policy.can_see_internal_panels: {"curator", "superuser"},
    policy.can_use_api_token: {"external", "reviewer", "curator", "view_only_staff", "superuser"},
    policy.can_sign_off: {"curator", "superuser"},
    policy.can_open_admin: {"view_only_staff", "superuser"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("question", list(EXPECTED), ids=lambda question: question.__name__)
def test_each_question_is_answered_yes_exactly_for_its_roles(question, role):
    user = make_role(role) or AnonymousUser()

    assert question(user) is (role in EXPECTED[question])


@pytest.mark.parametrize("question", list(EXPECTED), ids=lambda question: question.__name__)
def test_an_inactive_user_may_do_nothing(question):
    user = make_account("switched-off", Reviewer.Role.CURATOR, is_active=False, is_superuser=True)

    assert question(user) is False


def test_none_is_treated_as_anonymous():
    assert not any(question(None) for question in EXPECTED)


def test_an_admin_action_not_in_the_table_is_refused_even_for_a_superuser():
    root = make_role("superuser")

    assert policy.can_run_admin_action(root, "panels.promote")
    assert not policy.can_run_admin_action(root, "panels.delete_everything")


def test_an_admin_action_needs_staff_status_besides_the_permission():
    from django.contrib.auth.models import Permission

    curator = make_account("curator", Reviewer.Role.CURATOR)
    curator.user_permissions.add(Permission.objects.get(codename="change_panel"))

    assert not policy.can_run_admin_action(curator, "panels.promote")


def test_anonymous_users_see_public_and_promoted_panels_and_retired_ones_when_asked():
    curator = make_user(Reviewer.Role.CURATOR)
    panels = {status: make_panel(curator, status, status=status) for status in Panel.Status.values}

    assert set(policy.visible_panels(None)) == {panels["public"], panels["promoted"]}
    assert set(policy.visible_panels(AnonymousUser(), retired=True)) == {
        panels["public"],
        panels["promoted"],
        panels["retired"],
    }
    assert set(policy.visible_panels(curator)) == set(panels.values()) - {panels["deleted"]}
    assert set(policy.visible_panels(curator, Panel.objects.filter(name="internal"))) == {panels["internal"]}


@pytest.mark.parametrize("role", ROLES)
def test_a_curator_is_one_with_the_curator_role_or_a_superuser(role):
    user = make_role(role) or AnonymousUser()

    assert policy.is_curator(user) is (role in {"curator", "superuser"})


def test_a_switched_off_curator_is_still_a_curator_but_may_not_curate():
    """Whose rating is a decision (imports of their past reviews) is not whether they may act today."""
    user = make_account("switched-off", Reviewer.Role.CURATOR, is_active=False)

    assert policy.is_curator(user) and not policy.can_curate(user)
