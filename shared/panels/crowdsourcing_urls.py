"""``/crowdsourcing/...``: PanelApp's first addresses, which links in old papers still use.

The first site's own pages (``PanelApp/...``) go to the page that took their
place; any other address under the prefix is today's address without it
(``/crowdsourcing/WebServices/...`` is ``/WebServices/...``).
"""

from django.urls import path, re_path

from panels.pages.redirects import (
    crowdsourcing_redirect,
    first_edit_panel_redirect,
    first_gene_review_redirect,
    to_page,
)

# Any id of the first site's form: one that no panel has is the site's 404, not a redirect to one.
OLD_ID = r"(?P<hash_id>[0-9a-z]+)"

urlpatterns = [
    path("PanelApp/", to_page, {"name": "home"}),
    path("PanelApp/Login", to_page, {"name": "accounts:login"}),
    path("PanelApp/Genes", to_page, {"name": "panels:entities"}),
    re_path(r"^PanelApp/Genes/(?P<entity_name>[^/]+)$", to_page, {"name": "panels:entity"}),
    path("PanelApp/PanelBrowser", to_page, {"name": "panels:list"}),
    re_path(rf"^PanelApp/EditPanel/{OLD_ID}$", first_edit_panel_redirect),
    re_path(rf"^PanelApp/GeneReview/{OLD_ID}/(?P<entity_name>[^/]+)$", first_gene_review_redirect),
    re_path(r"^(?P<rest>.*)$", crowdsourcing_redirect, name="crowdsourcing"),
]
