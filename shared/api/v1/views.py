"""PanelApp's public API v1, read-only.

Anonymous readers see public and promoted panels (and retired ones where
asked); a curator, by API token or session, also sees internal panels and
their versions. ``accounts.policy`` decides which panel statuses a user reads.

Panel versions are served from their stored snapshots: the current version
and every older one come from the same ``HistoricalSnapshot`` text, so a
client sees an old version exactly as it was served. Cross-panel lists query
the current entities directly. Every endpoint runs a fixed number of queries.
"""

import json
from typing import Any

from accounts import policy
from django.db.models import Case, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from panels import codes
from panels.keyset import InvalidCursor, Keyset
from panels.models import Activity, Entity, Evaluation, HistoricalSnapshot, Panel
from panels.queries import ACTIVITY_ORDER, ENTITY_ORDER
from panels.representation import (
    ENTITY_COLLECTIONS,
    entities_for_api,
    entity_dict,
    iso_datetime,
    nested_panel,
    panel_summary,
    without_codes,
)
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.generics import GenericAPIView
from rest_framework.mixins import ListModelMixin
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from api.v1 import conditional, large, params, schema
from api.v1.errors import InvalidParameter
from api.v1.pagination import CursorPages, PageNumbers, cursor_url
from api.v1.renderers import BrowsableAPI

COLLECTION_TYPES = {collection: entity_type for entity_type, collection in ENTITY_COLLECTIONS.items()}


def find_panel(key: str, user: Any) -> Panel:
    """A panel ``user`` may read, by id or (as upstream) by old hash id or name: exact name first, then a part of it.

    Panels the user may not read do not exist for them (404, never 403).
    """
    panels = Panel.objects.filter(status__in=policy.visible_panel_statuses(user, retired=True))
    if key.isascii() and key.isdigit():
        panels = panels.filter(pk=int(key))
    else:
        panels = panels.filter(Q(hash_id=key) | Q(name__icontains=key)).order_by(
            Case(
                When(hash_id=key, then=Value(0)),
                When(name__iexact=key, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            "name",
            "pk",
        )
    panel = panels.first()
    if panel is None:
        raise NotFound(f"Panel {key!r} not found.")
    return panel


def find_snapshot(panel: Panel, version: tuple[int, int] | None, *fields: str) -> HistoricalSnapshot:
    snapshots = panel.snapshots.only("panel_id", "major_version", "minor_version", "signed_off_date", *fields)
    if version is None:
        snapshot = snapshots.order_by("-major_version", "-minor_version").first()
    else:
        snapshot = snapshots.filter(major_version=version[0], minor_version=version[1]).first()
    if snapshot is None:
        wanted = f"version {version[0]}.{version[1]}" if version else "stored version"
        raise NotFound(f"Panel {panel.pk} has no {wanted}.")
    return snapshot


def json_response(request: Request, text: str) -> HttpResponse:
    """Stored JSON text as it is, byte for byte; a browser gets the browsable page like every endpoint."""
    if isinstance(request.accepted_renderer, BrowsableAPI):
        return Response(json.loads(text))
    return HttpResponse(text.encode(), content_type="application/json")


class APIView(GenericAPIView):
    """A read-only endpoint; ``serializer_class`` only documents the response (see ``schema``).

    Summaries and parameters for the OpenAPI schema are declared in
    ``api.v1.openapi``, loaded only by /api/schema/ and /api/docs/.
    """

    renderer_classes = [JSONRenderer, BrowsableAPI]
    pagination_class = PageNumbers
    # ETag and Last-Modified on every 200, and 304 for a current copy (api.v1.conditional).
    answers_conditional_requests = True
    # When this view's content was made, where it knows exactly (a stored version); else the newest change.
    last_modified = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        params.check_characters(request.query_params, kwargs)

    def finalize_response(self, request: Request, response: HttpResponse, *args: Any, **kwargs: Any) -> HttpResponse:
        # What a response holds depends on who asks: caches must key on the credentials.
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Authorization", "Cookie"])
        if request.method in ("GET", "HEAD") and response.status_code == 200 and not response.streaming:
            response = conditional.answer(request, response, self.last_modified)
        # A conditional request was left uncounted by the throttle: a 304 stays free, anything else counts.
        throttle = getattr(request._request, "deferred_throttle", None)
        if throttle is not None and response.status_code != 304:
            request._request.deferred_throttle = None
            if not throttle.count(request):
                response = self.handle_exception(Throttled(throttle.wait()))
                response = super().finalize_response(request, response, *args, **kwargs)
        return response

    def paginated(self, items: list | QuerySet, render=lambda item: item) -> Response:
        page = self.paginate_queryset(items)
        return self.get_paginated_response([render(item) for item in page])


# --- Panels --------------------------------------------------------------------


class ListView(ListModelMixin, APIView):
    """A paginated list: ``{count, next, previous, results}`` (the mixin marks it so in the schema)."""


class CursorListView(ListView):
    """A list that grows with the tables: ``{next, previous, results}``, paged by cursor in ``keyset`` order."""

    pagination_class = CursorPages
    keyset: Keyset


class PanelList(ListView):
    serializer_class = schema.PanelSchema

    def get(self, request: Request) -> Response:
        retired = params.boolean(request.query_params, "retired")
        statuses = policy.visible_panel_statuses(request.user, retired=retired)
        panels = Panel.objects.filter(status__in=statuses).prefetch_related("types").order_by("name", "pk")
        if types := params.comma_list(request.query_params, "type"):
            panels = panels.filter(pk__in=Panel.objects.filter(types__slug__in=types).values("pk"))
        if name := request.query_params.get("name", "").strip():
            if name.isascii() and name.isdigit():
                panels = panels.filter(pk=int(name))
            else:
                panels = panels.filter(Q(hash_id=name) | Q(name__icontains=name))
        # Panels by phenotype: their codes and the codes their relevant disorders name (panels.codes).
        if wanted := params.phenotype_codes(request.query_params):
            panels = codes.panels_with_codes(panels, wanted)
        # Incremental sync: only panels with a version newer than the client's last (docs/api.md).
        if (since := params.changed_since(request.query_params)) is not None:
            panels = panels.filter(version_created__gt=since)
        return self.paginated(panels, panel_summary)


class PanelDetail(APIView):
    serializer_class = schema.PanelDetailSchema

    def get(self, request: Request, pk: str) -> HttpResponse:
        version = params.version(request.query_params)
        snapshot = find_snapshot(find_panel(pk, request.user), version, "created", *HistoricalSnapshot.TEXT_FIELDS)
        self.last_modified = snapshot.created
        if request.query_params.get("exclude_entities") == "True":
            data = json.loads(snapshot.data)
            for collection in ENTITY_COLLECTIONS.values():
                data.pop(collection, None)
            return Response(data)
        text = snapshot.data
        # Too large for the way this request came in (issue 19): the same bytes, from the media bucket.
        if not large.fits(request, body := text.encode()):
            return large.redirect_to_stored(snapshot, body)
        return json_response(request, text)


class PanelVersions(ListView):
    serializer_class = schema.PanelSchema

    def get(self, request: Request, pk: str) -> Response:
        panel = find_panel(pk, request.user)
        snapshots = panel.snapshots.only("summary").order_by("-major_version", "-minor_version")
        return self.paginated(snapshots, lambda snapshot: json.loads(snapshot.summary))


def activity_dict(activity: Activity) -> dict[str, Any]:
    return {
        "created": iso_datetime(activity.created),
        "panel_name": activity.panel_name,
        "panel_id": activity.panel_id,
        "panel_version": activity.panel_version,
        "user_name": activity.user_name,
        "item_type": activity.item_type,
        "text": activity.text,
        "entity_name": activity.entity_name,
        "entity_type": activity.entity_type,
    }


class PanelActivities(APIView):
    """A panel's activity, newest first: upstream's bare list, bounded.

    Upstream answers the whole history, 17 MB for the busiest panel, past
    what the ALB or API Gateway carry. The body stays a bare list, so a client
    written for upstream reads it unchanged, of the newest ``page_size``
    entries; older ones are a ``Link`` header away (``rel="next"``, RFC 8288),
    each link a ``cursor`` (panels.keyset).
    """

    serializer_class = schema.ActivitySchema
    pagination_class = None
    page_size = 100

    def get(self, request: Request, pk: str) -> Response:
        panel = find_panel(pk, request.user)
        try:
            page = ACTIVITY_ORDER.page(panel.activities.all(), request.query_params.get("cursor", ""), self.page_size)
        except InvalidCursor as error:
            raise NotFound(str(error)) from None
        response = Response([activity_dict(a) for a in page.items])
        links = [(cursor_url(request, page.next), "next"), (cursor_url(request, page.previous), "prev")]
        if found := [f'<{url}>; rel="{rel}"' for url, rel in links if url]:
            response["Link"] = ", ".join(found)
        return response


class ActivityList(CursorListView):
    """Activity on the panels the reader sees, newest first, 100 a page by cursor."""

    serializer_class = schema.ActivitySchema
    keyset = ACTIVITY_ORDER

    def get(self, request: Request) -> Response:
        statuses = policy.visible_panel_statuses(request.user)
        return self.paginated(Activity.objects.filter(panel__status__in=statuses), activity_dict)


class SignedOffList(ListView):
    serializer_class = schema.SignedOffPanelSchema

    def get(self, request: Request) -> Response:
        display = params.choice(request.query_params, "display", ("latest", "all"), "latest")
        statuses = policy.visible_panel_statuses(request.user, retired=True)
        snapshots = HistoricalSnapshot.objects.filter(signed_off_date__isnull=False, panel__status__in=statuses)
        if (panel_id := params.integer(request.query_params, "panel_id")) is not None:
            snapshots = snapshots.filter(panel_id=panel_id)
        if display == "latest":
            latest = HistoricalSnapshot.objects.filter(signed_off_date__isnull=False).order_by(
                "panel_id", "-major_version", "-minor_version"
            )
            snapshots = snapshots.filter(pk__in=_first_per_panel(latest))
        snapshots = snapshots.only("summary", "signed_off_date").order_by(
            "panel__name", "-major_version", "-minor_version"
        )
        return self.paginated(
            snapshots, lambda s: {**json.loads(s.summary), "signed_off": s.signed_off_date.isoformat()}
        )


def _first_per_panel(ordered: QuerySet[HistoricalSnapshot]) -> QuerySet:
    """Primary keys of each panel's first row in ``ordered`` (a subquery that any database runs)."""
    first = ordered.filter(panel_id=OuterRef("panel_id")).values("pk")[:1]
    return ordered.annotate(first_pk=Subquery(first)).filter(pk=F("first_pk")).values("pk")


class SignedOffDetail(APIView):
    serializer_class = schema.PanelDetailSchema

    def get(self, request: Request, panel_id: str) -> HttpResponse:
        panel = find_panel(panel_id, request.user)
        snapshot = (
            panel.snapshots.filter(signed_off_date__isnull=False)
            .only("created", *HistoricalSnapshot.TEXT_FIELDS)
            .order_by("-major_version", "-minor_version")
            .first()
        )
        if snapshot is None:
            raise NotFound(f"Panel {panel.pk} has no signed-off version.")
        self.last_modified = snapshot.created
        return json_response(request, snapshot.data)


# --- Entities of one panel -----------------------------------------------------


class PanelEntityMixin:
    """A panel's entities of one kind: the current ones from the database, older ones from their snapshot.

    Both are rendered by the same functions, so the current version's entities
    are those its snapshot holds; the database only filters and pages them
    without reading the whole panel.
    """

    collection: str

    def is_current(self, panel: Panel, version: tuple[int, int] | None) -> bool:
        return version is None or version == (panel.major_version, panel.minor_version)

    def current(self, panel: Panel, entity_filter: params.EntityFilter) -> tuple[QuerySet[Entity], Any]:
        """The filtered entities and how to render each, with its panel (a super panel's child)."""
        children = {child.pk: nested_panel(child) for child in panel.child_panels.prefetch_related("types")}
        own = None if children else nested_panel(panel)
        entities = Entity.objects.filter(panel__in=children) if children else panel.entities.all()
        entities = entity_filter.apply(entities.filter(entity_type=COLLECTION_TYPES[self.collection]))
        entities = entities_for_api(entities).order_by("entity_name", "panel_id")
        return entities, lambda entity: entity_filter.marked(entity_dict(entity, children.get(entity.panel_id, own)))

    def stored(self, panel: Panel, version: tuple[int, int]) -> list[dict[str, Any]]:
        snapshot = find_snapshot(panel, version, "created", *HistoricalSnapshot.TEXT_FIELDS)
        self.last_modified = snapshot.created  # an old version's entities are as they were then
        data = json.loads(snapshot.data)
        own = without_codes({key: value for key, value in data.items() if key not in ENTITY_COLLECTIONS.values()})
        # Entity lists always carry their panel (a super panel's already name their child).
        return [{**entity, "panel": entity.get("panel", own)} for entity in data[self.collection]]


class PanelEntityList(PanelEntityMixin, ListView):
    serializer_class = schema.EntitySchema

    def get(self, request: Request, pk: str) -> Response:
        panel, version = find_panel(pk, request.user), params.version(request.query_params)
        entity_filter = params.EntityFilter.from_params(request.query_params)
        if self.is_current(panel, version):
            return self.paginated(*self.current(panel, entity_filter))
        found = [entity_filter.marked(e) for e in self.stored(panel, version) if entity_filter.matches(e)]
        found = entity_filter.by_flag(found)
        return self.paginated(found)


class PanelEntityDetail(PanelEntityMixin, APIView):
    serializer_class = schema.EntitySchema

    def get(self, request: Request, pk: str, entity_name: str) -> Response:
        panel, version = find_panel(pk, request.user), params.version(request.query_params)
        # By name, HGNC id or a gene's alias: the entity under its current name.
        entity_filter = params.EntityFilter.for_name(entity_name)
        if self.is_current(panel, version):
            entities, render = self.current(panel, entity_filter)
            found = [render(entity) for entity in entities[:1]]
        else:
            found = [entity_filter.marked(e) for e in self.stored(panel, version) if entity_filter.matches(e)]
        if not found:
            raise NotFound(f"{entity_name!r} is not on panel {pk}.")
        return Response(found[0])


def evaluation_dict(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "created": iso_datetime(evaluation.created),
        "rating": evaluation.rating,
        "mode_of_pathogenicity": evaluation.mode_of_pathogenicity,
        "publications": evaluation.publications,
        "phenotypes": evaluation.phenotypes,
        "moi": evaluation.mode_of_inheritance,
        "current_diagnostic": evaluation.current_diagnostic,
        "clinically_relevant": evaluation.clinically_relevant,
    }


class PanelEntityEvaluations(ListView):
    serializer_class = schema.EvaluationSchema
    collection: str

    def get(self, request: Request, pk: str, entity_name: str) -> Response:
        panel = find_panel(pk, request.user)
        version = params.version(request.query_params)
        if version is not None and version != (panel.major_version, panel.minor_version):
            raise InvalidParameter("Reviews are only served for the current version: leave out version.")
        owners = Q(panel=panel) | Q(panel__super_panels=panel)
        entity = (
            Entity.objects.filter(owners, entity_type=COLLECTION_TYPES[self.collection], entity_name=entity_name)
            .order_by("pk")
            .first()
        )
        if entity is None:
            raise NotFound(f"{entity_name!r} is not on panel {pk}.")
        return self.paginated(entity.evaluations.all(), evaluation_dict)


# --- Entities across panels ----------------------------------------------------


class EntitySearch(CursorListView):
    """Current entities of every public panel, each with its panel, by name (paged by cursor: no count)."""

    serializer_class = schema.EntitySchema
    keyset = ENTITY_ORDER

    entity_types: tuple[str, ...]

    def get(self, request: Request, entity_name: str | None = None) -> Response:
        entity_filter = params.EntityFilter.from_params(request.query_params, entity_name)
        statuses = policy.visible_panel_statuses(request.user)
        entities = Entity.objects.filter(entity_type__in=self.entity_types, panel__status__in=statuses)
        entities = entity_filter.apply(entities)
        # Many-to-many conditions as subqueries: no joins to de-duplicate.
        if types := params.comma_list(request.query_params, "type"):
            entities = entities.filter(panel__in=Panel.objects.filter(types__slug__in=types).values("pk"))
        if panel_names := params.comma_list(request.query_params, "panel_name"):
            entities = entities.filter(panel__name__in=panel_names)
        entities = entities_for_api(entities).select_related("panel").prefetch_related("panel__types")
        panels: dict[int, dict[str, Any]] = {}

        def render(entity: Entity) -> dict[str, Any]:
            if entity.panel_id not in panels:
                panels[entity.panel_id] = nested_panel(entity.panel)
            return entity_filter.marked(entity_dict(entity, panels[entity.panel_id]))

        return self.paginated(entities, render)


class GeneSearch(EntitySearch):
    entity_types = (Entity.Type.GENE,)


class STRSearch(EntitySearch):
    entity_types = (Entity.Type.STR,)


class RegionSearch(EntitySearch):
    entity_types = (Entity.Type.REGION,)


class AnyEntitySearch(EntitySearch):
    entity_types = tuple(Entity.Type.values)


class Root(APIView):
    serializer_class = None

    def get(self, request: Request) -> Response:
        names = ["panels", "signedoff", "genes", "strs", "regions", "entities", "activities"]
        return Response({name: reverse(f"api-v1:{name}", request=request) for name in names})
