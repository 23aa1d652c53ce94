from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflow")
    default_auto_field = "django.db.models.BigAutoField"

    role_permissions = {
        "administrator": [
            "workflows.view_approval",
            "workflows.view_approvalrule",
            "workflows.add_approvalrule",
            "workflows.change_approvalrule",
            "workflows.view_supervisorabsence",
            "workflows.add_supervisorabsence",
            "workflows.change_supervisorabsence",
            "workflows.view_slapolicy",
            "workflows.add_slapolicy",
            "workflows.change_slapolicy",
            "workflows.view_slacalendar",
            "workflows.add_slacalendar",
            "workflows.change_slacalendar",
            "workflows.view_slaclosureday",
            "workflows.add_slaclosureday",
            "workflows.change_slaclosureday",
            "workflows.delete_slaclosureday",
            "workflows.view_slaclock",
            "workflows.view_slaescalation",
        ],
        "manager": [
            "workflows.view_approval",
            "workflows.view_supervisorabsence",
            "workflows.add_supervisorabsence",
            "workflows.change_supervisorabsence",
            "workflows.view_slapolicy",
            "workflows.view_slaclock",
        ],
        "supervisor": [
            "workflows.view_approval",
            "workflows.view_supervisorabsence",
            "workflows.view_slapolicy",
        ],
        "caseworker": [],
    }

    def ready(self):
        from .sla import hooks
        from .system import beat  # noqa: F401  (connects the beat jobs' run recorder)

        hooks.load_configured_handlers()
