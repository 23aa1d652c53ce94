from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflow")
    default_auto_field = "django.db.models.BigAutoField"

    role_permissions = {
        "supervisor": ["workflows.view_approval", "workflows.view_supervisorabsence"],
        "manager": [
            "workflows.view_approval",
            "workflows.view_supervisorabsence",
            "workflows.add_supervisorabsence",
            "workflows.change_supervisorabsence",
        ],
        "administrator": [
            "workflows.view_approval",
            "workflows.view_approvalrule",
            "workflows.add_approvalrule",
            "workflows.change_approvalrule",
            "workflows.view_supervisorabsence",
            "workflows.add_supervisorabsence",
            "workflows.change_supervisorabsence",
        ],
    }
