"""Indexes for naming a gene by its HGNC id or by an alias (API v1's ``?hgnc_id=`` and alias matches).

Without them each such request read the whole gene table (45,000 rows at real
volume). The alias index is PostgreSQL's GIN over the JSON list, which serves
the ``?|`` ("any of these strings is an element") that ``alias__has_any_keys``
becomes; SQLite has neither the operator's index nor the need.
"""

from django.db import migrations, models

ALIAS_INDEX = "panels_gene_alias_gin"


def create_alias_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {ALIAS_INDEX} ON panels_gene USING gin (alias jsonb_ops)")


def drop_alias_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {ALIAS_INDEX}")


class Migration(migrations.Migration):
    dependencies = [("panels", "0006_comment_thread")]

    operations = [
        migrations.AddIndex(model_name="gene", index=models.Index(fields=["hgnc_id"], name="gene_hgnc_id")),
        migrations.RunPython(create_alias_index, drop_alias_index),
    ]
