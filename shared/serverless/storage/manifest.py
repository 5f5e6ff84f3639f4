"""Write the static files manifest into the build, so pages never wait for S3 to name a file.

    python -m serverless.storage.manifest <output file> [<static files directory>]

Collects the static files into a scratch directory with Django's
``ManifestStaticFilesStorage``, the same hashing ``StaticStorage`` does on
``collectstatic`` (hashes depend only on the files' content), and keeps
``staticfiles.json``. ``StaticStorage`` reads it from ``STATIC_MANIFEST_FILE``.

With a second argument the collected files are kept there too, outside the
layer: ``make deploy`` uploads their hashed copies to the bucket
(``serverless.storage.publish``) before the code that names them goes live.
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path


def build_manifest(output: Path, static_dir: Path | None = None) -> Path:
    """Collect into a scratch directory and copy its manifest to ``output`` (and every file to ``static_dir``)."""
    from django.conf import settings
    from django.core.management import call_command
    from django.test import override_settings

    with tempfile.TemporaryDirectory() as scratch:
        storages = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
        }
        with override_settings(STATIC_ROOT=scratch, STORAGES=storages):
            call_command("collectstatic", interactive=False, verbosity=0)
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(scratch) / "staticfiles.json", output)
        if static_dir is not None:
            shutil.rmtree(static_dir, ignore_errors=True)  # a file no longer collected must not be published
            shutil.copytree(scratch, static_dir)
    return output


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        print(__doc__, file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panelapp.settings")
    import django

    django.setup()
    print(build_manifest(Path(argv[0]), Path(argv[1]) if len(argv) == 2 else None))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
