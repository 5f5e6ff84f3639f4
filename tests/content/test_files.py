"""Curators upload images and files for the home page; everyone reaches them through a stable address."""

import pytest
from content.models import HomeFile
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.content.conftest import PNG

pytestmark = pytest.mark.django_db

FILES = reverse("content:files")


def upload(client, name: str, content: bytes, title: str = "Workflow"):
    return client.post(FILES, {"title": title, "file": SimpleUploadedFile(name, content)})


def test_an_uploaded_image_gives_its_markdown(curator_client, media):
    response = upload(curator_client, "work flow.png", PNG)

    stored = HomeFile.objects.get()
    assert response.status_code == 302
    assert stored.is_image and stored.size == len(PNG)
    assert stored.markdown == f"![Workflow](/content/files/{stored.pk}/work_flow.png)"
    page = curator_client.get(response["Location"]).content.decode()
    assert f'value="{stored.markdown}"' in page


def test_an_upload_leaves_a_line_in_the_admin_log(curator_client, curator, media):
    upload(curator_client, "logo.png", PNG)

    entry = LogEntry.objects.get(object_id=str(HomeFile.objects.get().pk))
    assert entry.user == curator and entry.action_flag == ADDITION


def test_a_document_links_as_a_download(curator_client, media):
    upload(curator_client, "rules.pdf", b"%PDF-1.7\n...", title="Curation rules")

    stored = HomeFile.objects.get()
    assert not stored.is_image
    assert stored.markdown == f"[Curation rules](/content/files/{stored.pk}/rules.pdf)"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("logo.png", b"<html><script>alert(1)</script></html>"),  # not what its name says
        ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),  # may carry script
        ("page.html", b"<html></html>"),
        ("tool.exe", b"MZ\x90\x00"),
    ],
)
def test_a_file_of_another_type_than_accepted_is_refused(curator_client, media, name, content):
    response = upload(curator_client, name, content)

    assert response.status_code == 400
    assert "accepted type" in response.content.decode()
    assert not HomeFile.objects.exists()


def test_a_file_past_the_size_limit_is_refused(curator_client, media):
    response = upload(curator_client, "big.png", PNG + b"\0" * (900 * 1024))

    assert response.status_code == 400
    assert "at most 900 KB" in response.content.decode()


def test_a_reviewer_may_not_upload(client, reviewer, media):
    client.force_login(reviewer)

    assert upload(client, "logo.png", PNG).status_code == 403
    assert not HomeFile.objects.exists()


def test_anyone_reaches_a_file_through_a_fresh_expiring_link(client, curator_client, media):
    upload(curator_client, "logo.png", PNG)
    stored = HomeFile.objects.get()

    response = client.get(stored.get_absolute_url())

    assert response.status_code == 302 and "token=" in response["Location"]
    assert "max-age=300" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert b"".join(client.get(response["Location"]).streaming_content) == PNG


def test_a_file_address_with_another_name_is_a_404(client, curator_client, media):
    upload(curator_client, "logo.png", PNG)
    stored = HomeFile.objects.get()

    assert client.get(reverse("content:file", args=[stored.pk, "other.png"])).status_code == 404
    assert client.get(reverse("content:file", args=[stored.pk + 1, "logo.png"])).status_code == 404


def test_deleting_a_file_removes_it_from_storage(curator_client, media):
    upload(curator_client, "logo.png", PNG)
    stored = HomeFile.objects.get()
    path = media / stored.file.name

    stored.delete()

    assert not path.exists()


def test_the_admin_renames_a_file_without_sending_it_again(client, curator_client, media, django_user_model):
    upload(curator_client, "logo.png", PNG)
    stored = HomeFile.objects.get()
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "x"))

    response = client.post(reverse("admin:content_homefile_change", args=[stored.pk]), {"title": "Our logo"})

    stored.refresh_from_db()
    assert response.status_code == 302
    assert stored.title == "Our logo" and stored.is_image and stored.file_name == "logo.png"


def test_an_upload_without_a_file_is_a_400_saying_so(curator_client, media):
    response = curator_client.post(FILES, {"title": "Nothing"})

    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
