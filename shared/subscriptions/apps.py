from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = "Watched panels"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Promotions are announced by the panels services (panels.signals); the receiver queues the e-mails.
        from subscriptions import receivers  # noqa: F401
