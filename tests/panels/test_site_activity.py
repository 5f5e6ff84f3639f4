"""The activity page: what changed, filtered by panel, version, entity and dates, paged; a CSV for curators."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from panels import services
from panels.models import Activity

pytestmark = pytest.mark.django_db


def texts(response) -> list[str]:
    """The "What" column of each row."""
    assert response.status_code == 200, response.status_code
    body = response.content.decode().split('class="activity-table"')
    return re.findall(r"<td>([^<]*)</td>\s*</tr>", body[1]) if len(body) > 1 else []


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
    ],
)
def test_bad_filters_are_a_400_that_says_why(client, world, query, message):
    response = client.get("/panels/activity/", query)

    assert response.status_code == 400
    assert message in response.content.decode()


def test_activity_pages_by_fifty(client, world):
    for number in range(20):
        services.update_panel(world.curator, world.epilepsy, disease_sub_group=f"Sub group {number}")
    total = Activity.objects.exclude(panel=world.internal).count()
    assert total > 50

    assert len(texts(client.get("/panels/activity/"))) == 50
    assert len(texts(client.get("/panels/activity/", {"page": "2"}))) == total - 50


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
