"""The pages and API endpoints measured at volume, the panels they open, and the events that ask for them.

Shared by the volume tests and bench/volume.py. ``targets()`` finds in any
database (a volume build or the demo data) the panels worth opening: the
largest panel, the largest super panel, the busiest panel and an old
version of each. Each endpoint names what its response grows with
(``grows_with``): nothing for a page of a list, else the quantity and its
value in the real PanelApp, so a size measured at a small scale says what
the real volume will answer.
"""

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from panels.models import Activity, Entity, HistoricalSnapshot, Panel

from tests.conftest import load_event

# Response limits of the two ways in: the ALB refuses a Lambda response over 1 MB, API Gateway over 6 MB.
ALB_LIMIT = 1_000_000
HTTP_API_LIMIT = 6_000_000
JSON, HTML = "application/json", "text/html"
API_PAGE_SIZE = 100
ACTIVITY_PAGE_SIZE = 50

# What a response may grow with, and how much of it the real PanelApp holds.
REAL = {
    "largest_entities": 2_500,
    "super_entities": 4_040,
    "busiest_activities": 68_750,  # 1.1 million activity rows, a sixteenth on the busiest panel
    "busiest_versions": 300,
    "panels": 450,
}


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    accept: str = JSON
    grows_with: str | None = None  # None: a page of a list, the same size whatever the volume
    deep: bool = False  # a page far down a list
    one_panel: bool = False  # reads one panel's rows only: bounded by the largest panel, not by the tables

    @property
    def url(self) -> str:
        return self.path + ("?" + "&".join(f"{k}={v}" for k, v in self.query.items()) if self.query else "")


def targets() -> dict[str, Any]:
    """The panels worth opening in this database and how much each holds (a handful of queries)."""
    supers = set(Panel.child_panels.through.objects.values_list("from_panel_id", flat=True))
    public = list(Panel.objects.filter(status=Panel.Status.PUBLIC).order_by("pk").values_list("pk", "stats"))

    def genes(stats: dict) -> int:
        return stats.get("number_of_genes", 0)

    plain = [(pk, stats) for pk, stats in public if pk not in supers]
    largest = max(plain, key=lambda p: genes(p[1]))[0]
    small = min((p for p in plain if genes(p[1])), key=lambda p: (genes(p[1]), p[0]))[0]
    largest_super = max((p for p in public if p[0] in supers), key=lambda p: genes(p[1]))[0]
    busiest = (
        Activity.objects.filter(panel__status=Panel.Status.PUBLIC)
        .values("panel_id")
        .annotate(n=Count("id"))
        .order_by("-n", "panel_id")
        .first()
    )
    found = {
        "largest": largest,
        "small": small,
        "largest_super": largest_super,
        "busiest": busiest["panel_id"],
        "largest_old": old_version(largest),
        "super_old": old_version(largest_super),
        "gene": Entity.objects.filter(panel_id=largest, entity_type="gene").order_by("entity_name")[0].entity_name,
        "largest_entities": genes(dict(plain)[largest]),
        "super_entities": genes(dict(public)[largest_super]),
        "busiest_activities": busiest["n"],
        "busiest_versions": HistoricalSnapshot.objects.filter(panel_id=busiest["panel_id"]).count(),
        "panels": len(public),
    }
    visible_activities = Activity.objects.filter(panel__status__in=[Panel.Status.PUBLIC, Panel.Status.PROMOTED])
    found["activity_pages"] = max(1, -(-visible_activities.count() // API_PAGE_SIZE))
    found["panel_pages"] = max(1, -(-len(public) // API_PAGE_SIZE))
    return found


def old_version(panel_id: int) -> str:
    """The version halfway through the panel's history (not its current one)."""
    versions = list(
        HistoricalSnapshot.objects.filter(panel_id=panel_id)
        .order_by("major_version", "minor_version")
        .values_list("major_version", "minor_version")
    )
    major, minor = versions[(len(versions) - 1) // 2]
    return f"{major}.{minor}"


def endpoints(t: dict[str, Any]) -> list[Endpoint]:
    largest, big_super, busiest, gene, small = t["largest"], t["largest_super"], t["busiest"], t["gene"], t["small"]
    api = "/api/v1"
    return [
        Endpoint("api root", f"{api}/"),
        Endpoint("api panels", f"{api}/panels/"),
        Endpoint("api panels, last page", f"{api}/panels/", {"page": str(t["panel_pages"])}, deep=True),
        Endpoint("api largest panel", f"{api}/panels/{largest}/", grows_with="largest_entities"),
        Endpoint(
            "api largest panel, old version",
            f"{api}/panels/{largest}/",
            {"version": t["largest_old"]},
            grows_with="largest_entities",
        ),
        Endpoint("api largest panel, no entities", f"{api}/panels/{largest}/", {"exclude_entities": "True"}),
        Endpoint("api largest super panel", f"{api}/panels/{big_super}/", grows_with="super_entities"),
        Endpoint(
            "api largest super panel, old version",
            f"{api}/panels/{big_super}/",
            {"version": t["super_old"]},
            grows_with="super_entities",
        ),
        Endpoint("api busiest panel's versions", f"{api}/panels/{busiest}/versions/", one_panel=True),
        Endpoint(
            "api busiest panel's activities", f"{api}/panels/{busiest}/activities/", grows_with="busiest_activities"
        ),
        Endpoint("api largest panel's genes", f"{api}/panels/{largest}/genes/", one_panel=True),
        Endpoint("api largest super panel's genes", f"{api}/panels/{big_super}/genes/", one_panel=True),
        Endpoint("api one gene of the largest panel", f"{api}/panels/{largest}/genes/{gene}/", one_panel=True),
        Endpoint("api its reviews", f"{api}/panels/{largest}/genes/{gene}/evaluations/", one_panel=True),
        Endpoint("api signed off", f"{api}/panels/signedoff/"),
        Endpoint("api genes", f"{api}/genes/"),
        Endpoint("api one gene on every panel", f"{api}/genes/{gene}/"),
        Endpoint("api entities", f"{api}/entities/"),
        Endpoint("api strs", f"{api}/strs/"),
        Endpoint("api regions", f"{api}/regions/"),
        Endpoint("api activities", f"{api}/activities/"),
        Endpoint("api activities, last page", f"{api}/activities/", {"page": "last"}, deep=True),
        Endpoint("page panels", "/panels/", accept=HTML, grows_with="panels"),
        Endpoint("page largest panel", f"/panels/{largest}/", accept=HTML, one_panel=True),
        Endpoint(
            "page largest panel, old version",
            f"/panels/{largest}/",
            {"version": t["largest_old"]},
            accept=HTML,
            one_panel=True,
        ),
        Endpoint("page largest super panel", f"/panels/{big_super}/", accept=HTML, one_panel=True),
        Endpoint("page busiest panel", f"/panels/{busiest}/", accept=HTML, one_panel=True),
        Endpoint("page gene on the largest panel", f"/panels/{largest}/gene/{gene}/", accept=HTML, one_panel=True),
        Endpoint("page entities", "/panels/entities/", accept=HTML),
        Endpoint("page entities, last page", "/panels/entities/", {"page": "999999"}, accept=HTML, deep=True),
        Endpoint("page one gene on every panel", f"/panels/entities/{gene}", accept=HTML),
        Endpoint("page compare", f"/panels/compare/{largest}/{small}", accept=HTML, one_panel=True),
        Endpoint("page activity", "/panels/activity/", accept=HTML),
        Endpoint("page activity, last page", "/panels/activity/", {"page": "999999"}, accept=HTML, deep=True),
        Endpoint("page activity of the busiest panel", "/panels/activity/", {"panel": str(busiest)}, accept=HTML),
        # Above 512 KB the file is stored and the answer is a redirect to it (panels.downloads): bounded.
        Endpoint(
            "download largest panel (TSV)",
            f"/panels/{largest}/download/01234/",
            accept="text/tab-separated-values",
            one_panel=True,
        ),
    ]


def alb_event(endpoint: Endpoint) -> dict[str, Any]:
    event = copy.deepcopy(load_event("alb_get.json"))
    event["path"], event["queryStringParameters"] = endpoint.path, dict(endpoint.query)
    event["headers"]["accept"] = endpoint.accept
    return event


def http_api_event(endpoint: Endpoint) -> dict[str, Any]:
    event = copy.deepcopy(load_event("http_api_v2.json"))
    event["rawPath"] = event["requestContext"]["http"]["path"] = endpoint.path
    event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in endpoint.query.items())
    event["queryStringParameters"] = dict(endpoint.query)
    event["headers"]["accept"] = endpoint.accept
    return event


EVENTS = {"alb": alb_event, "http_api": http_api_event}


def body_bytes(response: dict[str, Any]) -> int:
    """The size of the body the Lambda returns (base64 text when binary): what the limits count."""
    return len(response.get("body", "").encode())


def decoded(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])
