"""Panels gain upstream's description and disorder codes, entities its flag and transcripts.

``Evaluation.comments`` goes: migration 0006 moved every comment into the
dated threads (``Comment``) and nothing has read the column since. Backwards,
the column comes back empty and reversing 0006 refills it from the threads.
On PostgreSQL the new columns' constant defaults are catalogue-only changes:
no table rewrite, however many entities there are.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("panels", "0007_gene_lookup_indexes"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="evaluation",
            name="comments",
        ),
        migrations.AddField(
            model_name="entity",
            name="flagged",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="entity",
            name="transcript",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="panel",
            name="description",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="panel",
            name="hpo",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="panel",
            name="omim",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="panel",
            name="orphanet",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
