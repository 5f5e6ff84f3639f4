"""An init ahead of any request (SnapStart, provisioned concurrency) loads what a first page needs."""

import pytest
from django.template import engines
from serverless import preload


@pytest.mark.parametrize("kind", ["snap-start", "provisioned-concurrency"])
def test_snapshot_and_provisioned_inits_are_ahead_of_time(monkeypatch, kind):
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", kind)
    assert preload.initialized_ahead_of_time()


@pytest.mark.parametrize("kind", ["on-demand", ""])
def test_an_on_demand_init_is_not_ahead_of_time(monkeypatch, kind):
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", kind)
    assert not preload.initialized_ahead_of_time()


def test_the_project_templates_are_compiled_and_kept_by_the_cached_loader():
    names = preload.compile_project_templates()

    assert {"base.html", "panels/panel_detail.html", "accounts/profile.html"} <= set(names)
    (loader,) = engines["django"].engine.template_loaders  # the cached loader, wrapping the others
    kept = {key.split("-")[0] for key in loader.get_template_cache}
    assert set(names) <= kept


def test_the_admins_and_drfs_templates_are_left_to_their_first_use():
    names = preload.compile_project_templates()

    assert not [name for name in names if name.startswith(("admin/", "rest_framework/", "registration/"))]
