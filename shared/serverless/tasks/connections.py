"""The worker's database connections: checked once per batch, renewed only when broken.

Django checks connections around each request; a worker has no requests, so
it does the same around each SQS batch or single message (``check_connections``),
after a task that met a database error (``drop_broken_connections``), and, for
its own statements, by retrying once on a fresh connection (``reconnecting``)
instead of a ``SELECT 1`` before every statement.
"""

from collections.abc import Callable
from typing import Any

from django.db import InterfaceError, OperationalError, close_old_connections, connection, connections


def check_connections() -> None:
    """Close connections that are broken or past CONN_MAX_AGE, as Django does around a request.

    Once per SQS batch or single message: each check makes the next query start
    with a ``SELECT 1`` health check. Skipped inside a transaction: a task run
    inline (``ThreadBackend`` with ``INLINE``, in a test) must not close the
    caller's connection under it.
    """
    if not any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        close_old_connections()


def drop_broken_connections() -> None:
    """After a task of a batch: close a connection the task saw fail, so what comes next reconnects.

    The next task of the batch would otherwise inherit a connection the last
    one broke (a terminated backend, a failover). Free unless the task met a
    database error (Django's ``errors_occurred``); then one ``SELECT 1``.
    """
    for conn in connections.all(initialized_only=True):
        if conn.errors_occurred and not conn.in_atomic_block:
            conn.close_if_unusable_or_obsolete()


def reconnecting(operation: Callable[[], Any]) -> Any:
    """``operation()``, once more on a new connection if the current one turned out broken.

    What a health check before every statement would catch, for the price of
    nothing when the connection is fine: a connection closed under us (a task
    that broke it, an idle proxy session dropped) costs this one retry.
    """
    try:
        return operation()
    except (InterfaceError, OperationalError):
        if connection.in_atomic_block or (connection.connection is not None and connection.is_usable()):
            raise
        connection.close()
        return operation()


def outcome_of(operation: Callable[[], Any]) -> Any:
    """``operation()``'s value, or the exception it raised (on a connection retried once)."""
    try:
        return reconnecting(operation)
    except Exception as error:
        return error
