"""A small, realistic PanelApp: a few panels of different kinds, reviewed and versioned.

Everything goes through ``panels.services`` so the demo also shows the
version history and activity log those changes leave behind. Gene symbols,
HGNC and OMIM ids are real; coordinates and repeat counts are close to the
published ones but only illustrate the shape of the data.
"""

from datetime import date

from accounts.models import Reviewer
from django.contrib.auth import get_user_model
from django.db import transaction

from panels import services
from panels.models import Entity, Gene, Panel, PanelType

# Panel names the demo owns; their presence means it is loaded already.
MARKER_PANEL = "Hereditary breast and ovarian cancer"

TYPES = [
    ("Rare Disease 100K", "rare-disease-100k", "Rare disease panels of the 100,000 Genomes Project"),
    ("GMS Rare Disease", "gms-rare-disease", "Rare disease panels of the NHS Genomic Medicine Service"),
    ("Cancer Germline 100K", "cancer-germline-100k", "Cancer germline panels of the 100,000 Genomes Project"),
    ("GMS Cancer Germline", "gms-cancer-germline", "Cancer germline panels of the NHS Genomic Medicine Service"),
    ("Super Panel", "superpanel", "Panels made of other panels"),
]

# symbol: (HGNC id, name, OMIM, Ensembl gene id, aliases)
GENES = {
    "BRCA1": ("HGNC:1100", "BRCA1 DNA repair associated", "113705", "ENSG00000012048", ["RNF53", "BRCC1"]),
    "BRCA2": ("HGNC:1101", "BRCA2 DNA repair associated", "600185", "ENSG00000139618", ["FANCD1"]),
    "PALB2": ("HGNC:26144", "partner and localizer of BRCA2", "610355", "ENSG00000083093", ["FANCN"]),
    "TP53": ("HGNC:11998", "tumor protein p53", "191170", "ENSG00000141510", ["LFS1"]),
    "CHEK2": ("HGNC:16627", "checkpoint kinase 2", "604373", "ENSG00000183765", ["CHK2", "RAD53"]),
    "ATM": ("HGNC:795", "ATM serine/threonine kinase", "607585", "ENSG00000149311", ["TEL1", "ATDC"]),
    "MLH1": ("HGNC:7127", "mutL homolog 1", "120436", "ENSG00000076242", ["HNPCC2"]),
    "MSH2": ("HGNC:7325", "mutS homolog 2", "609309", "ENSG00000095002", ["HNPCC1"]),
    "APC": ("HGNC:583", "APC regulator of WNT signaling pathway", "611731", "ENSG00000134982", ["DP2.5"]),
    "CFTR": ("HGNC:1884", "CF transmembrane conductance regulator", "602421", "ENSG00000001626", ["ABCC7"]),
    "DMD": ("HGNC:2928", "dystrophin", "300377", "ENSG00000198947", ["BMD"]),
    "FMR1": ("HGNC:3775", "fragile X messenger ribonucleoprotein 1", "309550", "ENSG00000102081", ["FRAXA"]),
    "HTT": ("HGNC:4851", "huntingtin", "613004", "ENSG00000197386", ["HD", "IT15"]),
    "ATXN1": ("HGNC:10548", "ataxin 1", "601556", "ENSG00000124788", ["SCA1"]),
    "ATXN3": ("HGNC:7106", "ataxin 3", "607047", "ENSG00000066427", ["MJD", "SCA3"]),
    "FXN": ("HGNC:3951", "frataxin", "606829", "ENSG00000165060", ["FRDA"]),
    "SCN1A": ("HGNC:10585", "sodium voltage-gated channel alpha subunit 1", "182389", "ENSG00000144285", ["NAC1"]),
    "MECP2": ("HGNC:6990", "methyl-CpG binding protein 2", "300005", "ENSG00000169057", ["RTT"]),
    "ARID1B": ("HGNC:18040", "AT-rich interaction domain 1B", "614556", "ENSG00000049618", ["BAF250B"]),
    "SYNGAP1": ("HGNC:11497", "synaptic Ras GTPase activating protein 1", "603384", "ENSG00000197283", ["MRD5"]),
}

MONOALLELIC = "MONOALLELIC, autosomal or pseudoautosomal, NOT imprinted"
BIALLELIC = "BIALLELIC, autosomal or pseudoautosomal"
X_LINKED = "X-LINKED: hemizygous mutation in males, biallelic mutations in females"


def load() -> bool:
    """Load the demo data set; False (and nothing done) if it is there already."""
    if Panel.objects.filter(name=MARKER_PANEL).exists():
        return False
    with transaction.atomic():
        _load()
    return True


def _load() -> None:
    curator, reviewer, external = _users()
    types = {
        slug: PanelType.objects.get_or_create(slug=slug, defaults={"name": name, "description": description})[0]
        for name, slug, description in TYPES
    }
    for symbol, (hgnc_id, name, omim, ensembl_id, alias) in GENES.items():
        Gene.objects.get_or_create(
            hgnc_symbol=symbol,
            defaults={
                "hgnc_id": hgnc_id,
                "gene_name": name,
                "omim_gene": [omim],
                "alias": alias,
                "biotype": "protein_coding",
                "ensembl_genes": {
                    "GRch37": {"82": {"ensembl_id": ensembl_id}},
                    "GRch38": {"90": {"ensembl_id": ensembl_id}},
                },
                "hgnc_release": date(2024, 6, 1),
            },
        )

    breast = _panel(
        curator,
        "Hereditary breast and ovarian cancer",
        "Tumour syndromes",
        ["Hereditary breast cancer", "Hereditary ovarian cancer", "R208"],
        [types["gms-cancer-germline"], types["cancer-germline-100k"]],
        {
            "BRCA1": (MONOALLELIC, ["Breast-ovarian cancer, familial, 1, 604370"], ["8091231"]),
            "BRCA2": (MONOALLELIC, ["Breast-ovarian cancer, familial, 2, 612555"], ["7545954"]),
            "PALB2": (MONOALLELIC, ["Breast cancer, susceptibility to, 114480"], ["24485656"]),
            "TP53": (MONOALLELIC, ["Li-Fraumeni syndrome, 151623"], ["1978757"]),
            "CHEK2": (MONOALLELIC, ["Breast cancer, susceptibility to"], ["11967536"]),
            "ATM": (MONOALLELIC, ["Breast cancer, susceptibility to"], ["16832357"]),
        },
        green=["BRCA1", "BRCA2", "PALB2", "TP53"],
        amber=["CHEK2", "ATM"],
        description="Germline genes for inherited breast and ovarian cancer risk, for testing under R208.",
        omim=["604370", "612555"],
        orphanet=["ORPHA:145"],
        hpo=["HP:0003002", "HP:0100615"],
    )
    colon = _panel(
        curator,
        "Familial colon cancer",
        "Tumour syndromes",
        ["Lynch syndrome", "Familial adenomatous polyposis", "R210"],
        [types["gms-cancer-germline"]],
        {
            "MLH1": (MONOALLELIC, ["Lynch syndrome 2, 609310"], ["8145827"]),
            "MSH2": (MONOALLELIC, ["Lynch syndrome 1, 120435"], ["8252616"]),
            "APC": (MONOALLELIC, ["Familial adenomatous polyposis 1, 175100"], ["1651563"]),
        },
        green=["MLH1", "MSH2", "APC"],
        description="Lynch syndrome and polyposis genes for familial colorectal cancer.",
        omim=["120435", "609310", "175100"],
        orphanet=["ORPHA:144", "ORPHA:733"],
        hpo=["HP:0003003"],
    )
    ataxia = _panel(
        curator,
        "Hereditary ataxia",
        "Neurology and neurodevelopmental disorders",
        ["Spinocerebellar ataxia", "Friedreich ataxia", "R54"],
        [types["gms-rare-disease"], types["rare-disease-100k"]],
        {"ATXN1": (MONOALLELIC, ["Spinocerebellar ataxia 1, 164400"], ["8358429"])},
        green=["ATXN1"],
    )
    for name, symbol, sequence, chromosome, grch37, grch38, normal, pathogenic, moi in [
        ("ATXN1_SCA1", "ATXN1", "CAG", "6", (16327865, 16327955), (16327634, 16327724), 35, 39, MONOALLELIC),
        ("ATXN3_SCA3", "ATXN3", "CAG", "14", (92537355, 92537396), (92071011, 92071052), 44, 60, MONOALLELIC),
        ("FXN_FRDA", "FXN", "GAA", "9", (71652203, 71652220), (69037287, 69037304), 33, 66, BIALLELIC),
        ("HTT_HD", "HTT", "CAG", "4", (3076604, 3076666), (3074877, 3074939), 26, 40, MONOALLELIC),
    ]:
        entity = services.add_entity(
            curator,
            ataxia,
            entity_type=Entity.Type.STR,
            entity_name=name,
            gene=symbol,
            repeated_sequence=sequence,
            chromosome=chromosome,
            grch37_start=grch37[0],
            grch37_end=grch37[1],
            grch38_start=grch38[0],
            grch38_end=grch38[1],
            normal_repeats=normal,
            pathogenic_repeats=pathogenic,
            mode_of_inheritance=moi,
            penetrance="Complete",
            sources=["Expert Review", "Literature"],
            tags=["STR"],
        )
        services.review_entity(curator, entity, rating="GREEN", mode_of_inheritance=moi, comments="Well established.")

    intellectual = _panel(
        curator,
        "Intellectual disability",
        "Neurology and neurodevelopmental disorders",
        ["Intellectual disability", "Global developmental delay", "R29"],
        [types["gms-rare-disease"], types["rare-disease-100k"]],
        {
            "ARID1B": (MONOALLELIC, ["Coffin-Siris syndrome 1, 135900"], ["22426309"]),
            "SYNGAP1": (MONOALLELIC, ["Intellectual developmental disorder 5, 612621"], ["19196676"]),
            "MECP2": (X_LINKED, ["Rett syndrome, 312750"], ["10508514"]),
            "FMR1": (X_LINKED, ["Fragile X syndrome, 300624"], ["1710175"]),
            "SCN1A": (MONOALLELIC, ["Dravet syndrome, 607208"], ["11359211"]),
        },
        green=["ARID1B", "SYNGAP1", "MECP2", "FMR1"],
        red=["SCN1A"],
    )
    services.add_entity(
        curator,
        intellectual,
        entity_type=Entity.Type.STR,
        entity_name="FMR1_FRAXA",
        gene="FMR1",
        repeated_sequence="CGG",
        chromosome="X",
        grch37_start=146993568,
        grch37_end=146993628,
        grch38_start=147912051,
        grch38_end=147912111,
        normal_repeats=54,
        pathogenic_repeats=200,
        mode_of_inheritance=X_LINKED,
        sources=["Expert Review Green"],
    )
    for name, verbose_name, chromosome, grch37, grch38, haplo, triplo in [
        ("ISCA-37446-Loss", "22q11.2 deletion syndrome", "22", (18912231, 21465672), (18924718, 21111383), "3", "1"),
        (
            "ISCA-37392-Loss",
            "Williams-Beuren syndrome (7q11.23)",
            "7",
            (72744915, 74142892),
            (73330452, 74728172),
            "3",
            "0",
        ),
    ]:
        services.add_entity(
            curator,
            intellectual,
            entity_type=Entity.Type.REGION,
            entity_name=name,
            verbose_name=verbose_name,
            chromosome=chromosome,
            grch37_start=grch37[0],
            grch37_end=grch37[1],
            grch38_start=grch38[0],
            grch38_end=grch38[1],
            haploinsufficiency_score=haplo,
            triplosensitivity_score=triplo,
            required_overlap_percentage=60,
            type_of_variants="cnv_loss",
            mode_of_inheritance=MONOALLELIC,
            sources=["Expert Review Green", "ClinGen"],
        )

    # Other people's opinions: logged, no new version.
    brca1 = breast.entities.get(entity_name="BRCA1")
    services.review_entity(reviewer, brca1, rating="GREEN", mode_of_inheritance=MONOALLELIC, comments="Agree.")
    chek2 = breast.entities.get(entity_name="CHEK2")
    services.review_entity(
        external, chek2, rating="GREEN", mode_of_inheritance=MONOALLELIC, comments="Moderate penetrance but actionable."
    )

    # Curated, promoted and signed off; then life goes on.
    for panel in (breast, colon, ataxia, intellectual):
        services.update_panel(curator, panel, status=Panel.Status.PUBLIC)
        services.promote_panel(curator, panel, comment="Reviewed by the clinical team")
    services.sign_off(curator, breast, version="1.0", signed_off_date=date(2025, 3, 31))
    services.sign_off(curator, colon, version="1.0", signed_off_date=date(2025, 3, 31))
    services.update_entity(curator, chek2, tags=["moderate-penetrance"], comment="Tag moderate penetrance genes")
    services.promote_panel(curator, breast, comment="Annual review")
    services.sign_off(curator, breast, version="2.0", signed_off_date=date(2026, 4, 1))

    services.create_panel(
        curator,
        name="Cancer susceptibility",
        disease_group="Tumour syndromes",
        relevant_disorders=["Adult solid tumours cancer susceptibility"],
        status=Panel.Status.PUBLIC,
        types=[types["superpanel"], types["gms-cancer-germline"]],
        child_panels=[breast, colon],
    )
    # A child changes: the super panel moves with it.
    services.update_entity(
        curator,
        colon.entities.get(entity_name="APC"),
        phenotypes=["Familial adenomatous polyposis 1, 175100", "Gardner syndrome"],
    )

    cystic = _panel(
        curator,
        "Cystic fibrosis",
        "Respiratory disorders",
        ["Cystic fibrosis"],
        [types["rare-disease-100k"]],
        {"CFTR": (BIALLELIC, ["Cystic fibrosis, 219700"], ["2570460"])},
        green=["CFTR"],
    )
    services.update_panel(curator, cystic, status=Panel.Status.RETIRED, comment="Replaced by a GMS panel")
    _panel(
        curator,
        "Duchenne muscular dystrophy",
        "Neuromuscular disorders",
        ["Duchenne muscular dystrophy"],
        [types["gms-rare-disease"]],
        {"DMD": (X_LINKED, ["Duchenne muscular dystrophy, 310200"], ["3282674"])},
        green=["DMD"],
        status=Panel.Status.INTERNAL,
    )


def _users():
    users = []
    for username, first, last, role, affiliation in [
        ("curator", "Alex", "Morgan", Reviewer.Role.CURATOR, "Genomics England"),
        ("reviewer", "Sam", "Patel", Reviewer.Role.REVIEWER, "NHS Genomic Laboratory Hub"),
        ("external", "Jo", "Rivera", Reviewer.Role.EXTERNAL, "University Hospital"),
    ]:
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.org",
                "is_staff": role == Reviewer.Role.CURATOR,
            },
        )
        if created:
            # Demo people cannot log in; run createsuperuser for a login.
            user.set_unusable_password()
            user.save(update_fields=["password"])
        Reviewer.objects.get_or_create(user=user, defaults={"role": role, "affiliation": affiliation})
        users.append(user)
    return users


def _panel(
    curator, name, group, disorders, types, genes, *, green=(), amber=(), red=(), status=Panel.Status.PUBLIC, **codes
):
    """``codes``: the panel's description and OMIM, Orphanet and HPO codes, where the demo gives some."""
    panel = services.create_panel(
        curator, name=name, disease_group=group, relevant_disorders=disorders, status=status, types=types, **codes
    )
    ratings = {**dict.fromkeys(green, "GREEN"), **dict.fromkeys(amber, "AMBER"), **dict.fromkeys(red, "RED")}
    for symbol, (moi, phenotypes, publications) in genes.items():
        entity = services.add_entity(
            curator,
            panel,
            entity_type=Entity.Type.GENE,
            gene=symbol,
            mode_of_inheritance=moi,
            phenotypes=phenotypes,
            publications=publications,
            penetrance="Complete",
            sources=["Expert list", "Literature"],
        )
        if symbol in ratings:
            services.review_entity(
                curator,
                entity,
                rating=ratings[symbol],
                mode_of_inheritance=moi,
                phenotypes=phenotypes,
                publications=publications,
                comments="Curated against the published evidence.",
            )
    return panel
