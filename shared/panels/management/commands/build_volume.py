"""``manage.py build_volume --scale 1.0 --seed 1``: an empty database filled to the real PanelApp's volume.

For measuring what the site and the API do at that volume (bench/volume.py,
tests/volume/); never for a database anyone uses. How each part is written:
``panels.volume``.
"""

import json
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from panels import volume


class Command(BaseCommand):
    help = "Fill an empty database with synthetic panels, genes, reviews, versions and activity at PanelApp's volume."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=float, default=1.0, help="times the real volume (default 1.0)")
        parser.add_argument("--seed", type=int, default=1, help="the same seed and scale build the same data")
        parser.add_argument("--json", help="also write what was built (ids, counts, seconds) to this file")

    def handle(self, *args, **options) -> None:
        if not 0 < options["scale"] <= 4:
            raise CommandError(f"--scale {options['scale']} is out of range: more than 0, at most 4.")
        started = time.monotonic()
        try:
            built = volume.build(scale=options["scale"], seed=options["seed"], log=self.stdout.write)
        except RuntimeError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Built in {time.monotonic() - started:.0f} s."))
        self.stdout.write(json.dumps(built.as_json(), indent=2))
        if options["json"]:
            with open(options["json"], "w") as file:
                json.dump(built.as_json(), file, indent=2)
