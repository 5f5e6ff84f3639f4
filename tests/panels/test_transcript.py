"""A gene's transcripts on a panel (upstream v3.1.1's ``transcript``): stored, checked, edited by curators, served."""

import json

import pytest
from accounts.models import Reviewer
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from panels import services
from panels.models import Entity, HistoricalSnapshot
from panels.transcripts import check_transcripts

from tests.panels.factories import add_gene, add_str, make_panel, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def gene(curator, panel):
    return add_gene(curator, panel, "BRCA2")


def version_json(panel, version: str | None = None) -> dict:
    """A stored version's JSON, the current one by default."""
    panel.refresh_from_db()
    major, minor = services.parse_version(version or panel.version)
    snapshot = HistoricalSnapshot.objects.get(panel=panel, major_version=major, minor_version=minor)
    return json.loads(snapshot.data)


def edit_path(entity: Entity) -> str:
    return reverse("panels:edit_entity", args=[entity.panel_id, entity.entity_type, entity.entity_name])


# --- The rule -----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["NM_000059.4", "NM_000059", "ENST00000380152", "ENST00000380152.8", "LRG_293t1"])
def test_refseq_ensembl_and_lrg_transcript_ids_are_accepted(value):
    assert check_transcripts([value]) == [value]


@pytest.mark.parametrize("value", ["ENSG00000139618", "NP_000050.3", "BRCA2", "nm_000059.4", "NM_000059.4;"])
def test_ids_that_are_not_transcript_ids_are_refused_by_name(value):
    with pytest.raises(ValidationError) as refused:
        check_transcripts([value])

    assert repr(value) in refused.value.messages[0]
    assert "e.g. NM_000059.4" in refused.value.messages[0]


def test_ids_are_trimmed_kept_once_and_in_the_order_given():
    assert check_transcripts([" NM_000059.4 ", "", "ENST00000380152", "NM_000059.4"]) == [
        "NM_000059.4",
        "ENST00000380152",
    ]


# --- Services -------------------------------------------------------------------------


def test_a_curator_sets_a_genes_transcripts_in_a_new_version(curator, panel, gene):
    before = panel.snapshots.count()

    services.update_entity(curator, gene, transcript=["NM_000059.4", "ENST00000380152"])

    gene.refresh_from_db()
    assert gene.transcript == ["NM_000059.4", "ENST00000380152"]
    assert panel.snapshots.count() == before + 1
    assert panel.activities.filter(text="BRCA2: changed transcript").exists()


def test_a_gene_is_added_with_its_transcripts(curator, panel):
    entity = add_gene(curator, panel, "PALB2", transcript=["NM_024675.4"])

    assert entity.transcript == ["NM_024675.4"]


def test_a_wrong_transcript_id_changes_nothing(curator, panel, gene):
    version = panel.snapshots.count()

    with pytest.raises(ValidationError, match="Not a transcript id: 'ENSG00000139618'"):
        services.update_entity(curator, gene, transcript=["ENSG00000139618"])

    gene.refresh_from_db()
    assert gene.transcript == []
    assert panel.snapshots.count() == version


def test_strs_and_regions_have_no_transcripts(curator, panel):
    entity = add_str(curator, panel)

    with pytest.raises(ValidationError, match="Not a field of a str: transcript"):
        services.update_entity(curator, entity, transcript=["NM_000059.4"])


def test_an_import_sets_and_checks_transcripts(curator, panel, gene):
    rows = [{"entity_type": "gene", "entity_name": "BRCA2", "gene": gene.gene, "transcript": ["NM_000059.4"]}]
    services.import_panel(curator, name=panel.name, panel=panel, entities=rows, text="Imported")

    gene.refresh_from_db()
    assert gene.transcript == ["NM_000059.4"]
    with pytest.raises(ValidationError, match="Not a transcript id"):
        rows[0]["transcript"] = ["not-a-transcript"]
        services.import_panel(curator, name=panel.name, panel=panel, entities=rows, text="Imported")


# --- The API and stored versions --------------------------------------------------------


def test_the_api_serves_a_genes_transcripts_after_its_tags(client, curator, panel, gene):
    services.update_entity(curator, gene, transcript=["NM_000059.4"])

    served = client.get(f"/api/v1/panels/{panel.pk}/genes/BRCA2/").json()

    assert served["transcript"] == ["NM_000059.4"]
    keys = list(served)
    assert keys.index("transcript") == keys.index("tags") + 1
    assert version_json(panel)["genes"][0]["transcript"] == ["NM_000059.4"]


def test_a_gene_without_transcripts_is_served_as_it_always_was(client, panel, gene):
    served = client.get(f"/api/v1/panels/{panel.pk}/genes/BRCA2/").json()

    assert "transcript" not in served


def test_an_old_version_keeps_the_transcripts_it_had(client, curator, panel, gene):
    services.update_entity(curator, gene, transcript=["NM_000059.4"])
    first = panel.snapshots.order_by("-major_version", "-minor_version").first().version
    services.update_entity(curator, gene, transcript=["ENST00000380152"])

    old = client.get(f"/api/v1/panels/{panel.pk}/", {"version": first}).json()
    current = client.get(f"/api/v1/panels/{panel.pk}/").json()

    assert old["genes"][0]["transcript"] == ["NM_000059.4"]
    assert current["genes"][0]["transcript"] == ["ENST00000380152"]


def test_a_super_panels_gene_carries_its_transcripts_and_then_its_child_panel(client, curator, panel, gene):
    services.update_entity(curator, gene, transcript=["NM_000059.4"])
    super_panel = services.create_panel(curator, name="Cancer", status="public", child_panels=[panel])

    served = client.get(f"/api/v1/panels/{super_panel.pk}/").json()["genes"][0]

    assert served["transcript"] == ["NM_000059.4"]
    assert list(served)[-1] == "panel"
    assert served["panel"]["id"] == panel.pk


# --- The site -------------------------------------------------------------------------


def test_the_edit_form_offers_transcripts_for_a_gene_and_saves_them(curator, panel, gene):
    panel.refresh_from_db()
    client = Client()
    client.force_login(curator)
    page = client.get(edit_path(gene))
    assert 'name="transcript"' in page.content.decode()

    response = client.post(
        edit_path(gene),
        {"transcript": "NM_000059.4; ENST00000380152", "base_version": panel.version, "mode_of_inheritance": ""},
    )

    assert response.status_code == 302
    gene.refresh_from_db()
    assert gene.transcript == ["NM_000059.4", "ENST00000380152"]


def test_the_edit_form_says_which_transcript_is_wrong(curator, panel, gene):
    panel.refresh_from_db()
    client = Client()
    client.force_login(curator)

    response = client.post(edit_path(gene), {"transcript": "NM_000059.4; BRCA2-201", "base_version": panel.version})

    assert response.status_code == 400
    assert "Not a transcript id: &#x27;BRCA2-201&#x27;" in response.content.decode()
    gene.refresh_from_db()
    assert gene.transcript == []


def test_an_str_edit_form_has_no_transcripts(curator, panel):
    client = Client()
    client.force_login(curator)
    entity = add_str(curator, panel)

    assert 'name="transcript"' not in client.get(edit_path(entity)).content.decode()


def test_a_reviewer_adding_a_gene_is_not_asked_for_transcripts(panel):
    client = Client()
    client.force_login(make_user(Reviewer.Role.REVIEWER))

    page = client.get(reverse("panels:add_entity", args=[panel.pk, "gene"]))

    assert page.status_code == 200
    assert 'name="transcript"' not in page.content.decode()


def test_the_gene_page_lists_its_transcripts(client, curator, panel, gene):
    services.update_entity(curator, gene, transcript=["NM_000059.4"])

    page = client.get(reverse("panels:entity_in_panel", args=[panel.pk, "gene", "BRCA2"])).content.decode()

    assert "<dt>Transcripts</dt>" in page
    assert "<code>NM_000059.4</code>" in page


def test_another_panel_keeps_its_own_choice_of_transcripts(curator, gene):
    other = make_panel(curator, name="Breast cancer")
    same_gene = add_gene(curator, other, "BRCA2")
    services.update_entity(curator, gene, transcript=["NM_000059.4"])

    same_gene.refresh_from_db()
    assert same_gene.transcript == []
