"""Entity names: what may be stored, and that no stored name takes a page down.

A name is part of its entity's address (``/panels/<id>/<type>/<name>/``), so a
name that cannot be routed once broke every page that links to it.
"""

import re

import pytest
from accounts.models import Reviewer
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from panels import services
from panels.converters import entity_segment
from panels.models import Activity, Entity

from tests.panels.factories import MOI, add_gene, add_region, make_panel, make_user

pytestmark = pytest.mark.django_db

REGION = {
    "chromosome": "1",
    "grch38_start": "1",
    "grch38_end": "2",
    "review-rating": "GREEN",
    "review-comments": "ok",
}
# Names rows may already hold, written before names were checked (or by SQL): every shape.
STORED_NAMES = [
    "ISCA-7/7",
    "/",
    "a/../b",
    "50%",
    "%2F",
    "a%41",
    "what?",
    "C#1",
    "two words",
    " leading",
    "trailing ",
    "é✓ 漢字",
    ".",
    "..",
    "...",
    "add",
    "review",
    "\\back",
    "<b>&amp;",
    "tab\there",
    "",
]
PAGES_FOR_EVERYONE = ["panels:list", "panels:entities", "panels:activity", "panels:compare_form"]


def signed_in(user) -> Client:
    """A browser that signs in and sends CSRF tokens as a real one does."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def csrf_post(client: Client, path: str, data: dict, *, form_page: str | None = None):
    """Open the page holding the form (``path`` itself by default), then send it with that page's token."""
    page = client.get(form_page or path)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    return client.post(path, {**data, "csrfmiddlewaretoken": token})


def stored_as_is(curator, panel, name: str, entity_type: str = Entity.Type.REGION) -> Entity:
    """A row as an older version of the site could have written it, then rated (a version) and commented on."""
    entity = Entity.objects.create(panel=panel, entity_type=entity_type, entity_name=name, mode_of_inheritance=MOI)
    services.review_entity(curator, entity, rating="GREEN")
    services.review_entity(curator, entity, comments="Seen before names were checked")  # the entity's activity
    return entity


# --- Refused at entry --------------------------------------------------------------


def test_a_reviewer_adding_a_region_named_with_a_slash_is_told_why_and_the_site_stays_up(curator, panel):
    reviewer = make_user(Reviewer.Role.REVIEWER)
    path = reverse("panels:add_entity", args=[panel.pk, "region"])

    response = csrf_post(signed_in(reviewer), path, {"name": "ISCA-7/7", **REGION})

    assert response.status_code == 400
    assert "&#x27;/&#x27; is not allowed" in response.content.decode()
    assert not panel.entities.exists()
    assert Client().get(reverse("panels:activity")).status_code == 200


def test_a_curator_adding_a_region_named_with_a_slash_is_told_why(curator, panel):
    path = reverse("panels:add_entity", args=[panel.pk, "region"])

    response = csrf_post(signed_in(curator), path, {"name": "ISCA-7/7", **REGION})

    assert response.status_code == 400
    assert "cannot be an entity name" in response.content.decode()
    assert not panel.entities.exists()


@pytest.mark.parametrize("name", ["ISCA-7/7", "50%", "what?", "a&b", "tab\there", "<b>", "a:b", "x\\y"])
def test_the_service_refuses_a_name_with_a_character_upstream_could_not_route(curator, panel, name):
    with pytest.raises(ValidationError, match="cannot be an entity name"):
        add_region(curator, panel, name=name)

    assert not panel.entities.exists()


@pytest.mark.parametrize("name", [" ISCA-1", "ISCA-1 "])
def test_the_service_refuses_a_name_that_starts_or_ends_with_a_space(curator, panel, name):
    with pytest.raises(ValidationError, match="starts or ends with a space"):
        add_region(curator, panel, name=name)


@pytest.mark.parametrize("name", [".", "..", "..."])
def test_the_service_refuses_a_name_of_dots_alone(curator, panel, name):
    with pytest.raises(ValidationError, match="only dots"):
        add_region(curator, panel, name=name)


@pytest.mark.parametrize("name", ["ISCA-37404-Loss", "ATXN1_CAG", "A.B$C~D@E#F G", "Région-ü", "add", "1"])
def test_names_of_the_characters_upstream_routes_are_accepted(curator, panel, name):
    entity = add_region(curator, panel, name=name)

    assert entity.entity_name == name


def test_a_panel_file_cannot_add_an_entity_with_such_a_name(curator, panel):
    rows = [{"entity_type": "region", "entity_name": "ISCA-7/7", "gene": None, "sources": ["Literature"]}]

    with pytest.raises(ValidationError, match="'/' is not allowed"):
        services.import_panel(curator, name=panel.name, panel=panel, entities=rows, text="Imported")

    assert not panel.entities.exists()


def test_a_panel_file_still_updates_an_entity_stored_under_such_a_name(curator, panel):
    stored_as_is(curator, panel, "ISCA-7/7")
    rows = [{"entity_type": "region", "entity_name": "ISCA-7/7", "gene": None, "sources": ["Literature"]}]

    _, outcome = services.import_panel(curator, name=panel.name, panel=panel, entities=rows, text="Imported")

    assert outcome == "changed"


def test_the_admin_refuses_such_a_name_on_its_form(curator, panel):
    admin = get_user_model().objects.create_superuser("admin", "admin@example.org", "x")
    client = Client()
    client.force_login(admin)

    response = client.post(
        reverse("admin:panels_entity_add"),
        {"panel": panel.pk, "entity_type": "region", "entity_name": "ISCA-7/7", "mode_of_inheritance": MOI},
    )

    assert response.status_code == 200
    assert "cannot be an entity name" in response.content.decode()
    assert not panel.entities.exists()


# --- Stored names never take a page down ------------------------------------------------


@pytest.mark.parametrize("name", STORED_NAMES)
def test_every_page_that_links_to_an_entity_renders_whatever_its_stored_name(curator, panel, name):
    entity = stored_as_is(curator, panel, name)
    other = make_panel(curator, name="Other panel")
    add_gene(curator, other, "BRCA1")
    reviewer = make_user(Reviewer.Role.REVIEWER)
    services.review_entity(reviewer, entity, rating="GREEN", comments="ok")
    anonymous, mine = Client(), Client()
    mine.force_login(reviewer)

    pages = [reverse(page) for page in PAGES_FOR_EVERYONE] + [
        reverse("panels:detail", args=[panel.pk]),
        reverse("panels:compare", args=[panel.pk, other.pk]),
        reverse("panels:compare", args=[other.pk, panel.pk]),
        reverse("panels:entity", args=[name]),
        reverse("panels:compare_gene", args=[panel.pk, other.pk, name]),
        reverse("panels:entity_in_panel", args=[panel.pk, "region", name]),
        reverse("panels:list") + "?search=" + name.strip(),
    ]
    statuses = {page: anonymous.get(page).status_code for page in pages}
    statuses["profile"] = mine.get(reverse("accounts:profile")).status_code

    assert set(statuses.values()) == {200}, statuses


@pytest.mark.parametrize("name", STORED_NAMES)
def test_the_links_to_a_stored_entity_lead_to_its_own_page(curator, panel, name):
    stored_as_is(curator, panel, name)
    anonymous = Client()
    links = set()
    for page in (reverse("panels:detail", args=[panel.pk]), reverse("panels:activity")):
        html = anonymous.get(page).content.decode()
        links |= set(re.findall(rf'href="(/panels/{panel.pk}/region/[^"]*)"', html))

    assert links, "no link to the entity"
    for link in links:
        page = anonymous.get(link.replace("&amp;", "&"))
        assert page.status_code == 200, link
        assert page.context["entity"].entity_name == name


@pytest.mark.parametrize("name", ["ISCA-7/7", "add", "..", "50%", " x "])
def test_a_curator_can_edit_then_remove_an_entity_stored_under_any_name(curator, panel, name):
    entity = stored_as_is(curator, panel, name)
    client = signed_in(curator)
    args = [panel.pk, "region", name]

    edit = reverse("panels:edit_entity", args=args)

    edited = csrf_post(client, edit, {"comment": "tidy", "phenotypes": "Ataxia"})
    removed = csrf_post(client, reverse("panels:remove_entity", args=args), {"comment": "renamed"}, form_page=edit)

    assert edited.status_code == 302 and edited["Location"] == reverse("panels:entity_in_panel", args=args)
    assert removed.status_code == 302
    assert not Entity.objects.filter(pk=entity.pk).exists()


def test_an_entity_named_add_has_its_page_and_the_add_form_keeps_its_address(curator, panel):
    add_region(curator, panel, name="add")
    anonymous = Client()

    page = anonymous.get(reverse("panels:entity_in_panel", args=[panel.pk, "region", "add"]))
    form = anonymous.get(f"/panels/{panel.pk}/region/add/")

    assert page.status_code == 200 and page.context["entity"].entity_name == "add"
    assert form.status_code == 302 and "/accounts/login/" in form["Location"]


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/panels/{pk}/region/ISCA-37446-Loss/", "ISCA-37446-Loss"),
        ("/panels/{pk}/gene/BRCA1/", "BRCA1"),
        ("/panels/{pk}/region/two%20words/", "two words"),
        ("/panels/{pk}/region/C%231/", "C#1"),
        ("/panels/entities/BRCA1", None),
        ("/panels/genes/BRCA1", None),
    ],
)
def test_old_links_for_ordinary_names_keep_working(curator, panel, path, name):
    add_gene(curator, panel, "BRCA1")
    for region in ("ISCA-37446-Loss", "two words", "C#1"):
        add_region(curator, panel, name=region)

    response = Client().get(path.format(pk=panel.pk), follow=True)

    assert response.status_code == 200
    if name:
        assert response.context["entity"].entity_name == name


@pytest.mark.parametrize("name", STORED_NAMES)
def test_the_panel_page_builds_the_same_address_as_reverse(name):
    built = f"/panels/1/region/{entity_segment(name)}/"

    assert built == reverse("panels:entity_in_panel", args=[1, "region", name])


@pytest.mark.parametrize("name", [".", ".."])
def test_a_name_of_dots_links_to_an_address_a_browser_does_not_shorten(name):
    # Browsers resolve "." and ".." segments, and their percent-encoded spellings too (WHATWG URL).
    dot_segments = {".", "..", "%2e", "%2e%2e", ".%2e", "%2e."}

    segments = reverse("panels:entity_in_panel", args=[1, "region", name]).lower().split("/")

    assert not dot_segments & set(segments), segments


def test_a_path_with_a_nul_is_not_found_not_an_error(curator, panel):
    response = Client().get(f"/panels/{panel.pk}/region/a%2500b/")

    assert response.status_code == 404


def test_the_activity_of_a_stored_name_links_to_the_entity(curator, panel):
    stored_as_is(curator, panel, "ISCA-7/7")

    html = Client().get(reverse("panels:activity")).content.decode()

    assert Activity.objects.filter(entity_name="ISCA-7/7").exists()
    assert f'href="/panels/{panel.pk}/region/ISCA-7%252F7/"' in html
