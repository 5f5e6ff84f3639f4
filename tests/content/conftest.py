"""What the home content tests share: people of each role, signed in through Django's test client."""

import importlib
import struct
import zlib

import pytest
from accounts.models import Reviewer
from django.apps import apps

from tests.panels.factories import make_user


def png(width: int = 1, height: int = 1, rgb: tuple[int, int, int] = (22, 63, 115)) -> bytes:
    """A valid PNG of one colour, built here: no imaging library needed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


PNG = png()


def add_default_tabs() -> None:
    """The data migration's tabs again: a transactional test before this one emptied every table."""
    importlib.import_module("content.migrations.0002_default_home_tabs").add_default_tabs(apps, None)


@pytest.fixture(autouse=True)
def default_tabs(request):
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        add_default_tabs()


@pytest.fixture
def curator():
    return make_user(Reviewer.Role.CURATOR, "home-curator")


@pytest.fixture
def reviewer():
    return make_user(Reviewer.Role.REVIEWER, "home-reviewer")


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


@pytest.fixture
def media(settings, tmp_path):
    """Media files in a folder of the test's own (the local storage, signed links as on S3)."""
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "serverless.storage.local.LocalMediaStorage", "OPTIONS": {}},
    }
    return tmp_path
