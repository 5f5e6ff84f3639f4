"""Download file names: the panel's name and version, safe characters only, ASCII and UTF-8 in the header."""

import pytest
from panels.file_names import attachment_header, panel_file_name


def test_a_panel_file_is_named_after_the_panel_and_its_version():
    assert panel_file_name("Hereditary ataxia", "1.2", "tsv") == "Hereditary ataxia-v1.2.tsv"


def test_details_follow_the_version():
    assert panel_file_name("Hereditary ataxia", "1.2", "bed", "GRCh38", "34") == "Hereditary ataxia-v1.2-GRCh38-34.bed"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Cardiac/arrhythmia: long QT?", "Cardiac_arrhythmia_ long QT_-v1.0.tsv"),
        ('Say "hi"\r\nX-Evil: 1', "Say _hi_X-Evil_ 1-v1.0.tsv"),
        ("..hidden", "hidden-v1.0.tsv"),
        ("right\u202eexe.tsv", "right_exe.tsv-v1.0.tsv"),
        ("\u200b", "_-v1.0.tsv"),
        ("", "panel-v1.0.tsv"),
    ],
)
def test_characters_a_file_system_or_shell_could_misread_are_replaced(name, expected):
    assert panel_file_name(name, "1.0", "tsv") == expected


def test_a_very_long_name_is_cut_so_the_file_name_stays_within_file_system_limits():
    assert len(panel_file_name("a" * 1000, "10.200", "tsv").encode()) < 255


def test_an_ascii_name_is_sent_as_filename_alone():
    assert attachment_header("Hereditary ataxia-v1.2.tsv") == 'attachment; filename="Hereditary ataxia-v1.2.tsv"'


def test_a_name_outside_ascii_is_sent_as_filename_and_utf8_filename_star():
    header = attachment_header(panel_file_name("Ataxie héréditaire 遺伝性", "1.2", "tsv"))

    assert header == (
        'attachment; filename="Ataxie hereditaire ___-v1.2.tsv"; '
        "filename*=UTF-8''Ataxie%20h%C3%A9r%C3%A9ditaire%20%E9%81%BA%E4%BC%9D%E6%80%A7-v1.2.tsv"
    )
