"""A release's static files reach the bucket before its code: every name its manifest gives is there.

The collected files come from the build's own step (``python -m
serverless.storage.manifest``, as ``make build`` runs it); the bucket is moto's.
"""

import json
import os
import subprocess
import sys

import boto3
import pytest
from moto import mock_aws
from serverless.storage.names import CACHE_FOREVER
from serverless.storage.publish import publish

from tests.conftest import ROOT

BUCKET = "panelapp-static"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(manifest, collected directory) as build-SharedLayer writes them."""
    out = tmp_path_factory.mktemp("build")
    environ = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DATABASE_URL", "AWS_LAMBDA_FUNCTION_NAME", "DJANGO_SETTINGS_MODULE")
    }
    environ.update(USE_S3="FALSE", PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=str(ROOT / "shared"))
    subprocess.run(
        [sys.executable, "-m", "serverless.storage.manifest", str(out / "staticfiles.json"), str(out / "static")],
        env=environ,
        check=True,
        capture_output=True,
    )
    return json.loads((out / "staticfiles.json").read_text()), out / "static"


@pytest.fixture
def bucket():
    with mock_aws():
        client = boto3.client("s3", region_name="eu-west-2")
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
        yield client


def keys(client) -> set[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


def test_every_file_the_built_manifest_names_is_in_the_bucket_after_the_pre_deploy_upload(built, bucket):
    manifest, directory = built

    publish(directory, bucket, BUCKET, "static")

    named = {f"static/{name}" for name in manifest["paths"].values()}
    assert named and named <= keys(bucket)


def test_uploaded_files_are_stored_as_static_storage_stores_them(built, bucket):
    manifest, directory = built
    name = manifest["paths"]["admin/css/base.css"]

    publish(directory, bucket, BUCKET, "static")

    head = bucket.head_object(Bucket=BUCKET, Key=f"static/{name}")
    assert (head["ContentType"], head["CacheControl"]) == ("text/css", CACHE_FOREVER)


def test_only_hashed_files_go_up_ahead_of_the_code(built, bucket):
    _, directory = built

    publish(directory, bucket, BUCKET, "static")

    # The unhashed copies and the manifest are the live release's until collectstatic runs after the deploy.
    assert "static/admin/css/base.css" not in keys(bucket)
    assert "static/staticfiles.json" not in keys(bucket)


def test_the_live_releases_files_stay_and_nothing_is_uploaded_twice(built, bucket):
    _, directory = built
    bucket.put_object(Bucket=BUCKET, Key="static/site.0123456789ab.css", Body=b"the live release's")
    first = publish(directory, bucket, BUCKET, "static")

    again = publish(directory, bucket, BUCKET, "static")

    assert first and again == []
    assert "static/site.0123456789ab.css" in keys(bucket)


def test_make_deploy_uploads_the_static_files_before_the_new_code_goes_live():
    dry_run = subprocess.run(
        ["make", "-n", "deploy", "CONFIG_ENV=prod"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    lines = dry_run.splitlines()

    def first(fragment: str) -> int:
        return next(index for index, line in enumerate(lines) if fragment in line)

    assert first("sam build") < first(".ci/stack publish-static") < first("sam deploy") < first("collectstatic")
    assert "--clear" not in dry_run  # collectstatic never deletes the files of the release still cached
