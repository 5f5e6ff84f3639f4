"""The activity page: what changed, filtered by panel, version, entity and dates, paged by cursor; CSV for curators."""

import csv
import html
import io
import json
import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from panels import services
from panels.models import Activity

pytestmark = pytest.mark.django_db


def texts(response) -> list[str]:
    """The "What" column of each row."""
    assert response.status_code == 200, response.status_code
    body = response.content.decode().split('class="activity-table"')
    return [html.unescape(t) for t in re.findall(r"<td>([^<]*)</td>\s*</tr>", body[1])] if len(body) > 1 else []


def test_activity_lists_the_newest_change_first(client, world):
    shown = texts(client.get("/panels/activity/"))

    assert shown[0] == Activity.objects.exclude(panel=world.internal).order_by("-created", "-id").first().text


def test_activity_of_internal_panels_is_hidden_from_the_public_and_shown_to_curators(client, world):
    assert "Added Gene SECRET1" not in texts(client.get("/panels/activity/", {"panel": world.internal.pk}))

    client.force_login(world.curator)
    assert "Added Gene SECRET1" in texts(client.get("/panels/activity/", {"panel": world.internal.pk}))


def test_activity_filters_by_panel_version_and_entity(client, world):
    assert set(texts(client.get("/panels/activity/", {"panel": world.epilepsy.pk}))) >= {"Added Gene SCN1A"}
    assert "Added Gene FXN" not in texts(client.get("/panels/activity/", {"panel": world.epilepsy.pk}))
    assert texts(client.get("/panels/activity/", {"panel": world.ataxia.pk, "version": "0.2"})) == ["Added Gene ATXN1"]
    by_entity = texts(client.get("/panels/activity/", {"entity": "fxn"}))
    assert by_entity == ["Added Gene FXN"]


def test_activity_filters_by_date_range(client, world):
    Activity.objects.filter(text="Added Gene FXN").update(created=timezone.now() - timedelta(days=40))
    forty_days_ago = (timezone.now() - timedelta(days=40)).date().isoformat()

    assert texts(client.get("/panels/activity/", {"date_from": forty_days_ago, "date_to": forty_days_ago})) == [
        "Added Gene FXN"
    ]
    assert "Added Gene FXN" not in texts(client.get("/panels/activity/", {"date_from": timezone.now().date()}))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "yesterday"}, "Date from &#x27;yesterday&#x27; is not a date (YYYY-MM-DD)."),
        ({"date_to": "2025-13-01"}, "Date to &#x27;2025-13-01&#x27; is not a date"),
        ({"panel": "ataxia"}, "is not a panel id"),
        ({"version": "abc"}, "Version &#x27;abc&#x27; is not a panel version: expected MAJOR.MINOR"),
        ({"panel": "{ataxia}", "version": "1.x"}, "Version &#x27;1.x&#x27; is not a panel version"),
    ],
)
def test_bad_filters_are_a_400_that_says_why(client, world, query, message):
    query = {name: value.format(ataxia=world.ataxia.pk) for name, value in query.items()}
    response = client.get("/panels/activity/", query)

    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_bad_filter_keeps_the_form_filled_in_to_correct_it_and_lists_no_changes(client, world):
    response = client.get("/panels/activity/", {"panel": world.ataxia.pk, "version": "abc", "entity": "ATXN1"})

    body = response.content.decode()
    assert response.status_code == 400
    assert 'value="abc"' in body and 'value="ATXN1"' in body
    assert f'<option value="{world.ataxia.pk}" selected>' in body
    assert 'class="activity-table"' not in body and "No activity matches." not in body


def links(response) -> dict[str, str]:
    """The pager's links by their text (Newest, Newer, Older, Oldest), as a browser without script follows them."""
    pager = response.content.decode().split('class="pager"')
    found = (
        re.findall(r'<a href="([^"]*)"[^>]*>[^A-Za-z]*([A-Za-z]+)', pager[1].split("</nav>")[0])
        if len(pager) > 1
        else []
    )
    return {text: html.unescape(href) for href, text in found}


def follow(client, href: str):
    return client.get("/panels/activity/" + href)


@pytest.fixture
def long_history(world):
    """More than two pages of activity on the public panels, three sharing one instant."""
    for number in range(60):
        services.update_panel(world.curator, world.epilepsy, disease_sub_group=f"Sub group {number}")
    same = timezone.now() - timedelta(days=1)
    Activity.objects.filter(pk__in=Activity.objects.order_by("pk").values("pk")[5:8]).update(created=same)
    return [a.text for a in Activity.objects.exclude(panel=world.internal).order_by("-created", "-id")]


def test_activity_pages_by_fifty_older_and_newer_links_walk_the_whole_history(client, long_history):
    pages = [client.get("/panels/activity/")]
    assert set(links(pages[0])) == {"Older", "Oldest"}
    while "Older" in links(pages[-1]):
        pages.append(follow(client, links(pages[-1])["Older"]))

    assert [len(texts(page)) for page in pages[:-1]] == [50] * (len(pages) - 1)
    assert [text for page in pages for text in texts(page)] == long_history
    assert texts(follow(client, links(pages[-1])["Newer"])) == texts(pages[-2])
    assert texts(follow(client, links(pages[1])["Newer"])) == texts(pages[0])
    assert texts(follow(client, links(pages[2])["Newest"])) == texts(pages[0])


def test_the_oldest_page_ends_the_history_and_walks_back(client, long_history):
    oldest = follow(client, links(client.get("/panels/activity/"))["Oldest"])

    assert texts(oldest) == long_history[-50:]
    assert "The oldest changes" in oldest.content.decode()
    assert set(links(oldest)) == {"Newest", "Newer"}
    assert texts(follow(client, links(oldest)["Newer"])) == long_history[-100:-50]


def test_the_pager_keeps_the_filters(client, world, long_history):
    first = client.get("/panels/activity/", {"panel": world.epilepsy.pk})
    older = follow(client, links(first)["Older"])

    assert f"panel={world.epilepsy.pk}" in links(first)["Older"]
    shown = texts(first) + texts(older)
    assert "Added Gene FXN" not in shown
    assert len(shown) == len(set(shown)) > 50


@pytest.mark.parametrize("number", ["2", "999999"])
def test_an_old_numbered_link_lands_on_the_newest_page_and_says_so(client, long_history, number):
    response = client.get("/panels/activity/", {"page": number})

    assert texts(response) == long_history[:50]
    assert "Pages are no longer numbered" in response.content.decode()


def test_page_last_is_the_oldest_page(client, long_history):
    assert texts(client.get("/panels/activity/", {"page": "last"})) == long_history[-50:]


@pytest.mark.parametrize("cursor", ["nonsense", "WyJhIiwxXQ", "WyJhIiwiMjAyNC0wMS0wMVQwMDowMDowMCIsMV0", "x" * 500])
def test_a_damaged_cursor_is_a_400_that_says_so(client, world, cursor):
    response = client.get("/panels/activity/", {"cursor": cursor})

    assert response.status_code == 400
    assert "This page link is damaged" in response.content.decode()


def activity_plan(client, query: dict) -> list[dict]:
    """The plan of the page's query on the activity table, as the planner makes it for a large table."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/panels/activity/", query).status_code == 200
    [sql] = [q["sql"] for q in captured if q["sql"].startswith("SELECT") and 'FROM "panels_activity"' in q["sql"]]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ANALYZE panels_activity")
        # As on a large table: no reading it whole, no sorting what an index gives in order.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort", "enable_incremental_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan

    def nodes(node):
        yield node
        for child in node.get("Plans", ()):
            yield from nodes(child)

    return [n for n in nodes(plan[0]["Plan"]) if n.get("Relation Name") == "panels_activity"]


@pytest.mark.parametrize(
    ("query", "index", "condition"),
    [
        ({}, "activity_created_id", None),
        ({"panel": "{ataxia}"}, "activity_panel_created", "panel_id"),
        ({"panel": "{ataxia}", "version": "0.1"}, "activity_panel_version", "panel_version"),
        ({"version": "0.1"}, "activity_version_created", "panel_version"),
        ({"entity": "scn1a"}, "activity_entity_name_upper", "upper"),
        ({"date_from": "2020-01-01", "date_to": "2020-01-31"}, "activity_created_id", "created"),
        ({"page": "last"}, "activity_created_id", None),
    ],
)
def test_each_filter_is_read_from_an_index_in_page_order(client, world, long_history, query, index, condition):
    query = {key: value.format(ataxia=world.ataxia.pk) for key, value in query.items()}

    [scan] = activity_plan(client, query)

    assert (scan["Node Type"], scan["Index Name"]) == ("Index Scan", index)
    if condition:
        assert condition in scan["Index Cond"].lower()


def test_a_deeper_page_reads_from_the_index_where_the_last_one_ended(client, world, long_history):
    cursor = links(client.get("/panels/activity/"))["Older"].split("cursor=")[1]

    [scan] = activity_plan(client, {"cursor": cursor})

    assert scan["Index Name"] == "activity_created_id"
    assert "created <=" in scan["Index Cond"]


def test_a_curator_downloads_the_filtered_activity_as_csv(client, world):
    client.force_login(world.curator)

    response = client.get("/panels/activity/", {"panel": world.ataxia.pk, "version": "0.2", "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Date", "Panel", "Panel ID", "Panel Version", "Entity Type", "Entity Name", "User", "Activity"]
    assert rows[1][1:] == [
        "Hereditary ataxia",
        str(world.ataxia.pk),
        "0.2",
        "gene",
        "ATXN1",
        "Alex Morgan",
        "Added Gene ATXN1",
    ]
    assert len(rows) == 2


def test_the_csv_export_is_for_curators_only(client, world):
    page = client.get("/panels/activity/").content.decode()
    assert "Download as CSV" not in page

    response = client.get("/panels/activity/", {"format": "csv"})
    assert response.status_code == 403
    assert "The CSV export is for curators." in response.content.decode()

    client.force_login(world.reviewer)
    assert client.get("/panels/activity/", {"format": "csv"}).status_code == 403
