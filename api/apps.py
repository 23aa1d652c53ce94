from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from oauth2_provider.settings import oauth2_settings

        from . import schema  # noqa: F401  (registers the OpenAPI authentication scheme)
        from .scopes import scope_choices

        # The provider's scope list is ours: read/write per resource family.
        oauth2_settings.SCOPES = scope_choices()
