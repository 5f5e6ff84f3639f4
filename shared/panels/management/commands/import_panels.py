"""``manage.py import_panels FILE``: a panel file (upstream's 36-column TSV), all or nothing."""

from panels.imports.command import ImportCommand
from panels.imports.models import ImportJob


class Command(ImportCommand):
    help = "Import a panel TSV (upstream PanelApp's panel download format); exit 1 with the row report on a bad file."
    kind = ImportJob.Kind.PANELS
