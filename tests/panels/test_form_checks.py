"""The site's forms: publications are PubMed ids, and every form lists its errors at the top, linked to the fields."""

import pytest
from accounts.models import Reviewer
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from panels.models import Entity, Evaluation
from panels.publications import check_publications

from tests.panels.factories import add_gene, make_gene, make_user

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def entity_url(name: str, entity) -> str:
    return reverse(f"panels:{name}", args=[entity.panel_id, entity.entity_type, entity.entity_name])


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (["8358429"], ["8358429"]),
        (["PMID: 8358429"], ["8358429"]),
        (["pmid:8358429", " PMID 123 "], ["8358429", "123"]),
        (["8358429", "PMID: 8358429", ""], ["8358429"]),  # the same paper once
    ],
)
def test_pubmed_ids_are_stored_as_their_digits(typed, stored):
    assert check_publications(typed) == stored


@pytest.mark.parametrize("typed", ["not-a-pmid", "PMID:", "Smith 2020", "1234567890", "١٢٣", "12 34", "PMID: 12a"])
def test_anything_but_a_pubmed_id_is_refused_naming_it(typed):
    with pytest.raises(ValidationError) as refused:
        check_publications(["8358429", typed])

    assert repr(typed) in refused.value.messages[0]


def test_an_entry_already_held_is_kept_as_it_is():
    assert check_publications(["Smith 2020", "PMID: 1"], kept=["Smith 2020"]) == ["Smith 2020", "1"]


def test_a_reviewer_s_not_a_pmid_is_a_400_beside_the_field_and_nothing_is_saved(curator, panel):
    entity = add_gene(curator, panel, "ATXN1")

    response = signed_in(make_user(Reviewer.Role.REVIEWER)).post(
        entity_url("review", entity), {"rating": "GREEN", "publications": "not-a-pmid"}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Not a PubMed id: &#x27;not-a-pmid&#x27;" in page
    assert 'href="#id_publications"' in page  # listed at the top, linked to the field
    assert not Evaluation.objects.exists()


def test_a_reviewer_s_pmid_prefix_is_stored_as_digits(curator, panel):
    entity = add_gene(curator, panel, "ATXN1")
    reviewer = make_user(Reviewer.Role.REVIEWER)

    signed_in(reviewer).post(entity_url("review", entity), {"rating": "GREEN", "publications": "PMID: 8358429\n42"})

    assert Evaluation.objects.get(user=reviewer).publications == ["8358429", "42"]


def test_a_curator_edits_an_entity_keeping_an_old_citation_but_cannot_add_one(curator, panel):
    entity = add_gene(curator, panel, "ATXN1", publications=["Smith 2020"])
    client = signed_in(curator)

    kept = client.post(entity_url("edit_entity", entity), {"publications": "Smith 2020\nPMID:8358429"})
    refused = client.post(entity_url("edit_entity", entity), {"publications": "Smith 2020\nJones 2021"})

    assert (kept.status_code, refused.status_code) == (302, 400)
    assert Entity.objects.get(pk=entity.pk).publications == ["Smith 2020", "8358429"]


def test_a_new_entity_s_publications_are_pubmed_ids(curator, panel):

    make_gene("ATXN2")

    response = signed_in(curator).post(
        reverse("panels:add_entity", args=[panel.pk, "gene"]), {"name": "ATXN2", "publications": "not-a-pmid"}
    )

    assert response.status_code == 400 and not panel.entities.filter(entity_name="ATXN2").exists()


def test_the_error_summary_lists_each_error_once_linked_to_its_field(client):
    response = client.post(reverse("accounts:login"), {"username": "", "password": ""})

    page = response.content.decode()
    summary = page.split('class="error-summary"')[1].split("</div>")[0]
    assert 'href="#id_username"' in summary and 'href="#id_password"' in summary
    assert summary.count("<li>") == 2


def test_a_form_s_own_error_is_in_the_summary_not_repeated_below(curator, panel):
    entity = add_gene(curator, panel, "ATXN1")

    response = signed_in(make_user(Reviewer.Role.REVIEWER)).post(entity_url("review", entity), {})

    page = response.content.decode()
    assert response.status_code == 400
    assert page.count("Give a rating or a comment.") == 1
    assert "Give a rating or a comment." in page.split('class="error-summary"')[1].split("</div>")[0]


def test_a_reviewers_add_form_names_a_missing_review_at_the_top_of_the_page(panel):
    make_gene("NEWGENE")

    response = signed_in(make_user(Reviewer.Role.REVIEWER)).post(
        reverse("panels:add_entity", args=[panel.pk, "gene"]), {"name": "NEWGENE"}
    )

    page = response.content.decode()
    assert response.status_code == 400 and page.count("Give a rating or a comment.") == 1
    assert page.index("Give a rating or a comment.") < page.index('name="name"')  # above the form, not in its fieldset
