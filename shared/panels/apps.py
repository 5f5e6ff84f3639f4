from django.apps import AppConfig


class PanelsConfig(AppConfig):
    name = "panels"
    verbose_name = "Panels"

    def ready(self) -> None:
        # The services announce new versions; the all-panels files are rebuilt from here,
        # so the services never import the exports (nor, through them, the tasks).
        from panels import exports, signals

        signals.version_created.connect(exports.panel_changed, dispatch_uid="panels.exports")
