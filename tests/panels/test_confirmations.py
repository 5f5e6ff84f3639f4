"""Destructive curator actions ask first: a GET shows "Are you sure?" and changes nothing; the form's POST acts."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from panels.models import Activity, Panel

from tests.panels.factories import add_gene, make_panel

pytestmark = pytest.mark.django_db


@pytest.fixture
def entity(curator, panel):
    return add_gene(curator, panel, "ATXN1", sources=["Literature", "UKGTN"])


@pytest.fixture
def site(curator):
    client = Client()
    client.force_login(curator)
    return client


def entity_path(entity, name: str) -> str:
    return reverse(f"panels:{name}", args=[entity.panel_id, entity.entity_type, entity.entity_name])


def sources(entity) -> list[str]:
    return sorted(entity.evidence.values_list("name", flat=True))


def the_form(page: str) -> str:
    [form] = re.findall(r'<section class="confirmation".*?</section>', page, re.S)
    return form


# Each destructive action by the address that asks first.
ACTIONS = {
    "remove_entity": lambda e: entity_path(e, "remove_entity"),
    "clear_sources": lambda e: entity_path(e, "clear_sources"),
    "clear_one_source": lambda e: entity_path(e, "clear_sources") + "?source=UKGTN",
    "reject": lambda e: reverse("panels:change_status", args=[e.panel_id, "reject"]),
    "retire": lambda e: reverse("panels:change_status", args=[e.panel_id, "retire"]),
    "delete": lambda e: reverse("panels:change_status", args=[e.panel_id, "delete"]),
    "mark_not_ready": lambda e: reverse("panels:mark_not_ready", args=[e.panel_id]),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_asking_shows_a_form_that_posts_back_with_csrf_and_changes_nothing(site, entity, action):
    logged = Activity.objects.count()
    url = ACTIONS[action](entity)

    response = site.get(url)

    assert response.status_code == 200
    form = the_form(response.content.decode())
    assert f'action="{url.split("?")[0]}"' in form and 'method="post"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert re.search(r'<button type="submit"[^>]*>[^<]+</button>', form)
    assert re.search(r'<a href="[^"]+"[^>]*data-cancel>Cancel</a>', form)
    assert Activity.objects.count() == logged
    entity.panel.refresh_from_db()
    assert entity.panel.status == Panel.Status.PUBLIC and entity.panel.version == "0.1"
    assert sources(entity) == ["Literature", "UKGTN"]


def test_removing_a_gene_asks_then_removes_it_with_the_comment(site, entity):
    question = site.get(entity_path(entity, "remove_entity")).content.decode()

    assert "Remove ATXN1 from Hereditary ataxia?" in question
    assert "The gene and its reviews leave the panel in a new version" in question
    assert f'href="{entity_path(entity, "entity_in_panel")}" class="button button--secondary" data-cancel' in question
    response = site.post(entity_path(entity, "remove_entity"), {"comment": "Not in this phenotype"})
    assert response.status_code == 302
    panel = Panel.objects.get(pk=entity.panel_id)
    assert not panel.entities.exists()
    assert panel.version_comment == "Not in this phenotype"


def test_removing_one_source_carries_its_name_from_the_question_to_the_post(site, entity):
    question = the_form(site.get(entity_path(entity, "clear_sources") + "?source=UKGTN").content.decode())

    assert '<input type="hidden" name="source" value="UKGTN">' in question
    site.post(entity_path(entity, "clear_sources"), {"source": "UKGTN"})
    assert sources(entity) == ["Literature"]


def test_asking_to_remove_a_source_the_entity_does_not_have_is_a_400(site, entity):
    response = site.get(entity_path(entity, "clear_sources") + "?source=Nowhere")

    assert response.status_code == 400
    assert "ATXN1 has no source &#x27;Nowhere&#x27;." in response.content.decode()


def test_clearing_all_sources_after_the_question_removes_them_all(site, entity):
    site.get(entity_path(entity, "clear_sources"))

    assert site.post(entity_path(entity, "clear_sources")).status_code == 302
    assert sources(entity) == []


@pytest.mark.parametrize("action,status", [("reject", "internal"), ("retire", "retired"), ("delete", "deleted")])
def test_a_status_change_asks_then_happens(site, panel, action, status):
    url = reverse("panels:change_status", args=[panel.pk, action])

    assert f"{action.capitalize()} Hereditary ataxia?" in site.get(url).content.decode()
    assert site.post(url).status_code == 302
    panel.refresh_from_db()
    assert panel.status == status


def test_the_confirming_post_needs_the_csrf_token(curator, entity):
    client = Client(enforce_csrf_checks=True)
    client.force_login(curator)
    assert client.get(entity_path(entity, "remove_entity")).status_code == 200

    response = client.post(entity_path(entity, "remove_entity"))

    assert response.status_code == 403
    assert Panel.objects.get(pk=entity.panel_id).entities.count() == 1


def test_the_pages_link_to_the_questions_not_to_one_click_posts(site, entity):
    entity_page = site.get(entity_path(entity, "entity_in_panel")).content.decode()
    edit_page = site.get(entity_path(entity, "edit_entity")).content.decode()
    panel_page = site.get(reverse("panels:detail", args=[entity.panel_id])).content.decode()

    for page, action in [
        (entity_page, entity_path(entity, "clear_sources")),
        (entity_page, entity_path(entity, "remove_entity")),
        (edit_page, entity_path(entity, "remove_entity")),
        (edit_page, entity_path(entity, "clear_sources") + "?source=UKGTN"),
        (panel_page, reverse("panels:change_status", args=[entity.panel_id, "retire"])),
        (panel_page, reverse("panels:change_status", args=[entity.panel_id, "delete"])),
        (panel_page, reverse("panels:mark_not_ready", args=[entity.panel_id])),
    ]:
        assert f'<a href="{action}"' in page, action
        assert f'<form method="post" action="{action}"' not in page, action


# --- Approve only where it applies; retired panels only when asked for ------------------


@pytest.mark.parametrize(
    "status,offered",
    [
        ("internal", {"approve", "retire", "delete"}),
        ("public", {"reject", "retire", "delete"}),
        ("promoted", {"reject", "retire", "delete"}),
        ("retired", {"approve", "reject", "delete"}),
    ],
)
def test_the_panel_page_offers_only_the_status_changes_that_apply(site, curator, status, offered):
    panel = make_panel(curator, "Spastic paraplegia", status=status)

    page = site.get(reverse("panels:detail", args=[panel.pk])).content.decode()

    shown = {a for a in ("approve", "reject", "retire", "delete") if f"/panels/{panel.pk}/{a}/" in page}
    assert shown == offered


@pytest.mark.parametrize("method", ["get", "post"])
def test_approving_a_public_panel_is_a_400_that_says_why(site, panel, method):
    logged = Activity.objects.count()

    response = getattr(site, method)(reverse("panels:change_status", args=[panel.pk, "approve"]))

    assert response.status_code == 400
    assert "Hereditary ataxia is public: it cannot be approved." in response.content.decode()
    assert Activity.objects.count() == logged


def test_a_curator_does_not_see_retired_panels_in_the_list_unless_asked(site, curator, panel):
    retired = make_panel(curator, "Old ataxia", status=Panel.Status.RETIRED)
    internal = make_panel(curator, "Draft ataxia", status=Panel.Status.INTERNAL)

    listed = {p.pk for p in site.get(reverse("panels:list")).context["panels"]}
    with_retired = {p.pk for p in site.get(reverse("panels:list") + "?retired=1").context["panels"]}

    assert listed == {panel.pk, internal.pk}
    assert with_retired == {panel.pk, internal.pk, retired.pk}


@pytest.mark.parametrize("name", ["ISCA-7/7", "add", "50%", ".."])
def test_the_question_posts_back_to_an_entity_stored_under_any_name(site, curator, panel, name):
    from panels.models import Entity

    from tests.panels.factories import MOI

    Entity.objects.create(panel=panel, entity_type="region", entity_name=name, mode_of_inheritance=MOI)
    url = reverse("panels:remove_entity", args=[panel.pk, "region", name])

    form = the_form(site.get(url).content.decode())

    action = re.search(r'<form method="post" action="([^"]+)"', form).group(1)
    assert action == url
    assert site.post(action).status_code == 302
    assert not panel.entities.filter(entity_name=name).exists()
