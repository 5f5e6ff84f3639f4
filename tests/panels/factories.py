"""Test data made the way the application makes it: through the service layer."""

from itertools import count

from accounts.models import Reviewer
from django.contrib.auth import get_user_model
from panels import services
from panels.models import Entity, Evidence, Gene, Panel, PanelType

_serial = count(1)
MOI = "MONOALLELIC, autosomal or pseudoautosomal, NOT imprinted"


def make_user(role: str = Reviewer.Role.CURATOR, username: str | None = None):
    username = username or f"{role}{next(_serial)}"
    user = get_user_model().objects.create_user(username, first_name=role.title(), last_name="Person")
    Reviewer.objects.create(user=user, role=role)
    return user


def make_gene(symbol: str | None = None) -> Gene:
    symbol = symbol or f"GENE{next(_serial)}"
    number = next(_serial)
    return Gene.objects.create(
        hgnc_symbol=symbol,
        hgnc_id=f"HGNC:{number}",
        gene_name=f"{symbol} protein",
        omim_gene=[str(100000 + number)],
        alias=[f"{symbol}-A"],
        biotype="protein_coding",
        ensembl_genes={
            "GRch37": {"82": {"ensembl_id": f"ENSG{number:011d}", "location": "1:100-200"}},
            "GRch38": {"90": {"ensembl_id": f"ENSG{number:011d}", "location": "1:300-400"}},
        },
    )


def make_type(slug: str = "rare-disease-100k", name: str = "Rare Disease 100K") -> PanelType:
    return PanelType.objects.get_or_create(slug=slug, defaults={"name": name, "description": f"{name} panels"})[0]


def make_panel(user, name: str | None = None, status: str = Panel.Status.PUBLIC, **fields) -> Panel:
    fields.setdefault("types", [make_type()])
    fields.setdefault("relevant_disorders", ["Disorder A", "R1"])
    return services.create_panel(
        user, name=name or f"Panel {next(_serial)}", status=status, disease_group="Neurology", **fields
    )


def add_gene(user, panel: Panel, symbol: str | None = None, **fields) -> Entity:
    gene = make_gene(symbol) if symbol is None or not Gene.objects.filter(hgnc_symbol=symbol).exists() else symbol
    fields.setdefault("mode_of_inheritance", MOI)
    fields.setdefault("sources", ["Literature"])
    return services.add_entity(user, panel, entity_type=Entity.Type.GENE, gene=gene, **fields)


def add_str(user, panel: Panel, name: str = "HTT_HD", **fields) -> Entity:
    values = {
        "repeated_sequence": "CAG",
        "chromosome": "4",
        "grch37_start": 3076604,
        "grch37_end": 3076666,
        "grch38_start": 3074877,
        "grch38_end": 3074939,
        "normal_repeats": 26,
        "pathogenic_repeats": 40,
        "mode_of_inheritance": MOI,
        "sources": ["Literature"],
        **fields,
    }
    return services.add_entity(user, panel, entity_type=Entity.Type.STR, entity_name=name, **values)


def add_region(user, panel: Panel, name: str = "ISCA-37446-Loss", **fields) -> Entity:
    values = {
        "verbose_name": "22q11.2 deletion syndrome",
        "chromosome": "22",
        "grch37_start": 18912231,
        "grch37_end": 21465672,
        "grch38_start": 18924718,
        "grch38_end": 21111383,
        "haploinsufficiency_score": "3",
        "triplosensitivity_score": "1",
        "required_overlap_percentage": 60,
        "type_of_variants": "cnv_loss",
        "mode_of_inheritance": MOI,
        "sources": ["Literature"],
        **fields,
    }
    return services.add_entity(user, panel, entity_type=Entity.Type.REGION, entity_name=name, **values)

    return "MONOALLELIC, autosomal or pseudoautosomal, NOT imprinted"


def bulk_genes(user, panel: Panel, how_many: int, confidence_level: int = 3) -> None:
    """Many genes at once for size tests, then one version through the service layer.

    Bypassing ``add_entity`` here only saves time: the snapshot is still made
    by the service (a panel-level change renders the panel from its rows).
    """
    genes = Gene.objects.bulk_create(
        Gene(hgnc_symbol=f"BULK{panel.pk}X{i}", hgnc_id=f"HGNC:9{panel.pk}{i}") for i in range(how_many)
    )
    entities = Entity.objects.bulk_create(
        Entity(
            panel=panel,
            entity_type=Entity.Type.GENE,
            entity_name=gene.hgnc_symbol,
            gene=gene,
            confidence_level=confidence_level,
        )
        for gene in genes
    )
    Evidence.objects.bulk_create(Evidence(entity=entity, name="Literature") for entity in entities)
    services.update_panel(user, panel, disease_sub_group=f"{how_many} genes")
