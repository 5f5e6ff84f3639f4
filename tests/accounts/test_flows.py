"""Each account flow end to end on PostgreSQL: pages, database, and e-mail through the queued mailer.

Transactional: e-mails leave only after the change they report is committed,
then travel the production path (``send_mail`` → ``send_email`` task → the
worker's ``run_message`` → the transport mailer, here ``mail.outbox``).
"""

import re

import pytest
from accounts import services
from accounts.models import PendingRegistration, Reviewer
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse
from rest_framework.authtoken.models import Token
from serverless.models import TaskRecord

from tests.accounts.conftest import PASSWORD, link_in, make_account
from tests.panels.factories import add_gene, make_panel, make_user

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()

NEW_PASSWORD = "another-long-passphrase-77"


def registration(**overrides) -> dict[str, str]:
    return {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.org",
        "confirm_email": "ada@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "affiliation": "Analytical Engines Ltd",
        "job_role": "Clinical Scientist",
        "workplace": "NHS diagnostic lab",
        "group": "NHS Genomic Medicine Centre",
        "contact_details": "+44 20 7946 0000",
        **overrides,
    }


def register_and_verify(client, queued_mail) -> User:
    client.post(reverse("accounts:register"), registration())
    client.get(link_in(queued_mail[-1], "/accounts/verify_email/"))
    return User.objects.get(email="ada@example.org")


def test_registration_creates_an_inactive_external_user_and_queues_a_verification_email(client, queued_mail):
    response = client.post(reverse("accounts:register"), registration())

    assert response.status_code == 302 and response.url == reverse("accounts:registration_done")
    user = User.objects.get(email="ada@example.org")
    assert (user.is_active, user.get_full_name()) == (False, "Ada Lovelace")
    assert re.fullmatch(r"ada\.lovelace\.\d{4}", user.username)
    assert user.check_password(PASSWORD) and not PendingRegistration.objects.exists()
    reviewer = user.reviewer
    assert (reviewer.role, reviewer.approval, reviewer.email_verified_at) == ("external", "pending", None)
    assert (reviewer.job_role, reviewer.workplace, reviewer.group) == (
        "Clinical Scientist",
        "NHS diagnostic lab",
        "NHS Genomic Medicine Centre",
    )
    assert reviewer.contact_details == "+44 20 7946 0000"
    [message] = queued_mail
    assert message.to == ["ada@example.org"] and "confirm your e-mail address" in message.subject
    assert link_in(message, "/accounts/verify_email/")
    assert f'"{user.username}"' in message.body  # for files of reviews; people sign in with their address
    tasks = TaskRecord.objects.filter(status="SUCCESSFUL").values_list("task_path", flat=True)
    assert sorted(tasks) == ["accounts.tasks.complete_registration", "serverless.tasks.mail.send_email"]
    assert "ada@example.org" in client.get(response.url).content.decode()


def test_the_registration_page_asks_what_upstream_asks_but_a_username(client):
    form = client.get(reverse("accounts:register")).context["form"]

    assert list(form.fields) == [
        "first_name",
        "last_name",
        "email",
        "confirm_email",
        "password1",
        "password2",
        "affiliation",
        "job_role",
        "workplace",
        "group",
        "contact_details",
    ]
    assert ("Clinical Scientist", "Clinical Scientist") in form.fields["job_role"].choices


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"confirm_email": "eve@example.org"}, "confirm_email", "The two addresses differ."),
        ({"password2": "something-else-entirely"}, "password2", "The two password fields didn"),
        ({"password1": "password", "password2": "password"}, "password2", "This password is too common."),
        ({"job_role": "Wizard"}, "job_role", "Select a valid choice."),
        ({"email": "not-an-address", "confirm_email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"first_name": ""}, "first_name", "This field is required."),
    ],
)
def test_a_bad_registration_is_a_400_naming_the_field_and_creates_nothing(
    client, queued_mail, overrides, field, message
):
    response = client.post(reverse("accounts:register"), registration(**overrides))

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not User.objects.exists() and not PendingRegistration.objects.exists() and queued_mail == []


def test_an_address_already_registered_gets_the_same_answer_and_its_owner_an_email(client, queued_mail):
    existing = make_account("existing", email="Ada@Example.org")

    other = "x" + PASSWORD
    response = client.post(reverse("accounts:register"), registration(password1=other, password2=other))

    assert response.status_code == 302 and response.url == reverse("accounts:registration_done")
    assert list(User.objects.all()) == [existing] and User.objects.get().check_password(PASSWORD)
    [message] = queued_mail
    assert message.to == [existing.email] and "someone tried to register with your address" in message.subject
    assert "https://panelapp.example.org/accounts/password_reset/" in message.body
    assert "/accounts/verify_email/" not in message.body


def test_registering_again_before_confirming_sends_a_fresh_link_to_the_one_account(client, queued_mail):
    client.post(reverse("accounts:register"), registration())
    client.post(reverse("accounts:register"), registration())

    assert User.objects.count() == 1
    _first, again = queued_mail
    assert "confirm your e-mail address" in again.subject
    client.get(link_in(again, "/accounts/verify_email/"))
    assert User.objects.get().is_active


def test_the_registration_task_run_twice_makes_one_account(queued_mail):
    services.register(email="ada@example.org", password=PASSWORD, first_name="Ada", last_name="Lovelace")
    [registration_id] = TaskRecord.objects.get(task_path="accounts.tasks.complete_registration").args

    assert services.complete_registration(registration_id) == "already completed"
    assert User.objects.count() == 1 and len(queued_mail) == 1


def test_the_verification_link_activates_the_account_welcomes_the_user_and_tells_the_curators(client, queued_mail):
    make_account("curator", Reviewer.Role.CURATOR, email="curator@example.org")
    make_account("offduty", Reviewer.Role.CURATOR, email="offduty@example.org", is_active=False)
    client.post(reverse("accounts:register"), registration())

    response = client.get(link_in(queued_mail[0], "/accounts/verify_email/"))

    assert response.status_code == 200 and "Address confirmed" in response.content.decode()
    user = User.objects.get(email="ada@example.org")
    assert user.is_active and user.reviewer.email_verified_at is not None
    welcome, waiting = queued_mail[1:]
    assert welcome.to == ["ada@example.org"] and "welcome" in welcome.subject
    assert waiting.to == ["curator@example.org"] and "waiting for approval" in waiting.subject
    assert "Analytical Engines Ltd" in waiting.body and "/accounts/reviewers/" in waiting.body


def test_without_curators_the_waiting_reviewer_email_goes_to_panel_app_email(client, queued_mail, settings):
    settings.PANEL_APP_EMAIL = "panelapp-team@example.org"
    register_and_verify(client, queued_mail)

    assert queued_mail[-1].to == ["panelapp-team@example.org"]


def test_a_verification_link_works_once_and_then_only_says_so(client, queued_mail):
    client.post(reverse("accounts:register"), registration())
    link = link_in(queued_mail[0], "/accounts/verify_email/")
    client.get(link)

    response = client.get(link)

    assert response.status_code == 200 and "already confirmed" in response.content.decode()
    assert len(queued_mail) == 3  # verify, welcome, curators: nothing more


@pytest.mark.parametrize("tamper", ["forged", "expired", "other_address"])
def test_a_forged_expired_or_outdated_verification_link_is_a_400_and_activates_nothing(
    client, queued_mail, settings, tamper
):
    client.post(reverse("accounts:register"), registration())
    user = User.objects.get(email="ada@example.org")
    token = services.verification_token(user)
    if tamper == "forged":
        token = signing.dumps(
            {"user": user.pk, "email": user.email}, key="not-our-secret", salt="accounts.verify-email"
        )
    elif tamper == "expired":
        settings.ACCOUNT_VERIFICATION_MAX_AGE = -1
    else:
        User.objects.filter(pk=user.pk).update(email="changed@example.org")

    response = client.get(reverse("accounts:verify_email", args=[token]))

    assert response.status_code == 400
    assert not User.objects.get(pk=user.pk).is_active
    assert len(queued_mail) == 1


def test_an_unverified_user_cannot_sign_in(client, queued_mail):
    client.post(reverse("accounts:register"), registration())

    response = client.post(reverse("accounts:login"), {"username": "ada@example.org", "password": PASSWORD})

    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "correct username and password" in response.content.decode()


def test_a_verified_user_signs_in_with_their_address_and_signs_out_by_post_only(client, queued_mail):
    register_and_verify(client, queued_mail)

    response = client.post(reverse("accounts:login"), {"username": "Ada@Example.org", "password": PASSWORD})
    assert response.status_code == 302 and client.session["_auth_user_id"]

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_curator_approves_a_waiting_reviewer_who_is_told_by_email(client, queued_mail):
    user = register_and_verify(client, queued_mail)
    curator = make_account("curator", Reviewer.Role.CURATOR)
    client.force_login(curator)
    page = client.get(reverse("accounts:pending_reviewers"))
    assert [reviewer.user for reviewer in page.context["pending"]] == [user]

    response = client.post(reverse("accounts:decide_reviewer", args=[user.reviewer.pk, "approve"]), follow=True)

    assert "Ada Lovelace is now a reviewer." in response.content.decode()
    assert list(response.context["pending"]) == []
    reviewer = Reviewer.objects.get(user=user)
    assert (reviewer.role, reviewer.approval) == ("reviewer", "approved")
    assert queued_mail[-1].to == ["ada@example.org"] and "you are now a reviewer" in queued_mail[-1].subject


def test_a_curator_rejects_a_request_and_the_user_stays_external_without_an_email(client, queued_mail):
    user = register_and_verify(client, queued_mail)
    sent = len(queued_mail)
    client.force_login(make_account("curator", Reviewer.Role.CURATOR))

    response = client.post(reverse("accounts:decide_reviewer", args=[user.reviewer.pk, "reject"]), follow=True)

    assert "request rejected" in response.content.decode()
    assert (Reviewer.objects.get(user=user).role, Reviewer.objects.get(user=user).approval) == ("external", "rejected")
    assert len(queued_mail) == sent


def test_approving_someone_not_waiting_changes_nothing_and_says_so(client, queued_mail):
    curator = make_account("curator", Reviewer.Role.CURATOR)
    other = make_account("colleague", Reviewer.Role.CURATOR)
    client.force_login(curator)

    response = client.post(reverse("accounts:decide_reviewer", args=[other.reviewer.pk, "approve"]), follow=True)

    assert "was not waiting for approval" in response.content.decode()
    assert Reviewer.objects.get(user=other).role == "curator" and queued_mail == []


def test_an_unknown_decision_or_reviewer_is_a_404(client):
    client.force_login(make_account("curator", Reviewer.Role.CURATOR))
    user = make_account("someone", Reviewer.Role.EXTERNAL)

    assert client.post(reverse("accounts:decide_reviewer", args=[user.reviewer.pk, "promote"])).status_code == 404
    assert client.post(reverse("accounts:decide_reviewer", args=[999999, "approve"])).status_code == 404


def test_the_admin_action_approves_reviewers_and_sends_the_same_email(client, queued_mail):
    user = register_and_verify(client, queued_mail)
    client.force_login(make_account("root", is_staff=True, is_superuser=True))

    response = client.post(
        reverse("admin:accounts_reviewer_changelist"),
        {"action": "approve_reviewers", "_selected_action": [user.reviewer.pk]},
        follow=True,
    )

    assert "Approved 1 reviewer(s)." in response.content.decode()
    assert Reviewer.objects.get(user=user).role == "reviewer"
    assert "you are now a reviewer" in queued_mail[-1].subject


def test_the_profile_lists_the_users_own_reviews_and_comments_with_links(client):
    curator = make_user(Reviewer.Role.CURATOR)
    panel = make_panel(curator, "Hereditary ataxia")
    gene = add_gene(curator, panel, "ATXN1")
    other_gene = add_gene(curator, panel, "ATXN2")
    me = make_account("me", Reviewer.Role.REVIEWER)
    services_review(me, gene, rating="GREEN", comments="Strong evidence in three families")
    services_review(me, other_gene, comments="Only a comment")
    services_review(curator, other_gene, rating="RED", comments="Not mine")
    client.force_login(me)

    response = client.get(reverse("accounts:profile"))

    page = response.content.decode()
    assert response.status_code == 200
    assert f'href="/panels/{panel.pk}/gene/ATXN1/"' in page and f'href="/panels/{panel.pk}/gene/ATXN2/"' in page
    assert "Strong evidence in three families" in page and "Only a comment" in page
    assert "Not mine" not in page


def services_review(user, entity, **fields):
    from panels import services as panel_services

    return panel_services.review_entity(user, entity, **fields)


def test_the_profile_needs_a_signed_in_user(client):
    response = client.get(reverse("accounts:profile"))

    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_regenerating_the_api_token_replaces_the_old_one(client):
    user = make_account("me", Reviewer.Role.EXTERNAL)
    client.force_login(user)
    assert "You have no API token yet." in client.get(reverse("accounts:profile")).content.decode()

    client.post(reverse("accounts:regenerate_token"))
    first = Token.objects.get(user=user).key
    response = client.post(reverse("accounts:regenerate_token"), follow=True)

    second = Token.objects.get(user=user).key
    assert first != second and second in response.content.decode()
    assert client.get(reverse("accounts:regenerate_token")).status_code == 405


def test_changing_the_password_needs_the_current_one(client):
    user = make_account("me", Reviewer.Role.EXTERNAL)
    client.force_login(user)
    url = reverse("accounts:change_password")

    wrong = client.post(url, {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert wrong.status_code == 400 and "old password was entered incorrectly" in wrong.content.decode()

    right = client.post(url, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert right.status_code == 302 and right.url == reverse("accounts:profile")
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert client.get(reverse("accounts:profile")).status_code == 200  # still signed in


def test_a_forgotten_password_is_reset_through_the_emailed_link(client, queued_mail):
    make_account("me", Reviewer.Role.REVIEWER, email="me@example.org")

    response = client.post(reverse("accounts:password_reset"), {"email": "me@example.org"})

    assert response.status_code == 302 and response.url == reverse("accounts:password_reset_done")
    [message] = queued_mail
    assert message.to == ["me@example.org"] and message.subject == "PanelApp: reset your password"
    assert "https://panelapp.example.org/accounts/reset/" in message.body
    form_page = client.get(link_in(message, "/accounts/reset/"), follow=True)
    assert form_page.context["validlink"]
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.url == reverse("accounts:password_reset_complete")
    assert client.login(username="me", password=NEW_PASSWORD)
    assert not client.get(link_in(message, "/accounts/reset/"), follow=True).context["validlink"]  # used up


def test_a_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client, queued_mail):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})

    assert response.status_code == 302 and response.url == reverse("accounts:password_reset_done")
    assert queued_mail == []


def test_a_lost_confirmation_link_can_be_sent_again_and_the_new_one_works(client, queued_mail):
    client.post(reverse("accounts:register"), registration())

    response = client.post(reverse("accounts:resend_verification"), {"email": "ADA@example.org"}, follow=True)

    assert "a new link is on its way" in response.content.decode()
    _first, again = queued_mail
    assert again.to == ["ada@example.org"] and "confirm your e-mail address" in again.subject
    client.get(link_in(again, "/accounts/verify_email/"))
    assert User.objects.get(email="ada@example.org").is_active


def test_asking_again_for_an_unknown_or_confirmed_address_answers_the_same_and_sends_nothing(client, queued_mail):
    make_account("confirmed", Reviewer.Role.EXTERNAL, email="confirmed@example.org")

    for email in ("nobody@example.org", "confirmed@example.org"):
        response = client.post(reverse("accounts:resend_verification"), {"email": email}, follow=True)
        assert "a new link is on its way" in response.content.decode()

    assert queued_mail == []
    assert client.post(reverse("accounts:resend_verification"), {"email": "nonsense"}).status_code == 400
