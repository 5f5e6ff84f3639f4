"""docs/api.md's incremental sync, run against the demo data: one list call, then only the changed panels."""

import pytest
from django.core.management import call_command
from panels import services
from panels.models import Panel

from tests.panels.factories import make_user

pytestmark = pytest.mark.django_db


class Mirror:
    """A pipeline's copy of every panel, kept as docs/api.md's recipe says."""

    def __init__(self, client):
        self.client = client
        self.list_etags: dict[str, str] = {}  # list page URL -> its ETag
        self.panels: dict[int, dict] = {}  # id -> {"version", "etag", "data"}
        self.requests: list[tuple[str, int]] = []

    def get(self, url: str, etag: str | None = None):
        headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
        response = self.client.get(url, HTTP_ACCEPT="application/json", **headers)
        self.requests.append((url, response.status_code))
        return response

    def sync(self) -> None:
        self.requests = []
        url, listed = "http://testserver/api/v1/panels/", {}
        while url:
            response = self.get(url, self.list_etags.get(url))
            if response.status_code == 304:
                return  # nothing changed since the last sync (one page: the whole list)
            self.list_etags[url] = response["ETag"]
            page = response.json()
            listed.update({panel["id"]: panel["version"] for panel in page["results"]})
            url = page["next"]
        for panel_id, version in listed.items():
            known = self.panels.get(panel_id)
            if known is None or known["version"] != version:
                detail = self.get(f"/api/v1/panels/{panel_id}/", known and known["etag"])
                if detail.status_code == 200:
                    self.panels[panel_id] = {"version": version, "etag": detail["ETag"], "data": detail.json()}
        for gone in set(self.panels) - set(listed):
            del self.panels[gone]

    def revalidate_all(self) -> None:
        """What a pipeline without the list's versions would do: ask for each panel it holds, conditionally."""
        for panel_id, known in self.panels.items():
            self.get(f"/api/v1/panels/{panel_id}/", known["etag"])


@pytest.fixture
def demo():
    call_command("load_demo_data", verbosity=0)


def test_a_second_sync_after_one_change_fetches_one_panel(client, demo, settings):
    settings.API_THROTTLE_ANON_RATE = "1000/minute"
    mirror = Mirror(client)
    mirror.sync()
    public = Panel.objects.visible()
    assert len(mirror.panels) == public.count() > 1

    # Not in a super panel, whose version would move with it.
    changed = public.filter(super_panels__isnull=True, child_panels__isnull=True).order_by("pk").first()
    services.update_panel(make_user(), changed, disease_sub_group="Changed for the test")
    mirror.sync()

    fetched = [url for url, status in mirror.requests if status == 200 and "/panels/" in url and "?" not in url]
    assert fetched == ["http://testserver/api/v1/panels/", f"/api/v1/panels/{changed.pk}/"]
    assert mirror.panels[changed.pk]["data"]["disease_sub_group"] == "Changed for the test"

    mirror.revalidate_all()
    revalidated = mirror.requests[len(fetched) :]
    assert len(revalidated) == len(mirror.panels) and {status for _, status in revalidated} == {304}

    mirror.sync()
    assert mirror.requests == [("http://testserver/api/v1/panels/", 304)]
