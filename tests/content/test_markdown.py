"""Curators' Markdown renders to HTML that is safe on our pages and holds under the CSP."""

import pytest
from content.markdown import render


def test_raw_html_is_shown_as_text_never_applied():
    html = render('<script>alert(1)</script>\n\nHello <b onclick="x()">there</b>').html

    assert "<script" not in html and "<b " not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b onclick=&quot;x()&quot;&gt;" in html


@pytest.mark.parametrize(
    "address",
    ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "vbscript:msgbox(1)", "data:text/html,hi"],
)
def test_a_link_to_a_script_or_data_address_stays_plain_text(address):
    rendered = render(f"[click]({address})")

    assert "<a" not in rendered.html
    assert rendered.refused == [address.strip()]


@pytest.mark.parametrize(
    "address", ["https://www.omim.org/", "http://example.org/a", "mailto:panelapp@example.org", "/panels/", "#faq"]
)
def test_web_mail_and_site_links_are_kept(address):
    rendered = render(f"[somewhere]({address})")

    assert f'<a href="{address}">somewhere</a>' in rendered.html
    assert rendered.refused == []


def test_an_image_uploaded_here_is_shown():
    html = render("![Panel workflow](/content/files/3/workflow.png)").html

    assert '<img src="/content/files/3/workflow.png" alt="Panel workflow" />' in html


@pytest.mark.parametrize("address", ["https://tracker.example.com/pixel.png", "//evil.example.com/a.png"])
def test_an_image_from_another_site_is_refused_and_its_text_shown(address):
    rendered = render(f"![A diagram]({address})")

    assert "<img" not in rendered.html
    assert "A diagram" in rendered.html
    assert rendered.refused == [address]


def test_table_alignment_is_a_class_not_an_inline_style():
    html = render("| Rating | Level |\n|:--|--:|\n| Green | 3 |").html

    assert "style=" not in html
    assert '<td class="md-align-right">3</td>' in html


def test_headings_start_below_the_tab_title():
    html = render("# Top\n\n## Section\n\n### Detail").html

    assert "<h1" not in html and "<h2" not in html
    assert "<h3>Top</h3>" in html and "<h3>Section</h3>" in html and "<h4>Detail</h4>" in html


def test_tables_lists_and_emphasis_render():
    html = render("- **bold** and *em* and ~~gone~~\n\n| a |\n|---|\n| b |").html

    assert "<strong>bold</strong>" in html and "<em>em</em>" in html and "<s>gone</s>" in html
    assert "<table>" in html
