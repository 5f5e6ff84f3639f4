"""The curators' import pages: who may see them, what they show, and queries independent of history."""

import pytest
from accounts.models import Reviewer
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from panels.imports import jobs
from panels.imports.models import ImportJob

from tests.panels.factories import make_user

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/panels/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_reviewers_who_are_not_curators_are_refused(client):
    client.force_login(make_user(Reviewer.Role.REVIEWER))
    assert client.get("/panels/admin/").status_code == 403
    assert client.post("/panels/admin/import/", {"kind": "panels", "upload": "x"}).status_code == 403


def test_the_upload_page_offers_the_three_imports_and_explains_the_script(client, curator):
    client.force_login(curator)

    page = client.get("/panels/admin/").content.decode()

    for heading in ("Import panels", "Import reviews", "Import gene data"):
        assert f">{heading}</h2>" in page
    assert page.count('class="import-form"') == 3
    assert "<noscript>" in page and "manage.py import_panels" in page
    assert "imports/upload.js" in page


def test_a_failed_import_s_page_lists_every_row_error(client, curator):
    job = jobs.create_job("panels", source="x", file_name="panel.tsv", user=curator)
    ImportJob.objects.filter(pk=job.pk).update(
        status="failed",
        errors=[
            {"row": 2, "column": "Gene Symbol", "message": "Unknown gene symbol 'NOPE1'."},
            {"row": None, "column": "", "message": "The file is empty."},
        ],
    )
    client.force_login(curator)

    page = client.get(reverse("imports:job", args=[job.pk])).content.decode()

    assert "<td>2</td><td>Gene Symbol</td><td>Unknown gene symbol &#x27;NOPE1&#x27;.</td>" in page
    assert "<td>whole file</td><td></td><td>The file is empty.</td>" in page


def test_the_upload_page_s_queries_do_not_grow_with_the_number_of_imports(client, curator, django_assert_num_queries):
    client.force_login(curator)
    jobs.create_job("panels", source="x", file_name="a.tsv", user=curator)
    client.get("/panels/admin/")  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:  # session, user, reviewer (policy), the menu's, recent imports
        client.get("/panels/admin/")
    for number in range(40):
        jobs.create_job("panels", source="x", file_name=f"{number}.tsv", user=curator)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/panels/admin/")


def test_operators_see_imports_read_only_in_the_admin(client, django_user_model, settings):
    admin = django_user_model.objects.create_superuser("operator", "operator@example.org", "pw")
    job = jobs.create_job("genes", source="s3://bucket/hgnc.txt", file_name="hgnc.txt")
    client.force_login(admin)

    listing = client.get(f"/{settings.DJANGO_ADMIN_URL}imports/importjob/")

    assert listing.status_code == 200 and "hgnc.txt" in listing.content.decode()
    assert client.get(f"/{settings.DJANGO_ADMIN_URL}imports/importjob/add/").status_code == 403
    assert client.get(f"/{settings.DJANGO_ADMIN_URL}imports/importjob/{job.pk}/change/").status_code == 200  # view only
