"""``manage.py import_reviews FILE``: a reviews file (upstream's 22-column TSV), all or nothing."""

from panels.imports.command import ImportCommand
from panels.imports.models import ImportJob


class Command(ImportCommand):
    help = "Import a reviews TSV (upstream PanelApp's format); exit 1 with the row report on a bad file."
    kind = ImportJob.Kind.REVIEWS
