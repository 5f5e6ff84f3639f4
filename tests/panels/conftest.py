"""What the panels tests share: a curator, a panel of theirs, and the site's sample world."""

import pytest
from accounts.models import Reviewer

from tests.panels.factories import make_panel, make_user
from tests.panels.site_data import build_world


@pytest.fixture
def curator():
    return make_user(Reviewer.Role.CURATOR)


@pytest.fixture
def panel(curator):
    return make_panel(curator, name="Hereditary ataxia")


@pytest.fixture
def world():
    return build_world()
