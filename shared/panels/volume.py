"""A database at the volume of Genomics England's PanelApp: synthetic, realistic, deterministic by seed.

At ``scale=1.0`` it holds what the real PanelApp holds: about 450 panels, the
largest of 1,100 to 2,500 genes and a long tail of small ones; two super
panels whose children hold 3,559 and 4,040 genes; 45,000 HGNC genes with
aliases, OMIM ids and Ensembl GRCh37/GRCh38 locations; 40,000 gene-panel
entries; 193,000 reviews; 4,700 stored versions, 300 of them on the busiest
panel; 1.1 million activity rows, a sixteenth of them on the busiest panel.
Every count is multiplied by ``scale`` (``0.02`` builds in seconds, for tests).
The same seed and scale always build the same data.

What goes through the project's own code, as a real PanelApp's data did:

* genes: an HGNC-shaped gene JSON file read by ``panels.imports.gene_file``
  and written in chunks by ``panels.imports.gene_data`` (the gene import);
* panels: ``services.import_panel`` (what a panel file import runs) creates
  each panel with its genes, STRs, regions and sources (version 0.0);
  ``services.update_panel`` gives it its types (0.1); a sample of reviews goes
  through ``services.import_reviews``; ``services.promote_panel`` makes every
  panel's current version, so what the API serves as current is always the
  services' own rendering; super panels are ``services.create_panel`` with
  their children; a few versions are signed off with ``services.sign_off``.

What is written in bulk, because the services would take hours at this
volume (each review and version re-renders its panel), in exactly the shapes
the services write (``panels.services``, ``panels.models``):

* reviews: ``Evaluation`` rows as ``review_entity`` stores them, each with its
  activity line (``"<gene> was reviewed: rated GREEN"``); a curator's rating
  also becomes the entity's ``Expert Review <colour>`` evidence and
  confidence level, as ``review_entity`` makes it;
* older versions: ``HistoricalSnapshot`` rows rendered by
  ``panels.representation`` from the panel's entities as the panel grew
  (``summary`` and ``data`` as ``_store_snapshot`` renders them), each with an
  activity line; the panel row's version numbers are moved past them (as
  ``_bump`` does) before the services make the current version;
* the rest of the activity log, with the texts the services write.

Reviews and activity rows are written with PostgreSQL's COPY: their
``created`` columns are ``auto_now_add``, which ``bulk_create`` would set to
now, and a history of years must carry its own dates. PostgreSQL only.
"""

import bisect
import json
import math
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from accounts.models import Reviewer
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from panels import services, vocabulary
from panels.imports import gene_data, gene_file
from panels.models import Activity, Comment, Entity, Evaluation, Evidence, Gene, HistoricalSnapshot, Panel, PanelType
from panels.representation import panel_detail, panel_entities, panel_stats, panel_summary, render

# The real PanelApp's volume (scale 1.0).
GENES = 45_000
PANELS = 450
ENTRIES = 40_000
LARGEST_PANELS = (2_500, 1_900, 1_500, 1_300, 1_100)
SUPER_PANEL_GENES = (4_040, 3_559)
REVIEWS = 193_000
VERSIONS = 4_700
BUSIEST_VERSIONS = 300
ACTIVITIES = 1_100_000
BUSIEST_ACTIVITY_SHARE = 1 / 16
STRS = 120
REGIONS = 300
REVIEWERS = 1_500
CURATORS = 30
# Reviews that go through services.import_reviews (the rest in bulk).
SERVICE_REVIEWS = 200

START = datetime(2016, 1, 4, 9, 0, tzinfo=UTC)
END = datetime(2025, 6, 30, 17, 0, tzinfo=UTC)

TYPES = [
    ("Rare Disease 100K", "rare-disease-100k"),
    ("GMS Rare Disease", "gms-rare-disease"),
    ("GMS Rare Disease Virtual", "gms-rare-disease-virtual"),
    ("Cancer Germline 100K", "cancer-germline-100k"),
    ("GMS Cancer Germline", "gms-cancer-germline"),
    ("Super Panel", "superpanel"),
]
LARGEST_NAMES = (
    "Intellectual disability",
    "Early onset or syndromic epilepsy",
    "Hereditary ataxia and cerebellar anomalies",
    "Undiagnosed metabolic disorders",
    "Cerebral malformation",
)
SUPER_NAMES = ("Paediatric disorders", "Adult neurology and neurodevelopment")
DISEASE_GROUPS = (
    "Neurology and neurodevelopmental disorders",
    "Cardiovascular disorders",
    "Tumour syndromes",
    "Renal and urinary tract disorders",
    "Ophthalmological disorders",
    "Metabolic disorders",
    "Skeletal disorders",
    "Haematological disorders",
    "Hearing and ear disorders",
    "Dermatological disorders",
    "Endocrine disorders",
    "Respiratory disorders",
)
WORDS_A = (
    "Congenital",
    "Familial",
    "Hereditary",
    "Early onset",
    "Childhood onset",
    "Adult onset",
    "Syndromic",
    "Isolated",
    "Severe",
    "Progressive",
)
WORDS_B = (
    "cardiomyopathy",
    "myopathy",
    "neuropathy",
    "retinal disorders",
    "hearing loss",
    "kidney disease",
    "skeletal dysplasia",
    "immunodeficiency",
    "anaemia",
    "dystonia",
    "spastic paraplegia",
    "cataracts",
    "diabetes",
    "arrhythmia",
    "ciliopathy",
    "leukodystrophy",
    "hypotonia",
    "short stature",
    "thrombocytopenia",
    "ichthyosis",
)
SYMBOL_STEMS = (
    "ZNF",
    "SLC",
    "KCN",
    "TMEM",
    "CCDC",
    "ANKRD",
    "FAM",
    "KIAA",
    "ATP",
    "COL",
    "ABC",
    "MYO",
    "RNF",
    "WDR",
    "NDUF",
    "PCDH",
    "TBC1D",
    "ARHGEF",
    "DNAH",
    "CACNA",
)
SOURCES = (
    "Expert list",
    "Literature",
    "NHS GMS",
    "Radboud University Medical Center, Nijmegen",
    "UKGTN",
    "Emory Genetics Laboratory",
    "Illumina TruGenome Clinical Sequencing Services",
    "Wessex and West Midlands GLH",
    "Victorian Clinical Genetics Services",
)
EXPERT_SOURCES = ("Expert Review Green", "Expert Review Amber", "Expert Review Red")
RATINGS = (("GREEN", 50), ("AMBER", 20), ("RED", 15), ("", 15))
COLOURS = {"GREEN": "Green", "AMBER": "Amber", "RED": "Red"}
COMMENT_WORDS = (
    "variants",
    "reported",
    "in",
    "unrelated",
    "families",
    "with",
    "segregation",
    "and",
    "functional",
    "evidence",
    "phenotype",
    "consistent",
    "de novo",
    "missense",
    "loss-of-function",
    "mouse model",
    "supports",
    "limited",
    "case reports",
    "OMIM",
)


@dataclass(frozen=True)
class Volume:
    """How much of everything to build: the real PanelApp's counts times ``scale``."""

    scale: float

    def count(self, real: int, minimum: int = 1) -> int:
        return max(minimum, round(real * self.scale))

    @property
    def genes(self) -> int:
        # The panels must find enough distinct genes even at a tiny scale.
        return max(self.count(GENES), 3 * self.count(LARGEST_PANELS[0]), 200)

    @property
    def panels(self) -> int:
        return self.count(PANELS, minimum=len(LARGEST_PANELS) + 6)


@dataclass
class Built:
    """What was built and where the interesting panels are (their ids)."""

    scale: float
    seed: int
    largest: int = 0
    largest_super: int = 0
    busiest: int = 0
    small: int = 0
    gene: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "scale": self.scale,
            "seed": self.seed,
            "largest": self.largest,
            "largest_super": self.largest_super,
            "busiest": self.busiest,
            "small": self.small,
            "gene": self.gene,
            "counts": self.counts,
            "seconds": self.seconds,
        }


def build(*, scale: float = 1.0, seed: int = 1, log: Callable[[str], None] = lambda line: None) -> Built:
    """Build the volume into the (empty) database; see the module docstring for how each part is written."""
    if connection.vendor != "postgresql":
        raise RuntimeError("The volume builder writes with COPY: it needs PostgreSQL.")
    if Panel.objects.exists():
        raise RuntimeError("The database already holds panels: build the volume into an empty one.")
    return _Builder(Volume(scale), seed, log).run()


class _Builder:
    def __init__(self, volume: Volume, seed: int, log: Callable[[str], None]) -> None:
        self.volume = volume
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, deterministic by seed
        self.log = log
        self.built = Built(scale=volume.scale, seed=seed)
        self.now = datetime.now(UTC)

    def run(self) -> Built:
        # Changes here queue no rebuild of the all-panels files: one build after the volume is enough.
        previous, settings.PANEL_EXPORTS_REBUILD_ON_CHANGE = settings.PANEL_EXPORTS_REBUILD_ON_CHANGE, False
        try:
            self.step("users", self.make_users)
            self.step("genes", self.make_genes)
            self.step("panels", self.make_panels)
            self.step("service reviews", self.make_service_reviews)
            self.step("bulk reviews", self.make_bulk_reviews)
            self.step("older versions", self.make_old_versions)
            self.step("current versions", self.make_current_versions)
            self.step("super panels", self.make_super_panels)
            self.step("activity", self.make_activity)
        finally:
            settings.PANEL_EXPORTS_REBUILD_ON_CHANGE = previous
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.built.counts = {
            "genes": Gene.objects.count(),
            "panels": Panel.objects.count(),
            "entities": Entity.objects.count(),
            "reviews": Evaluation.objects.count(),
            "versions": HistoricalSnapshot.objects.count(),
            "busiest_versions": HistoricalSnapshot.objects.filter(panel_id=self.built.busiest).count(),
            "activities": Activity.objects.count(),
            "busiest_activities": Activity.objects.filter(panel_id=self.built.busiest).count(),
        }
        return self.built

    def step(self, name: str, function: Callable[[], None]) -> None:
        started = time.perf_counter()
        function()
        self.built.seconds[name] = round(time.perf_counter() - started, 1)
        self.log(f"{name}: {self.built.seconds[name]} s")

    def when(self, fraction: float) -> datetime:
        """A moment of the history, ``fraction`` of the way from its start to its end."""
        return START + (END - START) * min(max(fraction, 0.0), 1.0)

    # --- People -------------------------------------------------------------------

    def make_users(self) -> None:
        User = get_user_model()
        curators, reviewers = self.volume.count(CURATORS, 3), self.volume.count(REVIEWERS, 12)
        users = [
            User(
                username=f"{'curator' if n < curators else 'reviewer'}{n:05}",
                first_name=self.rng.choice(("Ada", "Ben", "Chloe", "Dev", "Ella", "Femi", "Gita", "Huw")),
                last_name=self.rng.choice(("Smith", "Patel", "Jones", "Okafor", "Evans", "Khan", "Murphy")),
                email=f"user{n:05}@example.org",
                password=make_password(None),  # unusable: nobody signs in as these
            )
            for n in range(curators + reviewers)
        ]
        users = User.objects.bulk_create(users, batch_size=2000)
        Reviewer.objects.bulk_create(
            Reviewer(user=user, role=Reviewer.Role.CURATOR if n < curators else Reviewer.Role.REVIEWER)
            for n, user in enumerate(users)
        )
        self.users = list(User.objects.select_related("reviewer").order_by("pk"))
        self.curators = self.users[:curators]
        self.reviewers = self.users[curators:]
        self.curator = self.curators[0]
        self.types = [
            PanelType.objects.get_or_create(slug=slug, defaults={"name": name, "description": f"{name} panels"})[0]
            for name, slug in TYPES
        ]

    # --- Genes: through the gene import --------------------------------------------

    def make_genes(self) -> None:
        text = json.dumps(list(self.gene_records(self.volume.genes)))
        parsed = gene_file.parse(text)
        size = settings.IMPORT_GENE_CHUNK_ROWS
        for start in range(0, len(parsed.records), size):
            with transaction.atomic():
                gene_data.apply_gene_records(parsed.records[start : start + size])
        genes = list(Gene.objects.order_by("pk"))
        self.rng.shuffle(genes)
        # Disease genes: the part of HGNC that panels name, some far more often than others.
        pool = max(3 * max(self.volume.count(n) for n in LARGEST_PANELS), len(genes) // 6)
        self.pool = genes[: min(pool, len(genes))]

    def gene_records(self, count: int) -> Iterator[dict[str, Any]]:
        """HGNC-shaped genes in upstream PanelApp's gene JSON: symbols, ids, aliases, OMIM, Ensembl locations."""
        rng = self.rng
        symbols: set[str] = set()
        hgnc_numbers = rng.sample(range(1, 60_000), count)
        chromosomes = [str(n) for n in range(1, 23)] + ["X", "Y"]
        for index in range(count):
            symbol = self.symbol(symbols)
            chromosome = rng.choice(chromosomes)
            start37 = rng.randrange(100_000, 240_000_000)
            length = rng.randrange(2_000, 400_000)
            start38 = start37 + rng.randrange(-2_000_000, 2_000_000)
            start38 = max(start38, 10_000)
            ensembl_id = f"ENSG{rng.randrange(10**10, 3 * 10**10):011d}"
            aliases = [self.symbol(symbols) for _ in range(rng.choice((0, 0, 1, 1, 2, 3)))]
            record: dict[str, Any] = {
                "gene_symbol": symbol,
                "hgnc_id": f"HGNC:{hgnc_numbers[index]}",
                "gene_name": f"{symbol.lower()} {rng.choice(('protein', 'domain containing', 'family member'))}"
                f" {rng.randrange(1, 30)}",
                "alias": aliases,
                "alias_name": [f"{a.lower()} protein" for a in aliases[: rng.choice((0, 1))]],
                "omim_gene": [str(rng.randrange(100_000, 620_000))] if rng.random() < 0.6 else [],
                "biotype": "protein_coding" if rng.random() < 0.85 else rng.choice(("lncRNA", "pseudogene")),
                "ensembl_genes": {
                    "GRch37": {
                        "82": {"ensembl_id": ensembl_id, "location": f"{chromosome}:{start37}-{start37 + length}"}
                    },
                    "GRch38": {
                        "90": {"ensembl_id": ensembl_id, "location": f"{chromosome}:{start38}-{start38 + length}"}
                    },
                },
                "hgnc_date_symbol_changed": (date(2001, 1, 1) + timedelta(days=rng.randrange(8000))).isoformat()
                if rng.random() < 0.3
                else None,
                "hgnc_release": "2025-06-01",
            }
            yield record

    def symbol(self, taken: set[str]) -> str:
        """A fresh symbol shaped like HGNC's: a family stem and a number, or letters and a digit."""
        while True:
            if self.rng.random() < 0.6:
                symbol = f"{self.rng.choice(SYMBOL_STEMS)}{self.rng.randrange(1, 700)}"
            else:
                letters = "".join(self.rng.choices("ABCDEFGHIKLMNOPRSTUVWXYZ", k=self.rng.choice((3, 4, 4, 5))))
                symbol = f"{letters}{self.rng.randrange(1, 10)}"
            if symbol not in taken:
                taken.add(symbol)
                return symbol

    # --- Panels: through the panel import's service -------------------------------

    def panel_sizes(self) -> list[int]:
        """The largest panels, then a long tail that brings the total to the volume's entries."""
        largest = [self.volume.count(n) for n in LARGEST_PANELS]
        tail_count = self.volume.panels - len(largest)
        tail_total = max(self.volume.count(ENTRIES) - sum(largest), tail_count)
        weights = [self.rng.lognormvariate(0, 1.1) for _ in range(tail_count)]
        cap = max(1, min(largest) * 3 // 4)
        tail = [max(1, min(cap, round(tail_total * w / sum(weights)))) for w in weights]
        return largest + tail

    def make_panels(self) -> None:
        rng = self.rng
        sizes = self.panel_sizes()
        names = set()
        strs, regions = self.volume.count(STRS), self.volume.count(REGIONS)
        self.panels: list[Panel] = []
        for number, size in enumerate(sizes):
            name = LARGEST_NAMES[number] if number < len(LARGEST_NAMES) else self.panel_name(names)
            entities = [self.gene_entity(gene) for gene in self.genes_for(size)]
            if number >= len(LARGEST_NAMES):
                # STRs and regions live on a few panels of the tail.
                entities += [self.str_entity(n) for n in range(strs) if n % (self.volume.panels - 5) == number - 5]
                entities += [
                    self.region_entity(n) for n in range(regions) if n % (self.volume.panels - 5) == number - 5
                ]
            status = Panel.Status.PUBLIC
            if number >= len(LARGEST_NAMES):
                status = rng.choices(
                    (Panel.Status.PUBLIC, Panel.Status.RETIRED, Panel.Status.INTERNAL), weights=(82, 8, 10)
                )[0]
            group = rng.choice(DISEASE_GROUPS)
            panel, _ = services.import_panel(
                self.curator,
                name=name,
                entities=entities,
                text=f"{len(entities)} entities imported from panels-{number:03}.tsv",
                status=status,
                disease_group=group,
                disease_sub_group=rng.choice(("", group.split(" ")[0] + " (other)")),
                relevant_disorders=[name, f"R{number + 20}"],
                hash_id=f"{rng.getrandbits(96):024x}",
            )
            types = rng.sample(self.types[:5], rng.choice((1, 1, 2)))
            self.panels.append(services.update_panel(self.curator, panel, types=types))
        self.built.largest = self.panels[0].pk
        self.built.busiest = self.panels[0].pk  # as in the real PanelApp: the largest panel moves most
        self.built.small = next(p.pk for p in self.panels[5:] if p.status == Panel.Status.PUBLIC)
        self.built.gene = Entity.objects.filter(panel=self.panels[0], entity_type="gene").order_by("pk")[0].entity_name

    def panel_name(self, taken: set[str]) -> str:
        while True:
            name = f"{self.rng.choice(WORDS_A)} {self.rng.choice(WORDS_B)}"
            if name in taken:
                name = f"{name} {len(taken)}"
            if name not in taken:
                taken.add(name)
                return name

    def genes_for(self, size: int) -> list[Gene]:
        """``size`` distinct disease genes; popular ones (low in the pool) are on many panels."""
        chosen: dict[int, Gene] = {}
        size = min(size, len(self.pool))
        while len(chosen) < size:
            index = int(len(self.pool) * self.rng.random() ** 1.6)
            chosen.setdefault(index, self.pool[index])
        return list(chosen.values())

    def gene_entity(self, gene: Gene) -> dict[str, Any]:
        rng = self.rng
        sources = rng.sample(SOURCES, rng.choice((1, 1, 2, 3)))
        sources.append(rng.choices(EXPERT_SOURCES, weights=(60, 25, 15))[0])
        return {
            "entity_type": Entity.Type.GENE,
            "entity_name": gene.hgnc_symbol,
            "gene": gene,
            "sources": sources,
            "mode_of_inheritance": rng.choice(vocabulary.MODES_OF_INHERITANCE[:9]),
            "mode_of_pathogenicity": rng.choice(("", "", "", vocabulary.MODES_OF_PATHOGENICITY[1])),
            "penetrance": rng.choice((None, "Complete", "Incomplete")),
            "phenotypes": [
                f"{rng.choice(WORDS_A)} {rng.choice(WORDS_B)}, {rng.randrange(100_000, 620_000)}"
                for _ in range(rng.choice((1, 1, 2, 3, 4)))
            ],
            "publications": [str(rng.randrange(10_000_000, 39_000_000)) for _ in range(rng.choice((0, 1, 2, 3)))],
        }

    def str_entity(self, number: int) -> dict[str, Any]:
        gene = self.pool[number % len(self.pool)]
        start = self.rng.randrange(100_000, 150_000_000)
        return {
            "entity_type": Entity.Type.STR,
            "entity_name": f"{gene.hgnc_symbol}_STR{number}",
            "gene": gene,
            "sources": ["Literature", "Expert Review Green"],
            "repeated_sequence": self.rng.choice(("CAG", "CGG", "GAA", "CTG", "GGGGCC")),
            "chromosome": str(self.rng.randrange(1, 23)),
            "grch37_start": start,
            "grch37_end": start + 60,
            "grch38_start": start + 1_000,
            "grch38_end": start + 1_060,
            "normal_repeats": 30,
            "pathogenic_repeats": 40,
            "mode_of_inheritance": vocabulary.MODES_OF_INHERITANCE[0],
            "penetrance": "Incomplete",
            "phenotypes": ["Repeat expansion disorder"],
        }

    def region_entity(self, number: int) -> dict[str, Any]:
        start = self.rng.randrange(100_000, 150_000_000)
        length = self.rng.randrange(50_000, 3_000_000)
        return {
            "entity_type": Entity.Type.REGION,
            "entity_name": f"ISCA-{37000 + number}-{self.rng.choice(('Loss', 'Gain'))}",
            "sources": ["ClinGen", "Expert Review Amber"],
            "verbose_name": f"{self.rng.randrange(1, 23)}q{self.rng.randrange(11, 37)} recurrent region",
            "chromosome": str(self.rng.randrange(1, 23)),
            "grch37_start": start,
            "grch37_end": start + length,
            "grch38_start": start + 5_000,
            "grch38_end": start + 5_000 + length,
            "haploinsufficiency_score": self.rng.choice(("3", "2", "1", "0", "40")),
            "triplosensitivity_score": self.rng.choice(("", "0", "1")),
            "required_overlap_percentage": 60,
            "type_of_variants": self.rng.choice(("cnv_loss", "cnv_gain")),
            "mode_of_inheritance": vocabulary.MODES_OF_INHERITANCE[0],
            "penetrance": "Incomplete",
        }

    # --- Reviews --------------------------------------------------------------------

    def make_service_reviews(self) -> None:
        """A sample through ``services.import_reviews``, on panels of the tail (so their renders are small)."""
        tail = [p for p in self.panels[5:] if p.stats.get("number_of_genes")]
        entities = list(Entity.objects.filter(panel__in=tail[:20], entity_type="gene").order_by("pk"))
        count = min(self.volume.count(SERVICE_REVIEWS), len(entities))
        reviews = []
        for entity in self.rng.sample(entities, count):
            rating = self.rating()
            reviews.append(
                {
                    "entity": entity,
                    "user": self.rng.choice(self.curators if self.rng.random() < 0.1 else self.reviewers),
                    "rating": rating,
                    "comments": self.comment(),
                    "mode_of_inheritance": entity.mode_of_inheritance,
                    "phenotypes": entity.phenotypes[:1],
                    "publications": entity.publications[:1],
                }
            )
        services.import_reviews(self.curator, reviews, text="Reviews imported from reviews-sample.tsv")

    def rating(self) -> str:
        return self.rng.choices([r for r, _ in RATINGS], weights=[w for _, w in RATINGS])[0]

    def comment(self) -> str:
        words = self.rng.choices(COMMENT_WORDS, k=self.rng.randrange(0, 60))
        return " ".join(words).capitalize() + ("." if words else "")

    def copy_comments(self, comments: list[tuple]) -> None:
        """Each review's comment as the first of its thread, as ``review_entity`` adds it."""
        review_ids = {
            (entity_id, user_id): pk
            for pk, entity_id, user_id in Evaluation.objects.values_list("pk", "entity_id", "user_id")
        }
        rows = [
            (review_ids[entity_id, user_id], user_id, text, version, created, created)
            for entity_id, user_id, text, version, created in comments
        ]
        _copy(Comment, ("evaluation_id", "user_id", "text", "version", "created", "modified"), rows)

    def make_bulk_reviews(self) -> None:
        """The rest of the reviews, as ``review_entity`` stores them, with their activity lines."""
        rng = self.rng
        panels = {p.pk: p for p in self.panels}
        entities = list(Entity.objects.filter(entity_type="gene").order_by("pk"))
        taken = set(Evaluation.objects.values_list("entity_id", "user_id"))
        # Some genes draw far more opinions than others.
        cumulative = list(_accumulate(rng.paretovariate(1.5) for _ in entities))
        wanted = self.volume.count(REVIEWS) - len(taken)
        evaluations, comments, activities, decisions = [], [], [], {}
        for n in range(max(wanted, 0)):
            entity = entities[bisect.bisect(cumulative, rng.random() * cumulative[-1])]
            curator = rng.random() < 0.08
            user = rng.choice(self.curators if curator else self.reviewers)
            if (entity.pk, user.pk) in taken:
                continue
            taken.add((entity.pk, user.pk))
            panel = panels[entity.panel_id]
            created = self.when(n / max(wanted, 1) + rng.uniform(-0.02, 0.02))
            rating = self.rating()
            version = f"0.{rng.randrange(1, 50)}"
            phenotypes = json.dumps(entity.phenotypes[: rng.choice((0, 1, 2))])
            publications = json.dumps(entity.publications[: rng.choice((0, 1))])
            if comment := self.comment():  # drawn here, so a seed builds the same data as before threads
                comments.append((entity.pk, user.pk, comment, version, created))
            diagnostic, relevant = rng.random() < 0.2, rng.choice((None, True, False))
            row = (entity.pk, user.pk, rating, entity.mode_of_inheritance, None, phenotypes, publications)
            evaluations.append((*row, diagnostic, relevant, version, created, created))
            text = f"{entity.entity_name} was reviewed" + (f": rated {rating}" if rating else "")
            who = (created, panel.pk, panel.name, version, user.pk, _name(user))
            activities.append((*who, "entity", "gene", entity.entity_name, text))
            if curator and rating:
                decisions[entity.pk] = (created, rating, user.pk)
        _copy(
            Evaluation,
            (
                "entity_id",
                "user_id",
                "rating",
                "mode_of_inheritance",
                "mode_of_pathogenicity",
                "phenotypes",
                "publications",
                "current_diagnostic",
                "clinically_relevant",
                "version",
                "created",
                "modified",
            ),
            evaluations,
        )
        self.copy_comments(comments)
        self.copy_activities(activities)
        # A curator's rating is the entity's decision: its Expert Review evidence and confidence level.
        Evidence.objects.filter(entity_id__in=decisions, name__in=services.EXPERT_REVIEWS).delete()
        Evidence.objects.bulk_create(
            (
                Evidence(entity_id=pk, name=services.RATING_TO_EXPERT_REVIEW[rating], reviewer_id=user_id)
                for pk, (_, rating, user_id) in decisions.items()
            ),
            batch_size=5000,
        )
        by_level: dict[int, list[int]] = {}
        for pk, (_, rating, _) in decisions.items():
            by_level.setdefault(services.EXPERT_REVIEWS[services.RATING_TO_EXPERT_REVIEW[rating]], []).append(pk)
        for level, pks in by_level.items():
            Entity.objects.filter(pk__in=pks).update(confidence_level=level)

    # --- Versions -------------------------------------------------------------------

    def version_counts(self) -> dict[int, int]:
        """Older versions to write per panel: the busiest first, the rest spread with a long tail."""
        busiest = self.volume.count(BUSIEST_VERSIONS, 6)  # three of them written here, at any scale
        rest = [p for p in self.panels if p.pk != self.built.busiest]
        total = max(self.volume.count(VERSIONS) - busiest - 3 * len(self.panels), len(rest))
        weights = [self.rng.expovariate(1) for _ in rest]
        counts = {p.pk: max(0, round(total * w / sum(weights))) for p, w in zip(rest, weights, strict=True)}
        counts[self.built.busiest] = busiest - 3
        return counts

    def make_old_versions(self) -> None:
        counts = self.version_counts()
        for panel in self.panels:
            self.old_versions(panel, counts[panel.pk], [])

    def old_versions(self, panel: Panel, count: int, children: list[Panel]) -> None:
        """``count`` versions after the panel's current one, as it grew; rendered as ``_store_snapshot`` does.

        The panel row's version numbers move past them (as ``_bump`` moves them), so the
        services' next version follows on.
        """
        if count <= 0:
            return
        panel = Panel.objects.prefetch_related("types").get(pk=panel.pk)
        entities = panel_entities(panel, children)
        major, minor = panel.major_version, panel.minor_version
        first = self.rng.uniform(0.0, 0.5)
        batch, activities = [], []
        for n in range(count):
            if self.rng.random() < 0.04:
                major, minor = major + 1, 0
                text = f"Increased major version to {major}.0"
            else:
                minor += 1
                text = self.version_text(panel, entities)
            progress = (n + 1) / count
            created = self.when(first + (1 - first) * progress * 0.98)
            # Older versions held fewer entities: the panel grew to what it holds now.
            grown = {name: items[: math.ceil(len(items) * (0.5 + 0.5 * progress))] for name, items in entities.items()}
            summary = {
                **panel_summary(panel),
                "version": f"{major}.{minor}",
                "version_created": created.isoformat().replace("+00:00", "Z"),
                "stats": panel_stats(grown),
            }
            signed_off = created.date() if minor == 0 and self.rng.random() < 0.3 else None
            batch.append(
                HistoricalSnapshot(
                    panel=panel,
                    major_version=major,
                    minor_version=minor,
                    comment=text,
                    created=created,
                    summary=render(summary),
                    data=render(panel_detail(summary, grown)),
                    signed_off_date=signed_off,
                )
            )
            who = (created, panel.pk, panel.name, f"{major}.{minor}", self.curator.pk, _name(self.curator))
            activities.append((*who, "panel", None, None, text))
            if len(batch) >= 20:  # a busy large panel's versions are megabytes each
                HistoricalSnapshot.objects.bulk_create(batch)
                batch = []
        HistoricalSnapshot.objects.bulk_create(batch)
        self.copy_activities(activities)
        Panel.objects.filter(pk=panel.pk).update(major_version=major, minor_version=minor, version_created=created)

    def version_text(self, panel: Panel, entities: dict[str, list[dict[str, Any]]]) -> str:
        genes = entities["genes"]
        if not genes:
            return "Panel types changed to Rare Disease 100K"
        gene = self.rng.choice(genes)["entity_name"]
        return self.rng.choice(
            (
                f"Added Gene {gene}",
                f"{gene}: changed phenotypes",
                f"{gene}: changed mode of inheritance, publications",
                f"{gene} was reviewed: rated GREEN; confidence level 3",
                f"Removed Gene {gene}",
            )
        )

    def make_current_versions(self) -> None:
        """Every panel's current version made by the services, from its rows as they are now."""
        for panel in self.panels:
            services.promote_panel(self.curator, panel, comment="Reviewed by the panel's curators")
        for panel in self.rng.sample(self.panels, max(1, len(self.panels) // 10)):
            panel.refresh_from_db()
            services.sign_off(self.curator, panel, version=panel.version, signed_off_date=self.now.date())

    def make_super_panels(self) -> None:
        """Two super panels whose children hold 4,040 and 3,559 genes (times the scale), made last."""
        candidates = [p for p in self.panels if p.status == Panel.Status.PUBLIC]
        supers = []
        for name, target in zip(SUPER_NAMES, SUPER_PANEL_GENES, strict=True):
            target = self.volume.count(target)
            children, genes = [], 0
            for panel in self.rng.sample(candidates[1:], len(candidates) - 1):  # never the largest itself
                size = panel.stats.get("number_of_genes", 0)
                if size and genes + size <= target * 1.03:
                    children.append(panel)
                    genes += size
                if genes >= target * 0.97:
                    break
            super_panel = services.create_panel(
                self.curator,
                name=name,
                types=[self.types[5], self.types[1]],
                child_panels=children,
                status=Panel.Status.PUBLIC,
                disease_group="Super panels",
                relevant_disorders=[name],
            )
            self.old_versions(super_panel, self.volume.count(40, 2), children)
            supers.append(services.promote_panel(self.curator, super_panel, comment="Children reviewed"))
        self.built.largest_super = max(supers, key=lambda p: p.stats.get("number_of_genes", 0)).pk

    # --- Activity -------------------------------------------------------------------

    def make_activity(self) -> None:
        """The rest of the log to the volume's count, a sixteenth of it on the busiest panel."""
        rng = self.rng
        wanted = self.volume.count(ACTIVITIES) - Activity.objects.count()
        if wanted <= 0:
            return
        panels = list(Panel.objects.order_by("pk").values_list("pk", "name", "major_version"))
        names: dict[int, list[str]] = {}
        for panel_id, name in Entity.objects.order_by("pk").values_list("panel_id", "entity_name"):
            names.setdefault(panel_id, []).append(name)
        busiest = next(p for p in panels if p[0] == self.built.busiest)
        on_busiest = round(wanted * BUSIEST_ACTIVITY_SHARE)
        users = self.users
        rows = []
        for n in range(wanted):
            panel_id, panel_name, major = busiest if n < on_busiest else rng.choice(panels)
            user = rng.choice(users)
            created = self.when(rng.random())
            version = f"{rng.randrange(0, major + 1)}.{rng.randrange(0, 120)}"
            entity_names = names.get(panel_id)
            if entity_names and rng.random() < 0.85:
                entity = rng.choice(entity_names)
                text = rng.choice(
                    (
                        f"{entity} was reviewed: rated {rng.choice(('GREEN', 'AMBER', 'RED'))}",
                        f"{entity} was reviewed",
                        f"{entity}: changed phenotypes",
                        f"{entity}: changed tags",
                        f"{entity} marked as ready",
                        f"Added Gene {entity}",
                    )
                )
                who = (created, panel_id, panel_name, version, user.pk, _name(user))
                rows.append((*who, "entity", "gene", entity, text))
            else:
                text = rng.choice(
                    (
                        f"Increased major version to {major}.0",
                        "Relevant disorders changed",
                        f"Version {version} signed off on {created.date().isoformat()}",
                        "Panel types changed to GMS Rare Disease",
                    )
                )
                rows.append((created, panel_id, panel_name, version, user.pk, _name(user), "panel", None, None, text))
            if len(rows) >= 100_000:
                self.copy_activities(rows)
                rows = []
        self.copy_activities(rows)

    def copy_activities(self, rows: list[tuple]) -> None:
        columns = (
            "created",
            "panel_id",
            "panel_name",
            "panel_version",
            "user_id",
            "user_name",
            "item_type",
            "entity_type",
            "entity_name",
            "text",
        )
        _copy(Activity, columns, rows)


def _accumulate(values: Iterable[float]) -> Iterator[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


def _name(user) -> str:
    """The name the services copy into the activity log."""
    return user.get_full_name() or user.get_username()


def _copy(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Rows into ``model``'s table with COPY: fast, and every column (dates too) as given."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(model._meta.get_field(c.removesuffix("_id")).column) for c in columns)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
