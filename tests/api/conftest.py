import pytest
from accounts.models import Reviewer
from panels import services
from panels.models import Panel
from rest_framework.test import APIClient

from tests.panels.factories import add_gene, add_region, add_str, make_gene, make_panel, make_type, make_user


@pytest.fixture
def client() -> APIClient:
    return APIClient()


@pytest.fixture
def curator():
    return make_user(Reviewer.Role.CURATOR)


@pytest.fixture
def catalogue(curator):
    """Public, promoted, retired, internal and super panels with every kind of entity."""
    cancer = make_type("gms-cancer-germline", "GMS Cancer Germline")
    rare = make_type("gms-rare-disease", "GMS Rare Disease")
    breast = make_panel(curator, "Breast cancer", types=[cancer])
    brca1 = add_gene(curator, breast, "BRCA1", phenotypes=["Breast-ovarian cancer"], publications=["8091231"])
    services.review_entity(curator, brca1, rating="GREEN", mode_of_inheritance="MONOALLELIC", comments="Yes")
    services.review_entity(make_user(Reviewer.Role.REVIEWER), brca1, rating="AMBER", comments="Maybe")
    chek2 = add_gene(curator, breast, "CHEK2", tags=["moderate-penetrance"])
    services.review_entity(curator, chek2, rating="AMBER")
    colon = make_panel(curator, "Colon cancer", status=Panel.Status.PROMOTED, types=[cancer])
    add_gene(curator, colon, "MLH1")
    ataxia = make_panel(curator, "Hereditary ataxia", types=[rare])
    htt = add_str(curator, ataxia, "HTT_HD", gene=make_gene("HTT"))
    services.review_entity(curator, htt, rating="GREEN")
    add_region(curator, ataxia, "ISCA-37446-Loss", tags=["cnv"])
    retired = make_panel(curator, "Cystic fibrosis", status=Panel.Status.RETIRED, types=[rare])
    add_gene(curator, retired, "CFTR")
    internal = make_panel(curator, "Secret panel", status=Panel.Status.INTERNAL, types=[rare])
    add_gene(curator, internal, "DMD")
    super_panel = make_panel(curator, "Cancer susceptibility", types=[cancer], child_panels=[breast, colon])
    return {
        "breast": breast,
        "colon": colon,
        "ataxia": ataxia,
        "retired": retired,
        "internal": internal,
        "super": super_panel,
    }
