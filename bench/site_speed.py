"""Speed of the public site's pages on a large data set, through the real web Lambda handler.

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/panelapp .venv/bin/python bench/site_speed.py``
(from the repository root). It creates a throw-away test database beside the
one named (``test_<name>_bench_<pid>``), fills it with 300 public panels and 20,000 entity rows (one panel of
4,000 genes, about upstream's largest; genes shared between panels so a gene
page lists many), reviews, activity and a super panel, and sends each page
through ``functions/web`` as an ALB event. It prints the median time as a
ratio to ``/version/`` (no database, a few bytes of JSON) measured the same way
in the same run, the page size and its number of queries. Rows are
bulk-created for speed; the panels the pages open get their versions through
``panels.services``, as real panels do. Query counts do not depend on the data
size (tests/panels/test_site_query_counts.py proves it); this shows the time.
"""

from datetime import timedelta

from page_timing import run

RUNS = 9
PANELS = 300
ENTITIES = 20_000
BIG_PANEL = 4_000
GENES = 6_000


def requests(ids: dict) -> list[tuple[str, dict[str, str]]]:
    print(describe())
    big, small, super_panel, gene = ids["big"], ids["small"], ids["super"], ids["gene"]
    return [
        ("/panels/", {}),
        ("/panels/", {"search": gene}),
        ("/panels/", {"search": "ataxia", "type": "rare-disease-100k", "sort": "genes"}),
        (f"/panels/{big}/", {}),
        (f"/panels/{big}/", {"version": "0.1"}),
        (f"/panels/{big}/", {"filter": "BENCH1", "level": "3"}),
        (f"/panels/{small}/", {}),
        (f"/panels/{super_panel}/", {}),
        (f"/panels/{big}/gene/{gene}/", {}),
        ("/panels/entities/", {}),
        ("/panels/entities/", {"search": "BENCH12", "page": "2"}),
        (f"/panels/entities/{gene}", {}),
        ("/panels/compare/", {}),
        (f"/panels/compare/{big}/{small}", {}),
        (f"/panels/compare/{big}/{small}/{gene}", {}),
        ("/panels/activity/", {}),
        ("/panels/activity/", {"panel": str(big), "date_from": "2020-01-01", "page": "3"}),
        ("/panels/genes/" + gene, {}),
    ]


def main() -> None:
    # /panels/genes/... is an old address: its answer is the redirect.
    run(build, requests, runs=RUNS, label="page", accept="text/html", ok=(200, 301))


def build() -> dict[str, object]:
    """300 panels, 20,000 entities; the opened panels versioned through the service layer."""
    from accounts.models import Reviewer
    from django.utils import timezone
    from panels import services
    from panels.models import Activity, Entity, Evaluation, Evidence, Gene, Panel, PanelType

    from tests.panels.factories import add_gene, make_panel, make_type, make_user

    curator = make_user(Reviewer.Role.CURATOR)
    reviewers = [make_user(Reviewer.Role.REVIEWER) for _ in range(20)]
    rare = make_type()
    PanelType.objects.get_or_create(slug="gms-rare-disease", defaults={"name": "GMS Rare Disease"})
    now = timezone.now()
    groups = ["Neurology", "Cardiology", "Tumour syndromes", "Renal", "Ophthalmology"]
    big = make_panel(curator, "Big panel of 4,000 genes")
    small = make_panel(curator, "Hereditary ataxia (small)")
    bulk = Panel.objects.bulk_create(
        Panel(
            name=f"Panel {number:03} {'ataxia' if number % 10 == 0 else 'disorder'}",
            status=Panel.Status.PUBLIC,
            disease_group=groups[number % len(groups)],
            relevant_disorders=[f"Disorder {number}", f"R{number}"],
            major_version=1,
            minor_version=number % 20,
            version_created=now - timedelta(days=number),
            stats={"number_of_genes": 0, "number_of_strs": 0, "number_of_regions": 0},
        )
        for number in range(PANELS - 2)
    )
    Panel.types.through.objects.bulk_create(Panel.types.through(panel_id=p.pk, paneltype_id=rare.pk) for p in bulk)

    genes = Gene.objects.bulk_create(
        Gene(
            hgnc_symbol=f"BENCH{number}",
            hgnc_id=f"HGNC:{number}",
            gene_name=f"bench gene {number}",
            omim_gene=[str(100000 + number)],
            ensembl_genes={"GRch38": {"90": {"ensembl_id": f"ENSG{number:011d}", "location": "1:1-2"}}},
        )
        for number in range(GENES)
    )
    rows = [
        Entity(panel=big, entity_type="gene", entity_name=g.hgnc_symbol, gene=g, confidence_level=i % 4)
        for i, g in enumerate(genes[:BIG_PANEL])
    ]
    per_panel = (ENTITIES - BIG_PANEL) // len(bulk) + 1
    for index, panel in enumerate(bulk):
        for offset in range(per_panel):
            gene = genes[(index * 37 + offset * 11) % GENES]
            rows.append(
                Entity(
                    panel=panel,
                    entity_type="gene",
                    entity_name=gene.hgnc_symbol,
                    gene=gene,
                    confidence_level=(index + offset) % 4,
                    mode_of_inheritance="BIALLELIC, autosomal or pseudoautosomal",
                    phenotypes=[f"Phenotype {offset}"],
                )
            )
    # A panel's window of shared genes may wrap onto itself: duplicates are skipped.
    Entity.objects.bulk_create(rows, ignore_conflicts=True, batch_size=5000)
    entities = list(Entity.objects.select_related("panel"))
    Evidence.objects.bulk_create((Evidence(entity=e, name="Literature") for e in entities), batch_size=5000)
    Evaluation.objects.bulk_create(
        (
            Evaluation(entity=e, user=reviewers[i % len(reviewers)], rating="GREEN", comments="Agree", version="1.0")
            for i, e in enumerate(entities[::4])
        ),
        batch_size=5000,
    )
    Activity.objects.bulk_create(
        (
            Activity(panel=e.panel, panel_name="bench", panel_version="1.0", item_type="entity", text="Added")
            for e in entities[::2]
        ),
        batch_size=5000,
    )
    # The opened panels get real versions and snapshots from the service layer.
    services.update_panel(curator, big, disease_sub_group="4,000 genes")
    shared_gene = genes[0].hgnc_symbol
    for symbol in (shared_gene, "BENCH1", "BENCH2"):
        add_gene(curator, small, symbol)
    services.review_entity(curator, big.entities.get(entity_name=shared_gene), rating="GREEN", publications=["1"])
    super_panel = services.create_panel(
        curator, name="Bench super panel", status=Panel.Status.PUBLIC, child_panels=[small, bulk[0]]
    )
    return {"big": big.pk, "small": small.pk, "super": super_panel.pk, "gene": shared_gene}


def describe() -> str:
    from panels.models import Entity, Evaluation, Panel

    return f"{Panel.objects.count()} panels, {Entity.objects.count()} entities, {Evaluation.objects.count()} reviews"


if __name__ == "__main__":
    main()
