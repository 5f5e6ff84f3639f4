"""Lambda SnapStart: what the snapshot must not carry, and what each restored environment renews.

The web function publishes versions with SnapStart: Lambda runs the init phase
once, snapshots the memory, and starts every new environment from that copy.
Whatever init left in memory is then shared by all of them, possibly hours or
days later. So, through the runtime's ``snapshot_restore_py`` hooks:

``before_snapshot``
    closes database connections (a socket in a snapshot is dead on restore,
    and one server session must never be shared by many environments) and
    drops cached AWS clients and storage objects (their connections and
    temporary credentials would be stale).

``after_restore``
    reseeds what must differ per environment (Python's ``random`` state and
    ``tempfile``'s name sequence, copied verbatim into every restored
    environment) and refreshes what may have expired: the secrets, read again
    so a value changed since the snapshot reaches every new environment
    (``serverless.secrets.refresh_secrets``). A restore never fails for
    them: if Secrets Manager cannot answer in time, the snapshot's values stay.

Registered on import; outside Lambda (no ``snapshot_restore_py``) nothing is.
"""

import logging
import random
import sys

log = logging.getLogger(__name__)

# Lambda gives the after-restore hooks 10 seconds in all; reading the secrets may take this many.
RESTORE_SECRETS_BUDGET_SECONDS = 4.0


def before_snapshot() -> None:
    from django.db import connections

    connections.close_all()
    drop_cached_clients()


def after_restore() -> None:
    random.seed()  # from os.urandom: each environment its own sequence
    if tempfile := sys.modules.get("tempfile"):  # not imported here: this module is on the init path
        tempfile._name_sequence = None  # rebuilt (and reseeded) on next use
    from serverless.secrets import refresh_secrets

    try:
        changed = refresh_secrets(budget=RESTORE_SECRETS_BUDGET_SECONDS)
    except Exception as error:  # whatever went wrong: a hook that raises fails the restore
        # The snapshot's values still work unless rotated: serve with them rather than fail the
        # restore, and a warm environment tries again within SECRETS_MAX_AGE_SECONDS.
        log.warning("secrets not refreshed after restore, keeping the snapshot's: %s: %s", type(error).__name__, error)
    else:
        if changed:
            log.info("secrets changed since the snapshot: %s", ", ".join(sorted(changed)))


def drop_cached_clients() -> None:
    """Forget every boto3 client and storage object made so far; the next use makes new ones."""
    from django.core.files.storage import default_storage, storages
    from django.tasks import task_backends
    from django.utils.functional import empty

    from serverless.tasks import sqs

    sqs.client.cache_clear()
    for backend in task_backends.all(initialized_only=True):
        backend.__dict__.pop("client", None)
    storages._backends = None
    storages._storages = {}
    default_storage._wrapped = empty
    try:
        from django.contrib.staticfiles.storage import staticfiles_storage
    except ImportError:
        return
    staticfiles_storage._wrapped = empty


def register() -> bool:
    """Register both hooks with the Lambda runtime; False where there is no SnapStart runtime."""
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        return False
    register_before_snapshot(before_snapshot)
    register_after_restore(after_restore)
    return True


registered = register()
