"""Allow-listed Django management commands run from a Lambda event (the ManageFunction).

Operators (and the deploy) invoke it with ``sam remote invoke``, so nobody
needs SSH, a bastion or Docker to migrate or collect static files. The event
names one command and its arguments::

    {"command": "migrate"}
    {"command": "collectstatic --noinput"}
    {"command": "showmigrations", "args": ["--plan"]}
    {"command": "createsuperuser", "username": "ada", "email": "ada@example.org", "password": "..."}
    {"command": "first_admin", "username": "ada", "email": "ada@example.org"}
    {"command": "task_dlq redrive --id 3f6d1c0a8e2b4f7a9c5d1e0b2a4c6e8f"}
    {"command": "migrate panels 0003", "confirm": true}

Forms that destroy data run only with ``"confirm": true`` (a JSON true): a
``migrate`` whose plan unapplies migrations (to an earlier one or ``zero``)
and ``collectstatic --clear``. ``migrate`` holds a PostgreSQL advisory lock,
so a second one started meanwhile (a retried invoke, two operators) waits and
then finds nothing left to do instead of applying the same migrations twice.

Only the commands and options below run: the function has database and
bucket access, so a free-form command line would hand that to any caller.
The answer is ``{"command", "exit_status", "output"}`` (plus ``"error"``
when the command failed or was refused); the function itself never raises
for a bad request, so ``exit_status`` is the one thing callers check.
"""

import io
import os
import re
import shlex
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import DEFAULT_DB_ALIAS, connections

from serverless.logging import logger

# Exit statuses: 0 ok, 1 the command failed, 2 the request was refused (as argparse does).
REFUSED = 2
# Lambda answers at most 6 MB; keep the end of a long output, where errors are.
MAX_OUTPUT_CHARS = 200_000
# App labels, migration names, fail levels: nothing a shell or a path could abuse.
SAFE_VALUE = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
# A file in a bucket, for the imports (which accept only the media bucket): no "..", no spaces.
S3_OBJECT = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/(?!.*\.\.)[A-Za-z0-9_./=+-]{1,1000}$")
# pg_advisory_lock key of migrate: b"panelapp" as a signed 64-bit integer.
MIGRATE_LOCK = int.from_bytes(b"panelapp", "big")


@dataclass(frozen=True)
class Allowed:
    """What one command may receive. ``always`` is added to every run."""

    flags: frozenset[str] = frozenset()
    valued: frozenset[str] = frozenset()  # options with a value: --name=value or --name value
    positionals: int = 0
    always: tuple[str, ...] = ()
    positional_pattern: re.Pattern = SAFE_VALUE


COMMANDS: dict[str, Allowed] = {
    "migrate": Allowed(
        flags=frozenset({"--noinput", "--no-input", "--plan", "--check"}), positionals=2, always=("--noinput",)
    ),
    "showmigrations": Allowed(flags=frozenset({"--plan", "--list"}), positionals=10),
    "collectstatic": Allowed(
        flags=frozenset({"--noinput", "--no-input", "--clear", "--dry-run"}), always=("--noinput",)
    ),
    "check": Allowed(flags=frozenset({"--deploy"}), valued=frozenset({"--fail-level", "--tag"}), positionals=10),
    "createsuperuser": Allowed(),  # from "username", "email" and "password" values, never a command line
    "first_admin": Allowed(),  # from "username" and "email" values: a superuser and a one-time reset link
    # The dead-letter queue: list, or redrive to the task queue (docs/tasks.md).
    "task_dlq": Allowed(valued=frozenset({"--id", "--limit"}), positionals=1),
    # Bulk data from a file in the media bucket (docs/imports.md).
    "import_genes": Allowed(
        flags=frozenset({"--background"}),
        valued=frozenset({"--user", "--release"}),
        positionals=1,
        positional_pattern=S3_OBJECT,
    ),
    "import_panels": Allowed(valued=frozenset({"--user"}), positionals=1, positional_pattern=S3_OBJECT),
    "import_reviews": Allowed(valued=frozenset({"--user"}), positionals=1, positional_pattern=S3_OBJECT),
}


class Refused(Exception):
    """The request names something that is not on the allow-list."""


def has_nul(value: Any) -> bool:
    """Whether a NUL character hides anywhere in ``value`` (PostgreSQL rejects them in text)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(has_nul(item) for item in value)
    return False


def parse(event: dict[str, Any]) -> tuple[str, list[str]]:
    """The command name and its checked arguments, or ``Refused`` saying why."""
    if not isinstance(event, dict) or not isinstance(event.get("command"), str) or not event["command"].strip():
        raise Refused('the event must be a JSON object with a "command" string, e.g. {"command": "migrate"}')
    if has_nul(event):
        raise Refused("the event contains a NUL character (\\u0000); no command, name or value may")
    extra = event.get("args", [])
    if not isinstance(extra, list) or not all(isinstance(arg, str) for arg in extra):
        raise Refused('"args" must be a list of strings')
    try:
        name, *args = shlex.split(event["command"]) + extra
    except ValueError as error:
        raise Refused(f"cannot parse the command line: {error}") from None
    allowed = COMMANDS.get(name)
    if allowed is None:
        raise Refused(f"command {name!r} is not allowed; allowed commands: {', '.join(sorted(COMMANDS))}")
    positionals = 0
    tokens = iter(args)
    for arg in tokens:
        option, equals, value = arg.partition("=")
        if arg in allowed.valued and not equals:  # --name value
            value = next(tokens, "")
            option, equals = arg, "="
        if arg in allowed.flags or (equals and option in allowed.valued and SAFE_VALUE.match(value)):
            continue
        if not arg.startswith("-") and allowed.positional_pattern.match(arg) and positionals < allowed.positionals:
            positionals += 1
            continue
        raise Refused(f"argument {arg!r} is not allowed for {name}")
    return name, [*args, *(flag for flag in allowed.always if flag not in args)]


def confirmed(event: dict[str, Any]) -> bool:
    return event.get("confirm") is True


def unapplied_by(args: list[str]) -> list[str]:
    """The migrations ``migrate <args>`` would unapply (empty for a forward or no-op migrate)."""
    from django.db.migrations.executor import MigrationExecutor

    positionals = [arg for arg in args if not arg.startswith("-")]
    if len(positionals) != 2 or "--plan" in args or "--check" in args:
        return []  # all apps forwards, one app forwards, or only a report
    app, target = positionals
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    try:
        name = None if target == "zero" else executor.loader.get_migration_by_prefix(app, target).name
    except Exception:
        return []  # an unknown app or migration: migrate itself says so
    plan = executor.migration_plan([(app, name)])
    return [f"{migration.app_label}.{migration.name}" for migration, backwards in plan if backwards]


def refuse_unconfirmed(name: str, args: list[str], event: dict[str, Any]) -> None:
    """Destructive forms run only with ``"confirm": true``."""
    if confirmed(event):
        return
    if name == "collectstatic" and "--clear" in args and "--dry-run" not in args:
        raise Refused('collectstatic --clear deletes every static file first; repeat with "confirm": true')
    if name == "migrate" and (undone := unapplied_by(args)):
        raise Refused(
            f"this would unapply {len(undone)} migration(s), dropping their tables and columns with the data in "
            f'them: {", ".join(undone)}; repeat with "confirm": true'
        )


def migrate_once(args: list[str], out: io.StringIO) -> None:
    """``migrate`` under a session-level PostgreSQL advisory lock: a concurrent one waits, then has nothing to do."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        call_command("migrate", *args, stdout=out, stderr=out)
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [MIGRATE_LOCK])
        if not cursor.fetchone()[0]:
            out.write("Another migrate holds the migration lock; waiting for it to finish.\n")
            logger.info("migrate waits for another migrate")
            cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK])
    try:
        call_command("migrate", *args, stdout=out, stderr=out)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK])


def user_values(event: dict[str, Any], command: str) -> dict[str, str]:
    """The username and e-mail of a user to create, checked by the user model's own validators."""
    user_model = get_user_model()
    values = {field: event.get(field) for field in (user_model.USERNAME_FIELD, "email")}
    if not all(isinstance(value, str) and value for value in values.values()):
        raise Refused(f"{command} needs {user_model.USERNAME_FIELD!r} and 'email' values")
    try:
        user_model(**values).clean_fields(exclude=[f.name for f in user_model._meta.fields if f.name not in values])
    except ValidationError as error:
        raise Refused(f"{command}: " + " ".join(error.messages)) from None
    return values


def first_admin(event: dict[str, Any], out: io.StringIO) -> None:
    """A superuser with no password yet, and a one-time link to set one (the first_admin command)."""
    from serverless.management.commands.first_admin import Command

    values = user_values(event, "first_admin")
    call_command(Command(), username=values[get_user_model().USERNAME_FIELD], email=values["email"], stdout=out)


def create_superuser(event: dict[str, Any], out: io.StringIO) -> None:
    """createsuperuser without a terminal: values from the event, password validated.

    Django's non-interactive mode skips the password validators and reads the
    password from the environment; both are handled here so a weak password
    is refused and the value never stays in the process environment.
    """
    user_model = get_user_model()
    values = user_values(event, "createsuperuser")
    password = event.get("password")
    if password is not None:
        if not isinstance(password, str):
            raise Refused("'password' must be a string")
        try:
            validate_password(password, user_model(**values))
        except ValidationError as error:
            raise Refused("password rejected: " + " ".join(error.messages)) from None
        os.environ["DJANGO_SUPERUSER_PASSWORD"] = password
    try:
        call_command("createsuperuser", interactive=False, stdout=out, stderr=out, **values)
    finally:
        os.environ.pop("DJANGO_SUPERUSER_PASSWORD", None)
    if password is None:
        out.write("No password given: the user has an unusable password until one is set by a password reset.\n")


def run(event: dict[str, Any]) -> dict[str, Any]:
    """Run the requested command and report its output and exit status; never raise."""
    out = io.StringIO()
    shown = None
    try:
        name, args = parse(event)
        shown = shlex.join([name, *args])
        refuse_unconfirmed(name, args, event)
        logger.info("management command started", extra={"command": shown})
        if name == "createsuperuser":
            create_superuser(event, out)
        elif name == "first_admin":
            first_admin(event, out)
        elif name == "migrate":
            migrate_once(args, out)
        else:
            call_command(name, *args, stdout=out, stderr=out)
    except Refused as error:
        requested = event.get("command") if isinstance(event, dict) and not has_nul(event) else None
        return {"command": requested, "exit_status": REFUSED, "output": "", "error": str(error)}
    except CommandError as error:
        status, message = error.returncode or 1, str(error)
    except Exception as error:
        # A bug or an outage (database, S3) inside a command: answered, logged with its traceback.
        logger.exception("management command raised", extra={"command": shown})
        status, message = 1, f"{(shown or 'command').split()[0]} failed: {type(error).__name__}: {error}"
    else:
        status, message = 0, None
    finally:
        # As after each web request: a warm Lambda must not keep a broken connection.
        connections.close_all()
    output = out.getvalue()[-MAX_OUTPUT_CHARS:]
    logger.info("management command finished", extra={"command": shown, "exit_status": status})
    result = {"command": shown, "exit_status": status, "output": output}
    if message:
        result["error"] = message
    return result
