"""What ``import_genes``, ``import_panels`` and ``import_reviews`` share: one file, a row report, an exit status."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from panels.imports import jobs
from panels.imports.files import report
from panels.imports.models import ImportJob


class ImportCommand(BaseCommand):
    """Exit status 0 when the file is imported; 1, with the row report on stderr, when it is not."""

    kind: str

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a local path, or s3://<media bucket>/<key>")
        parser.add_argument("--user", help="username the versions and activity are attributed to")

    def handle(self, *args, **options) -> None:
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: options["user"]}).first()
            if user is None:
                raise CommandError(f"Unknown username {options['user']!r}.")
        source = options["file"]
        job = jobs.create_job(self.kind, source=source, file_name=source.rsplit("/", 1)[-1], user=user)
        job = self.run(job, options)
        if job.status in {ImportJob.Status.QUEUED, ImportJob.Status.RUNNING}:
            self.stdout.write(f"Queued for the worker as import {job.pk}; progress on {jobs.page_url(job)}")
            return
        if job.status != ImportJob.Status.SUCCEEDED:
            if job.changes:  # a part could not be applied after the check: say exactly what did change
                changed = "".join(f"\n- {c['panel_name']}: version {c['version']}" for c in job.changes if c["changed"])
                raise CommandError(f"{job.file_name} was only partly imported:{changed}\n{report(job.errors)}")
            raise CommandError(f"{job.file_name} was not imported; nothing was changed.\n{report(job.errors)}")
        self.stdout.write(self.style.SUCCESS(f"{job.file_name}: {job.rows} rows imported."))
        for line in job.summary_lines:
            self.stdout.write(line)
        for change in job.changes:
            if change.get("changed", True):
                verb = "created at" if change["created"] else "now at"
                name = f"{change['panel_name']} (id {change['panel_id']})"
                self.stdout.write(f"{name}: {verb} version {change['version']}")

    def run(self, job: ImportJob, options: dict) -> ImportJob:
        return jobs.run_inline(job)
