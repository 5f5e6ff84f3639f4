"""API v1 for the signed-in user's watched panels: list, watch, read one, stop watching.

Beyond upstream's read-only API: it answers only a signed-in user (an API
token, or the site's session with its CSRF token), and only about their own
watching. ``GET/POST /api/v1/subscriptions/`` and ``GET/DELETE
/api/v1/subscriptions/<panel id>/``.
"""

from typing import Any

from accounts import policy
from api.v1.views import APIView
from django.db.models import QuerySet
from rest_framework.exceptions import NotFound, ParseError, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from subscriptions import services
from subscriptions.models import Subscription


class MayWatch(BasePermission):
    """Signed-in users who may watch panels at all (``accounts.policy``); anonymous readers get a 401 or 403."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return policy.can_watch_panel(request.user)


def represent(subscription: Subscription) -> dict[str, Any]:
    panel = subscription.panel
    return {
        "panel": panel.pk,
        "panel_name": panel.name,
        "version": panel.version,
        "created": subscription.created.isoformat().replace("+00:00", "Z"),
    }


def _theirs(request: Request) -> QuerySet:
    return (
        Subscription.objects.filter(user=request.user)
        .select_related("panel")
        .only("created", "panel__name", "panel__major_version", "panel__minor_version")
    )


class SubscriptionList(APIView):
    """The user's watched panels (by panel name), and watching one more (``{"panel": <id>}``)."""

    permission_classes = [MayWatch]

    def get(self, request: Request) -> Response:
        return self.paginated(_theirs(request), represent)

    def post(self, request: Request) -> Response:
        panel_id = request.data.get("panel") if hasattr(request.data, "get") else None
        if isinstance(panel_id, str) and panel_id.isdigit():
            panel_id = int(panel_id)
        if not isinstance(panel_id, int) or isinstance(panel_id, bool) or panel_id < 1:
            raise ParseError('Send the panel to watch as {"panel": <panel id>}.')
        panel = policy.visible_panels(request.user, retired=True).filter(pk=panel_id).first()
        if panel is None:
            raise NotFound(f"No panel {panel_id} that you can read.")
        if not policy.can_watch_panel(request.user, panel):
            raise PermissionDenied("You cannot watch this panel.")
        existed = Subscription.objects.filter(user=request.user, panel=panel).exists()
        services.watch(request.user, panel)
        return Response(represent(_theirs(request).get(panel=panel)), status=200 if existed else 201)


class SubscriptionDetail(APIView):
    """One watched panel; DELETE stops watching it."""

    permission_classes = [MayWatch]

    def get(self, request: Request, panel_id: int) -> Response:
        subscription = _theirs(request).filter(panel_id=panel_id).first()
        if subscription is None:
            raise NotFound(f"You are not watching panel {panel_id}.")
        return Response(represent(subscription))

    def delete(self, request: Request, panel_id: int) -> Response:
        if not services.stop_watching(request.user, panel_id):
            raise NotFound(f"You are not watching panel {panel_id}.")
        return Response({"panel": panel_id, "watching": False})
