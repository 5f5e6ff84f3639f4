"""The reviews file: each row a review of a gene on a panel; a curator's rating is a decision."""

import pytest
from accounts.models import Reviewer
from panels.models import Evaluation

from tests.imports.conftest import run_command
from tests.imports.files import BIALLELIC, review_row, reviews_file
from tests.panels.factories import add_gene, make_panel, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def panel(curator):
    panel = make_panel(curator, name="Reviewed panel")
    add_gene(curator, panel, "BRCA1", sources=["Literature"])
    add_gene(curator, panel, "TP53", sources=["Literature"])
    panel.refresh_from_db()
    return panel


def test_curator_ratings_make_one_new_version_and_set_confidence(panel, curator, tmp_path, capsys):
    content = reviews_file(
        review_row("BRCA1", "Reviewed panel", "curator"),
        review_row("TP53", "Reviewed panel", "curator", Rate="Red List (low evidence)", Model_Of_Inheritance=BIALLELIC),
    )
    version_before = panel.version

    status, out, err = run_command("reviews", content, tmp_path, capsys=capsys)

    assert (status, err) == (0, "")
    panel.refresh_from_db()
    assert panel.minor_version == int(version_before.split(".")[1]) + 1
    assert f"now at version {panel.version}" in out
    levels = dict(panel.entities.values_list("entity_name", "confidence_level"))
    assert levels == {"BRCA1": 3, "TP53": 1}
    review = Evaluation.objects.get(entity__entity_name="TP53")
    assert (review.rating, review.mode_of_inheritance, review.current_diagnostic) == ("RED", BIALLELIC, True)
    assert [comment.text for comment in review.thread.all()] == ["Strong evidence in three families."]


def test_a_reviewer_s_opinion_is_recorded_without_a_new_version(panel, tmp_path, capsys):
    make_user(Reviewer.Role.REVIEWER, username="reviewer")
    version_before = panel.version

    status, _, _ = run_command("reviews", reviews_file(review_row("BRCA1", "Reviewed panel", "reviewer")), tmp_path,
                               capsys=capsys)  # fmt: skip

    assert status == 0
    panel.refresh_from_db()
    assert panel.version == version_before
    assert Evaluation.objects.get().user.username == "reviewer"
    assert panel.entities.get(entity_name="BRCA1").confidence_level == 0


def test_a_gene_not_on_the_panel_is_reported(panel, tmp_path, capsys):
    from tests.panels.factories import make_gene

    make_gene("CFTR")

    status, _, err = run_command("reviews", reviews_file(review_row("CFTR", "Reviewed panel", "curator")), tmp_path,
                                 capsys=capsys)  # fmt: skip

    assert status == 1
    assert "row 2, column 'Gene_Symbol': CFTR is not on panel 'Reviewed panel'." in err
    assert not Evaluation.objects.exists()
