"""Secrets by reference: resolve Secrets Manager ARNs into environment variables.

The template never holds a secret value. It passes ``APP_SECRET_ARN`` (a JSON
secret whose keys are configuration names such as ``SECRET_KEY``) and
``DATABASE_SECRET_ARN`` (the RDS-style secret). They are read at Lambda init
and only fill names that the environment does not already set, so an explicit
variable always wins (useful for ``sam local invoke``).

Why no boto3 here: importing boto3 and building one client costs about as much
as the rest of the web function's init. On Lambda the runtime's credentials are
at hand, so one ``GetSecretValue`` call is a small HTTPS POST signed with
Signature Version 4 (``sigv4_headers``), made with the standard library.
Three ways, first that applies:

1. ``PARAMETERS_SECRETS_EXTENSION_HTTP_PORT`` set: the AWS Parameters and
   Secrets Lambda Extension on localhost (it caches and refreshes values);
2. the runtime's credentials: the signed call. At init they are in the
   environment (``AWS_ACCESS_KEY_ID``...); in an environment restored from a
   SnapStart snapshot they are not, and Lambda serves them instead from the
   container credentials provider (``AWS_CONTAINER_CREDENTIALS_FULL_URI`` with
   ``AWS_CONTAINER_AUTHORIZATION_TOKEN``), one local GET away;
3. otherwise (an operator's machine with a profile): boto3 and its full
   credential chain, with the same time limits and errors as the other two.

Rotation: ``refresh_secrets`` reads the secrets again and applies changed
values to the running process (``SECRET_KEY``, with the old one kept as a
fallback so signed cookies stay valid; ``HEALTH_CHECK_TOKEN``; the database
credentials of connections opened from then on). SnapStart's ``after_restore``
calls it (``serverless.snapstart``), so every environment restored from a
snapshot starts with the current values, and ``refresh_if_stale`` lets a warm
environment pick them up at most ``SECRETS_MAX_AGE_SECONDS`` later.
"""

import hashlib
import hmac
import json
import os
import time
from collections.abc import Mapping, MutableMapping
from datetime import UTC, datetime
from urllib.parse import urlsplit

# Keys of an RDS-managed secret and the configuration names they feed.
RDS_SECRET_KEYS = {
    "username": "DATABASE_USER",
    "password": "DATABASE_PASSWORD",
    "host": "DATABASE_HOST",
    "port": "DATABASE_PORT",
    "dbname": "DATABASE_NAME",
}
# Each secret's ARN variable and how its keys become configuration names.
SECRET_ARN_VARIABLES = ("APP_SECRET_ARN", "DATABASE_SECRET_ARN")
# Each network wait's limit, and the tries per secret (the default budget is their product).
TIMEOUT_SECONDS = 5.0
ATTEMPTS = 2

# The names this process took from secrets (and their values), so a refresh
# changes only those and never a name the environment set explicitly.
_loaded: dict[str, str] = {}
_loaded_at = 0.0


class SecretUnavailable(RuntimeError):
    """A referenced secret could not be read; the message names the ARN, never a value."""


# --- Reading one secret ----------------------------------------------------------


def sigv4_headers(
    *,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    region: str,
    service: str,
    access_key: str,
    secret_key: str,
    session_token: str | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """``headers`` plus ``X-Amz-Date`` (and token) and a SigV4 ``Authorization`` for a POST to ``url``.

    The algorithm of AWS's "Signature Version 4 signing process" for a request
    without query string, as botocore computes it.
    """
    now = now or datetime.now(UTC)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    parts = urlsplit(url)
    signed = {key.lower(): value.strip() for key, value in headers.items()}
    signed.update({"host": parts.netloc, "x-amz-date": amz_date})
    if session_token:
        signed["x-amz-security-token"] = session_token
    names = ";".join(sorted(signed))
    canonical_request = "\n".join(
        [
            "POST",
            parts.path or "/",
            "",
            "".join(f"{name}:{signed[name]}\n" for name in sorted(signed)),
            names,
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{day}/{region}/{service}/aws4_request"
    string_to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"
    key = f"AWS4{secret_key}".encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    authorization = f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={names}, Signature={signature}"
    result = {name: value for name, value in signed.items() if name != "host"}
    return {**result, "authorization": authorization}


def _request(
    method: str, url: str, body: bytes | None, headers: Mapping[str, str], timeout: float = TIMEOUT_SECONDS
) -> tuple[int, bytes]:
    import http.client  # only processes that read a secret need it

    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.netloc, timeout=timeout)
    try:
        target = parts.path or "/"
        connection.request(
            method, f"{target}?{parts.query}" if parts.query else target, body=body, headers=dict(headers)
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _endpoint(environ: Mapping[str, str], region: str) -> str:
    return (
        environ.get("AWS_ENDPOINT_URL_SECRETS_MANAGER")
        or environ.get("AWS_ENDPOINT_URL")
        or f"https://secretsmanager.{region}.amazonaws.com"
    ).rstrip("/") + "/"


# ECS-style relative URIs are served from this link-local address.
CONTAINER_CREDENTIALS_HOST = "http://169.254.170.2"


def has_credentials(environ: Mapping[str, str]) -> bool:
    """Whether the signed call can find credentials: in the environment or from a container provider."""
    return bool(
        (environ.get("AWS_ACCESS_KEY_ID") and environ.get("AWS_SECRET_ACCESS_KEY"))
        or environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        or environ.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
    )


def credentials(environ: Mapping[str, str], timeout: float = TIMEOUT_SECONDS) -> tuple[str, str, str | None]:
    """(access key, secret key, session token): from the environment, else the container provider.

    Asked on every call, never cached: a restored environment's credentials are
    temporary, and a secret is read rarely (init, restore, once an hour).
    """
    if environ.get("AWS_ACCESS_KEY_ID") and environ.get("AWS_SECRET_ACCESS_KEY"):
        return environ["AWS_ACCESS_KEY_ID"], environ["AWS_SECRET_ACCESS_KEY"], environ.get("AWS_SESSION_TOKEN")
    url = environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI") or (
        CONTAINER_CREDENTIALS_HOST + environ.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "")
    )
    token = environ.get("AWS_CONTAINER_AUTHORIZATION_TOKEN", "")
    if not token and environ.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"):
        with open(environ["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]) as token_file:
            token = token_file.read().strip()
    status, payload = _request("GET", url, None, {"Authorization": token} if token else {}, timeout)
    if status != 200:
        # An OSError: like a refused connection, worth one more try, and never the body's text.
        raise ConnectionError(f"container credentials provider answered HTTP {status}")
    document = json.loads(payload)
    return document["AccessKeyId"], document["SecretAccessKey"], document.get("Token")


def _signed_call(secret_arn: str, environ: Mapping[str, str], timeout: float) -> tuple[int, bytes]:
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "eu-west-2"
    url = _endpoint(environ, region)
    body = json.dumps({"SecretId": secret_arn}).encode()
    access_key, secret_key, session_token = credentials(environ, timeout)
    headers = sigv4_headers(
        url=url,
        body=body,
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "secretsmanager.GetSecretValue"},
        region=region,
        service="secretsmanager",
        access_key=access_key,
        secret_key=secret_key,
        session_token=session_token,
    )
    return _request("POST", url, body, headers, timeout)


def _extension_call(secret_arn: str, environ: Mapping[str, str], timeout: float) -> tuple[int, bytes]:
    from urllib.parse import quote

    port = environ["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"]
    url = f"http://localhost:{port}/secretsmanager/get?secretId={quote(secret_arn, safe='')}"
    token = {"X-Aws-Parameters-Secrets-Token": environ.get("AWS_SESSION_TOKEN", "")}
    return _request("GET", url, None, token, timeout)


def _boto3_call(secret_arn: str, timeout: float) -> dict:
    """An operator's machine only: boto3's full credential chain, held to this module's limits.

    boto3's defaults (a minute per read, several retries) would hold a caller
    for minutes, and its errors are not ``SecretUnavailable``: both made here as
    on the other two ways.
    """
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    config = Config(connect_timeout=timeout, read_timeout=timeout, retries={"total_max_attempts": ATTEMPTS})
    try:
        response = boto3.client("secretsmanager", config=config).get_secret_value(SecretId=secret_arn)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        raise SecretUnavailable(f"could not read secret {secret_arn}: {code}") from None
    except BotoCoreError as error:  # no credentials, no region, unreachable, timed out
        raise SecretUnavailable(f"could not read secret {secret_arn}: {type(error).__name__}") from None
    return json.loads(response["SecretString"])


def fetch_secret(secret_arn: str, environ: Mapping[str, str] | None = None, *, budget: float | None = None) -> dict:
    """The JSON object stored in ``secret_arn`` (its ``SecretString``).

    Raises ``SecretUnavailable``, and nothing else, when it cannot be read.
    ``budget`` bounds the seconds spent waiting (default: ``ATTEMPTS`` waits of
    ``TIMEOUT_SECONDS``); a try that would start with no time left is not made.
    """
    environ = os.environ if environ is None else environ
    budget = ATTEMPTS * TIMEOUT_SECONDS if budget is None else budget
    deadline, timeout = time.monotonic() + budget, min(TIMEOUT_SECONDS, budget)
    if environ.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"):
        call = _extension_call
    elif has_credentials(environ):
        call = _signed_call
    else:
        return _boto3_call(secret_arn, timeout)
    problem = "no time left"
    for _ in range(ATTEMPTS):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            status, payload = call(secret_arn, environ, min(timeout, remaining))
        except (OSError, http_exception()) as error:  # unreachable, refused, timed out, cut: one more try
            problem = f"{type(error).__name__}: {error}"
            continue
        except (ValueError, KeyError) as error:  # a credentials document not as documented
            problem = f"unreadable credentials ({type(error).__name__})"
            break
        if status == 200:
            return json.loads(json.loads(payload)["SecretString"])
        problem = _error_name(status, payload)
        if status < 500:
            break
    raise SecretUnavailable(f"could not read secret {secret_arn}: {problem}")


def http_exception() -> type[Exception]:
    """``http.client``'s base error (a response cut short is not an ``OSError``)."""
    import http.client

    return http.client.HTTPException


def _error_name(status: int, payload: bytes) -> str:
    """AWS's error type (``ResourceNotFoundException``), never the body's other text."""
    try:
        error_type = json.loads(payload).get("__type", "")
    except ValueError:
        error_type = ""
    return f"HTTP {status} {error_type.rpartition('#')[2]}".strip()


# --- Secrets into configuration --------------------------------------------------


def read_secrets(environ: Mapping[str, str], *, budget: float | None = None) -> dict[str, str]:
    """Every configuration name the referenced secrets provide, with its value.

    Both secrets are read at the same time (init waits for one round trip, not two),
    each within ``budget`` seconds (``fetch_secret``).
    """
    arns = [arn for arn in (environ.get(name) for name in SECRET_ARN_VARIABLES) if arn]
    if len(arns) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(len(arns)) as pool:
            read = pool.map(lambda arn: fetch_secret(arn, environ, budget=budget), arns)
            fetched = dict(zip(arns, read, strict=True))
    else:
        fetched = {arn: fetch_secret(arn, environ, budget=budget) for arn in arns}
    values: dict[str, str] = {}
    if app_arn := environ.get("APP_SECRET_ARN"):
        values.update({name: str(value) for name, value in fetched[app_arn].items()})
    if database_arn := environ.get("DATABASE_SECRET_ARN"):
        secret = fetched[database_arn]
        values.update({name: str(secret[key]) for key, name in RDS_SECRET_KEYS.items() if key in secret})
    return values


def load_secrets(environ: MutableMapping[str, str] | None = None) -> None:
    """Copy referenced secrets into ``environ`` without overriding set names."""
    global _loaded_at
    environ = os.environ if environ is None else environ
    for name, value in read_secrets(environ).items():
        if name not in environ:
            environ[name] = value
            _loaded[name] = value
    _loaded_at = time.monotonic()


def refresh_secrets(environ: MutableMapping[str, str] | None = None, *, budget: float | None = None) -> list[str]:
    """Read the secrets again and apply what changed to this process; returns the changed names.

    Nothing is applied unless every secret was read (``SecretUnavailable`` otherwise).
    """
    global _loaded_at
    environ = os.environ if environ is None else environ
    changed = []
    for name, value in read_secrets(environ, budget=budget).items():
        if name in _loaded and _loaded[name] != value:
            environ[name] = _loaded[name] = value
            changed.append(name)
    _loaded_at = time.monotonic()
    if changed:
        _apply_to_settings(changed, environ)
    return changed


def refresh_if_stale(max_age_seconds: float) -> list[str]:
    """``refresh_secrets`` when the values are older than ``max_age_seconds`` (0: never)."""
    if not _loaded or max_age_seconds <= 0 or time.monotonic() - _loaded_at < max_age_seconds:
        return []
    return refresh_secrets()


def _apply_to_settings(changed: list[str], environ: Mapping[str, str]) -> None:
    from django.conf import settings
    from django.db import connections

    if "SECRET_KEY" in changed:
        # The old key still verifies what it signed (sessions, reset links) until they expire.
        settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
        settings.SECRET_KEY = environ["SECRET_KEY"]
    if "HEALTH_CHECK_TOKEN" in changed:
        settings.HEALTH_CHECK_TOKEN = environ["HEALTH_CHECK_TOKEN"]
    database = {"DATABASE_USER": "USER", "DATABASE_PASSWORD": "PASSWORD", "DATABASE_HOST": "HOST"}
    if any(name in changed for name in database):
        settings_dict = connections["default"].settings_dict
        for name, key in database.items():
            if name in changed:
                settings_dict[key] = environ[name]
        # The next query connects with the new credentials.
        connections["default"].close()
