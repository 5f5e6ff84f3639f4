"""Panels by phenotype: every code a panel answers to, in one indexed list.

``Panel.phenotype_codes`` holds the panel's OMIM, Orphanet and HPO codes and
the codes its relevant disorders name (``R208``, ``OMIM:607107``, ...), as
``panels.codes.phenotype_codes`` writes them. It is filled here for the panels
that exist; the service layer keeps it from then on. The index is
PostgreSQL's GIN over the JSON list, which serves the ``?|`` ("any of these
strings is an element") that ``phenotype_codes__has_any_keys`` becomes, so
API v1's ``?hpo=`` and the site's code search read a few index pages however
many panels there are; SQLite has neither the operator's index nor the need.
"""

from django.db import migrations, models

from panels.codes import phenotype_codes

CODES_INDEX = "panels_panel_phenotype_codes_gin"


def fill_codes(apps, schema_editor):
    Panel = apps.get_model("panels", "Panel")
    panels = list(Panel.objects.only("pk", "relevant_disorders", "omim", "orphanet", "hpo"))
    for panel in panels:
        panel.phenotype_codes = phenotype_codes(
            relevant_disorders=panel.relevant_disorders, omim=panel.omim, orphanet=panel.orphanet, hpo=panel.hpo
        )
    Panel.objects.bulk_update(panels, ["phenotype_codes"], batch_size=500)


def create_codes_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {CODES_INDEX} ON panels_panel USING gin (phenotype_codes jsonb_ops)"
        )


def drop_codes_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {CODES_INDEX}")


class Migration(migrations.Migration):
    dependencies = [("panels", "0008_panel_codes_entity_flags_and_transcript")]

    operations = [
        migrations.AddField(
            model_name="panel",
            name="phenotype_codes",
            field=models.JSONField(default=list, editable=False),
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.RunPython(create_codes_index, drop_codes_index),
    ]
