"""The one way to change panels: ``from panels import services; services.add_entity(...)``.

Every change runs in one transaction that locks the panel row, applies the
change, bumps the version when what the API serves changes, stores the new
version's snapshot, writes the activity log and bumps every super panel that
includes the panel. Views, the admin and the demo loader all call these
functions; nothing else writes panels, entities, reviews or snapshots.
Bad input raises ``django.core.exceptions.ValidationError`` and changes nothing.
"""

# Where each concern lives (each module's docstring says more):
#   versions  transactions, locks, new versions, snapshots, the activity log, announcements
#   checks    field names, entity names, version numbers
#   panel     a panel's attributes, promotion, sign-off
#   entity    genes, STRs and regions on a panel
#   evidence  sources and the confidence level they give
#   review    reviews and curators' ratings
#   bulk      files through the worker: many rows, one version per panel

from panels.services.bulk import (
    import_panel,
    import_reviews,
    record_imported_reviews,
    refresh_gene_data,
    version_imported_panel,
)
from panels.services.checks import ENTITY_NAME_CHARACTERS, check_entity_name, parse_version
from panels.services.entity import (
    ENTITY_FIELDS,
    add_entity,
    approve_entity,
    remove_entity,
    set_entity_ready,
    update_entity,
)
from panels.services.evidence import (
    EXPERT_REVIEWS,
    HIGH_CONFIDENCE_SOURCES,
    RATING_TO_EXPERT_REVIEW,
    add_sources,
    confidence_level,
    remove_sources,
)
from panels.services.panel import (
    PANEL_FIELDS,
    check_child_panels,
    contributors,
    create_panel,
    mark_panel_not_ready,
    promote_and_notify,
    promote_panel,
    sign_off,
    update_panel,
    withdraw_sign_off,
)
from panels.services.review import REVIEW_FIELDS, copy_reviews, delete_review, review_entity
from panels.services.versions import (
    CONFLICT_RETRIES,
    CONFLICT_SQLSTATES,
    ConcurrentEditError,
    StaleVersionError,
    writer,
)

__all__ = [
    "CONFLICT_RETRIES",
    "CONFLICT_SQLSTATES",
    "ENTITY_FIELDS",
    "ENTITY_NAME_CHARACTERS",
    "EXPERT_REVIEWS",
    "HIGH_CONFIDENCE_SOURCES",
    "PANEL_FIELDS",
    "RATING_TO_EXPERT_REVIEW",
    "REVIEW_FIELDS",
    "ConcurrentEditError",
    "StaleVersionError",
    "add_entity",
    "add_sources",
    "approve_entity",
    "check_child_panels",
    "check_entity_name",
    "confidence_level",
    "contributors",
    "copy_reviews",
    "create_panel",
    "delete_review",
    "import_panel",
    "import_reviews",
    "mark_panel_not_ready",
    "parse_version",
    "promote_and_notify",
    "promote_panel",
    "record_imported_reviews",
    "refresh_gene_data",
    "remove_entity",
    "remove_sources",
    "review_entity",
    "set_entity_ready",
    "sign_off",
    "update_entity",
    "update_panel",
    "version_imported_panel",
    "withdraw_sign_off",
    "writer",
]
