"""Every admin action and every write path, tried by every role: allowed or refused, judged by its effect.

Roles: anonymous, external, reviewer, curator (the site's curator, not
admin staff), view-only staff (every ``view_*`` permission and nothing else)
and superuser. A refused admin action leaves the data as it was whatever the
response; an allowed one has its effect.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from accounts.models import PendingRegistration, Reviewer
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from panels.models import HistoricalSnapshot, Panel
from rest_framework.authtoken.models import Token
from serverless.models import TaskRecord
from uploads.models import Upload

from tests.accounts.conftest import PASSWORD, ROLES, make_account, make_role
from tests.panels.factories import make_panel, make_user

pytestmark = pytest.mark.django_db

ADMIN_ONLY = {"superuser"}
SIGNED_IN = {"external", "reviewer", "curator", "view_only_staff", "superuser"}
CURATORS = {"curator", "superuser"}


@pytest.fixture
def world() -> dict[str, Any]:
    """One of everything the write paths act on."""
    curator = make_user(Reviewer.Role.CURATOR, "panel-curator")
    panel = make_panel(curator, "Ataxia")
    waiting = make_account("waiting", Reviewer.Role.EXTERNAL)
    Reviewer.objects.filter(user=waiting).update(approval=Reviewer.Approval.PENDING)
    failed = TaskRecord.objects.create(
        id="failed-task",
        task_path="serverless.tasks.maintenance.clear_sessions",
        status="FAILED",
        queue_name="default",
        backend="default",
        enqueued_at=timezone.now(),
    )
    return {"panel": panel, "snapshot": panel.snapshots.get(), "waiting": waiting.reviewer, "task": failed}


def admin_action(model, action: str, target: str) -> Callable:
    def run(client, world) -> None:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        client.post(url, {"action": action, "_selected_action": [world[target].pk]})

    return run


@dataclass
class WritePath:
    name: str
    run: Callable[[Any, dict], Any]
    happened: Callable[[dict], bool]
    allowed: set[str]


def promoted(world) -> bool:
    return Panel.objects.get(pk=world["panel"].pk).major_version == 1


def signed_off(world) -> bool:
    return HistoricalSnapshot.objects.filter(panel=world["panel"], signed_off_date__isnull=False).exists()


def ran_again(world) -> bool:
    return TaskRecord.objects.exclude(pk="failed-task").exists()


def waiting_role(world) -> str:
    return Reviewer.objects.get(pk=world["waiting"].pk).role


ADMIN_ACTIONS = {
    # (app_label.model, action) → its write path; the structural test below checks this covers the admin.
    ("panels.panel", "promote"): WritePath("promote", admin_action(Panel, "promote", "panel"), promoted, ADMIN_ONLY),
    ("panels.panel", "sign_off_current_version"): WritePath(
        "sign off current version",
        admin_action(Panel, "sign_off_current_version", "panel"),
        signed_off,
        ADMIN_ONLY,
    ),
    ("panels.historicalsnapshot", "sign_off"): WritePath(
        "sign off snapshot", admin_action(HistoricalSnapshot, "sign_off", "snapshot"), signed_off, ADMIN_ONLY
    ),
    ("serverless.taskrecord", "enqueue_again"): WritePath(
        "run task again", admin_action(TaskRecord, "enqueue_again", "task"), ran_again, ADMIN_ONLY
    ),
    ("accounts.reviewer", "approve_reviewers"): WritePath(
        "approve in admin",
        admin_action(Reviewer, "approve_reviewers", "waiting"),
        lambda world: waiting_role(world) == "reviewer",
        ADMIN_ONLY,
    ),
    ("accounts.reviewer", "reject_reviewers"): WritePath(
        "reject in admin",
        admin_action(Reviewer, "reject_reviewers", "waiting"),
        lambda world: Reviewer.objects.get(pk=world["waiting"].pk).approval == "rejected",
        ADMIN_ONLY,
    ),
}


def post(path: Callable[[dict], str], data: Callable[[dict], dict] = lambda world: {}, **extra) -> Callable:
    return lambda client, world: client.post(path(world), data(world), **extra)


SITE_WRITES = [
    WritePath(
        "approve on the curators' page",
        post(lambda world: reverse("accounts:decide_reviewer", args=[world["waiting"].pk, "approve"])),
        lambda world: waiting_role(world) == "reviewer",
        CURATORS,
    ),
    WritePath(
        "reject on the curators' page",
        post(lambda world: reverse("accounts:decide_reviewer", args=[world["waiting"].pk, "reject"])),
        lambda world: Reviewer.objects.get(pk=world["waiting"].pk).approval == "rejected",
        CURATORS,
    ),
    WritePath(
        "regenerate own API token",
        post(lambda world: reverse("accounts:regenerate_token")),
        lambda world: Token.objects.exists(),
        SIGNED_IN,
    ),
    WritePath(
        "change own password",
        post(
            lambda world: reverse("accounts:change_password"),
            lambda world: {
                "old_password": PASSWORD,
                "new_password1": "n3w-passphrase!",
                "new_password2": "n3w-passphrase!",
            },
        ),
        lambda world: any(user.check_password("n3w-passphrase!") for user in get_user_model().objects.all()),
        SIGNED_IN,
    ),
    WritePath(
        "register an account",
        post(
            lambda world: reverse("accounts:register"),
            lambda world: {
                "first_name": "New",
                "last_name": "Person",
                "email": "new@example.org",
                "confirm_email": "new@example.org",
                "password1": PASSWORD,
                "password2": PASSWORD,
                "affiliation": "Lab",
                "job_role": "Researcher",
                "workplace": "Research lab",
                "group": "Other",
            },
        ),
        # The page stores the registration; the worker makes the account.
        lambda world: PendingRegistration.objects.filter(email="new@example.org").exists(),
        {"anonymous"},  # signed-in users are sent to their profile instead
    ),
    WritePath(
        "start an upload",
        post(
            lambda world: reverse("uploads:start"),
            lambda world: {"filename": "genes.tsv", "content_type": "text/tab-separated-values", "size": 10},
            content_type="application/json",
        ),
        lambda world: Upload.objects.exists(),
        CURATORS,  # uploads are for imports, which curators do
    ),
    WritePath(
        "add a panel in the admin",
        post(
            lambda world: reverse("admin:panels_panel_add"),
            lambda world: {"name": "Made in the admin", "status": "internal", "relevant_disorders": "", "comment": ""},
        ),
        lambda world: Panel.objects.filter(name="Made in the admin").exists(),
        ADMIN_ONLY,
    ),
    WritePath(
        "make someone a curator in the admin",
        post(
            lambda world: reverse("admin:accounts_reviewer_change", args=[world["waiting"].pk]),
            lambda world: {"user": world["waiting"].user_id, "role": "curator", "approval": "approved"},
        ),
        lambda world: waiting_role(world) == "curator",
        ADMIN_ONLY,
    ),
]

API_WRITES = ["post", "put", "patch", "delete"]


def client_for(client, role: str):
    user = make_role(role)
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", list(ADMIN_ACTIONS.values()) + SITE_WRITES, ids=lambda path: path.name)
def test_each_write_path_takes_effect_exactly_for_the_roles_allowed(client, world, path, role):
    assert not path.happened(world)

    path.run(client_for(client, role), world)

    assert path.happened(world) is (role in path.allowed), f"{path.name} by {role}"


@pytest.mark.parametrize("role", ROLES)
def test_the_curators_page_of_waiting_reviewers_is_for_curators_only(client, world, role):
    response = client_for(client, role).get(reverse("accounts:pending_reviewers"))

    if role in CURATORS:
        assert response.status_code == 200
    elif role == "anonymous":
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method", API_WRITES)
def test_the_api_refuses_every_write_from_every_role(client, world, role, method):
    response = getattr(client_for(client, role), method)(f"/api/v1/panels/{world['panel'].pk}/")

    assert response.status_code == 405
    assert Panel.objects.get(pk=world["panel"].pk).name == "Ataxia"


PERMISSION_FOR = {
    ("panels.panel", "promote"): "change_panel",
    ("panels.panel", "sign_off_current_version"): "change_panel",
    ("panels.historicalsnapshot", "sign_off"): "change_panel",
    ("serverless.taskrecord", "enqueue_again"): "add_taskrecord",
    ("accounts.reviewer", "approve_reviewers"): "change_reviewer",
    ("accounts.reviewer", "reject_reviewers"): "change_reviewer",
}


@pytest.mark.parametrize("key", list(ADMIN_ACTIONS), ids=lambda key: key[1])
def test_staff_holding_just_the_permission_an_action_needs_may_run_it(client, world, key):
    staff = make_account("operator", is_staff=True)
    codename = PERMISSION_FOR[key]
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=[codename, f"view_{key[0].split('.')[1]}"]),
    )
    client.force_login(staff)

    ADMIN_ACTIONS[key].run(client, world)

    assert ADMIN_ACTIONS[key].happened(world)


def registered_actions() -> list[tuple[str, str, Any]]:
    found = []
    for model, model_admin in admin.site._registry.items():
        for action in model_admin._get_base_actions():
            found.append((model._meta.label_lower, action.name, action.func))
    return found


def test_every_admin_action_is_in_the_matrix_or_is_djangos_delete():
    untested = {(label, name) for label, name, _ in registered_actions() if name != "delete_selected"} - set(
        ADMIN_ACTIONS
    )

    assert untested == set(), "add these admin actions to the permission matrix"


def test_no_admin_action_runs_on_the_view_permission_alone():
    for label, name, func in registered_actions():
        allowed = set(getattr(func, "allowed_permissions", ()))
        assert allowed and allowed != {"view"}, f"{label} {name} must require a permission that allows its effect"


def test_no_admin_page_shows_api_token_keys(client, world):
    owner = make_account("owner", Reviewer.Role.CURATOR)
    key = Token.objects.create(user=owner).key
    client.force_login(make_role("superuser"))

    assert not any(model is Token or issubclass(model, Token) for model in admin.site._registry)
    assert key not in client.get(reverse("admin:index")).content.decode()
