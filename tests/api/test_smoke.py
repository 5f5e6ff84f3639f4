"""The public API answers on the embedded SQLite default too."""

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def test_the_demo_panels_are_served(client):
    call_command("load_demo_data", verbosity=0)

    panels = client.get("/api/v1/panels/").json()
    first = panels["results"][0]
    detail = client.get(f"/api/v1/panels/{first['id']}/").json()
    genes = client.get("/api/v1/genes/BRCA1/").json()

    assert panels["count"] == 5
    assert detail["name"] == first["name"]
    assert {g["panel"]["name"] for g in genes["results"]} == {"Hereditary breast and ovarian cancer"}


def test_an_old_version_is_served_from_its_snapshot(client):
    call_command("load_demo_data", verbosity=0)
    panel = client.get("/api/v1/panels/", {"name": "Hereditary breast"}).json()["results"][0]

    old = client.get(f"/api/v1/panels/{panel['id']}/", {"version": "1.0"}).json()

    assert (panel["version"], old["version"]) == ("2.0", "1.0")
