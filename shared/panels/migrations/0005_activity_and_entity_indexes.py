"""Indexes the activity and entity lists read their pages from (panels.keyset).

Built with ``CREATE INDEX CONCURRENTLY`` on PostgreSQL: a plain ``CREATE
INDEX`` holds a lock that blocks every write to the table while it reads the
whole of it, and each change to a panel writes an activity row, so curators'
saves would wait (and time out) for as long as the 1.1 million activity rows
take to index, eight times over. Concurrent builds cannot run inside a
transaction, hence ``atomic = False``: should one fail, the indexes built
before it stay, and the one that failed is left INVALID; drop it
(``DROP INDEX CONCURRENTLY <name>``) and migrate again. Other databases
(SQLite for local work) build them plainly.
"""

from django.db import migrations, models
from django.db.models.functions import Upper


class AddIndexConcurrently(migrations.AddIndex):
    """``AddIndex`` that builds without blocking writes where the database can (PostgreSQL)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index, **_concurrently(schema_editor))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index, **_concurrently(schema_editor))


def _concurrently(schema_editor) -> dict:
    return {"concurrently": True} if schema_editor.connection.vendor == "postgresql" else {}


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("panels", "0004_version_layouts"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="activity",
            index=models.Index(fields=["created", "id"], name="activity_created_id"),
        ),
        AddIndexConcurrently(
            model_name="activity",
            index=models.Index(fields=["panel", "created", "id"], name="activity_panel_created"),
        ),
        AddIndexConcurrently(
            model_name="activity",
            index=models.Index(fields=["panel", "panel_version", "created", "id"], name="activity_panel_version"),
        ),
        AddIndexConcurrently(
            model_name="activity",
            index=models.Index(fields=["panel_version", "created", "id"], name="activity_version_created"),
        ),
        AddIndexConcurrently(
            model_name="activity",
            index=models.Index(
                fields=["panel", "entity_type", "entity_name", "created", "id"], name="activity_entity_history"
            ),
        ),
        AddIndexConcurrently(
            model_name="activity",
            index=models.Index(
                Upper("entity_name"), models.F("created"), models.F("id"), name="activity_entity_name_upper"
            ),
        ),
        AddIndexConcurrently(
            model_name="entity",
            index=models.Index(fields=["entity_type", "entity_name", "id"], name="entity_type_name_id"),
        ),
        AddIndexConcurrently(
            model_name="entity",
            index=models.Index(fields=["entity_name", "entity_type", "id"], name="entity_name_type_id"),
        ),
    ]
