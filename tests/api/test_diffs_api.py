"""/api/v1/panels/<id>/diff/?from=&to=: the diff page's lines as JSON, paged, with a link to the TSV."""

import csv
import io

import pytest
from accounts.models import Reviewer
from api.v1 import diffs as diff_api
from panels import services
from panels.models import Activity, Panel
from panels.representation import iso_datetime

from tests.panels.factories import add_gene, make_panel, make_user

pytestmark = pytest.mark.django_db

MOI = "MONOALLELIC, autosomal or pseudoautosomal, NOT imprinted"
BIALLELIC = "BIALLELIC, autosomal or pseudoautosomal"


@pytest.fixture
def panel():
    """v1.0: ATXN1 and ATXN2; then ATXN7 added, ATXN2 removed, ATXN1's mode of inheritance changed, promoted to 2.0."""
    curator = make_user(Reviewer.Role.CURATOR)
    curator.first_name, curator.last_name = "Alex", "Morgan"
    curator.save(update_fields=["first_name", "last_name"])
    panel = make_panel(curator, "Hereditary ataxia")
    atxn1 = add_gene(curator, panel, "ATXN1")
    add_gene(curator, panel, "ATXN2")
    services.promote_panel(curator, panel, comment="Reviewed")
    add_gene(curator, panel, "ATXN7")
    services.remove_entity(curator, panel.entities.get(entity_name="ATXN2"))
    services.update_entity(curator, atxn1, mode_of_inheritance=BIALLELIC)
    services.promote_panel(curator, panel, comment="Annual review")
    return Panel.objects.get(pk=panel.pk)


def diff(client, panel, **params):
    return client.get(f"/api/v1/panels/{panel.pk}/diff/", params)


def test_the_api_answers_the_lines_with_who_and_when(client, panel):
    response = diff(client, panel, **{"from": "1.0", "to": "2.0"})

    assert response.status_code == 200
    data = response.json()
    assert data["panel"] == {"id": panel.pk, "name": "Hereditary ataxia"}
    assert data["from"]["version"] == "1.0" and data["to"]["version"] == "2.0"
    assert data["summary"] == {"added": 1, "removed": 1, "changed": 1, "panel": 1, "lines": 4}
    assert data["count"] == 4 and data["next"] is None
    assert data["tsv"] == f"http://testserver/panels/{panel.pk}/diff/1.0/2.0/tsv/"
    moi = next(line for line in data["results"] if line["field"] == "mode_of_inheritance")
    changed = Activity.objects.get(text="ATXN1: changed mode of inheritance")
    assert moi == {
        "change": "changed",
        "entity_type": "gene",
        "entity_name": "ATXN1",
        "panel": None,
        "field": "mode_of_inheritance",
        "before": MOI,
        "after": BIALLELIC,
        "text": f"ATXN1: mode of inheritance “{MOI}” → “{BIALLELIC}”",
        "who": ["Alex Morgan"],
        "when": iso_datetime(changed.created),
    }
    added = next(line for line in data["results"] if line["change"] == "added")
    assert (added["entity_name"], added["before"], added["after"]) == ("ATXN7", None, "0")


def test_the_json_the_tsv_and_the_page_say_the_same(client, panel):
    api = diff(client, panel, **{"from": "1.0", "to": "2.0"}).json()
    tsv = client.get(api["tsv"]).content.decode()
    page = client.get(f"/panels/{panel.pk}/diff/1.0/2.0/").content.decode()

    rows = list(csv.DictReader(io.StringIO(tsv, newline=""), delimiter="\t"))
    assert [(r["Line"], r["Who"], r["When"]) for r in rows] == [
        (line["text"], "; ".join(line["who"]), line["when"]) for line in api["results"]
    ]
    for line in api["results"]:
        assert line["text"] in page.replace("&quot;", '"').replace("&#x27;", "'")


def test_without_versions_the_latest_is_compared_with_the_one_before(client, panel):
    data = diff(client, panel).json()

    assert (data["from"]["version"], data["to"]["version"]) == ("1.3", "2.0")
    assert [line["text"] for line in data["results"]] == ["Increased major version to 2.0"]


def test_a_long_diff_is_paged_with_the_tsv_for_everything(client, panel, monkeypatch):
    monkeypatch.setattr(diff_api.DiffPages, "page_size", 3)

    first = diff(client, panel, **{"from": "1.0", "to": "2.0"}).json()
    second = client.get(first["next"]).json()

    assert first["count"] == 4 and len(first["results"]) == 3
    assert len(second["results"]) == 1 and second["next"] is None
    assert diff(client, panel, **{"from": "1.0", "to": "2.0", "page": "3"}).status_code == 404


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"from": "one"}, 400, "Incorrect version 'one': expected MAJOR.MINOR, e.g. 1.15."),
        ({"from": ""}, 400, "Incorrect version '': expected MAJOR.MINOR, e.g. 1.15."),
        ({"to": "1.0", "from": "9.9"}, 404, "Hereditary ataxia has no version 9.9."),
        ({"to": "9.9"}, 404, "Hereditary ataxia has no version 9.9."),
        ({"from": "0.5"}, 404, "Hereditary ataxia has no version 0.5."),
    ],
)
def test_a_bad_or_unknown_version_is_a_json_error_that_says_so(client, panel, params, status, message):
    response = diff(client, panel, **params)

    assert response.status_code == status
    assert response.json() == {"detail": message}


def test_a_hidden_panel_is_not_found(client, panel):
    internal = make_panel(make_user(Reviewer.Role.CURATOR), "Secret", status=Panel.Status.INTERNAL)

    assert client.get(f"/api/v1/panels/{internal.pk}/diff/").status_code == 404
