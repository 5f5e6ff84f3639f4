"""Reviewing and curating in the site: who may do what, and what each form does."""

import re

import pytest
from accounts.models import Reviewer
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from panels import services
from panels.models import Entity, Evaluation, Panel

from tests.panels.factories import add_gene, make_panel, make_user

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "external", "reviewer", "curator"]


@pytest.fixture
def entity(curator, panel):
    return add_gene(curator, panel, "ATXN1", tags=["founder"])


def client_for(role: str, curator=None) -> Client:
    client = Client()
    if role == "curator" and curator is not None:
        client.force_login(curator)
    elif role != "anonymous":
        client.force_login(make_user(getattr(Reviewer.Role, role.upper())))
    return client


def entity_path(entity: Entity, name: str) -> str:
    return reverse(f"panels:{name}", args=[entity.panel_id, entity.entity_type, entity.entity_name])


# Each write path: (URL name, needs the entity, method, data) and the roles it admits.
WRITE_PATHS = {
    "review": ("entity", {"comments": "Seen in two families"}, {"external", "reviewer", "curator"}),
    "add_entity": ("type", {"name": "NEWGENE"}, {"reviewer", "curator"}),
    "edit_entity": ("entity", {"comment": "tidy"}, {"curator"}),
    "rate_entity": ("entity", {"rating": "GREEN"}, {"curator"}),
    "tag_entity": ("entity", {"tags": "a, b"}, {"curator"}),
    "mark_entity": ("entity", {"ready": "1"}, {"curator"}),
    "approve_entity": ("entity", {}, {"curator"}),
    "clear_sources": ("entity", {}, {"curator"}),
    "remove_entity": ("entity", {}, {"curator"}),
    "create_panel": ("none", {"name": "New", "status": "internal"}, {"curator"}),
    "update_panel": ("panel", {"name": "Renamed", "status": "public"}, {"curator"}),
    "promote_panel": ("panel", {"comment": "Reviewed"}, {"curator"}),
    "mark_not_ready": ("panel", {}, {"curator"}),
    "copy_reviews": ("panel", {}, {"curator"}),
}


def path_for(name: str, kind: str, entity: Entity) -> str:
    if kind == "entity":
        return entity_path(entity, name)
    if kind == "type":
        return reverse(f"panels:{name}", args=[entity.panel_id, "gene"])
    if kind == "panel":
        return reverse(f"panels:{name}", args=[entity.panel_id])
    return reverse(f"panels:{name}")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(WRITE_PATHS))
def test_each_write_path_admits_exactly_its_roles(name, role, curator, entity):
    kind, data, admitted = WRITE_PATHS[name]

    response = client_for(role, curator).post(path_for(name, kind, entity), data)

    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif role in admitted:
        assert response.status_code in {200, 302, 400}, response.content[:300]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("action", ["approve", "reject", "retire", "delete"])
@pytest.mark.parametrize("role", ["external", "reviewer"])
def test_only_curators_change_a_panels_status(action, role, curator, panel):
    response = client_for(role).post(reverse("panels:change_status", args=[panel.pk, action]))

    assert response.status_code == 403
    panel.refresh_from_db()
    assert panel.status == Panel.Status.PUBLIC


def test_a_post_without_the_csrf_token_is_refused(curator, entity):
    client = Client(enforce_csrf_checks=True)
    client.force_login(curator)

    response = client.post(entity_path(entity, "rate_entity"), {"rating": "GREEN"})

    assert response.status_code == 403
    entity.refresh_from_db()
    assert entity.confidence_level == 0


def test_a_reviewer_reviews_then_changes_the_review(entity):
    reviewer = make_user(Reviewer.Role.REVIEWER)
    client = Client()
    client.force_login(reviewer)
    review = {"rating": "GREEN", "mode_of_inheritance": "BIALLELIC, autosomal or pseudoautosomal"}

    first = client.post(entity_path(entity, "review"), {**review, "publications": "12345\n67890"})
    second = client.post(entity_path(entity, "review"), {**review, "rating": "RED", "comments": "On reflection"})

    assert first.status_code == second.status_code == 302
    saved = Evaluation.objects.get(entity=entity, user=reviewer)
    assert (saved.rating, saved.publications) == ("RED", [])
    assert [comment.text for comment in saved.thread.all()] == ["On reflection"]
    assert client.get(entity_path(entity, "review")).context["form"].initial["rating"] == "RED"


def test_an_external_user_may_only_comment(entity):
    client = client_for("external")

    response = client.post(entity_path(entity, "review"), {"rating": "GREEN", "comments": "Interesting"})

    assert response.status_code == 302
    assert list(Evaluation.objects.filter(entity=entity).values_list("rating", "thread__text")) == [("", "Interesting")]


def test_an_empty_review_is_a_clear_error(entity):
    response = client_for("reviewer").post(entity_path(entity, "review"), {})

    assert response.status_code == 400
    assert b"Give a rating or a comment." in response.content


def test_a_reviewer_adds_a_gene_with_a_review(panel):
    services_gene = add_gene  # the gene must exist in the reference data
    assert services_gene
    from tests.panels.factories import make_gene

    make_gene("NEWGENE")
    reviewer = make_user(Reviewer.Role.REVIEWER)
    client = Client()
    client.force_login(reviewer)

    response = client.post(
        reverse("panels:add_entity", args=[panel.pk, "gene"]),
        {"name": "NEWGENE", "review-rating": "AMBER", "review-comments": "Single case"},
    )

    assert response.status_code == 302
    added = panel.entities.get(entity_name="NEWGENE")
    assert list(added.evidence.values_list("name", flat=True)) == ["Expert list"]
    assert Evaluation.objects.get(entity=added).rating == "AMBER"


def test_adding_an_unknown_gene_symbol_is_a_clear_error_and_adds_nothing(curator, panel):
    response = client_for("curator", curator).post(
        reverse("panels:add_entity", args=[panel.pk, "gene"]), {"name": "NOTAGENE"}
    )

    assert response.status_code == 400
    assert b"Unknown gene symbol" in response.content
    assert not panel.entities.exists()


def test_a_curator_rating_sets_the_confidence_and_returns_to_the_entity_saying_so(curator, panel, entity):
    client = client_for("curator", curator)

    response = client.post(entity_path(entity, "rate_entity"), {"rating": "GREEN", "base_version": "0.1"})

    assert response.status_code == 302 and response["Location"] == entity_path(entity, "entity_in_panel")
    assert [str(m) for m in response.wsgi_request._messages] == ["Rating saved."]
    entity.refresh_from_db()
    panel.refresh_from_db()
    assert (entity.confidence_level, panel.version) == (3, "0.2")


def test_the_same_form_without_javascript_redirects_to_the_entity(curator, entity):
    response = client_for("curator", curator).post(entity_path(entity, "tag_entity"), {"tags": "b, a"})

    assert response.status_code == 302 and response["Location"] == entity_path(entity, "entity_in_panel")
    assert sorted(entity.tags.values_list("name", flat=True)) == ["a", "b"]


def test_a_stale_entity_form_is_refused_and_shows_what_changed(curator, panel, entity):
    opened_at = panel.version
    services.update_entity(curator, entity, phenotypes=["Ataxia"])
    client = client_for("curator", curator)

    response = client.post(
        entity_path(entity, "edit_entity"), {"base_version": opened_at, "penetrance": "Complete", "tags": "founder"}
    )

    assert response.status_code == 409
    assert b"changed while you were editing it" in response.content
    assert b"ATXN1: changed phenotypes" in response.content
    entity.refresh_from_db()
    assert entity.penetrance is None


def test_a_stale_quick_change_is_not_saved_and_says_why(curator, panel, entity):
    services.update_entity(curator, entity, phenotypes=["Ataxia"])

    response = client_for("curator", curator).post(
        entity_path(entity, "tag_entity"), {"tags": "x", "base_version": "0.1"}
    )

    assert response.status_code == 302
    [message] = [str(m) for m in response.wsgi_request._messages]
    assert message.startswith("Not saved: Panel Hereditary ataxia changed since version 0.1")
    assert sorted(entity.tags.values_list("name", flat=True)) == ["founder"]


def test_a_curator_creates_a_super_panel_of_two_panels(curator, panel):
    other = make_panel(curator, name="Spastic paraplegia")

    response = client_for("curator", curator).post(
        reverse("panels:create_panel"),
        {"name": "Neurology super panel", "status": "public", "child_panels": [panel.pk, other.pk]},
    )

    assert response.status_code == 302
    created = Panel.objects.get(name="Neurology super panel")
    assert set(created.child_panels.all()) == {panel, other}


def test_a_curator_promotes_and_contributors_are_e_mailed(
    curator, panel, entity, mailoutbox, django_capture_on_commit_callbacks
):
    reviewer = make_user(Reviewer.Role.REVIEWER)
    reviewer.email = "reviewer@example.org"
    reviewer.save()
    services.review_entity(reviewer, entity, rating="GREEN")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("curator", curator).post(
            reverse("panels:promote_panel", args=[panel.pk]),
            {"comment": "Signed off by the GMS", "base_version": "0.1"},
        )

    assert response.status_code == 302
    panel.refresh_from_db()
    assert panel.version == "1.0"
    assert [m.to for m in mailoutbox] == [["reviewer@example.org"]]


@pytest.mark.parametrize("action,status", [("approve", "public"), ("retire", "retired"), ("delete", "deleted")])
def test_a_curator_changes_a_panels_status_and_keeps_its_versions(curator, action, status):
    panel = make_panel(curator, status=Panel.Status.INTERNAL if action == "approve" else Panel.Status.PUBLIC)

    response = client_for("curator", curator).post(reverse("panels:change_status", args=[panel.pk, action]))

    assert response.status_code == 302
    panel.refresh_from_db()
    assert panel.status == status
    assert panel.snapshots.count() == 2


def test_an_unknown_panel_action_is_refused(curator, panel):
    client = client_for("curator", curator)

    # /panels/<id>/<name>/ is upstream's older address of an entity: read-only, and no entity is called "explode".
    assert client.post(f"/panels/{panel.pk}/explode/").status_code == 405
    assert client.get(f"/panels/{panel.pk}/explode/", follow=True).status_code == 404


def test_a_curator_copies_reviews_between_panels(curator, panel, entity):
    reviewer = make_user(Reviewer.Role.REVIEWER)
    services.review_entity(reviewer, entity, rating="GREEN")
    target = make_panel(curator, name="Copy target")
    add_gene(curator, target, "ATXN1")

    response = client_for("curator", curator).post(
        reverse("panels:copy_reviews", args=[target.pk]), {"source": panel.pk}
    )

    assert response.status_code == 302
    assert Evaluation.objects.filter(entity__panel=target, user=reviewer).count() == 1


def rating_queries(client: Client, entity: Entity, rating: str) -> int:
    from django.db import connection

    with CaptureQueriesContext(connection) as queries:
        response = client.post(entity_path(entity, "rate_entity"), {"rating": rating})
    assert response.status_code == 302
    return len(queries)


def test_a_curator_write_takes_the_same_queries_on_a_small_and_a_large_panel(curator, panel, entity):
    client = client_for("curator", curator)
    rating_queries(client, entity, "GREEN")
    small = rating_queries(client, entity, "RED")
    for number in range(30):
        add_gene(curator, panel, f"BIG{number}", tags=[f"t{number}"])

    assert rating_queries(client, entity, "GREEN") == small


def test_the_review_page_takes_the_same_queries_on_a_small_and_a_large_panel(curator, panel, entity):
    from django.db import connection

    client = client_for("reviewer")

    def review_page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(entity_path(entity, "review")).status_code == 200
        return len(queries)

    small = review_page_queries()
    for number in range(30):
        services.review_entity(make_user(Reviewer.Role.REVIEWER), entity, rating="GREEN")
        add_gene(curator, panel, f"BIG{number}")
    assert review_page_queries() == small


def test_copying_many_reviews_runs_as_a_task_and_notifies_the_curator(curator, panel, entity, monkeypatch, settings):
    from notifications.models import Notification
    from panels import curation

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    monkeypatch.setattr(curation, "COPY_IN_REQUEST_LIMIT", 0)
    services.review_entity(make_user(Reviewer.Role.REVIEWER), entity, rating="GREEN")
    target = make_panel(curator, name="Copy target")
    add_gene(curator, target, "ATXN1")

    response = client_for("curator", curator).post(
        reverse("panels:copy_reviews", args=[target.pk]), {"source": panel.pk}
    )

    from django.tasks import default_task_backend

    [result] = default_task_backend.results
    assert response.status_code == 302 and result.args == [curator.pk, panel.pk, target.pk]
    assert not Evaluation.objects.filter(entity__panel=target).exists()  # not copied in the request
    assert result.task.call(*result.args) == 1
    assert result.task.call(*result.args) == 0  # redelivered: nothing copied twice
    assert Notification.objects.filter(user=curator, subject__contains="reviews copied into Copy target").count() == 2


def test_a_contributor_sees_the_promotion_among_their_notifications(curator, panel, entity):
    reviewer = make_user(Reviewer.Role.REVIEWER)
    services.review_entity(reviewer, entity, rating="GREEN")
    services.promote_and_notify(curator, panel, comment="Reviewed")
    client = Client()
    client.force_login(reviewer)

    page = client.get("/accounts/profile/").content.decode()

    assert "PanelApp: Hereditary ataxia promoted to version 1.0" in page
    assert f'href="/panels/{panel.pk}/"' in page


# --- One definition of curator: a superuser may do all a curator by role may -------------


def a_superuser():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("root", is_staff=True, is_superuser=True)  # no reviewer profile


CURATOR_KINDS = {"curator by role": lambda: make_user(Reviewer.Role.CURATOR), "superuser": a_superuser}


def _signed_off(panel) -> set[str]:
    return {s.version for s in panel.snapshots.filter(signed_off_date__isnull=False)}


def _capability(name: str, client: Client, entity: Entity):
    """Use one curator capability through the site; return what it changed, to compare with what it should."""
    from datetime import date

    from tests.panels.factories import make_gene

    panel = entity.panel
    panel_path = lambda view, *args: reverse(f"panels:{view}", args=[panel.pk, *args])  # noqa: E731
    if name == "rate":
        client.post(entity_path(entity, "rate_entity"), {"rating": "GREEN"})
        entity.refresh_from_db()
        return entity.confidence_level
    if name == "tag":
        client.post(entity_path(entity, "tag_entity"), {"tags": "curated"})
        return sorted(entity.tags.values_list("name", flat=True))
    if name == "mark ready":
        client.post(entity_path(entity, "mark_entity"), {"ready": "1"})
        entity.refresh_from_db()
        return entity.ready
    if name == "edit entity":
        client.post(entity_path(entity, "edit_entity"), {"penetrance": "Complete", "tags": "founder"})
        entity.refresh_from_db()
        return entity.penetrance
    if name == "clear sources":
        client.post(entity_path(entity, "clear_sources"))
        return list(entity.evidence.values_list("name", flat=True))
    if name == "remove entity":
        client.post(entity_path(entity, "remove_entity"))
        return panel.entities.filter(pk=entity.pk).exists()
    if name == "add entity":
        make_gene("NEWGENE")
        client.post(panel_path("add_entity", "gene"), {"name": "NEWGENE"})
        return panel.entities.filter(entity_name="NEWGENE").exists()
    if name == "create panel":
        client.post(reverse("panels:create_panel"), {"name": "Made by a curator", "status": "internal"})
        return Panel.objects.filter(name="Made by a curator").exists()
    if name == "edit panel":
        client.post(panel_path("update_panel"), {"name": "Renamed ataxia", "status": "public"})
        panel.refresh_from_db()
        return panel.name
    if name == "promote":
        client.post(panel_path("promote_panel"), {"comment": "Reviewed"})
        panel.refresh_from_db()
        return panel.major_version
    if name == "retire":
        client.post(panel_path("change_status", "retire"))
        panel.refresh_from_db()
        return panel.status
    if name == "mark all not ready":
        services.set_entity_ready(make_user(Reviewer.Role.CURATOR), entity, ready=True)
        client.post(panel_path("mark_not_ready"))
        entity.refresh_from_db()
        return entity.ready
    if name == "copy reviews":
        target = make_panel(make_user(Reviewer.Role.CURATOR), name="Copy target")
        add_gene(make_user(Reviewer.Role.CURATOR), target, "ATXN1")
        services.review_entity(make_user(Reviewer.Role.REVIEWER), entity, rating="RED")
        client.post(reverse("panels:copy_reviews", args=[target.pk]), {"source": panel.pk})
        return Evaluation.objects.filter(entity__panel=target).count()
    if name == "sign off":
        client.post(panel_path("sign_off"), {"version": "0.0", "signed_off_date": "2025-03-31"})
        return _signed_off(panel)
    if name == "withdraw sign-off":
        services.sign_off(make_user(Reviewer.Role.CURATOR), panel, version="0.0", signed_off_date=date(2025, 3, 31))
        client.post(panel_path("withdraw_sign_off", "0.0"))
        return _signed_off(panel)
    if name == "see internal panels":
        internal = make_panel(make_user(Reviewer.Role.CURATOR), name="Draft", status=Panel.Status.INTERNAL)
        return client.get(reverse("panels:detail", args=[internal.pk])).status_code
    if name == "approve reviewers":
        return client.get(reverse("accounts:pending_reviewers")).status_code
    if name == "import files":
        return client.get(reverse("imports:admin")).status_code
    raise AssertionError(name)


CAPABILITIES = {
    "rate": 3,
    "tag": ["curated"],
    "mark ready": True,
    "edit entity": "Complete",
    "clear sources": [],
    "remove entity": False,
    "add entity": True,
    "create panel": True,
    "edit panel": "Renamed ataxia",
    "promote": 1,
    "retire": "retired",
    "mark all not ready": False,
    "copy reviews": 1,
    "sign off": {"0.0"},
    "withdraw sign-off": set(),
    "see internal panels": 200,
    "approve reviewers": 200,
    "import files": 200,
}


@pytest.mark.parametrize("kind", sorted(CURATOR_KINDS))
@pytest.mark.parametrize("capability", sorted(CAPABILITIES))
def test_every_curator_capability_works_for_a_curator_by_role_and_a_superuser(kind, capability, entity):
    client = Client()
    client.force_login(CURATOR_KINDS[kind]())

    assert _capability(capability, client, entity) == CAPABILITIES[capability]


def test_a_superusers_rating_changes_the_confidence_and_says_so(entity):
    client = Client()
    client.force_login(a_superuser())

    response = client.post(entity_path(entity, "rate_entity"), {"rating": "RED"}, follow=True)

    assert "Rating saved." in response.content.decode()
    entity.refresh_from_db()
    assert entity.confidence_level == 1
    assert client.get(f"/api/v1/panels/{entity.panel_id}/").json()["genes"][0]["confidence_level"] == "1"


# --- The curators' menu in the site header ------------------------------------------------


def menu(client: Client) -> str:
    page = client.get(reverse("panels:list")).content.decode()
    found = re.search(r'<details class="curator-menu">.*?</details>', page, re.S)
    return found.group(0) if found else ""


@pytest.mark.parametrize("kind", sorted(CURATOR_KINDS))
def test_curators_find_their_tools_in_the_header_with_the_reviewers_waiting(kind):
    from accounts.models import Reviewer as Profile
    from django.utils import timezone

    waiting = make_user(Profile.Role.EXTERNAL)
    Profile.objects.filter(user=waiting).update(approval=Profile.Approval.PENDING, email_verified_at=timezone.now())
    client = Client()
    client.force_login(CURATOR_KINDS[kind]())

    links = dict(re.findall(r'<a href="([^"]+)">([^<]+)', menu(client)))

    expected = {
        "/panels/create/": "Create a panel",
        "/panels/admin/": "Imports",
        "/content/files/": "Home page files",
        "/accounts/reviewers/": "Reviewers waiting ",
    }
    if kind == "superuser":  # staff: the admin too
        expected[reverse("admin:index")] = "Admin"
    assert links == expected
    assert 'curator-menu__count--waiting">1</span>' in menu(client)


@pytest.mark.parametrize("role", ["anonymous", "external", "reviewer"])
def test_readers_and_reviewers_see_no_curator_menu_and_load_no_curation_assets(role):
    client = client_for(role)

    page = client.get(reverse("panels:list")).content.decode()

    assert menu(client) == ""
    assert ("curation.js" in page) is (role != "anonymous")  # signed-in users confirm their own deletions


@pytest.mark.parametrize("level,rating", [(0, None), (1, "RED"), (2, "AMBER"), (3, "GREEN")])
def test_the_curator_rating_form_shows_the_entitys_current_rating(curator, entity, level, rating):
    if rating:
        services.review_entity(curator, entity, rating=rating)
    entity.refresh_from_db()
    assert entity.confidence_level == level

    page = client_for("curator", curator).get(entity_path(entity, "entity_in_panel"))

    assert page.context["tools"]["rating_form"].initial["rating"] == rating
