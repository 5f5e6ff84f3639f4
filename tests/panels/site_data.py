"""A small world for the site's page tests, made through the service layer like real data."""

import re
from dataclasses import dataclass
from datetime import date

from accounts.models import Reviewer
from panels import services
from panels.models import Panel

from tests.panels.factories import add_gene, add_region, add_str, make_panel, make_type, make_user


@dataclass
class World:
    curator: object
    reviewer: object
    ataxia: Panel
    epilepsy: Panel
    super_panel: Panel
    internal: Panel
    retired: Panel


def build_world() -> World:
    """Two public panels sharing ATXN1 (green in one, red in the other), a super panel, an internal, a retired one."""
    curator = make_user(Reviewer.Role.CURATOR, "curator")
    curator.first_name, curator.last_name = "Alex", "Morgan"
    curator.save()
    Reviewer.objects.filter(user=curator).update(affiliation="Genomics England")
    reviewer = make_user(Reviewer.Role.REVIEWER, "reviewer")
    Reviewer.objects.filter(user=reviewer).update(affiliation="NHS Laboratory")

    rare = make_type()
    cancer = make_type("cancer-germline-100k", "Cancer Germline 100K")
    ataxia = make_panel(curator, "Hereditary ataxia", types=[rare])
    services.update_panel(curator, ataxia, relevant_disorders=["Spinocerebellar ataxia", "R54"])
    atxn1 = add_gene(
        curator, ataxia, "ATXN1", phenotypes=["Spinocerebellar ataxia 1"], publications=["8358429", "Smith 2020"]
    )
    services.review_entity(curator, atxn1, rating="GREEN", comments="Well established.", publications=["PMID: 8358429"])
    services.review_entity(reviewer, atxn1, rating="AMBER", comments="Less sure.")
    add_gene(curator, ataxia, "FXN", tags=["founder"])
    add_str(curator, ataxia, "ATXN1_SCA1")
    add_region(curator, ataxia, "ISCA-37446-Loss")
    services.sign_off(curator, ataxia, version="0.4", signed_off_date=date(2025, 3, 31))

    epilepsy = make_panel(curator, "Genetic epilepsy", types=[cancer])
    services.update_panel(curator, epilepsy, disease_group="Epilepsy")
    services.review_entity(curator, add_gene(curator, epilepsy, "ATXN1"), rating="RED")
    add_gene(curator, epilepsy, "SCN1A")

    super_panel = services.create_panel(
        curator, name="Neurology super panel", status=Panel.Status.PUBLIC, child_panels=[ataxia, epilepsy]
    )
    internal = make_panel(curator, "Unreleased panel", status=Panel.Status.INTERNAL)
    add_gene(curator, internal, "SECRET1")
    retired = make_panel(curator, "Old ataxia panel", status=Panel.Status.RETIRED)
    add_gene(curator, retired, "ATXN1")
    return World(curator, reviewer, ataxia, epilepsy, super_panel, internal, retired)


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", response.content.decode())
