"""A file's name is shown on pages and in e-mail subjects: cleaned where it enters, and the e-mail survives old rows."""

import pytest
from django.core.management import load_command_class
from django.urls import reverse
from notifications.models import Notification
from panels.imports.models import ImportJob
from panels.imports.tasks import run_import
from serverless.models import TaskRecord

from tests.imports.conftest import drain
from tests.imports.files import gene_row, panel_file
from tests.panels.factories import make_gene

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("production_mailers")]

HOSTILE_NAME = "name\r\nBcc: evil@example.org.tsv"


def old_job(tmp_path, curator, file_name: str, content: bytes) -> ImportJob:
    """A job as rows written before names were cleaned hold them: straight into the table."""
    path = tmp_path / "panel.tsv"
    path.write_bytes(content)
    return ImportJob.objects.create(kind="panels", source=str(path), file_name=file_name, user=curator)


@pytest.mark.parametrize("good", [True, False], ids=["imported", "not imported"])
def test_an_old_import_with_a_line_break_in_its_name_is_still_e_mailed(
    good, tmp_path, curator, queues, worker, lambda_context, mailoutbox
):
    make_gene("BRCA1")
    content = panel_file(gene_row("BRCA1" if good else "NOPE1"))
    job = old_job(tmp_path, curator, HOSTILE_NAME, content)
    run_import.enqueue(str(job.pk))

    responses = drain(queues, worker, lambda_context)

    assert all(response == {"batchItemFailures": []} for response in responses)
    assert set(TaskRecord.objects.values_list("task_path", "status")) == {
        ("panels.imports.tasks.run_import", "SUCCESSFUL"),
        *([("panels.imports.tasks.import_part", "SUCCESSFUL")] if good else []),
        ("serverless.tasks.mail.send_email", "SUCCESSFUL"),
    }
    [mail] = mailoutbox
    verb = "imported" if good else "was not imported"
    assert mail.subject == f"PanelApp: name Bcc: evil@example.org.tsv {verb}"
    assert mail.recipients() == ["curator@example.org"] and mail.message()["Bcc"] is None


def test_a_name_of_255_characters_still_fits_the_notification_s_subject(
    tmp_path, curator, queues, worker, lambda_context, mailoutbox
):
    job = old_job(tmp_path, curator, "p" * 251 + ".tsv", panel_file(gene_row("NOPE1")))
    run_import.enqueue(str(job.pk))

    drain(queues, worker, lambda_context)

    notification = Notification.objects.get(user=curator)
    assert len(notification.subject) <= 255 and notification.subject.endswith("….tsv was not imported")
    assert notification.url == reverse("imports:job", args=[job.pk])
    assert len(mailoutbox) == 1


def test_a_command_s_file_name_is_cleaned(tmp_path, capsys):
    make_gene("BRCA1")
    path = tmp_path / "bad\nname\u202e.tsv"
    path.write_bytes(panel_file(gene_row("BRCA1")))
    command = load_command_class("panels", "import_panels")

    command.run_from_argv(["manage.py", "import_panels", str(path)])

    assert ImportJob.objects.get().file_name == "bad name .tsv"
    assert "bad name .tsv: 1 rows imported." in capsys.readouterr().out
