"""Atom feeds of a panel's and of every panel's new versions, promotions and sign-offs."""

from datetime import date
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from panels import services
from panels.models import Panel
from subscriptions.entries import FEED_LENGTH

from tests.panels.factories import add_gene, make_panel

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def parse(response) -> ElementTree.Element:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)  # noqa: S314 (our own response)
    assert feed.tag == f"{ATOM}feed"
    return feed


def entries(feed: ElementTree.Element) -> list[dict[str, str]]:
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "author": entry.findtext(f"{ATOM}author/{ATOM}name"),
            "summary": entry.findtext(f"{ATOM}summary"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "id": entry.findtext(f"{ATOM}id"),
            "updated": entry.findtext(f"{ATOM}updated"),
        }
        for entry in feed.findall(f"{ATOM}entry")
    ]


def test_a_panel_feed_lists_its_versions_newest_first_with_who_and_what(client, curator, panel):
    add_gene(curator, panel, "ATXN1")
    services.promote_panel(curator, panel, comment="Reviewed by the GMS panel")

    found = entries(parse(client.get(f"/panels/{panel.pk}/feed/")))

    assert [entry["title"] for entry in found] == [
        "Hereditary ataxia v1.0: promoted",
        "Hereditary ataxia v0.1: new version",
        "Hereditary ataxia v0.0: created",
    ]
    assert found[0]["author"] == curator.get_full_name()
    assert "Increased major version to 1.0" in found[0]["summary"]
    assert "Reviewed by the GMS panel" in found[0]["summary"]
    assert "Added Gene ATXN1" in found[1]["summary"]
    assert found[0]["link"].endswith(f"/panels/{panel.pk}/?version=1.0")
    assert all(entry["updated"] for entry in found)


def test_a_sign_off_is_an_entry_of_its_own(client, curator, panel):
    services.promote_panel(curator, panel, comment="Reviewed")
    services.sign_off(curator, panel, version="1.0", signed_off_date=date(2026, 11, 2))

    found = entries(parse(client.get(f"/panels/{panel.pk}/feed/")))
    signed = [entry for entry in found if entry["title"] == "Hereditary ataxia v1.0: signed off"]

    assert len(signed) == 1
    assert signed[0]["summary"] == "Version 1.0 signed off on 2026-11-02"
    assert signed[0]["author"] == curator.get_full_name()
    assert signed[0]["updated"].startswith("2026-11-02T00:00:00")
    assert len({entry["id"] for entry in found}) == len(found)  # the sign-off's id differs from its version's


def test_the_all_panels_feed_lists_every_public_panels_versions_but_not_internal_ones(client, curator, panel):
    other = make_panel(curator, name="Cardiomyopathy")
    hidden = make_panel(curator, name="Unreleased", status=Panel.Status.INTERNAL)
    add_gene(curator, other, "MYH7")
    add_gene(curator, hidden, "SECRET1")

    titles = [entry["title"] for entry in entries(parse(client.get("/panels/feed/")))]

    assert titles[0] == "Cardiomyopathy v0.1: new version"
    assert "Hereditary ataxia v0.0: created" in titles
    assert not [title for title in titles if title.startswith("Unreleased")]


def test_a_curator_reads_internal_panels_in_the_all_panels_feed(client, curator):
    make_panel(curator, name="Unreleased", status=Panel.Status.INTERNAL)
    client.force_login(curator)

    titles = [entry["title"] for entry in entries(parse(client.get("/panels/feed/")))]

    assert "Unreleased v0.0: created" in titles


def test_an_internal_panels_feed_is_not_found_for_the_public(client, curator):
    hidden = make_panel(curator, name="Unreleased", status=Panel.Status.INTERNAL)

    assert client.get(f"/panels/{hidden.pk}/feed/").status_code == 404
    assert client.get("/panels/999999/feed/").status_code == 404


def test_a_feed_holds_at_most_the_newest_fifty_entries(client, curator, panel):
    for number in range(FEED_LENGTH + 2):
        services.update_panel(curator, panel, disease_sub_group=f"Group {number}")

    found = entries(parse(client.get(f"/panels/{panel.pk}/feed/")))

    assert len(found) == FEED_LENGTH
    assert found[0]["title"] == f"Hereditary ataxia v0.{FEED_LENGTH + 2}: new version"


@pytest.mark.parametrize("path", ["/panels/{pk}/feed/", "/panels/feed/"])
def test_a_feed_costs_the_same_queries_however_many_versions_panels_and_sign_offs(client, curator, panel, path):
    url = path.format(pk=panel.pk)
    services.promote_panel(curator, panel, comment="Reviewed")
    services.sign_off(curator, panel, version="1.0", signed_off_date=date(2026, 11, 2))
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for number in range(6):
        add_gene(curator, panel, f"GENE{number}A")
        make_panel(curator, name=f"Panel {number}")
    services.promote_panel(curator, panel, comment="Reviewed again")
    services.sign_off(curator, panel, version="2.0", signed_off_date=date(2026, 11, 3))

    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert len(entries(parse(response))) > 10
    assert len(many.captured_queries) == len(few.captured_queries)


def test_who_signed_off_is_looked_up_only_when_a_sign_off_is_in_the_feed(client, curator, panel):
    with CaptureQueriesContext(connection) as without:
        client.get(f"/panels/{panel.pk}/feed/")
    services.sign_off(curator, panel, version="0.0", signed_off_date=date(2026, 11, 2))

    with CaptureQueriesContext(connection) as with_one:
        client.get(f"/panels/{panel.pk}/feed/")

    assert len(with_one.captured_queries) == len(without.captured_queries) + 1


def test_a_feed_never_reads_a_versions_stored_json(client, curator, panel):
    add_gene(curator, panel, "ATXN1")
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/panels/{panel.pk}/feed/")
        client.get("/panels/feed/")

    snapshot_reads = [q["sql"] for q in queries.captured_queries if "panels_historicalsnapshot" in q["sql"]]
    assert snapshot_reads
    assert not [sql for sql in snapshot_reads if '"summary"' in sql or '"layout"' in sql or '."data"' in sql]


def test_a_poller_with_the_etag_or_date_it_was_given_gets_not_modified(client, curator, panel):
    first = client.get(f"/panels/{panel.pk}/feed/")

    assert client.get(f"/panels/{panel.pk}/feed/", headers={"If-None-Match": first["ETag"]}).status_code == 304
    since = {"If-Modified-Since": first["Last-Modified"]}
    assert client.get(f"/panels/{panel.pk}/feed/", headers=since).status_code == 304


def test_a_new_version_changes_the_feeds_etag(client, curator, panel):
    first = client.get(f"/panels/{panel.pk}/feed/")
    add_gene(curator, panel, "ATXN1")

    again = client.get(f"/panels/{panel.pk}/feed/", headers={"If-None-Match": first["ETag"]})

    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]


def test_the_panel_page_and_the_panel_list_link_their_feeds(client, panel):
    page = client.get(f"/panels/{panel.pk}/").content.decode()
    listing = client.get("/panels/").content.decode()

    assert '<link rel="alternate" type="application/atom+xml"' in page
    assert f'href="/panels/{panel.pk}/feed/"' in page and ">Atom feed</a>" in page
    assert 'href="/panels/feed/"' in listing and ">Atom feed</a>" in listing
