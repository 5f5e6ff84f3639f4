"""Nothing makes a bucket public: not the settings, not the storages, not the template."""

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from moto import mock_aws

from tests.test_settings import DEPLOYED_ENV

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_FILE = ROOT / "shared" / "panelapp" / "settings.py"
TEMPLATE = ROOT / "template.yaml"
PUBLIC_ACLS = {"public-read", "public-read-write", "authenticated-read"}
FULL_BLOCK = {"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"}


@pytest.fixture
def deployed_settings(monkeypatch, load_settings):
    """Evaluate the settings for AWS; S3 calls (the static manifest) go to moto, never to AWS."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    mock = mock_aws()
    mock.start()

    def evaluate(**extra: str) -> dict:
        return load_settings(**{**DEPLOYED_ENV, **extra})

    yield evaluate
    mock.stop()


def build(storage_settings: dict):
    return import_string(storage_settings["BACKEND"])(**storage_settings["OPTIONS"])


# --- Settings and storages ----------------------------------------------------------


def test_deployed_storages_set_no_acl_on_anything(deployed_settings):
    storages = deployed_settings()["STORAGES"]
    for alias in ("default", "staticfiles"):
        storage = build(storages[alias])
        assert storage.default_acl is None, alias
        assert "ACL" not in storage.get_object_parameters("any/file.css"), alias


def test_no_public_acl_is_named_anywhere_in_the_settings_or_storages():
    sources = [SETTINGS_FILE, *(ROOT / "shared" / "serverless" / "storage").glob("*.py")]
    for source in sources:
        text = source.read_text()
        assert not any(acl in text for acl in PUBLIC_ACLS), source


def test_deployed_media_links_are_always_signed(deployed_settings):
    media = build(deployed_settings()["STORAGES"]["default"])
    assert media.querystring_auth is True
    assert media.querystring_expire == 3600
    assert media.file_overwrite is False
    query = parse_qs(urlsplit(media.url("uploads/1/x/panel.tsv")).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and query["X-Amz-Expires"] == ["3600"]


def test_deployed_static_urls_use_the_cloudfront_domain_and_https(deployed_settings):
    settings = deployed_settings(AWS_S3_STATICFILES_CUSTOM_DOMAIN="https://d111111abcdef8.cloudfront.net/")
    assert settings["STATIC_URL"] == "https://d111111abcdef8.cloudfront.net/static/"


def test_the_static_custom_domain_is_mandatory_when_deployed(deployed_settings):
    with pytest.raises(ImproperlyConfigured, match="AWS_S3_STATICFILES_CUSTOM_DOMAIN"):
        deployed_settings(AWS_S3_STATICFILES_CUSTOM_DOMAIN="")


def test_a_media_custom_domain_without_cloudfront_signing_keys_is_refused(deployed_settings):
    with pytest.raises(ImproperlyConfigured, match="AWS_S3_MEDIAFILES_CUSTOM_DOMAIN needs AWS_CLOUDFRONT_KEY_ID"):
        deployed_settings(AWS_S3_MEDIAFILES_CUSTOM_DOMAIN="media.example.org")


@pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")  # inside django-storages
def test_a_media_custom_domain_gives_cloudfront_signed_expiring_urls(deployed_settings):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    settings = deployed_settings(
        AWS_S3_MEDIAFILES_CUSTOM_DOMAIN="media.example.org",
        AWS_CLOUDFRONT_KEY_ID="K2JCJMDEHXQW5F",
        AWS_CLOUDFRONT_KEY=pem,
    )
    url = build(settings["STORAGES"]["default"]).url("uploads/1/x/panel.tsv")
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "media.example.org", "/media/uploads/1/x/panel.tsv")
    assert query["Key-Pair-Id"] == ["K2JCJMDEHXQW5F"] and "Signature" in query and "Expires" in query


# --- The template -------------------------------------------------------------------


def template_resources() -> dict:
    if not TEMPLATE.exists():
        pytest.skip("template.yaml is not in the checkout yet")
    from cfnlint.decode.cfn_yaml import load

    return load(str(TEMPLATE))["Resources"]


def test_every_bucket_blocks_all_public_access():
    buckets = {name: r for name, r in template_resources().items() if r["Type"] == "AWS::S3::Bucket"}
    assert buckets, "the template declares no bucket"
    for name, bucket in buckets.items():
        block = bucket.get("Properties", {}).get("PublicAccessBlockConfiguration", {})
        assert {setting for setting in FULL_BLOCK if block.get(setting) is True} == FULL_BLOCK, name
        assert "AccessControl" not in bucket.get("Properties", {}), name


def _is_everyone(principal) -> bool:
    return principal == "*" or (isinstance(principal, dict) and principal.get("AWS") in ("*", ["*"]))


def _condition_keys(statement: dict) -> set[str]:
    clauses = statement.get("Condition", {}).values()
    return {key.lower() for clause in clauses if isinstance(clause, dict) for key in clause}


def _bucket_policies() -> list[dict]:
    resources = template_resources()
    return [r for r in resources.values() if r["Type"] == "AWS::S3::BucketPolicy"]


def test_no_bucket_policy_allows_everyone_unless_tied_to_a_cloudfront_distribution():
    for policy in _bucket_policies():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Allow" and _is_everyone(statement.get("Principal")):
                assert "aws:sourcearn" in _condition_keys(statement), statement


def test_every_bucket_refuses_requests_without_tls():
    buckets = {name for name, r in template_resources().items() if r["Type"] == "AWS::S3::Bucket"}
    guarded = set()
    for policy in _bucket_policies():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Deny" and "aws:securetransport" in _condition_keys(statement):
                guarded.add(policy["Properties"]["Bucket"]["Ref"])
    assert buckets <= guarded, buckets - guarded
