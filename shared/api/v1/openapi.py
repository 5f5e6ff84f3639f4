"""API v1's OpenAPI declarations: summaries, parameters, responses.

Loaded only by /api/schema/ and /api/docs/ (``api.docs``). drf-spectacular's
``extend_schema`` imports its whole schema generator (and, through it,
``rest_framework.test`` and ``django.test``) the moment it decorates a view,
so the views carry no decoration: ``annotate_views`` applies these
declarations to the view classes whenever a schema is generated (it is
drf-spectacular's preprocessing hook, see ``SPECTACULAR_SETTINGS``), be it for
/api/schema/ or for ``check --deploy``.

Parameters declare what the views accept (``api.v1.params``): a value the
schema allows is never refused, and the documented 400 and 404 answers are
the ones the views give.
"""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from panels import codes
from panels.bed import BUILDS, MAX_PADDING
from panels.keyset import MAX_CURSOR_LENGTH
from rest_framework import serializers

from api.v1 import bed, diffs, schema, views

# PostgreSQL refuses NUL in text; the API answers 400 for it (params.check_characters).
TEXT = {"type": "string", "pattern": "^[^\\x00]*$"}


def query(name: str, description: str, json_schema: dict[str, Any] | type = TEXT) -> OpenApiParameter:
    return OpenApiParameter(name, json_schema, OpenApiParameter.QUERY, required=False, description=description)


VERSION = query(
    "version", "A panel version, MAJOR.MINOR (e.g. 1.15)", {"type": "string", "pattern": "^[0-9]{1,9}\\.[0-9]{1,9}$"}
)
# Comma-separated, each id padded by spaces or left empty (params.EntityFilter reads exactly these).
_HGNC_ITEM = " *([Hh][Gg][Nn][Cc]:[0-9]{1,9})? *"
HGNC_IDS = {"type": "string", "pattern": f"^{_HGNC_ITEM}(,{_HGNC_ITEM})*$"}
ENTITY_FILTERS = [
    query(
        "entity_name",
        "Comma-separated entity names (gene symbols, STR or region names); a gene also by HGNC id (HGNC:583) "
        'or by an alias or previous symbol, which adds "matched": "alias" to the entities found that way',
    ),
    query("hgnc_id", "Comma-separated HGNC ids (HGNC:583): the entities of those genes", HGNC_IDS),
    query(
        "confidence_level",
        "0 (none), 1 (red), 2 (amber) or 3 (green); upstream's 4 counts as 3",
        {"type": "integer", "enum": [0, 1, 2, 3, 4]},
    ),
    query(
        "min_confidence",
        "This colour or better: 1 (red and up), 2 (amber and green) or 3 (green); 0 is all; 4 counts as 3",
        {"type": "integer", "enum": [0, 1, 2, 3, 4]},
    ),
    query("tags", "Comma-separated tags; an entity matches if it has any of them"),
    query(
        "flagged",
        "true: only entities a reviewer added, waiting for a curator's approval; false: only the others. "
        "The flag is a live mark: with an older version, its entities are kept by their flag now",
        OpenApiTypes.BOOL,
    ),
]
PANEL_FILTERS = [
    query("type", "Comma-separated panel type slugs"),
    query("panel_name", "Comma-separated panel names"),
]


def code_list(pattern: str) -> dict[str, str]:
    """A comma-separated list of codes, each padded by spaces or left empty (``panels.codes.requested_codes``)."""
    item = f" *({pattern})? *"
    return {"type": "string", "pattern": f"^{item}(,{item})*$"}


# Panels by phenotype: the panel's own codes and those its relevant disorders name; any item of a list matches.
PHENOTYPE_FILTERS = [
    query(
        "hpo",
        "Comma-separated HPO terms (HP:0001250): panels with any of them in their HPO terms or relevant disorders",
        code_list(codes.HPO_PATTERN),
    ),
    query(
        "omim",
        "Comma-separated OMIM numbers (607107, or OMIM:607107): panels with any of them in their OMIM numbers "
        "or relevant disorders",
        code_list(codes.OMIM_PATTERN),
    ),
    query(
        "orphanet",
        "Comma-separated Orphanet codes (ORPHA:558, or 558): panels with any of them in their Orphanet codes "
        "or relevant disorders",
        code_list(codes.ORPHANET_PATTERN),
    ),
    query(
        "disorder",
        "Comma-separated codes of any kind: a clinical indication (R208), an OMIM number (607107), an Orphanet "
        "code (ORPHA:558) or an HPO term (HP:0001250); panels with any of them among their codes or relevant "
        "disorders",
        code_list(codes.ANY_CODE_PATTERN),
    ),
]
PATH_TEXT = [
    # drf-spectacular names a ``pk`` converter ``id`` in the schema's paths.
    OpenApiParameter("id", TEXT, OpenApiParameter.PATH, description="Panel id, old hash id or name"),
    OpenApiParameter(
        "entity_name", TEXT, OpenApiParameter.PATH, description="Entity name; a gene also by HGNC id or alias"
    ),
    OpenApiParameter("panel_id", TEXT, OpenApiParameter.PATH, description="Panel id, old hash id or name"),
]


# RFC 8288: rel="next" (older entries) and rel="prev" (newer), each an absolute URL with a cursor.
LINK = OpenApiParameter(
    "Link",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='<url>; rel="next" and <url>; rel="prev", comma-separated, when there are more entries either way',
    response=[200],
)


class ErrorSchema(serializers.Serializer):
    detail = serializers.CharField()


ERRORS = {
    304: OpenApiResponse(
        description="Not modified: the If-None-Match (an ETag, weak or strong) or If-Modified-Since sent is current; "
        "no body, and not counted against the rate limit"
    ),
    400: OpenApiResponse(ErrorSchema, description="A malformed parameter; the message names it"),
    404: OpenApiResponse(ErrorSchema, description="No such panel, version, entity or page"),
    429: OpenApiResponse(
        ErrorSchema,
        description="Too many requests from this client (API_THROTTLE_ANON_RATE, or per token API_THROTTLE_USER_RATE); "
        "Retry-After says when to come back",
    ),
}

# Per view class (a URL variant inherits its base's): extend_schema's arguments.
DECLARATIONS: dict[type, dict[str, Any]] = {
    views.PanelList: {
        "operation_id": "panels_list",
        "summary": "Public panels",
        "parameters": [
            query("type", "Comma-separated panel type slugs"),
            query("name", "Panel id, name or part of the name"),
            query("retired", "true to include retired panels", OpenApiTypes.BOOL),
            *PHENOTYPE_FILTERS,
            OpenApiParameter(
                "changed_since",
                # Empty is no filter, as for the other parameters.
                {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "enum": [""]}]},
                OpenApiParameter.QUERY,
                required=False,
                description="Only panels whose latest version is newer than this ISO 8601 time (UTC without offset)",
            ),
        ],
    },
    views.PanelDetail: {
        "operation_id": "panels_retrieve",
        "summary": "One panel with its genes, STRs and regions",
        "parameters": [VERSION, query("exclude_entities", "True to leave out genes, STRs and regions")],
    },
    views.PanelVersions: {"operation_id": "panels_versions_list", "summary": "Every version of a panel, newest first"},
    views.PanelActivities: {
        "operation_id": "panels_activities_list",
        "summary": "A panel's activity log: upstream's bare list, the newest 100; the Link header leads to older ones",
        "parameters": [
            query(
                "cursor",
                "Where the list starts: copied from the Link header, never written by hand",
                {"type": "string", "maxLength": MAX_CURSOR_LENGTH, "pattern": "^[A-Za-z0-9_-]*$"},
            ),
            LINK,  # a response header (``response=[200]``)
        ],
        "responses": {
            200: OpenApiResponse(
                schema.ActivitySchema(many=True),
                description="The newest entries (or those the cursor points to), newest first",
            ),
            **ERRORS,
        },
    },
    views.ActivityList: {"operation_id": "activities_list", "summary": "Activity on public panels, newest first"},
    views.SignedOffList: {
        "operation_id": "panels_signedoff_list",
        "summary": "Signed-off panel versions",
        "parameters": [
            query("panel_id", "Only this panel", {"type": "integer", "minimum": 0}),
            query(
                "display",
                "latest (default): the latest signed-off version of each panel; all: every one",
                {"type": "string", "enum": ["latest", "all"]},
            ),
        ],
    },
    views.SignedOffDetail: {
        "operation_id": "panels_signedoff_retrieve",
        "summary": "A panel's latest signed-off version",
    },
    views.PanelEntityList: {"summary": "A panel's genes, STRs or regions", "parameters": [VERSION, *ENTITY_FILTERS]},
    views.PanelEntityDetail: {"summary": "One gene, STR or region of a panel", "parameters": [VERSION]},
    views.PanelEntityEvaluations: {
        # ``version`` is accepted only when it names the panel's current version (any other is a 400, as
        # upstream), which a schema cannot declare: it is described, not declared as a parameter.
        "summary": "Reviews of a gene, STR or region (current version only)",
        "description": "Reviews are served for the panel's current version only. As upstream, a version "
        "parameter naming the current version is accepted and any other is answered 400.",
    },
    views.EntitySearch: {"parameters": [*ENTITY_FILTERS, *PANEL_FILTERS]},
    bed.PanelBed: {
        "operation_id": "panels_bed_retrieve",
        "summary": "A panel version's genes, STRs and regions as a BED file (0-based, end exclusive)",
        "parameters": [
            VERSION,
            query("build", "GRCh38 (default) or GRCh37", {"type": "string", "enum": list(BUILDS)}),
            query(
                "categories",
                "Ratings as the TSV downloads' digits: 3 green, 2 amber, 1 red, 0 no list (default 01234)",
                {"type": "string", "pattern": "^[0-4]{1,5}$"},
            ),
            query(
                "padding",
                f"Bases added on each side, 0 to {MAX_PADDING}",
                {"type": "integer", "minimum": 0, "maximum": MAX_PADDING},
            ),
        ],
        "responses": {(200, "text/plain"): OpenApiTypes.STR, **ERRORS},
    },
    diffs.PanelDiff: {
        "operation_id": "panels_diff_retrieve",
        "summary": "What changed between two versions of a panel, line by line with who and when; 500 lines a page",
        "parameters": [
            query("from", "The version to compare from, MAJOR.MINOR (default: the one before to)", VERSION.type),
            query("to", "The version to compare to, MAJOR.MINOR (default: the latest)", VERSION.type),
            OpenApiParameter(
                "page",
                {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "string", "enum": ["last"]}]},
                OpenApiParameter.QUERY,
                required=False,
                allow_blank=True,
                description="A page number from 1, or last; empty is the first page. Past the last page: 404.",
            ),
        ],
    },
    views.Root: {"exclude": True},
}


def declaration(view: type, path_names: set[str]) -> dict[str, Any]:
    """The declaration of ``view`` or of its nearest declared base, with the shared parts added."""
    found = next((DECLARATIONS[base] for base in view.__mro__ if base in DECLARATIONS), {})
    if found.get("exclude"):
        return found
    return {
        **found,
        "parameters": [*found.get("parameters", []), *(p for p in PATH_TEXT if p.name in path_names)],
        "responses": found.get("responses") or {200: view.serializer_class, **ERRORS},
    }


_annotated = False


def annotate_views() -> None:
    """Apply the declarations to every view class of API v1's URLs (once per process)."""
    global _annotated
    if _annotated:
        return
    from api.v1.urls import urlpatterns  # the views as routed, variants included

    for pattern in urlpatterns:
        view = pattern.callback.view_class
        path_names = {"id" if name == "pk" else name for name in pattern.pattern.converters}
        declared = declaration(view, path_names)
        operation_id = getattr(view, "openapi_operation_id", None)
        if operation_id:
            declared = {**declared, "operation_id": operation_id}
        extend_schema_view(get=extend_schema(**declared))(view)
    _annotated = True


def preprocessing_hook(endpoints: list) -> list:
    """drf-spectacular's ``PREPROCESSING_HOOKS`` entry: declarations applied before any view is inspected."""
    annotate_views()
    return endpoints
