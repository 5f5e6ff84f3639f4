"""Evidence sources: picked from upstream's list when an entity is added, and added later by a curator."""

import pytest
from accounts.models import Reviewer
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from panels import services
from panels.models import Activity, Entity
from panels.vocabulary import EVIDENCE_SOURCES

from tests.panels.factories import add_gene, make_gene, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def entity(curator, panel):
    return add_gene(curator, panel, "ATXN1", sources=["Literature"])


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def entity_path(entity: Entity, name: str) -> str:
    return reverse(f"panels:{name}", args=[entity.panel_id, entity.entity_type, entity.entity_name])


def source_names(entity: Entity) -> set[str]:
    return set(entity.evidence.values_list("name", flat=True))


def test_upstreams_sources_are_the_same_strings_in_the_same_order():
    assert EVIDENCE_SOURCES == (
        "Radboud University Medical Center, Nijmegen",
        "Illumina TruGenome Clinical Sequencing Services",
        "Emory Genetics Laboratory",
        "UKGTN",
        "Other",
        "Expert list",
        "Expert Review",
        "Literature",
        "Eligibility statement prior genetic testing",
        "Research",
        "NHS GMS",
        "ClinGen",
    )


def test_the_add_form_offers_every_source_of_the_list_to_tick(curator, panel):
    make_gene("NEWGENE")
    page = signed_in(curator).get(reverse("panels:add_entity", args=[panel.pk, "gene"])).content.decode()

    for source in EVIDENCE_SOURCES:
        assert f'type="checkbox" name="sources" value="{source}"' in page
    assert '<legend>Evidence sources <span class="optional">(optional)</span></legend>' in page


def test_an_entity_is_added_with_the_sources_ticked_and_those_typed_under_other(curator, panel):
    make_gene("NEWGENE")

    response = signed_in(curator).post(
        reverse("panels:add_entity", args=[panel.pk, "gene"]),
        {"name": "NEWGENE", "sources": ["UKGTN", "NHS GMS"], "other_sources": "Our lab's list\nUKGTN"},
    )

    assert response.status_code == 302
    added = panel.entities.get(entity_name="NEWGENE")
    assert source_names(added) == {"UKGTN", "NHS GMS", "Our lab's list"}
    assert added.confidence_level == 1  # UKGTN, a diagnostic laboratory's list


def test_adding_sources_makes_a_new_version_with_an_activity_line(curator, panel, entity):
    panel.refresh_from_db()
    before = panel.version

    services.add_sources(curator, entity, names=["NHS GMS", "ClinGen"], comment="From the GMS review")

    panel.refresh_from_db()
    assert (before, panel.version) == ("0.1", "0.2")
    assert source_names(entity) == {"Literature", "NHS GMS", "ClinGen"}
    line = Activity.objects.filter(panel=panel).latest("id")
    assert line.text == "ATXN1: added sources ClinGen, NHS GMS"
    assert (line.entity_type, line.entity_name, line.panel_version) == ("gene", "ATXN1", "0.2")


def test_a_high_confidence_source_raises_the_confidence_each_counting_once(curator, entity):
    assert entity.confidence_level == 0

    services.add_sources(curator, entity, names=["UKGTN"])
    entity.refresh_from_db()
    assert entity.confidence_level == 1

    services.add_sources(curator, entity, names=["Emory Genetics Laboratory", "Research"])
    entity.refresh_from_db()
    assert entity.confidence_level == 2


def test_a_curators_rating_still_decides_the_confidence_after_sources_are_added(curator, entity):
    services.review_entity(curator, entity, rating="RED")

    services.add_sources(curator, entity, names=["UKGTN", "Emory Genetics Laboratory"])

    entity.refresh_from_db()
    assert entity.confidence_level == 1


def test_a_source_the_entity_already_has_is_refused_and_nothing_changes(curator, panel, entity):
    with pytest.raises(ValidationError, match="ATXN1 already has the source Literature"):
        services.add_sources(curator, entity, names=["Research", "Literature"])

    panel.refresh_from_db()
    assert panel.version == "0.1"
    assert source_names(entity) == {"Literature"}


def test_a_curators_rating_cannot_be_added_as_a_source(curator, entity):
    with pytest.raises(ValidationError, match="set by rating"):
        services.add_sources(curator, entity, names=["Expert Review Green"])


def test_adding_no_source_is_refused(curator, entity):
    with pytest.raises(ValidationError, match="Name a source"):
        services.add_sources(curator, entity, names=["  "])


def test_only_curators_add_sources(entity):
    reviewer = make_user(Reviewer.Role.REVIEWER)

    with pytest.raises(PermissionDenied):
        services.add_sources(reviewer, entity, names=["Research"])
    response = signed_in(reviewer).post(entity_path(entity, "add_sources"), {"add-sources": ["Research"]})

    assert response.status_code == 403
    assert source_names(entity) == {"Literature"}


def test_the_add_sources_page_lists_the_sources_now_and_offers_only_the_others(curator, entity):
    page = signed_in(curator).get(entity_path(entity, "add_sources")).content.decode()

    assert "<li>Literature</li>" in page
    assert 'name="add-sources" value="UKGTN"' in page
    assert 'name="add-sources" value="Literature"' not in page


def test_the_form_adds_sources_and_returns_to_the_entity_saying_so(curator, panel, entity):
    response = signed_in(curator).post(
        entity_path(entity, "add_sources"),
        {"add-sources": ["UKGTN"], "add-other_sources": "Gene2Phenotype", "add-comment": "Lab lists"},
    )

    assert response.status_code == 302 and response["Location"] == entity_path(entity, "entity_in_panel")
    assert [str(m) for m in response.wsgi_request._messages] == ["Sources added: UKGTN, Gene2Phenotype."]
    assert source_names(entity) == {"Literature", "UKGTN", "Gene2Phenotype"}


def test_a_duplicate_posted_in_the_form_is_a_400_that_says_so(curator, panel, entity):
    response = signed_in(curator).post(entity_path(entity, "add_sources"), {"add-other_sources": "Literature"})

    assert response.status_code == 400
    assert "ATXN1 already has the source Literature" in response.content.decode()
    panel.refresh_from_db()
    assert panel.version == "0.1"


def test_an_empty_form_is_a_400_that_says_what_to_do(curator, entity):
    response = signed_in(curator).post(entity_path(entity, "add_sources"), {})

    assert response.status_code == 400
    assert "Tick a source or type one under Other sources." in response.content.decode()


def test_the_entity_pages_curator_tools_offer_the_add_sources_form(curator, entity):
    page = signed_in(curator).get(entity_path(entity, "entity_in_panel")).content.decode()

    assert f'action="{entity_path(entity, "add_sources")}"' in page
    assert 'name="add-sources" value="UKGTN"' in page
