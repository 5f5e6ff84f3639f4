"""Every endpoint runs the same number of queries for 1 panel of 2 genes as for 30 panels of 150."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from panels import services

from tests.panels.factories import add_gene, add_region, add_str, bulk_genes, make_panel

pytestmark = pytest.mark.django_db

# Every API request also counts one hit on the shared rate-limit counter (api.throttling).
THROTTLE_QUERIES = 1
# Last-Modified is the newest change to any panel (api.v1.conditional), one query, except where the
# answer is a stored version, whose own time it is.
NEWEST_CHANGE_QUERIES = 1
STORED_VERSION = {
    "/api/v1/panels/{pk}/",
    "/api/v1/panels/{pk}/?version=0.1",
    "/api/v1/panels/{pk}/?exclude_entities=True",
    "/api/v1/panels/{pk}/genes/?version=0.1&confidence_level=3",
    "/api/v1/panels/{pk}/genes/SAMPLE/?version=0.1",
    "/api/v1/panels/signedoff/{pk}/",
}
# Endpoint -> queries it may run, whatever the data size (besides the throttle's).
ENDPOINTS = {
    "/api/v1/panels/": 3,  # count, page, types
    "/api/v1/panels/{pk}/": 3,  # panel, snapshot, its parts
    "/api/v1/panels/{pk}/?version=0.1": 3,
    "/api/v1/panels/{pk}/?exclude_entities=True": 3,
    "/api/v1/panels/{pk}/versions/": 3,  # panel, count, page
    "/api/v1/panels/{pk}/activities/": 2,  # panel, newest activities
    # Current entities: panel, child panels, panel types, count, page, tags, evidence.
    "/api/v1/panels/{pk}/genes/": 7,
    "/api/v1/panels/{pk}/genes/?confidence_level=3&tags=t": 7,
    "/api/v1/panels/{pk}/strs/": 7,
    "/api/v1/panels/{pk}/regions/": 7,
    # A name asked for is also looked up among genes' aliases (one query): no count.
    "/api/v1/panels/{pk}/genes/SAMPLE/": 7,
    # An older version: panel, snapshot, its parts.
    "/api/v1/panels/{pk}/genes/?version=0.1&confidence_level=3": 3,
    "/api/v1/panels/{pk}/genes/SAMPLE/?version=0.1": 4,  # and the alias lookup
    "/api/v1/panels/{pk}/genes/SAMPLE/evaluations/": 4,  # panel, entity, count, page
    "/api/v1/panels/signedoff/": 2,
    "/api/v1/panels/signedoff/?display=all": 2,
    "/api/v1/panels/signedoff/{pk}/": 3,
    # Cursor lists count nothing: page (with gene and panel), tags, evidence, panel types.
    "/api/v1/genes/": 4,
    "/api/v1/genes/?page=last": 4,
    "/api/v1/genes/SAMPLE/": 5,  # and the alias lookup
    "/api/v1/strs/": 4,
    "/api/v1/regions/": 4,
    "/api/v1/entities/?confidence_level=3&type=rare-disease-100k": 4,
    "/api/v1/activities/": 1,
    "/api/v1/activities/?page=last": 1,
}


def build(curator, panels: int, genes_per_panel: int):
    """``panels`` public panels, each with a reviewed SAMPLE gene, an STR, a region and bulk genes."""
    first = None
    for number in range(panels):
        panel = make_panel(curator, f"Panel {number:03}")
        sample = add_gene(curator, panel, "SAMPLE", tags=["t"])
        services.review_entity(curator, sample, rating="GREEN")
        add_str(curator, panel, tags=["t"])
        add_region(curator, panel, tags=["t"])
        if genes_per_panel > 1:
            bulk_genes(curator, panel, genes_per_panel - 1)
        services.sign_off(curator, panel, version="0.1", signed_off_date=panel.version_created.date())
        first = first or panel
    return first


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(captured)


@pytest.fixture
def counts(client, curator):
    def measure(panels, genes):
        panel = build(curator, panels, genes)
        return {url: queries(client, url.format(pk=panel.pk)) for url in ENDPOINTS}

    return measure


def test_query_counts_do_not_grow_with_data(counts):
    small = counts(panels=1, genes=2)
    large = counts(panels=30, genes=150)

    assert large == small


@pytest.mark.parametrize("url", list(ENDPOINTS))
def test_each_endpoint_runs_a_known_number_of_queries(client, curator, url, django_assert_num_queries):
    panel = build(curator, panels=2, genes_per_panel=3)

    newest_change = 0 if url in STORED_VERSION else NEWEST_CHANGE_QUERIES
    with django_assert_num_queries(ENDPOINTS[url] + THROTTLE_QUERIES + newest_change):
        response = client.get(url.format(pk=panel.pk))
    assert response.status_code == 200
