"""The worker's database connections: checked once per batch, renewed only when broken.

Django checks connections around each request; a worker has no requests, so
it does the same around each SQS batch or single message (``check_connections``),
after a task that met a database error (``drop_broken_connections``), and, for
its own statements, by retrying once on a fresh connection (``reconnecting``)
instead of a ``SELECT 1`` before every statement.

A task must also give its connections back as it found them: one that left a
transaction open would swallow every statement after it, the worker's record
of its neighbours' ends included, until the connection closed and rolled them
all back. ``give_back_clean`` ends such a transaction and says so.
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


class TransactionLeftOpen(RuntimeError):
    """The task returned with a transaction still open: what it had not committed was rolled back."""


def open_atomic_blocks() -> dict[str, int]:
    """How deep each open connection is in ``atomic`` blocks: what a task must leave as it found it.

    Taken before a task runs; a task run inline (``ThreadBackend`` with ``INLINE``,
    a test) runs inside its caller's blocks, which are not the task's to end.
    """
    return {conn.alias: len(conn.atomic_blocks) for conn in connections.all(initialized_only=True)}


def give_back_clean(blocks_before: dict[str, int]) -> str | None:
    """End what a task left open on any connection, rolling it back; None when it left nothing.

    Three ways to leave a transaction open, each undone with Django's own
    machinery: ``atomic`` blocks entered and never exited (exited here as if
    they raised, so Django rolls back and restores autocommit), autocommit
    turned off and never back on, and a ``BEGIN`` sent behind Django's back
    (the driver's own state says so). Anything else about the connection is
    left alone.
    """
    left: list[str] = []
    for conn in connections.all(initialized_only=True):
        depth = blocks_before.get(conn.alias, 0)
        try:
            if len(conn.atomic_blocks) > depth:
                left.append(f"{len(conn.atomic_blocks) - depth} atomic block(s) on {conn.alias!r}")
                rollback = TransactionLeftOpen("rolled back")
                while len(conn.atomic_blocks) > depth:
                    conn.atomic_blocks[-1].__exit__(TransactionLeftOpen, rollback, None)
            if depth:
                continue  # inside the caller's transaction: the rest is the caller's
            if not conn.get_autocommit():
                left.append(f"autocommit off on {conn.alias!r}")
                conn.rollback()
                conn.set_autocommit(True)
            elif _driver_in_transaction(conn):
                left.append(f"a transaction begun outside Django on {conn.alias!r}")
                conn.connection.rollback()
        except Exception:  # a connection that cannot even roll back is closed: that rolls back too
            if not depth:
                conn.close()
    if not left:
        return None
    return (
        "the task returned with a transaction open (" + "; ".join(left) + "): its uncommitted changes were rolled back"
    )


def _driver_in_transaction(conn: Any) -> bool:
    raw = conn.connection
    if raw is None:
        return False
    info = getattr(raw, "info", None)  # psycopg 3
    if info is not None:
        from psycopg.pq import TransactionStatus

        return info.transaction_status in (TransactionStatus.INTRANS, TransactionStatus.INERROR)
    return bool(getattr(raw, "in_transaction", False))  # sqlite3
