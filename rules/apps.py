# mypy: disable-error-code="import-untyped"
from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "rules"
    verbose_name = "Rules, reference lists and screening"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rules import receivers

        receivers.connect()
