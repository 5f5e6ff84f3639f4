"""Curators' Markdown to HTML that is safe on our pages and holds under the site's CSP.

markdown-it-py (CommonMark, plus tables and strikethrough) with raw HTML
switched off: ``<script>`` or ``<b>`` typed into a tab is shown as text,
never passed through. On top of its defaults:

* links go only to ``http``, ``https`` and ``mailto`` addresses or to paths
  of this site; a ``javascript:``/``data:`` link stays plain text;
* images come only from this site (the files curators upload here, served
  from the media bucket through ``/content/files/``): an image elsewhere
  would be a request to a third party on every visit, which the CSP refuses
  anyway, so its alternative text is shown instead;
* table alignment becomes a class (``md-align-right``), not the ``style``
  attribute markdown-it writes, which the CSP (no inline style) would block;
* headings move down one level and start at ``<h3>`` (``#`` and ``##`` are
  ``<h3>``, ``###`` an ``<h4>``): the page has its ``<h1>`` and each tab its
  ``<h2>`` title, so the outline has no gap whichever level a curator starts at.

Callers learn what was refused (``Rendered.refused``) so the edit form can
say so instead of silently dropping it.
"""

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

# Bump when the rules above change: stored HTML rendered by an older version
# is rendered again when shown (content.models.HomeTab.html).
RENDERER_VERSION = 1

LINK_SCHEMES = frozenset({"http", "https", "mailto"})
SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
HEADING_SHIFT = 1
FIRST_HEADING_LEVEL = 3


@dataclass
class Rendered:
    html: str
    # The addresses of links and images that were left out, in the order met.
    refused: list[str] = field(default_factory=list)


def is_allowed_link(url: str) -> bool:
    """``http``, ``https``, ``mailto`` or no scheme at all (a path or fragment on this site)."""
    scheme = SCHEME.match(url.strip())
    return scheme is None or scheme.group(1).lower() in LINK_SCHEMES


def is_local_image(url: str) -> bool:
    """A path on this site: no scheme and no host (``//host/...`` names another site)."""
    url = url.strip()
    return SCHEME.match(url) is None and not url.startswith("//")


def _markdown(refused: list[str]) -> "MarkdownIt":
    # Imported here: the home page reads RENDERER_VERSION on every view, markdown-it only when text is rendered.
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])

    def validate_link(url: str) -> bool:
        if is_allowed_link(url):
            return True
        refused.append(url)
        return False

    md.validateLink = validate_link
    md.core.ruler.push("panelapp_csp_safe", _csp_safe_tokens)
    default_image = md.renderer.rules["image"]

    def image(tokens: "list[Token]", idx: int, options, env) -> str:
        src = tokens[idx].attrGet("src") or ""
        if is_local_image(str(src)):
            return default_image(tokens, idx, options, env)
        refused.append(str(src))
        return md.utils.escapeHtml(md.renderer.renderInlineAsText(tokens[idx].children or [], options, env))

    md.renderer.rules["image"] = image
    return md


def _csp_safe_tokens(state) -> None:
    """Table alignment as a class, headings moved down: nothing the CSP or the outline would mind."""
    for token in state.tokens:
        style = token.attrGet("style")
        if style and str(style).startswith("text-align:"):
            token.attrs.pop("style")
            token.attrJoin("class", f"md-align-{str(style).removeprefix('text-align:')}")
        if token.type in ("heading_open", "heading_close"):
            level = min(max(int(token.tag[1]) + HEADING_SHIFT, FIRST_HEADING_LEVEL), 6)
            token.tag = f"h{level}"


def render(text: str) -> Rendered:
    """The HTML of ``text`` and what was refused in it."""
    refused: list[str] = []
    html = _markdown(refused).render(text)
    return Rendered(html=html, refused=list(dict.fromkeys(refused)))
