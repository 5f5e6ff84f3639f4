"""The public site's pages, named for the URLconf; each lives in ``panels.pages``.

Reading only: pages call ``panels.queries`` (current rows) or read the stored
snapshot (a panel's versions); every write goes through ``panels.services``.
Who sees which panel is decided by ``accounts.policy``.
"""

from panels.pages.activity import activity
from panels.pages.compare import compare_form, compare_gene, compare_panels
from panels.pages.entities import entity_detail, entity_in_panel, entity_list
from panels.pages.panel_detail import panel_detail
from panels.pages.panel_list import panel_list
from panels.pages.redirects import crowdsourcing_redirect, old_genes_redirect, old_panel_redirect

__all__ = [
    "activity",
    "compare_form",
    "compare_gene",
    "compare_panels",
    "crowdsourcing_redirect",
    "entity_detail",
    "entity_in_panel",
    "entity_list",
    "old_genes_redirect",
    "old_panel_redirect",
    "panel_detail",
    "panel_list",
]
