"""A panel version as BED for the sequencer: /panels/<pk>/download/<categories>/bed/<build>/ and the API's /bed/."""

import pytest
from django.contrib.auth import get_user_model
from panels import bed, demo, services
from panels.models import Entity, Gene, Panel

pytestmark = pytest.mark.django_db

# Where Ensembl places the intellectual disability panel's genes (1-based, inclusive). SYNGAP1 has no
# GRCh37 location here: a gene a file must list as left out, not drop silently.
LOCATIONS = {
    "ARID1B": ("6:157099063-157531913", "6:156778000-157210779"),
    "SYNGAP1": (None, "6:33420070-33453689"),
    "MECP2": ("X:153287024-153363188", "X:154021573-154097717"),
    "FMR1": ("X:146993469-147032647", "X:147911951-147951125"),
    "SCN1A": ("2:166845670-166984524", "2:165984641-166149161"),
}


@pytest.fixture
def panel() -> Panel:
    """The demo's intellectual disability panel, its genes then given their Ensembl locations (a new version)."""
    demo.load()
    panel = Panel.objects.get(name="Intellectual disability")
    for symbol, (grch37, grch38) in LOCATIONS.items():
        gene = Gene.objects.get(hgnc_symbol=symbol)
        for assembly, release, location in (("GRch37", "82", grch37), ("GRch38", "90", grch38)):
            if location:
                gene.ensembl_genes[assembly][release]["location"] = location
        # Genes are reference data, written beside the service layer as the gene import writes them.
        gene.save(update_fields=["ensembl_genes"])
    curator = get_user_model().objects.get(username="curator")
    assert services.refresh_gene_data(curator, panel, text="Gene locations from Ensembl")
    return Panel.objects.get(pk=panel.pk)


def download(client, panel, build, categories="01234", **params):
    return client.get(f"/panels/{panel.pk}/download/{categories}/bed/{build}/", params)


def intervals(body: bytes) -> list[tuple[str, int, int, str]]:
    rows = [line.split("\t") for line in body.decode().splitlines() if not line.startswith("#")]
    return [(chromosome, int(start), int(end), name) for chromosome, start, end, name in rows]


def comments(body: bytes) -> list[str]:
    return [line for line in body.decode().splitlines() if line.startswith("#")]


def expected(panel: Panel, build: str, padding: int = 0, levels: str = "0123") -> set[tuple[str, int, int, str]]:
    """What the file must hold, from the stored rows: 1-based inclusive [s, e] is BED's [s - 1, e)."""
    assembly, prefix = {"GRCh37": ("GRch37", "grch37"), "GRCh38": ("GRch38", "grch38")}[build]
    colours = {3: "green", 2: "amber", 1: "red", 0: "none"}
    found = set()
    for entity in panel.entities.filter(confidence_level__in=[int(level) for level in levels]).select_related("gene"):
        if entity.entity_type == Entity.Type.GENE:
            location = (entity.gene.ensembl_genes[assembly][{"GRch37": "82", "GRch38": "90"}[assembly]]).get("location")
            if not location:
                continue
            chromosome, _, span = location.partition(":")
            start, end = (int(value) for value in span.split("-"))
        else:
            chromosome, start, end = (
                entity.chromosome,
                getattr(entity, f"{prefix}_start"),
                getattr(entity, f"{prefix}_end"),
            )
        name = f"{entity.entity_name}|{colours[entity.confidence_level]}"
        found.add((chromosome, max(start - 1 - padding, 0), end + padding, name))
    return found


@pytest.mark.parametrize("build", ["GRCh37", "GRCh38"])
def test_a_demo_panels_bed_holds_its_genes_strs_and_regions_where_they_are_stored(client, panel, build):
    response = download(client, panel, build)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert f'filename="Intellectual disability-v{panel.version}-{build}-01234.bed"' in response["Content-Disposition"]
    found = intervals(response.content)
    assert set(found) == expected(panel, build)
    # 4 of the 5 genes are placed on GRCh37, all 5 on GRCh38; the FMR1 STR and both regions on both.
    assert len(found) == {"GRCh37": 7, "GRCh38": 8}[build]
    # Chromosome order (2, 6, 7, 22, X), then position.
    assert found == sorted(found, key=lambda row: (row[0] == "X", int(row[0]) if row[0].isdigit() else 0, row[1]))


def test_bed_positions_are_zero_based_and_end_exclusive():
    data = {
        "id": 1,
        "name": "P",
        "version": "1.0",
        "genes": [
            {
                "entity_name": "BRCA1",
                "confidence_level": "3",
                "gene_data": {"ensembl_genes": {"GRch38": {"90": {"location": "17:43044295-43125483"}}}},
            }
        ],
        "strs": [{"entity_name": "ONE_BASE", "confidence_level": "2", "chromosome": "4", "grch38_coordinates": [7, 7]}],
    }

    lines = [line for line in bed.panel_bed(data, "01234", "GRCh38").splitlines() if not line.startswith("#")]

    # Ensembl's 1-based first base 43044295 is BED's 43044294; the last, 43125483, is BED's (exclusive) end.
    # A one-base STR at 7 is [6, 7): one base long.
    assert lines == ["4\t6\t7\tONE_BASE|amber", "17\t43044294\t43125483\tBRCA1|green"]


def test_padding_widens_both_sides_and_never_goes_below_zero(client, panel):
    near_start = Gene.objects.get(hgnc_symbol="ARID1B")
    near_start.ensembl_genes["GRch38"]["90"]["location"] = "6:51-80"
    near_start.save(update_fields=["ensembl_genes"])
    services.refresh_gene_data(get_user_model().objects.get(username="curator"), panel, text="ARID1B moved")
    panel.refresh_from_db()

    response = download(client, panel, "GRCh38", padding="100")

    assert response.status_code == 200
    found = set(intervals(response.content))
    assert ("6", 0, 180, "ARID1B|green") in found  # 51 - 1 - 100 stops at 0
    assert found == expected(panel, "GRCh38", padding=100)
    assert ("X", 147912051 - 1 - 100, 147912111 + 100, "FMR1_FRAXA|green") in found
    assert "# GRCh38; ratings: green, amber, red, none (categories 01234); padding 100 bases on each side" in comments(
        response.content
    )


def test_the_confidence_filter_keeps_only_the_chosen_ratings(client, panel):
    green = intervals(download(client, panel, "GRCh38", "34").content)
    red = intervals(download(client, panel, "GRCh38", "1").content)

    assert set(green) == expected(panel, "GRCh38", levels="3")
    assert "SCN1A|red" not in {name for *_, name in green}
    assert red == [("2", 165984640, 166149161, "SCN1A|red")]


def test_genes_without_a_location_are_counted_in_the_header_and_listed(client, panel):
    body = download(client, panel, "GRCh37").content

    assert "# 7 intervals: 4 genes, 1 STR, 2 regions" in comments(body)
    assert "# 1 without a GRCh37 location, not in this file: 1 gene, 0 STRs, 0 regions" in comments(body)
    assert "# Without a GRCh37 location: SYNGAP1|green" in comments(body)
    assert "SYNGAP1|green" not in {name for *_, name in intervals(body)}


def test_an_old_version_is_written_with_the_gene_data_it_was_published_with(client, panel):
    before = panel.snapshots.order_by("-major_version", "-minor_version")[1].version

    body = download(client, panel, "GRCh38", version=before).content

    # Before the locations came, no gene had one: the file holds the STR and the regions, and names the genes.
    assert {name for *_, name in intervals(body)} == {
        "FMR1_FRAXA|green",
        "ISCA-37446-Loss|green",
        "ISCA-37392-Loss|green",
    }
    assert f"version {before} of" in comments(body)[0]
    assert "# Without a GRCh38 location: ARID1B|green, FMR1|green, MECP2|green, SCN1A|red, SYNGAP1|green" in comments(
        body
    )


def test_the_api_answers_the_same_file(client, panel):
    site = download(client, panel, "GRCh37", "34", padding="25")
    api = client.get(f"/api/v1/panels/{panel.pk}/bed/", {"build": "GRCh37", "categories": "34", "padding": "25"})

    assert api.status_code == 200
    assert api["Content-Type"] == "text/plain; charset=utf-8"
    assert api.content == site.content


def test_the_panel_page_links_both_builds_beside_the_tsv(client, panel):
    page = client.get(f"/panels/{panel.pk}/").content.decode()

    assert f'href="/panels/{panel.pk}/download/34/bed/GRCh38/"' in page
    assert f'href="/panels/{panel.pk}/download/01234/bed/GRCh37/"' in page


@pytest.mark.parametrize(
    ("path", "params", "status", "message"),
    [
        ("01234/bed/hg19", {}, 400, "Unknown build &#x27;hg19&#x27;: use GRCh37 or GRCh38."),
        ("01234/bed/GRCh38", {"padding": "-5"}, 400, "Incorrect padding &#x27;-5&#x27;"),
        ("01234/bed/GRCh38", {"padding": "100001"}, 400, "from 0 to 100,000"),
        ("9/bed/GRCh38", {}, 400, "is not a list of categories"),
        ("01234/bed/GRCh38", {"version": "one"}, 400, "Incorrect version"),
        ("01234/bed/GRCh38", {"version": "9.9"}, 404, "Intellectual disability has no version 9.9."),
    ],
)
def test_a_bad_request_is_answered_with_what_was_wrong(client, panel, path, params, status, message):
    response = client.get(f"/panels/{panel.pk}/download/{path}/", params)

    assert response.status_code == status
    assert message in response.content.decode()


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"build": "grch38"}, 400, "Unknown build 'grch38': use GRCh37 or GRCh38."),
        ({"padding": "x"}, 400, "Incorrect padding 'x'"),
        ({"categories": "5"}, 400, "Incorrect categories '5'"),
        ({"version": "9.9"}, 404, "has no version 9.9."),
    ],
)
def test_the_api_answers_a_bad_request_in_json(client, panel, params, status, message):
    response = client.get(f"/api/v1/panels/{panel.pk}/bed/", params)

    assert response.status_code == status
    assert message in response.json()["detail"]


def test_an_unknown_or_hidden_panel_is_not_found(client):
    demo.load()
    hidden = Panel.objects.get(name="Duchenne muscular dystrophy")  # internal

    assert client.get(f"/panels/{hidden.pk}/download/01234/bed/GRCh38/").status_code == 404
    assert client.get(f"/api/v1/panels/{hidden.pk}/bed/").status_code == 404
