"""Comments become a dated thread per review (``Comment``); each review's one comment text is its first.

The old ``Evaluation.comments`` column is left as it was (no longer read or
written by the site), so nothing is lost whichever way this runs. Backwards,
each thread is written back into that column, oldest first, blank-line
separated, so comments added after the migration survive a rollback too.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BATCH = 2000


def comments_into_threads(apps, schema_editor):
    """One comment per review with a comment: dated when the review was made, modified when it last changed."""
    Evaluation = apps.get_model("panels", "Evaluation")
    Comment = apps.get_model("panels", "Comment")
    rows = (
        Evaluation.objects.exclude(comments="")
        .order_by("pk")
        .values_list("pk", "user_id", "comments", "version", "created", "modified")
    )
    batch = []
    for pk, user_id, text, version, created, modified in rows.iterator(chunk_size=BATCH):
        batch.append(
            Comment(evaluation_id=pk, user_id=user_id, text=text, version=version, created=created, modified=modified)
        )
        if len(batch) == BATCH:
            Comment.objects.bulk_create(batch)
            batch = []
    Comment.objects.bulk_create(batch)


def threads_into_comments(apps, schema_editor):
    Evaluation = apps.get_model("panels", "Evaluation")
    Comment = apps.get_model("panels", "Comment")
    threads: dict[int, list[str]] = {}
    for evaluation_id, text in Comment.objects.order_by("created", "id").values_list("evaluation_id", "text"):
        threads.setdefault(evaluation_id, []).append(text)
    for evaluation_id, texts in threads.items():
        Evaluation.objects.filter(pk=evaluation_id).update(comments="\n\n".join(texts))


class Migration(migrations.Migration):
    dependencies = [
        ("panels", "0005_activity_and_entity_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Comment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("text", models.TextField()),
                ("version", models.CharField(blank=True, max_length=16)),
                ("created", models.DateTimeField()),
                ("modified", models.DateTimeField()),
                (
                    "evaluation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="thread", to="panels.evaluation"
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="panel_comments",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"ordering": ["created", "id"]},
        ),
        migrations.RunPython(comments_into_threads, threads_into_comments, elidable=True),
    ]
