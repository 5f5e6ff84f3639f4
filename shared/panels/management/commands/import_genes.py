"""``manage.py import_genes FILE``: HGNC's complete set (TSV) or upstream's gene JSON.

In this process by default (chunk after chunk); ``--background`` hands the
file to the worker instead, which splits it into chunk tasks, for a
ManageFunction invocation that must return quickly.
"""

from datetime import date

from django.core.management.base import CommandError, CommandParser

from panels.imports import jobs, tasks
from panels.imports.command import ImportCommand
from panels.imports.models import ImportJob


class Command(ImportCommand):
    help = "Import gene reference data (HGNC complete set TSV or gene JSON); exit 1 with the row report on a bad file."
    kind = ImportJob.Kind.GENES

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--release", help="HGNC release date (YYYY-MM-DD); default: the file's newest change")
        parser.add_argument("--background", action="store_true", help="queue it for the worker and return")

    def run(self, job: ImportJob, options: dict) -> ImportJob:
        release = None
        if options["release"]:
            try:
                release = date.fromisoformat(options["release"])
            except ValueError:
                raise CommandError(f"--release {options['release']!r} is not a date (YYYY-MM-DD).") from None
        if options["background"]:
            tasks.run_import.enqueue(str(job.pk), release=options["release"])
            return job
        return jobs.run_inline(job, release=release)
