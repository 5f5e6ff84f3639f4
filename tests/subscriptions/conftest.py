"""What the watching tests share: a curator, a public panel of theirs, watchers with addresses, and the mail path."""

import pytest
from accounts.models import Reviewer

from tests.accounts.conftest import make_account, queued_mail  # noqa: F401 (a fixture used here)
from tests.panels.conftest import curator, panel  # noqa: F401 (fixtures used here)


@pytest.fixture
def watcher():
    return make_account("watcher", Reviewer.Role.EXTERNAL, email="watcher@example.org")
