"""The admin changes panels only through the service layer: versions, snapshots and activity follow."""

import pytest
from accounts.models import Reviewer
from django.contrib import admin
from django.urls import reverse
from panels.models import Activity, Entity, Gene, HistoricalSnapshot, Panel

from tests.panels.factories import add_gene, make_gene, make_panel, make_type, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def curator_client(client):
    user = make_user(Reviewer.Role.CURATOR)
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    client.user = user
    return client


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_panels_admin_page_lists(curator_client):
    curator = curator_client.user
    panel = make_panel(curator)
    add_gene(curator, panel, "BRCA1")

    for model in [m for m in admin.site._registry if m._meta.app_label in ("panels", "accounts")]:
        response = curator_client.get(url(model, "changelist"))
        assert response.status_code == 200, model


def test_adding_a_panel_in_the_admin_creates_version_0_0(curator_client):
    response = curator_client.post(
        url(Panel, "add"),
        {
            "name": "Hereditary ataxia",
            "hash_id": "",
            "disease_group": "Neurology",
            "disease_sub_group": "",
            "relevant_disorders": "Ataxia\n\nR54\n",
            "status": "public",
            "types": [make_type().pk],
            "child_panels": [],
            "comment": "",
        },
    )

    assert response.status_code == 302
    panel = Panel.objects.get(name="Hereditary ataxia")
    assert (panel.version, panel.relevant_disorders, panel.snapshots.count()) == ("0.0", ["Ataxia", "R54"], 1)
    assert list(panel.types.values_list("slug", flat=True)) == ["rare-disease-100k"]
    assert Activity.objects.get(panel=panel).user == curator_client.user


def test_editing_a_panel_in_the_admin_makes_a_version_with_the_comment(curator_client):
    panel = make_panel(curator_client.user, "Ataxia")

    response = curator_client.post(
        url(Panel, "change", panel.pk),
        {
            "name": "Hereditary ataxia",
            "hash_id": "",
            "disease_group": "Neurology",
            "disease_sub_group": "",
            "relevant_disorders": "Disorder A\nR1",
            "status": "public",
            "types": [t.pk for t in panel.types.all()],
            "child_panels": [],
            "comment": "Clearer name",
        },
    )

    assert response.status_code == 302
    panel.refresh_from_db()
    assert (panel.name, panel.version, panel.version_comment) == ("Hereditary ataxia", "0.1", "Clearer name")
    assert Activity.objects.filter(panel=panel).first().text == "Name changed from Ataxia to Hereditary ataxia"


def test_a_super_panel_cannot_be_nested_through_the_admin(curator_client):
    curator = curator_client.user
    super_panel = make_panel(curator, child_panels=[make_panel(curator)])
    panel = make_panel(curator)

    response = curator_client.post(
        url(Panel, "change", panel.pk),
        {"name": panel.name, "status": "public", "child_panels": [super_panel.pk], "relevant_disorders": ""},
    )

    assert response.status_code == 200
    assert "Super panels cannot be nested." in response.content.decode()
    panel.refresh_from_db()
    assert panel.version == "0.0"


def test_adding_and_removing_a_gene_in_the_admin_bumps_the_version(curator_client):
    panel = make_panel(curator_client.user)
    gene = make_gene("BRCA1")

    response = curator_client.post(
        url(Entity, "add"),
        {
            "panel": panel.pk,
            "entity_type": "gene",
            "entity_name": "BRCA1",
            "gene": gene.pk,
            "mode_of_inheritance": "BIALLELIC, autosomal or pseudoautosomal",
            "phenotypes": "Fanconi anaemia",
            "publications": "",
            "sources": "Expert Review Green\nLiterature",
            "comment": "",
            # The (read-only) evidence inline's management form.
            "evidence-TOTAL_FORMS": "0",
            "evidence-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    entity = panel.entities.get()
    assert (entity.confidence_level, entity.phenotypes) == (3, ["Fanconi anaemia"])

    curator_client.post(url(Entity, "delete", entity.pk), {"post": "yes"})

    panel.refresh_from_db()
    assert (panel.version, panel.entities.count()) == ("0.2", 0)


def test_a_curator_rates_a_gene_in_the_admin(curator_client):
    entity = add_gene(curator_client.user, make_panel(curator_client.user), "BRCA1")

    response = curator_client.post(
        "/admin/panels/evaluation/add/",
        {"entity": entity.pk, "rating": "AMBER", "comments": "Limited evidence", "phenotypes": "", "publications": ""},
    )

    assert response.status_code == 302
    entity.refresh_from_db()
    assert entity.confidence_level == 2


def test_the_promote_action_starts_a_major_version(curator_client):
    panel = make_panel(curator_client.user)

    curator_client.post(url(Panel, "changelist"), {"action": "promote", "_selected_action": [panel.pk]})

    panel.refresh_from_db()
    assert panel.version == "1.0"


def test_history_is_read_only(curator_client):
    panel = make_panel(curator_client.user)
    snapshot = HistoricalSnapshot.objects.get(panel=panel)

    response = curator_client.post(url(HistoricalSnapshot, "change", snapshot.pk), {"comment": "rewritten"})

    assert response.status_code == 403
    snapshot.refresh_from_db()
    assert snapshot.comment == "Panel created"


def test_existing_genes_are_not_edited_in_the_admin(curator_client):
    gene = make_gene("BRCA1")

    curator_client.post(url(Gene, "change", gene.pk), {"hgnc_symbol": "BRCA9", "hgnc_id": "HGNC:1"})

    gene.refresh_from_db()
    assert gene.hgnc_symbol == "BRCA1"


def test_panels_are_not_deleted_from_the_admin_but_marked_deleted(curator_client):
    panel = make_panel(curator_client.user)

    response = curator_client.post(url(Panel, "delete", panel.pk), {"post": "yes"})

    assert response.status_code == 403
    assert Panel.objects.filter(pk=panel.pk).exists()
