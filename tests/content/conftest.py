"""What the home content tests share: people of each role, signed in through Django's test client."""

import pytest
from accounts.models import Reviewer

from tests.panels.factories import make_user

# The smallest valid PNG (1x1), for uploads.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2e8"
    "27b00000000049454e44ae426082"
)


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
