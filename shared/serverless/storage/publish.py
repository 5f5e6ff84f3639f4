"""Upload a build's hashed static files to the bucket before the code that names them goes live.

    python -m serverless.storage.publish <collected directory> <bucket> [--location static]

A release's pages name the hashed files of its own manifest, which ships in the
layer (``serverless.storage.manifest``). Were they uploaded only after the new
code went live, its first pages would link files not yet in the bucket, and
CloudFront would cache those 404s. So ``make deploy`` runs this first, from the
build: hashed names change with their content, so the old release's files and
the new one's sit side by side, and nothing is ever deleted here (nor by
``collectstatic``, which runs without ``--clear``), so pages the old release
served, and still cached, keep their files.

Only hashed files go up here, each once (a name already in the bucket holds the
same bytes). The unhashed copies and the bucket's manifest are the new
release's, written by ``collectstatic`` once it is live. Needs boto3 and the
operator's credentials, no Django.
"""

import argparse
import sys
from pathlib import Path
from typing import Any

from serverless.storage.names import CACHE_FOREVER, content_type, is_hashed


def hashed_files(directory: Path) -> dict[str, Path]:
    """Every hashed file under ``directory``, by its name relative to it (``/``-separated)."""
    return {
        path.relative_to(directory).as_posix(): path
        for path in sorted(directory.rglob("*"))
        if path.is_file() and is_hashed(path.name)
    }


def existing_keys(client: Any, bucket: str, prefix: str) -> set[str]:
    keys: set[str] = set()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.update(item["Key"] for item in page.get("Contents", []))
    return keys


def publish(directory: Path, client: Any, bucket: str, location: str = "static") -> list[str]:
    """Upload the hashed files the bucket lacks, as ``StaticStorage`` stores them; returns their keys."""
    prefix = f"{location.strip('/')}/" if location.strip("/") else ""
    present = existing_keys(client, bucket, prefix)
    uploaded = []
    for name, path in hashed_files(directory).items():
        key = prefix + name
        if key in present:
            continue
        client.put_object(
            Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=content_type(name), CacheControl=CACHE_FOREVER
        )
        uploaded.append(key)
    return uploaded


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="the collected static files (make build: .aws-sam/static)")
    parser.add_argument("bucket")
    parser.add_argument("--location", default="static", help="the bucket's folder (AWS_STATICFILES_LOCATION)")
    parser.add_argument("--region")
    args = parser.parse_args(argv)
    if not args.directory.is_dir():
        parser.error(f"{args.directory} is not a directory: run make build first")
    import boto3

    uploaded = publish(args.directory, boto3.client("s3", region_name=args.region), args.bucket, args.location)
    print(f"{len(uploaded)} new static file(s) uploaded to s3://{args.bucket}/{args.location.strip('/')}/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
