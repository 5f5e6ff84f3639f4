"""OpenAPI declarations of the subscriptions endpoints, applied only when a schema is generated.

Like ``api.v1.openapi`` (whose hook runs first and declares GET alone), and
for the same reason: ``extend_schema`` imports drf-spectacular's generator,
which a request must not pay for.
"""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers

from subscriptions import api


class SubscriptionSchema(serializers.Serializer):
    panel = serializers.IntegerField(help_text="The panel's id")
    panel_name = serializers.CharField()
    version = serializers.CharField(help_text="The panel's current version, MAJOR.MINOR")
    created = serializers.DateTimeField(help_text="When the user started watching it")


class WatchRequestSchema(serializers.Serializer):
    panel = serializers.IntegerField(help_text="The id of a panel the user can read")


class StoppedSchema(serializers.Serializer):
    panel = serializers.IntegerField()
    watching = serializers.BooleanField(help_text="Always false")


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(description=description)


SIGNED_IN = {
    400: _error("A malformed request body or parameter; the message says what is wrong"),
    401: _error("No credentials, or an unknown token: send Authorization: Token <key>"),
    403: _error("A signed-in session without its CSRF token, or an account that cannot watch panels"),
}
EXAMPLE = OpenApiExample(
    "Watch panel 245",
    value={"panel": 245},
    request_only=True,
    description='curl -X POST -H "Authorization: Token <key>" -H "Content-Type: application/json" '
    "-d '{\"panel\": 245}' https://panelapp.example.org/api/v1/subscriptions/",
)


def preprocessing_hook(endpoints: list) -> list:
    """drf-spectacular's ``PREPROCESSING_HOOKS`` entry (after ``api.v1.openapi``'s)."""
    extend_schema_view(
        get=extend_schema(
            operation_id="subscriptions_list",
            summary="The panels you watch",
            description="Promotions of these panels are e-mailed to you. Needs a signed-in user (a token).",
            responses={200: SubscriptionSchema(many=True), 404: _error("Past the last page"), **SIGNED_IN},
        ),
        post=extend_schema(
            operation_id="subscriptions_create",
            summary="Watch a panel",
            description="Its promotions to a new major version are then e-mailed to you. 201 when new, 200 when "
            "you were already watching it.",
            request=WatchRequestSchema,
            examples=[EXAMPLE],
            responses={
                200: SubscriptionSchema,
                201: SubscriptionSchema,
                404: _error("No such panel that you can read"),
                **SIGNED_IN,
            },
        ),
    )(api.SubscriptionList)
    extend_schema_view(
        get=extend_schema(
            operation_id="subscriptions_retrieve",
            summary="One panel you watch",
            responses={200: SubscriptionSchema, 404: _error("You are not watching this panel"), **SIGNED_IN},
        ),
        delete=extend_schema(
            operation_id="subscriptions_destroy",
            summary="Stop watching a panel",
            responses={200: StoppedSchema, 404: _error("You are not watching this panel"), **SIGNED_IN},
        ),
    )(api.SubscriptionDetail)
    return endpoints
