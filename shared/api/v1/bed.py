"""``/api/v1/panels/<id>/bed/``: a panel version's regions as BED (``panels.bed``), for pipelines.

The file the site's BED links give, with its choices as query parameters
(``build``, ``categories``, ``padding``, ``version``). The answer is the file
itself, ``text/plain``; errors are JSON like every API error.
"""

import json

from django.http import HttpResponse
from panels import bed, tsv
from panels.bed_download import bed_response
from panels.models import HistoricalSnapshot
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request

from api.v1 import params
from api.v1.errors import InvalidParameter
from api.v1.views import APIView, find_panel, find_snapshot


class PlainText(BaseRenderer):
    """Lets a client ask for ``text/plain``, the file's type; an error is still JSON text."""

    media_type = "text/plain"
    format = "txt"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return data.encode() if isinstance(data, str) else json.dumps(data).encode()


class PanelBed(APIView):
    serializer_class = None
    renderer_classes = [JSONRenderer, PlainText]

    def get(self, request: Request, pk: str) -> HttpResponse:
        query = request.query_params
        try:
            build = bed.parse_build(query.get("build", "GRCh38"))
            padding = bed.parse_padding(query.get("padding", ""))
        except ValueError as error:
            raise InvalidParameter(str(error)) from None
        categories = query.get("categories", tsv.WHOLE_PANEL)
        if not tsv.valid_categories(categories):
            raise InvalidParameter(
                f"Incorrect categories {categories!r}: digits 0 to 4 (3 green, 2 amber, 1 red, 0 no list), e.g. 34."
            )
        panel = find_panel(pk, request.user)
        snapshot = find_snapshot(panel, params.version(query), *HistoricalSnapshot.TEXT_FIELDS)
        body = bed.panel_bed(json.loads(snapshot.data), categories, build, padding).encode()
        return bed_response(body, bed.download_name(panel.name, snapshot.version, build, categories), snapshot)
