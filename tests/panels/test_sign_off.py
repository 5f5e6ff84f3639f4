"""Signing off panel versions in the site: any version, with a date; withdrawn after a confirmation; both logged."""

import re
from datetime import date, timedelta

import pytest
from accounts.models import Reviewer
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from panels import services
from panels.models import Activity, HistoricalSnapshot

from tests.panels.factories import add_gene, make_panel, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def versions(curator, panel):
    """The panel at 0.0 (created), 0.1 and 0.2."""
    add_gene(curator, panel, "ATXN1")
    add_gene(curator, panel, "ATXN2")
    panel.refresh_from_db()
    assert panel.version == "0.2"
    return panel


@pytest.fixture
def site(curator):
    client = Client()
    client.force_login(curator)
    return client


def signed_off(panel) -> dict[str, date]:
    return {s.version: s.signed_off_date for s in panel.snapshots.filter(signed_off_date__isnull=False)}


def sign_off_url(panel) -> str:
    return reverse("panels:sign_off", args=[panel.pk])


def withdraw_url(panel, version: str) -> str:
    return reverse("panels:withdraw_sign_off", args=[panel.pk, version])


# --- The service ---------------------------------------------------------------------


def test_withdrawing_clears_the_date_logs_a_line_and_makes_no_version(curator, versions):
    services.sign_off(curator, versions, version="0.1", signed_off_date=date(2025, 3, 31))

    services.withdraw_sign_off(curator, versions, version="0.1")

    versions.refresh_from_db()
    assert signed_off(versions) == {} and versions.version == "0.2"
    texts = list(Activity.objects.filter(panel=versions).order_by("pk").values_list("text", flat=True))
    assert texts[-2:] == ["Version 0.1 signed off on 2025-03-31", "Sign-off of version 0.1 (on 2025-03-31) withdrawn"]


@pytest.mark.parametrize(
    "version,message",
    [
        ("0.9", "has no version 0.9"),
        ("0.0", "Version 0.0 of Hereditary ataxia is not signed off."),
        ("x", "MAJOR.MINOR"),
    ],
)
def test_withdrawing_what_is_not_signed_off_is_refused_and_logs_nothing(curator, versions, version, message):
    logged = Activity.objects.count()

    with pytest.raises(ValidationError, match=message):
        services.withdraw_sign_off(curator, versions, version=version)

    assert Activity.objects.count() == logged


# --- The pages -----------------------------------------------------------------------


def test_the_form_offers_every_version_newest_first_and_today(site, versions):
    response = site.get(sign_off_url(versions))

    assert response.status_code == 200
    form = response.context["form"]
    assert [value for value, _ in form.fields["version"].choices] == ["0.2", "0.1", "0.0"]
    assert form.initial == {"version": "0.2", "signed_off_date": timezone.localdate()}
    assert site.get(sign_off_url(versions) + "?version=0.0").context["form"].initial["version"] == "0.0"


def test_a_curator_signs_off_an_earlier_version_with_its_date(site, versions):
    response = site.post(sign_off_url(versions), {"version": "0.1", "signed_off_date": "2025-03-31"})

    assert response.status_code == 302 and response["Location"] == reverse("panels:detail", args=[versions.pk])
    assert signed_off(versions) == {"0.1": date(2025, 3, 31)}
    assert Activity.objects.filter(panel=versions, text="Version 0.1 signed off on 2025-03-31").exists()
    page = site.get(response["Location"]).content.decode()
    assert "Version 0.1 of Hereditary ataxia is signed off on 31 Mar 2025." in page
    assert "✔ v0.1 on 31 Mar 2025" in page


@pytest.mark.parametrize(
    "data,error",
    [
        ({"version": "0.2", "signed_off_date": "2999-01-01"}, "A sign-off cannot be dated in the future."),
        ({"version": "0.2", "signed_off_date": "31/13/2025"}, "Enter a valid date."),
        ({"version": "7.0", "signed_off_date": "2025-03-31"}, "Select a valid choice. 7.0 is not one of"),
        ({}, "This field is required."),
    ],
)
def test_a_bad_sign_off_is_a_400_saying_why_and_signs_off_nothing(site, versions, data, error):
    response = site.post(sign_off_url(versions), data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert signed_off(versions) == {}


def test_tomorrow_is_refused_but_today_is_not(site, versions):
    today = timezone.localdate()

    tomorrow = site.post(sign_off_url(versions), {"version": "0.2", "signed_off_date": today + timedelta(days=1)})
    on_time = site.post(sign_off_url(versions), {"version": "0.2", "signed_off_date": today})

    assert (tomorrow.status_code, on_time.status_code) == (400, 302)
    assert signed_off(versions) == {"0.2": today}


def test_withdrawing_asks_first_then_withdraws(site, curator, versions):
    services.sign_off(curator, versions, version="0.1", signed_off_date=date(2025, 3, 31))

    question = site.get(withdraw_url(versions, "0.1"))

    assert question.status_code == 200
    assert "Withdraw the sign-off of Hereditary ataxia version 0.1?" in question.content.decode()
    assert signed_off(versions) == {"0.1": date(2025, 3, 31)}  # asking changes nothing
    done = site.post(withdraw_url(versions, "0.1"))
    assert done.status_code == 302
    assert signed_off(versions) == {}
    assert (
        "The sign-off of version 0.1 of Hereditary ataxia is withdrawn." in site.get(done["Location"]).content.decode()
    )


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("version,status", [("0.0", 400), ("9.9", 404), ("one", 400)])
def test_withdrawing_a_version_not_signed_off_is_a_clear_4xx(site, versions, method, version, status):
    response = getattr(site, method)(withdraw_url(versions, version))

    assert response.status_code == status


@pytest.mark.parametrize("role", [Reviewer.Role.REVIEWER, Reviewer.Role.EXTERNAL])
def test_only_curators_sign_off_or_withdraw(curator, versions, role):
    services.sign_off(curator, versions, version="0.1", signed_off_date=date(2025, 3, 31))
    client = Client()
    client.force_login(make_user(role))

    assert client.get(sign_off_url(versions)).status_code == 403
    assert client.post(sign_off_url(versions), {"version": "0.2", "signed_off_date": "2025-04-01"}).status_code == 403
    assert client.post(withdraw_url(versions, "0.1")).status_code == 403
    assert signed_off(versions) == {"0.1": date(2025, 3, 31)}


def listed_text() -> str:
    """The panel list as a reader sees it: its text, without tags."""
    return re.sub(r"<[^>]+>", "", Client().get(reverse("panels:list")).content.decode())


def test_the_panel_list_shows_each_panels_latest_sign_off(site, curator, versions):
    other = make_panel(curator, "Spastic paraplegia")
    services.sign_off(curator, versions, version="0.0", signed_off_date=date(2025, 1, 2))
    services.sign_off(curator, versions, version="0.1", signed_off_date=date(2025, 3, 31))

    page = listed_text()

    assert "✔ v0.1 signed off 31 Mar 2025" in page and "v0.0 signed off" not in page
    rows = {p.name: p.signed_off for p in Client().get(reverse("panels:list")).context["panels"]}
    assert rows[other.name] is None
    site.post(withdraw_url(versions, "0.1"))
    assert "✔ v0.0 signed off 2 Jan 2025" in listed_text()


def test_the_panel_page_offers_sign_off_to_curators_only(site, versions):
    link = f'href="{sign_off_url(versions)}"'

    assert link in site.get(reverse("panels:detail", args=[versions.pk])).content.decode()
    reviewer = Client()
    reviewer.force_login(make_user(Reviewer.Role.REVIEWER))
    assert link not in reviewer.get(reverse("panels:detail", args=[versions.pk])).content.decode()


def test_the_sign_off_page_lists_sign_offs_with_a_way_to_withdraw_each(site, curator, versions):
    services.sign_off(curator, versions, version="0.0", signed_off_date=date(2025, 1, 2))

    page = site.get(sign_off_url(versions)).content.decode()

    assert f'href="{withdraw_url(versions, "0.0")}"' in page
    assert f'href="{withdraw_url(versions, "0.1")}"' not in page
    assert HistoricalSnapshot.objects.filter(panel=versions, signed_off_date__isnull=False).count() == 1
