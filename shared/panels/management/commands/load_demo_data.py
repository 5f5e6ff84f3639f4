"""``manage.py load_demo_data``: a living PanelApp for local runs; safe to run on every start."""

import time

from django.core.management.base import BaseCommand

from panels import demo


class Command(BaseCommand):
    help = "Load demo panels, genes, STRs, regions, reviews, versions and sign-offs (once; later runs do nothing)."

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        if demo.load():
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {time.monotonic() - started:.1f} s."))
        else:
            self.stdout.write("Demo data already loaded; nothing to do.")
