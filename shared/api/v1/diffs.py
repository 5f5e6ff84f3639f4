"""``/api/v1/panels/<id>/diff/?from=1.0&to=2.3``: what changed between two versions (``panels.diffs``), as JSON.

The lines the site's diff page shows, 500 a page (``page``, as the other
numbered lists): a diff of two versions of a 4,000-gene super panel is
thousands of lines, more than one answer through the ALB should carry. Every
line is in the TSV the answer links to (``tsv``).
"""

from typing import Any

from django.urls import reverse
from panels import diffs
from panels.representation import iso_datetime
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from api.v1.pagination import PageNumbers
from api.v1.views import APIView, find_panel


class DiffPages(PageNumbers):
    page_size = 500


class PanelRefSchema(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class VersionRefSchema(serializers.Serializer):
    version = serializers.CharField(help_text='MAJOR.MINOR, e.g. "1.15"')
    created = serializers.DateTimeField()


class DiffSummarySchema(serializers.Serializer):
    added = serializers.IntegerField(help_text="Entities added")
    removed = serializers.IntegerField(help_text="Entities removed")
    changed = serializers.IntegerField(help_text="Entities with at least one attribute changed")
    panel = serializers.IntegerField(help_text="Changes to the panel itself (a promotion, its name, ...)")
    lines = serializers.IntegerField(help_text="Lines in all (count)")


class DiffLineSchema(serializers.Serializer):
    change = serializers.ChoiceField(choices=["added", "removed", "changed", "panel"])
    entity_type = serializers.ChoiceField(choices=["gene", "str", "region"], allow_null=True)
    entity_name = serializers.CharField(allow_null=True)
    panel = PanelRefSchema(allow_null=True, help_text="In a super panel, the child panel the entity is on")
    field = serializers.CharField(allow_null=True, help_text="The API's key of what changed (confidence_level, ...)")
    before = serializers.JSONField(allow_null=True, help_text="Its value before (the rating of an entity removed)")
    after = serializers.JSONField(allow_null=True, help_text="Its value after (the rating of an entity added)")
    text = serializers.CharField(help_text="The line as the site shows it")
    who = serializers.ListField(child=serializers.CharField(), help_text="Who made the change, from the activity")
    when = serializers.DateTimeField(allow_null=True, help_text="When, from the activity (the latest if several)")


class DiffSchema(serializers.Serializer):
    panel = PanelRefSchema()
    # "from" is a keyword: declared by name.
    to = VersionRefSchema()
    summary = DiffSummarySchema()
    tsv = serializers.URLField(help_text="Every line as TSV")
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = DiffLineSchema(many=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        return {"from": VersionRefSchema(), **super().get_fields()}


class PanelDiff(APIView):
    serializer_class = DiffSchema
    pagination_class = DiffPages

    def get(self, request: Request, pk: str) -> Response:
        panel = find_panel(pk, request.user)
        try:
            old, new = diffs.find_versions(panel, request.query_params.get("from"), request.query_params.get("to"))
        except diffs.VersionNotFound as error:
            raise NotFound(str(error)) from None
        found = diffs.diff_versions(panel, old, new)
        page = self.paginate_queryset(found.lines)
        tsv = reverse(
            "panels:diff_tsv", kwargs={"pk": panel.pk, "from_version": old.version, "to_version": new.version}
        )
        return Response(
            {
                "panel": {"id": panel.pk, "name": panel.name},
                "from": _version(old),
                "to": _version(new),
                "summary": found.summary,
                "tsv": request.build_absolute_uri(tsv),
                "count": self.paginator.page.paginator.count,
                "next": self.paginator.get_next_link(),
                "previous": self.paginator.get_previous_link(),
                "results": [line.as_dict() for line in page],
            }
        )


def _version(snapshot: Any) -> dict[str, str]:
    return {"version": snapshot.version, "created": iso_datetime(snapshot.created)}
