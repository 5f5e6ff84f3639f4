"""What an init ahead of any request loads, so that no restored environment has to.

Lambda tells the init why it runs (``AWS_LAMBDA_INITIALIZATION_TYPE``). An
environment started *on demand* has a request waiting: it should load only
what that request needs, and ``panelapp.urls`` includes each part of the site
lazily for that reason. An init for a *SnapStart snapshot* (or for
*provisioned concurrency*) has nobody waiting, and what it loads is in every
environment restored from it, for free. So it loads what a first page would:

- every part of the URLconf and the views behind it;
- the storage backends' modules (django-storages and boto3: about 150 ms of
  imports that ``{% static %}`` would otherwise pay on the first page after
  each restore); no storage object, client or credential is made;
- the project's own templates, compiled into the cached template loader.

No connection is opened: ``serverless.snapstart.before_snapshot`` would close
it anyway, and a restored environment connects on its first query.
"""

import os
from pathlib import Path

# Lambda's AWS_LAMBDA_INITIALIZATION_TYPE for an init no request is waiting for.
AHEAD_OF_TIME_INITS = frozenset({"snap-start", "provisioned-concurrency"})


def initialized_ahead_of_time() -> bool:
    """Whether this init runs before any request (SnapStart, provisioned concurrency), not for one."""
    return os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE", "") in AHEAD_OF_TIME_INITS


def preload() -> None:
    """Load the URLconf, the storage backends and the project's templates now."""
    load_urlconf()
    import_storage_backends()
    compile_project_templates()


def load_urlconf() -> None:
    """Import the whole URLconf, every lazily included part and its views."""
    from django.urls import get_resolver

    # Building the reverse index walks every pattern, importing each included URLconf.
    get_resolver().reverse_dict  # noqa: B018


def import_storage_backends() -> None:
    """Import each configured storage backend's class: its modules, not an instance."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    for storage in settings.STORAGES.values():
        import_string(storage["BACKEND"])


def compile_project_templates() -> list[str]:
    """Compile every template of PanelApp's own apps (``PANELAPP_APPS``), not Django's or DRF's.

    Returns their names. The cached template loader (Django's default without
    ``DEBUG``) keeps each compiled template for the life of the environment.
    """
    from django.apps import apps
    from django.conf import settings
    from django.template.loader import get_template

    roots = [Path(directory) for engine in settings.TEMPLATES for directory in engine.get("DIRS", [])]
    roots += [Path(app.path) / "templates" for app in apps.get_app_configs() if app.name in settings.PANELAPP_APPS]
    names = sorted({path.relative_to(root).as_posix() for root in roots for path in root.rglob("*.html")})
    for name in names:
        get_template(name)
    return names
