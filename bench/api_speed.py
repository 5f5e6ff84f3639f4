"""Speed of the public API on a large data set, through the real web Lambda handler.

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/panelapp .venv/bin/python bench/api_speed.py``
(from the repository root). It creates a throw-away test database beside the
one named (``test_<name>_bench_<pid>``), fills it with 50 panels, one of them of 4,000
genes (about the size of upstream's largest), and sends each request through
``functions/web`` as an ALB event: the median time as a ratio to ``/version/``
(no database, a few bytes of JSON) measured the same way in the same run, the
response size and the number of queries per endpoint. Queries must not depend
on the data size (tests/api/test_query_counts.py proves it); this shows what
the time does.
"""

from page_timing import run

RUNS = 15


def requests(built: tuple[int, int]) -> list[tuple[str, dict[str, str]]]:
    big, small = built
    return [
        ("/api/v1/panels/", {}),
        (f"/api/v1/panels/{big}/", {}),
        (f"/api/v1/panels/{big}/", {"version": "0.1"}),
        (f"/api/v1/panels/{big}/genes/", {"confidence_level": "3"}),
        (f"/api/v1/panels/{small}/", {}),
        ("/api/v1/genes/", {}),
        ("/api/v1/genes/", {"page": "20"}),
        ("/api/v1/entities/", {"type": "rare-disease-100k"}),
        ("/api/v1/activities/", {}),
    ]


def main() -> None:
    run(build, requests, runs=RUNS, label="endpoint")


def build() -> tuple[int, int]:
    from accounts.models import Reviewer
    from panels import services
    from panels.models import Entity, Evidence, Gene

    from tests.panels.factories import add_gene, make_panel, make_user

    curator = make_user(Reviewer.Role.CURATOR)
    panels = [make_panel(curator, f"Panel {number:02}") for number in range(50)]
    for panel in panels:
        for number in range(20):
            add_gene(curator, panel, f"P{panel.pk}G{number}")
    big = panels[0]
    genes = Gene.objects.bulk_create(Gene(hgnc_symbol=f"BIG{i}", hgnc_id=f"HGNC:{i}") for i in range(4000))
    entities = Entity.objects.bulk_create(
        Entity(panel=big, entity_type="gene", entity_name=g.hgnc_symbol, gene=g, confidence_level=i % 4)
        for i, g in enumerate(genes)
    )
    Evidence.objects.bulk_create(Evidence(entity=e, name="Literature") for e in entities)
    services.update_panel(curator, big, disease_sub_group="4,000 genes")
    return big.pk, panels[1].pk


if __name__ == "__main__":
    main()
