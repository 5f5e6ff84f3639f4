"""The four WebServices endpoints, on API v1's views: same throttle, renderers, ``Vary`` and errors.

Upstream's habits a script may rely on are kept: a panel that is not found is
a 200 whose body is a list of one ``"Query Error: ..."`` string, a malformed
``version`` a 400 of the same kind, and an unknown ``assembly`` a 404.
"""

import json
from collections.abc import Callable
from typing import Any

from accounts import policy
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import HttpResponse
from panels import queries
from panels.models import Entity, HistoricalSnapshot, Panel
from panels.representation import entities_for_api, entity_dict, nested_panel, panel_summary, render
from panels.services import parse_version
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from api.v1 import large, params
from api.v1.pagination import PageNumbers
from api.v1.views import APIView, find_snapshot, json_response
from api.webservices import shapes

# list_panels without ``Types`` lists these, as upstream's default setting does.
DEFAULT_PANEL_TYPES = ("rare-disease-100k",)


def query_error(message: str, status: int = 200) -> Response:
    """Upstream's error answer: a JSON list holding one string (a 200 unless said otherwise)."""
    return Response([f"Query Error: {message}"], status=status)


def comma_values(query: dict[str, str], name: str) -> list[str] | None:
    """``a,b`` as ``["a", "b"]``; None when the parameter is absent (an empty one filters everything out)."""
    return query[name].split(",") if name in query else None


def entity_filter(query: dict[str, str]) -> Callable[[dict[str, Any]], bool]:
    """``get_panel``'s filters over API v1 entity dictionaries, each a comma list of upstream's terms.

    As upstream: an entity without a mode of inheritance or pathogenicity passes those filters, and
    the region scores only filter regions.
    """
    moi, mop = comma_values(query, "ModeOfInheritance"), comma_values(query, "ModeOfPathogenicity")
    penetrance, levels = comma_values(query, "Penetrance"), comma_values(query, "LevelOfConfidence")
    haplo, triplo = comma_values(query, "HaploinsufficiencyScore"), comma_values(query, "TriplosensitivityScore")
    if mop is not None:
        mop = [shapes.MOP_ALIASES.get(value, value) for value in mop]

    def passes(entity: dict[str, Any]) -> bool:
        if moi is not None and entity.get("mode_of_inheritance") is not None:
            if shapes.short_moi(entity["mode_of_inheritance"]) not in moi:
                return False
        if mop is not None and entity.get("mode_of_pathogenicity") is not None:
            if shapes.short_mop(entity["mode_of_pathogenicity"]) not in mop:
                return False
        if penetrance is not None and entity.get("penetrance") is not None and entity["penetrance"] not in penetrance:
            return False
        if levels is not None and shapes.level(entity) not in levels:
            return False
        if entity["entity_type"] == Entity.Type.REGION:
            if haplo and entity.get("haploinsufficiency_score") not in haplo:
                return False
            if triplo and entity.get("triplosensitivity_score") not in triplo:
                return False
        return True

    return passes


def lookup(key: str, statuses: list[str]) -> Panel | None:
    """A panel by id, first-generation id, exact name, or part of its name, in that order."""
    panels = Panel.objects.filter(status__in=statuses)
    if key.isascii() and key.isdigit():
        return panels.filter(pk=int(key)).first()
    order = Case(
        When(hash_id=key, then=Value(0)),
        When(name=key, then=Value(1)),
        When(name__iexact=key, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return panels.filter(Q(hash_id=key) | Q(name__icontains=key)).order_by(order, "name", "pk").first()


class WebServicesView(APIView):
    """No OpenAPI description: the schema documents API v1 only, as upstream's did."""

    schema = None


class GetPanel(WebServicesView):
    """``get_panel/<id, old id or name>/``: a panel's version as stored, its entities filtered."""

    def get(self, request: Request, key: str) -> HttpResponse:
        query = request.query_params
        build = shapes.assembly(query)
        version = None
        if "version" in query:
            try:
                version = parse_version(query["version"])
            except ValidationError:
                return query_error("The incorrect version requested", status=400)
        # Retired panels are served only by version, as upstream.
        statuses = policy.visible_panel_statuses(request.user, retired=version is not None)
        panel = lookup(key, statuses)
        if panel is None:
            return query_error(f"{key} not found.")
        snapshot = find_stored(panel, version)
        if snapshot is None:
            return query_error(f"The version requested for panel:{key} was not found.")
        data = json.loads(snapshot.data)
        passes = entity_filter(query)
        entities = {name: [e for e in data.get(name, []) if passes(e)] for name in ("genes", "strs", "regions")}
        text = render(shapes.panel_result(data, entities, build))
        # A super panel of thousands of genes can pass the ALB's limit: as API v1, a link to the stored file.
        if not large.fits(request, body := text.encode()):
            return large.redirect_to_stored(snapshot, body)
        return json_response(request, text)


def find_stored(panel: Panel, version: tuple[int, int] | None) -> HistoricalSnapshot | None:
    """The stored version (the latest without ``version``), or None: upstream answers its absence with a 200."""
    try:
        return find_snapshot(panel, version, *HistoricalSnapshot.TEXT_FIELDS)
    except NotFound:
        return None


class ListPanels(WebServicesView):
    """``list_panels/``: ``Name`` (part of it), ``Types`` (slugs, or ``all``), ``Retired=true``."""

    def get(self, request: Request) -> Response:
        query = request.query_params
        retired = query.get("Retired", "").lower() == "true"
        panels = Panel.objects.filter(status__in=policy.visible_panel_statuses(request.user, retired=retired))
        if name := query.get("Name"):
            panels = panels.filter(name__icontains=name)
        types = query.get("Types")
        if types != "all":
            slugs = types.split(",") if types is not None else list(DEFAULT_PANEL_TYPES)
            panels = panels.filter(pk__in=Panel.objects.filter(types__slug__in=slugs).values("pk"))
        panels = panels.prefetch_related("types").order_by("name", "pk")
        return Response({"result": [shapes.listed_panel(panel_summary(panel)) for panel in panels]})


def visible_panels(request: Request) -> QuerySet[Panel]:
    """Current public and promoted panels (and internal ones for a curator), narrowed by ``panel_name``."""
    panels = Panel.objects.filter(status__in=policy.visible_panel_statuses(request.user))
    if names := params.comma_list(request.query_params, "panel_name"):
        panels = panels.filter(name__in=names)
    return panels


def entity_query(request: Request, entities: QuerySet[Entity]) -> QuerySet[Entity]:
    """The filters ``search_genes`` and ``list_entities`` share, in the database."""
    query = request.query_params
    if (moi := comma_values(query, "ModeOfInheritance")) is not None:
        entities = entities.filter(mode_of_inheritance__in=shapes.long_terms(moi, shapes.MOI_TERMS))
    if (mop := comma_values(query, "ModeOfPathogenicity")) is not None:
        long = shapes.long_terms(mop, shapes.MOP_TERMS, shapes.MOP_ALIASES)
        entities = entities.filter(mode_of_pathogenicity__in=long)
    if (penetrance := comma_values(query, "Penetrance")) is not None:
        entities = entities.filter(penetrance__in=penetrance)
    if (evidences := comma_values(query, "Evidences")) is not None:
        names = shapes.long_terms(evidences, shapes.EVIDENCE_TERMS)
        entities = entities.filter(pk__in=Entity.objects.filter(evidence__name__in=names).values("pk"))
    if (levels := comma_values(query, "LevelOfConfidence")) is not None:
        wanted = {int(number) for number, name in shapes.LEVELS.items() if name in levels}
        if 3 in wanted:
            wanted.add(4)
        entities = entities.filter(confidence_level__in=wanted)
    return entities


class SearchGenes(WebServicesView):
    """``search_genes/<symbols or all>/``: a gene's entry in every current panel, and in their super panels."""

    def get(self, request: Request, symbols: str) -> Response:
        build = shapes.assembly(request.query_params)
        panels = visible_panels(request)
        genes = Entity.objects.filter(entity_type=Entity.Type.GENE, panel__in=panels)
        if symbols != "all":
            genes = genes.filter(entity_name__in=symbols.split(","))
        genes = entities_for_api(entity_query(request, genes)).select_related("panel").order_by("entity_name", "pk")
        genes = list(genes)
        # Upstream lists a child panel's gene once more for each super panel holding that panel.
        supers: dict[int, list[Panel]] = {}
        for super_panel, child_id in queries.super_panels_of(
            Panel.objects.filter(status__in=policy.visible_panel_statuses(request.user)), {g.panel_id for g in genes}
        ):
            supers.setdefault(child_id, []).append(super_panel)
        results, via_supers = [], []
        for entity in genes:
            entry = shapes.gene(entity_dict(entity), build)
            results.append(_ordered_like_upstream({**entry, **_panel_fields(entity.panel)}))
            via_supers += [
                _ordered_like_upstream({**entry, **_panel_fields(parent)}) for parent in supers.get(entity.panel_id, [])
            ]
        results += via_supers
        answer = {"meta": {"numOfResults": len(results)}, "results": results}
        # ``all`` (or a long list of symbols) at real volume is megabytes: as get_panel, a link to a stored file.
        if not large.fits(request, body := render(answer).encode()):
            return large.redirect_to_answer("api/webservices/search_genes", body)
        return Response(answer)


def _panel_fields(panel: Panel) -> dict[str, str]:
    return {
        "version": panel.version,
        "SpecificDiseaseName": panel.name,
        "DiseaseGroup": panel.disease_group,
        "DiseaseSubGroup": panel.disease_sub_group,
    }


def _ordered_like_upstream(entry: dict[str, Any]) -> dict[str, Any]:
    """search_genes' fields in upstream's order: the panel's before ``Evidences``."""
    order = (
        "GeneSymbol",
        "EnsembleGeneIds",
        "ModeOfInheritance",
        "Penetrance",
        "Publications",
        "Phenotypes",
        "ModeOfPathogenicity",
        "LevelOfConfidence",
        "version",
        "SpecificDiseaseName",
        "DiseaseGroup",
        "DiseaseSubGroup",
        "Evidences",
    )
    return {key: entry[key] for key in order}


class EntityPages(PageNumbers):
    """Upstream's pages of ``list_entities``: 100 by default, ``page_size`` up to 200."""

    page_size_query_param = "page_size"
    max_page_size = 200


class ListEntities(WebServicesView):
    """``list_entities/``: every current gene, STR and region of the visible panels, numbered pages."""

    pagination_class = EntityPages

    def get(self, request: Request) -> Response:
        build = shapes.assembly(request.query_params)
        entities = Entity.objects.filter(panel__in=visible_panels(request))
        if names := params.comma_list(request.query_params, "entity_name"):
            entities = entities.filter(entity_name__in=names)
        entities = entity_query(request, entities)
        entities = entities_for_api(entities).select_related("panel").prefetch_related("panel__types")
        entities = entities.order_by("entity_name", "entity_type", "pk")
        summaries: dict[int, dict[str, Any]] = {}

        def render_entity(entity: Entity) -> dict[str, Any]:
            if entity.panel_id not in summaries:
                summaries[entity.panel_id] = nested_panel(entity.panel)
            return shapes.listed_entity(entity_dict(entity, summaries[entity.panel_id]), build)

        return self.paginated(entities, render_entity)
