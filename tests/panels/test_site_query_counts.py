"""Every page runs the same number of queries on a small world as after it grows many panels, entities and reviews."""

import pytest
from accounts.models import Reviewer
from panels import services
from panels.models import Panel

from tests.panels.factories import add_gene, add_str, bulk_genes, make_panel, make_user

pytestmark = pytest.mark.django_db

# Page -> the queries it runs, whatever the data size (anonymous reader).
PAGES = {
    "/panels/": 8,  # panels, types, child links, rating counts, sign-offs, type list, disease groups, export freshness
    "/panels/?search=sample&sort=genes": 10,  # + matching entities, their super panels
    "/panels/?type=rare-disease-100k&group=Neurology&retired=1": 8,
    # panel, snapshot and its parts, flagged entities, review counts, versions, children, last sign-off, contributors
    "/panels/{pk}/": 9,
    "/panels/{pk}/?version=0.1": 8,  # an old version shows no flags (they are live marks)
    "/panels/{pk}/?filter=sample&level=3&level=0": 9,
    "/panels/{super}/": 9,
    # panel, children, entity, tags, evidence, reviews, their comments, history, previous and next
    "/panels/{pk}/gene/SAMPLE/": 9,
    "/panels/{super}/str/HTT_HD/": 8,  # no reviews, so no comments to read
    "/panels/entities/": 2,  # page (no count), export freshness
    "/panels/entities/?search=samp&type=gene&letter=S": 2,
    "/panels/entities/?page=last": 2,
    "/panels/entities/SAMPLE": 3,  # entities, tags, super panels
    "/panels/entities/SAMPLE?tag=t": 3,
    "/panels/compare/": 1,
    "/panels/compare/{pk}/{other}": 3,  # panels, child links, entities
    "/panels/compare/{pk}/{other}?show=differences": 3,
    "/panels/compare/{pk}/{super}/SAMPLE": 7,  # panels, child links, entities, tags, evidence, reviews, comments
    "/panels/activity/": 2,  # page (no count), panel list
    "/panels/activity/?panel={pk}&entity=SAMPLE&date_from=2020-01-01&page=2": 2,
    "/panels/activity/?page=last": 2,
}
# A signed-in curator adds the session, the user, the reviewer profile and the header's count of waiting reviewers.
CURATOR_PAGES = {
    "/panels/": 12,
    "/panels/activity/?format=csv": 4,
}


class World:
    """A sample panel, another panel, and a super panel of both: grown in place by ``grow``."""

    def __init__(self):
        self.curator = make_user(Reviewer.Role.CURATOR)
        self.sample = make_panel(self.curator, "Sample panel")
        self.other = make_panel(self.curator, "Other panel")
        for panel in (self.sample, self.other):
            gene = add_gene(self.curator, panel, "SAMPLE", tags=["t"], publications=["123"])
            services.review_entity(self.curator, gene, rating="GREEN", comments="Curated")
            add_str(self.curator, panel, tags=["t"])
        services.sign_off(self.curator, self.sample, version="0.1", signed_off_date=self.sample.version_created.date())
        self.super = services.create_panel(
            self.curator, name="Super", status=Panel.Status.PUBLIC, child_panels=[self.sample, self.other]
        )

    def grow(self, panels: int = 12, genes: int = 120, reviewers: int = 6):
        for number in range(panels):
            panel = make_panel(self.curator, f"Grown {number:02}")
            entity = add_gene(self.curator, panel, "SAMPLE", tags=["t"])
            services.review_entity(self.curator, entity, rating="AMBER")
            bulk_genes(self.curator, panel, genes // 4)
        bulk_genes(self.curator, self.sample, genes)
        sample_gene = self.sample.entities.get(entity_name="SAMPLE")
        for number in range(reviewers):
            reviewer = make_user(Reviewer.Role.REVIEWER)
            services.review_entity(reviewer, sample_gene, rating="RED", comments=f"Review {number}", publications=["1"])
            services.review_entity(reviewer, self.other.entities.get(entity_name="SAMPLE"), rating="AMBER")
        for number in range(60):
            services.update_panel(self.curator, self.sample, disease_sub_group=f"Version {number}")

    def url(self, template: str) -> str:
        return template.format(pk=self.sample.pk, other=self.other.pk, super=self.super.pk)


def assert_fixed_queries(client, world: World, pages: dict[str, int], django_assert_num_queries) -> None:
    for page, expected in pages.items():
        with django_assert_num_queries(expected):
            response = client.get(world.url(page))
        assert response.status_code == 200, (page, response.status_code)


def test_every_page_runs_a_fixed_number_of_queries_on_small_and_large_data(client, django_assert_num_queries):
    world = World()
    assert_fixed_queries(client, world, PAGES, django_assert_num_queries)

    world.grow()
    assert_fixed_queries(client, world, PAGES, django_assert_num_queries)


def test_a_curators_pages_run_a_fixed_number_of_queries_too(client, django_assert_num_queries):
    world = World()
    client.force_login(world.curator)
    assert_fixed_queries(client, world, CURATOR_PAGES, django_assert_num_queries)

    world.grow(panels=4, genes=40, reviewers=3)
    assert_fixed_queries(client, world, CURATOR_PAGES, django_assert_num_queries)
