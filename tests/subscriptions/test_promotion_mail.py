"""One e-mail per watcher per promotion, through the queued mailer, with a link that stops watching."""

import re
from types import SimpleNamespace

import pytest
from accounts.models import Reviewer
from django.core import signing
from django.test import TestCase
from panels import services
from panels.models import Panel
from panels.signals import version_created
from subscriptions import mail
from subscriptions.models import Subscription
from subscriptions.services import unsubscribe_token

from tests.accounts.conftest import make_account
from tests.panels.factories import add_gene

pytestmark = pytest.mark.django_db


def announce(panel, *, major: bool, user=None) -> None:
    """What the panels services send once a version has committed; the tasks it queues run on leaving."""
    panel.refresh_from_db()
    with TestCase.captureOnCommitCallbacks(execute=True):
        version_created.send(sender=Panel, panel=panel, version=panel.version, major=major, user=user)


def mail_chunk(panel, version: str) -> int:
    """One run of the mail task, its queued messages delivered."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return mail.mail_chunk(panel.pk, version)


def unsubscribe_path(message) -> str:
    match = re.search(r"https://panelapp\.example\.org(/panels/unsubscribe/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.fixture
def watchers(panel):
    people = [make_account(name, Reviewer.Role.EXTERNAL, email=f"{name}@example.org") for name in ("ann", "bob")]
    for person in people:
        Subscription.objects.create(user=person, panel=panel)
    return people


def test_a_promotion_e_mails_each_watcher_once(curator, panel, watchers, queued_mail):
    services.promote_panel(curator, panel, comment="Reviewed by the GMS panel")
    announce(panel, major=True, user=curator)

    assert sorted(message.to for message in queued_mail) == [["ann@example.org"], ["bob@example.org"]]
    message = queued_mail[0]
    assert message.subject == "PanelApp: Hereditary ataxia promoted to version 1.0"
    assert "Reviewed by the GMS panel" in message.body
    assert f"https://panelapp.example.org/panels/{panel.pk}/" in message.body


def test_a_minor_version_e_mails_nobody(curator, panel, watchers, queued_mail):
    add_gene(curator, panel, "ATXN1")
    announce(panel, major=False, user=curator)

    assert queued_mail == []


def test_a_promotion_of_a_panel_nobody_watches_queues_no_task(curator, panel, queued_mail, monkeypatch):
    from subscriptions import tasks

    queued = []
    monkeypatch.setattr(tasks, "mail_watchers", SimpleNamespace(enqueue=lambda *args: queued.append(args)))
    services.promote_panel(curator, panel, comment="Reviewed")
    announce(panel, major=True)

    assert queued == []


def test_the_e_mail_carries_an_unsubscribe_link_and_header(curator, panel, watchers, queued_mail):
    services.promote_panel(curator, panel, comment="Reviewed")
    announce(panel, major=True)

    message = next(m for m in queued_mail if m.to == ["ann@example.org"])
    path = unsubscribe_path(message)
    assert message.extra_headers["List-Unsubscribe"] == f"<https://panelapp.example.org{path}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = path.split("/")[-2]
    assert signing.loads(token, salt="subscriptions.unsubscribe") == [watchers[0].pk, panel.pk]


def test_a_retried_run_does_not_e_mail_a_watcher_twice(curator, panel, watchers, queued_mail):
    services.promote_panel(curator, panel, comment="Reviewed")

    assert mail_chunk(panel, "1.0") == 2
    assert mail_chunk(panel, "1.0") == 0
    assert len(queued_mail) == 2


def test_the_next_promotion_is_e_mailed_again(curator, panel, watchers, queued_mail):
    services.promote_panel(curator, panel, comment="Reviewed")
    mail_chunk(panel, "1.0")
    services.promote_panel(curator, panel, comment="Reviewed again")
    mail_chunk(panel, "2.0")

    assert [m.subject[-3:] for m in queued_mail if m.to == ["ann@example.org"]] == ["1.0", "2.0"]


def test_many_watchers_are_e_mailed_a_chunk_per_task_run(curator, panel, queued_mail, monkeypatch):
    monkeypatch.setattr(mail, "CHUNK", 2)
    for number in range(5):
        person = make_account(f"w{number}", Reviewer.Role.EXTERNAL, email=f"w{number}@example.org")
        Subscription.objects.create(user=person, panel=panel)
    services.promote_panel(curator, panel, comment="Reviewed")

    announce(panel, major=True)

    assert sorted(m.to[0] for m in queued_mail) == [f"w{number}@example.org" for number in range(5)]


def test_watchers_who_can_no_longer_read_the_panel_are_not_e_mailed(curator, panel, watchers, queued_mail):
    watchers[1].is_active = False
    watchers[1].save()
    Subscription.objects.create(user=curator, panel=panel)  # no address: passed over
    services.promote_panel(curator, panel, comment="Reviewed")
    announce(panel, major=True)

    assert [m.to for m in queued_mail] == [["ann@example.org"]]


def test_a_watcher_who_started_after_the_promotion_was_queued_is_not_told_of_an_older_one(curator, panel, queued_mail):
    services.promote_panel(curator, panel, comment="Reviewed")
    late = make_account("late", Reviewer.Role.EXTERNAL)
    Subscription.objects.create(user=late, panel=panel, mailed_major_version=1)

    assert mail_chunk(panel, "1.0") == 0


def test_promoting_through_the_services_e_mails_the_watchers(curator, panel, watchers, queued_mail):
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.promote_panel(curator, panel, comment="Reviewed")

    assert len(queued_mail) == 2


def test_unsubscribe_token_names_the_user_and_panel(panel, watcher):
    subscription = Subscription.objects.create(user=watcher, panel=panel)

    assert signing.loads(unsubscribe_token(subscription), salt="subscriptions.unsubscribe") == [watcher.pk, panel.pk]
