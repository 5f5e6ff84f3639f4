"""S3 on loopback for the tests: moto's server plus the checks moto leaves out.

moto (5.2) stores and serves objects faithfully but accepts any presigned URL
and any POST policy: it never verifies signatures, expiry or policy
conditions. Real S3 does, and those checks are what makes media private and
direct uploads safe, so ``S3Rules`` applies them in front of moto, following
the S3 documentation (SigV4 query authentication; POST policy conditions
``eq``, ``starts-with``, ``content-length-range`` and exact matches; no form
field without a condition). Its clock can be moved forward to let links expire.
"""

import base64
import hashlib
import hmac
import io
import json
import runpy
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

import boto3
import requests
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.formparser import parse_form_data
from werkzeug.serving import make_server

ACCESS_KEY = "AKIAEMULATEDTESTKEY1"
SECRET_KEY = "emulated/secret/key/for/tests/only/0000000"
IGNORED_POST_FIELDS = {"policy", "x-amz-signature", "file", "bucket"}


class Refused(Exception):
    def __init__(self, code: str, message: str, status: str = "403 Forbidden") -> None:
        super().__init__(message)
        self.code = code
        self.status = status


def signing_key(secret: str, date: str, region: str, service: str = "s3") -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _uri_encode(value: str) -> str:
    return quote(value, safe="-_.~")


class S3Rules:
    """WSGI middleware: refuses what S3 would refuse, passes the rest to moto."""

    def __init__(self, app: Callable, credentials: dict[str, str]) -> None:
        self.app = app
        self.credentials = credentials
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def __call__(self, environ: dict, start_response: Callable) -> Iterator[bytes]:
        params = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        try:
            if "X-Amz-Signature" in params:
                self.check_presigned_url(environ, params)
            elif environ["REQUEST_METHOD"] == "POST" and environ.get("CONTENT_TYPE", "").startswith(
                "multipart/form-data"
            ):
                self.check_post_policy(environ)
        except Refused as refusal:
            body = f"<Error><Code>{refusal.code}</Code><Message>{refusal}</Message></Error>".encode()
            start_response(refusal.status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
            return iter([body])
        return self.app(environ, start_response)

    def _secret(self, credential: str) -> tuple[str, str, str]:
        access_key, date, region, *_ = credential.split("/")
        if access_key not in self.credentials:
            raise Refused("InvalidAccessKeyId", "The AWS access key Id you provided does not exist in our records.")
        return self.credentials[access_key], date, region

    def check_presigned_url(self, environ: dict, params: dict[str, str]) -> None:
        secret, date, region = self._secret(params.get("X-Amz-Credential", "////"))
        query = sorted(
            (_uri_encode(name), _uri_encode(value))
            for name, value in parse_qsl(environ["QUERY_STRING"], keep_blank_values=True)
            if name != "X-Amz-Signature"
        )
        raw_path = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ["PATH_INFO"]
        canonical_request = "\n".join(
            [
                environ["REQUEST_METHOD"],
                raw_path.split("?", 1)[0],
                "&".join(f"{name}={value}" for name, value in query),
                f"host:{environ['HTTP_HOST']}\n",
                params.get("X-Amz-SignedHeaders", ""),
                "UNSIGNED-PAYLOAD",
            ]
        )
        scope = params["X-Amz-Credential"].split("/", 1)[1]
        string_to_sign = "\n".join(
            [
                "AWS4-HMAC-SHA256",
                params.get("X-Amz-Date", ""),
                scope,
                hashlib.sha256(canonical_request.encode()).hexdigest(),
            ]
        )
        expected = hmac.new(signing_key(secret, date, region), string_to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, params["X-Amz-Signature"]):
            raise Refused("SignatureDoesNotMatch", "The request signature we calculated does not match.")
        signed_at = datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
        if self.now() > signed_at + int(params["X-Amz-Expires"]):
            raise Refused("AccessDenied", "Request has expired")

    def check_post_policy(self, environ: dict) -> None:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        _, form, files = parse_form_data({**environ, "wsgi.input": io.BytesIO(body)})
        fields = {name.lower(): value for name, value in form.items()}
        fields["bucket"] = environ["PATH_INFO"].strip("/").split("/")[0]
        upload = files.get("file")
        size = len(upload.read()) if upload else 0
        if "policy" not in fields:
            return  # an unsigned POST; the bucket's own policy decides (moto: allowed)
        secret, date, region = self._secret(fields.get("x-amz-credential", "////"))
        expected = hmac.new(signing_key(secret, date, region), fields["policy"].encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, fields.get("x-amz-signature", "")):
            raise Refused("SignatureDoesNotMatch", "The request signature we calculated does not match.")
        policy = json.loads(base64.b64decode(fields["policy"]))
        if datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00")).timestamp() < self.now():
            raise Refused("AccessDenied", "Invalid according to Policy: Policy expired.")
        covered = set()
        for condition in policy["conditions"]:
            if isinstance(condition, dict):
                ((name, value),) = condition.items()
                operator, name = "eq", name.lower()
            elif condition[0] == "content-length-range":
                if not condition[1] <= size <= condition[2]:
                    code = "EntityTooLarge" if size > condition[2] else "EntityTooSmall"
                    raise Refused(code, "Your proposed upload size is outside the policy.", "400 Bad Request")
                continue
            else:
                operator, name, value = condition[0], condition[1].lstrip("$").lower(), condition[2]
            covered.add(name)
            actual = fields.get(name, "")
            if not (actual == value if operator == "eq" else actual.startswith(value)):
                raise Refused("AccessDenied", f"Invalid according to Policy: Policy Condition failed: {condition}")
        extra = {
            name for name in fields if name not in covered | IGNORED_POST_FIELDS and not name.startswith("x-ignore-")
        }
        if extra:
            raise Refused("AccessDenied", f"Invalid according to Policy: Extra input fields: {sorted(extra)}")


@contextmanager
def s3_emulator() -> Iterator[tuple[str, S3Rules]]:
    """Serve moto behind ``S3Rules`` on a free loopback port; yields (endpoint URL, rules)."""
    rules = S3Rules(DomainDispatcherApplication(create_backend_app), {ACCESS_KEY: SECRET_KEY})
    server = make_server("127.0.0.1", 0, rules, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", rules
    finally:
        server.shutdown()
        thread.join()


# --- Fixtures: the application on S3, configured by the settings module itself --

STATIC_BUCKET = "panelapp-static"
MEDIA_BUCKET = "panelapp-media"
SETTINGS_FILE = Path(__file__).resolve().parent.parent / "shared" / "panelapp" / "settings.py"


@dataclass
class S3:
    endpoint: str
    rules: S3Rules
    client: Any

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        listing = self.client.list_objects_v2(Bucket=bucket, Prefix=prefix)
        return [item["Key"] for item in listing.get("Contents", [])]


def configure_s3(monkeypatch, settings, endpoint: str, **environ: str) -> dict:
    """Evaluate the real settings module for ``USE_S3=TRUE`` and apply its file settings.

    The URLconf reads ``USE_S3`` once, at import (local file routes exist only
    without S3), so it is imported first, in the suite's own configuration.
    """
    import_module(settings.ROOT_URLCONF)
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_S3_MEDIAFILES_CUSTOM_DOMAIN", "AWS_CLOUDFRONT_KEY_ID"):
        monkeypatch.delenv(name, raising=False)
    environ = {
        "USE_S3": "TRUE",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": "eu-west-2",
        "AWS_DEFAULT_REGION": "eu-west-2",
        "AWS_S3_STATICFILES_BUCKET_NAME": STATIC_BUCKET,
        "AWS_S3_MEDIAFILES_BUCKET_NAME": MEDIA_BUCKET,
        "AWS_S3_STATICFILES_CUSTOM_DOMAIN": "",
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        **environ,
    }
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    computed = runpy.run_path(str(SETTINGS_FILE))
    for name in ("USE_S3", "STATIC_URL", "MEDIA_URL", "STORAGES"):
        setattr(settings, name, computed[name])
    return computed


def use_s3(server: tuple[str, S3Rules], settings, monkeypatch) -> S3:
    """Point the application at the emulator as the local stack does: ``USE_S3=TRUE``, no static custom domain.

    Test modules wrap this in an ``s3`` fixture next to a ``s3_server`` one.
    """
    endpoint, rules = server
    rules.offset = 0
    configure_s3(monkeypatch, settings, endpoint)
    client = boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-2")
    for bucket in (STATIC_BUCKET, MEDIA_BUCKET):
        if bucket not in {b["Name"] for b in client.list_buckets()["Buckets"]}:
            client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    return S3(endpoint, rules, client)


# --- The emulator refuses what S3 refuses ---------------------------------------


def presigned_get(s3: S3, key: str, expires: int = 60) -> str:
    return s3.client.generate_presigned_url(
        "get_object", Params={"Bucket": MEDIA_BUCKET, "Key": key}, ExpiresIn=expires
    )


def test_emulator_serves_a_valid_presigned_url(s3):
    s3.client.put_object(Bucket=MEDIA_BUCKET, Key="emulator/ok.txt", Body=b"fine")
    response = requests.get(presigned_get(s3, "emulator/ok.txt"), timeout=10)
    assert (response.status_code, response.content) == (200, b"fine")


def test_emulator_refuses_a_presigned_url_whose_expiry_was_tampered_with(s3):
    s3.client.put_object(Bucket=MEDIA_BUCKET, Key="emulator/ok.txt", Body=b"fine")
    url = presigned_get(s3, "emulator/ok.txt", expires=60).replace("X-Amz-Expires=60", "X-Amz-Expires=999999")
    response = requests.get(url, timeout=10)
    assert response.status_code == 403 and b"SignatureDoesNotMatch" in response.content


def test_emulator_refuses_a_presigned_url_after_its_expiry(s3):
    s3.client.put_object(Bucket=MEDIA_BUCKET, Key="emulator/ok.txt", Body=b"fine")
    url = presigned_get(s3, "emulator/ok.txt", expires=60)
    s3.rules.offset = 61
    response = requests.get(url, timeout=10)
    assert response.status_code == 403 and b"Request has expired" in response.content


def test_emulator_refuses_a_post_with_a_field_the_policy_does_not_cover(s3):
    post = s3.client.generate_presigned_post(Bucket=MEDIA_BUCKET, Key="emulator/post.txt")
    fields = {**post["fields"], "Cache-Control": "public"}
    response = requests.post(post["url"], data=fields, files={"file": b"data"}, timeout=10)
    assert response.status_code == 403 and b"Extra input fields" in response.content
