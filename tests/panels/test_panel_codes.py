"""A panel's description and OMIM, Orphanet and HPO codes: kept, checked, shown, downloaded and searched on the site."""

import csv
import importlib
import io

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from panels import services
from panels.models import HistoricalSnapshot, Panel
from panels.tsv import COLUMNS

from tests.panels.factories import add_gene, make_panel

pytestmark = pytest.mark.django_db

CODES = {
    "description": "Adult-onset ataxias.\nCerebellar and spinocerebellar.",
    "omim": ["164400"],
    "orphanet": ["ORPHA:98755"],
    "hpo": ["HP:0001251"],
}


@pytest.fixture
def coded(curator):
    """A public panel with a description and codes, and a gene so the TSV has a row."""
    panel = make_panel(curator, name="Ataxia", **CODES)
    add_gene(curator, panel, "ATXN1")
    return panel


def tsv_rows(client, panel: Panel, **params) -> list[dict[str, str]]:
    response = client.get(f"/panels/{panel.pk}/download/01234/", params)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(body.decode()), delimiter="\t"))


# --- The service layer ---------------------------------------------------------


def test_codes_are_written_one_way_whichever_way_they_are_given(curator):
    panel = make_panel(
        curator, omim=["OMIM:164400", "MIM#164400", " 607107"], orphanet=["558", "Orphanet_98755"], hpo=["hp_0001251"]
    )

    assert (panel.omim, panel.orphanet, panel.hpo) == (
        ["164400", "607107"],
        ["ORPHA:558", "ORPHA:98755"],
        ["HP:0001251"],
    )


def test_a_bad_code_is_refused_and_changes_nothing(curator, panel):
    with pytest.raises(ValidationError, match="Incorrect HPO term 'HP:12'"):
        services.update_panel(curator, panel, hpo=["HP:0001251", "HP:12"], description="Changed")

    panel.refresh_from_db()
    assert (panel.hpo, panel.description, panel.version) == ([], "", "0.0")


def test_a_change_of_description_or_codes_is_a_new_version_that_keeps_them(curator, panel):
    services.update_panel(curator, panel, description="Ataxias", hpo=["HP:0001251"])

    panel.refresh_from_db()
    latest = HistoricalSnapshot.objects.get(panel=panel, major_version=0, minor_version=1)
    assert panel.version == "0.1"
    assert '"description":"Ataxias","omim":[],"orphanet":[],"hpo":["HP:0001251"]' in latest.summary


def test_the_panel_answers_to_its_codes_and_to_those_its_relevant_disorders_name(curator):
    panel = make_panel(curator, hpo=["HP:0001251"], relevant_disorders=["R54 Hereditary ataxia", "SCA1, 164400"])

    assert panel.phenotype_codes == ["HP:0001251", "OMIM:164400", "R54"]


def test_codes_that_leave_the_relevant_disorders_no_longer_find_the_panel(curator):
    panel = make_panel(curator, relevant_disorders=["R54 Hereditary ataxia"])

    services.update_panel(curator, panel, relevant_disorders=["Hereditary ataxia"])

    panel.refresh_from_db()
    assert panel.phenotype_codes == []


def test_the_migration_fills_the_codes_of_panels_that_existed_before(curator):
    panel = make_panel(curator, relevant_disorders=["R208 Inherited breast cancer"], hpo=["HP:0003002"])
    Panel.objects.filter(pk=panel.pk).update(phenotype_codes=[])
    migration = importlib.import_module("panels.migrations.0009_panel_phenotype_codes")

    migration.fill_codes(apps, None)

    panel.refresh_from_db()
    assert panel.phenotype_codes == ["HP:0003002", "R208"]


def test_the_code_filter_reads_the_gin_index(curator):
    make_panel(curator, hpo=["HP:0001251"])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows: the planner would read them all otherwise
        query = Panel.objects.filter(phenotype_codes__has_any_keys=["HP:0001251"])
        plan = query.explain()

    assert "panels_panel_phenotype_codes_gin" in plan


# --- Curators' forms --------------------------------------------------------------


def test_a_curator_sets_the_description_and_codes_on_the_panel_form(client, curator, panel):
    client.force_login(curator)

    response = client.post(
        f"/panels/{panel.pk}/update/",
        {
            "name": panel.name,
            "status": "public",
            "description": "Adult-onset ataxias",
            "omim": "164400, OMIM:607107",
            "orphanet": "98755",
            "hpo": "HP:0001251\nhp:0002066",
            "base_version": panel.version,
        },
    )

    assert response.status_code == 302
    panel.refresh_from_db()
    assert panel.description == "Adult-onset ataxias"
    assert (panel.omim, panel.orphanet, panel.hpo) == (
        ["164400", "607107"],
        ["ORPHA:98755"],
        ["HP:0001251", "HP:0002066"],
    )


def test_the_panel_form_names_each_bad_code_next_to_its_field(client, curator, panel):
    client.force_login(curator)

    response = client.post(
        f"/panels/{panel.pk}/update/",
        {"name": panel.name, "status": "public", "omim": "16440, 164400, x", "base_version": panel.version},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Incorrect OMIM number &#x27;16440&#x27;" in page
    assert "Incorrect OMIM number &#x27;x&#x27;" in page
    panel.refresh_from_db()
    assert panel.omim == []


def test_the_panel_form_opens_with_the_panels_codes(client, curator, coded):
    client.force_login(curator)

    page = client.get(f"/panels/{coded.pk}/update/").content.decode()

    assert 'value="164400"' in page
    assert 'value="ORPHA:98755"' in page
    assert "Adult-onset ataxias." in page


def test_a_new_panel_gets_its_description_and_codes_from_the_form(client, curator):
    client.force_login(curator)

    client.post(
        "/panels/create/",
        {"name": "Epilepsy", "status": "internal", "description": "Seizures", "hpo": "HP:0001250"},
    )

    panel = Panel.objects.get(name="Epilepsy")
    assert (panel.description, panel.hpo, panel.phenotype_codes) == ("Seizures", ["HP:0001250"], ["HP:0001250"])


def test_the_admin_panel_form_saves_codes_through_the_service_layer(client, curator, panel):
    curator.is_staff = curator.is_superuser = True
    curator.save()
    client.force_login(curator)

    response = client.post(
        f"/admin/panels/panel/{panel.pk}/change/",
        {
            "name": panel.name,
            "status": "public",
            "description": "Ataxias",
            "hpo": "HP:0001251",
            "omim": "",
            "orphanet": "",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    panel.refresh_from_db()
    assert (panel.version, panel.hpo, panel.phenotype_codes) == ("0.1", ["HP:0001251"], ["HP:0001251"])


# --- Reading ------------------------------------------------------------------------


def test_the_panel_page_shows_the_description_and_links_each_code(client, coded):
    page = client.get(f"/panels/{coded.pk}/").content.decode()

    assert "<p>Adult-onset ataxias.<br>Cerebellar and spinocerebellar.</p>" in page
    assert 'href="https://omim.org/entry/164400"' in page
    assert 'href="https://www.orpha.net/en/disease/detail/98755"' in page
    assert 'href="https://hpo.jax.org/browse/term/HP:0001251"' in page
    assert 'href="/panels/?hpo=HP:0001251"' in page


def test_an_older_version_shows_the_codes_it_had(client, curator, coded):
    services.update_panel(curator, coded, hpo=["HP:0002066"])

    page = client.get(f"/panels/{coded.pk}/", {"version": "0.1"}).content.decode()

    assert "https://hpo.jax.org/browse/term/HP:0001251" in page
    assert "https://hpo.jax.org/browse/term/HP:0002066" not in page


def test_the_tsv_carries_the_versions_codes_and_description_on_every_row(client, curator, coded):
    add_gene(curator, coded, "ATXN2")

    rows = tsv_rows(client, coded)

    assert len(rows) == 2
    for row in rows:
        assert (row["Omim"], row["Orphanet"], row["HPO"]) == ("164400", "ORPHA:98755", "HP:0001251")
        assert row["Description"] == "Adult-onset ataxias. Cerebellar and spinocerebellar."


def test_codes_are_joined_with_semicolons_in_the_tsv(client, curator, coded):
    services.update_panel(curator, coded, omim=["164400", "607107"])

    assert tsv_rows(client, coded)[0]["Omim"] == "164400;607107"


def test_a_version_stored_before_panels_kept_codes_downloads_with_those_columns_empty(client, coded):
    """A summary written before the four fields existed has none of their keys."""
    snapshot = coded.snapshots.order_by("-major_version", "-minor_version").first()
    legacy = snapshot.summary.rsplit(',"description":', 1)[0] + "}"
    HistoricalSnapshot.objects.filter(pk=snapshot.pk).update(summary=legacy)

    rows = tsv_rows(client, coded)
    page = client.get(f"/panels/{coded.pk}/")

    assert [(row["Omim"], row["Orphanet"], row["HPO"], row["Description"]) for row in rows] == [("", "", "", "")]
    assert list(COLUMNS)[9:14] == ["Omim", "Orphanet", "HPO", "Publications", "Description"]
    assert page.status_code == 200
    assert "omim.org/entry" not in page.content.decode()


# --- The panel list --------------------------------------------------------------------


def listed(response) -> list[str]:
    body = response.content.decode().split('class="panel-table"')[1]
    return sorted(name for name in ("Ataxia", "Breast", "Epilepsy") if f">{name}</a>" in body)


@pytest.fixture
def three(curator, coded):
    make_panel(curator, name="Breast", relevant_disorders=["R208 Inherited breast cancer and ovarian cancer"])
    make_panel(curator, name="Epilepsy", hpo=["HP:0001250"], description="Seizures of early childhood")


def test_the_panel_list_filters_by_a_disorder_code(client, three):
    assert listed(client.get("/panels/", {"disorder": "R208"})) == ["Breast"]
    assert listed(client.get("/panels/", {"disorder": "HP:0001250, 164400"})) == ["Ataxia", "Epilepsy"]


def test_the_panel_list_takes_api_v1s_code_parameters_from_a_panel_pages_links(client, three):
    response = client.get("/panels/", {"hpo": "HP:0001250"})

    assert listed(response) == ["Epilepsy"]
    assert '<input type="hidden" name="hpo" value="HP:0001250">' in response.content.decode()


def test_the_panel_list_search_finds_a_panel_by_a_code_or_its_description(client, three):
    assert listed(client.get("/panels/", {"search": "HP:0001250"})) == ["Epilepsy"]
    assert listed(client.get("/panels/", {"search": "orpha:98755"})) == ["Ataxia"]
    assert listed(client.get("/panels/", {"search": "early childhood"})) == ["Epilepsy"]


def test_a_malformed_code_on_the_panel_list_is_a_400_that_says_why(client, three):
    response = client.get("/panels/", {"disorder": "HP:12"})

    assert response.status_code == 400
    assert "Incorrect HPO term &#x27;HP:12&#x27;" in response.content.decode()
