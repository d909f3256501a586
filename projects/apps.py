from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "Portfolio: projects, people and ties"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from projects import (
            lookups,  # noqa: F401  (registers field__any)
            receivers,
        )

        receivers.connect()
