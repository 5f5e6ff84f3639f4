from django.apps import AppConfig
from django.core.signals import request_started


class ServerlessConfig(AppConfig):
    name = "serverless"
    verbose_name = "Serverless"

    def ready(self) -> None:
        # Secrets read at init (or restored from a SnapStart snapshot) are read
        # again once they are SECRETS_MAX_AGE_SECONDS old: rotation reaches warm
        # environments too (serverless.secrets).
        request_started.connect(refresh_stale_secrets, dispatch_uid="serverless.refresh_stale_secrets")


def refresh_stale_secrets(**kwargs) -> None:
    import logging

    from django.conf import settings

    from serverless.secrets import SecretUnavailable, refresh_if_stale

    try:
        refresh_if_stale(settings.SECRETS_MAX_AGE_SECONDS)
    except SecretUnavailable as error:
        # Serve with the values in hand; the next request tries again.
        logging.getLogger(__name__).warning("secrets not refreshed: %s", error)
