"""An index for finding a gene by the start of its symbol, whatever the case (the add-gene form's search).

``hgnc_symbol__istartswith`` becomes ``UPPER(hgnc_symbol::text) LIKE 'BRC%'``,
which neither the symbol's unique index nor its ``_like`` index serves: each
keystroke read the whole gene table (45,000 rows at real volume). This
expression index with ``text_pattern_ops`` serves that prefix under any
database collation. SQLite has neither the operator class nor the need.
"""

from django.db import migrations

PREFIX_INDEX = "panels_gene_symbol_upper_prefix"


def create_prefix_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {PREFIX_INDEX} ON panels_gene (UPPER(hgnc_symbol::text) text_pattern_ops)"
        )


def drop_prefix_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {PREFIX_INDEX}")


class Migration(migrations.Migration):
    dependencies = [("panels", "0009_panel_phenotype_codes")]

    operations = [migrations.RunPython(create_prefix_index, drop_prefix_index)]
