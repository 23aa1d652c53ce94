from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_VIEW = [
    "case_flows.view_case",
    "case_flows.view_person",
    "case_flows.view_caseprocess",
    "case_flows.view_caseevent",
]


class CaseFlowsConfig(AppConfig):
    name = "case_flows"
    verbose_name = _("Cases")
    default_auto_field = "django.db.models.BigAutoField"

    # viewflow shows a role nothing unless it can view the process model (view_caseprocess).
    role_permissions = {
        "caseworker": [
            *_VIEW,
            "case_flows.work_case",
            "case_flows.add_person",
            "case_flows.view_serviceprovider",
        ],
        "supervisor": [
            *_VIEW,
            "case_flows.work_case",
            "case_flows.add_person",
            "case_flows.allocate_case",
            "case_flows.approve_case",
            "case_flows.reopen_case",
            "case_flows.view_serviceprovider",
        ],
        "manager": [
            *_VIEW,
            "case_flows.approve_case",
            "case_flows.reopen_case",
            "case_flows.review_overdue_case",
            "case_flows.view_serviceprovider",
        ],
        "administrator": [
            *_VIEW,
            "case_flows.add_category",
            "case_flows.change_category",
            "case_flows.view_category",
            "case_flows.add_serviceprovider",
            "case_flows.change_serviceprovider",
            "case_flows.view_serviceprovider",
            "case_flows.view_followupschedulepolicy",
            "case_flows.change_followupschedulepolicy",
            "case_flows.add_caseloadthreshold",
            "case_flows.change_caseloadthreshold",
            "case_flows.delete_caseloadthreshold",
            "case_flows.view_caseloadthreshold",
            "case_flows.view_exportlog",
        ],
        # Staff of an internal service provider: answer the referrals addressed to it.
        "provider": ["case_flows.respond_referral"],
    }
    demo_seeders = ["case_flows.demo.seed_cases"]

    def ready(self):
        from workflows.sla.hooks import register_escalation_handler

        from .sla_handlers import case_escalations

        register_escalation_handler(case_escalations)

        from .referrals.sla import referral_escalations

        register_escalation_handler(referral_escalations)

        from notifications.digest import register_digest_section

        from . import digest

        register_digest_section("case_flows.team_queue", digest.team_queue_section)
        register_digest_section("case_flows.overdue", digest.overdue_section)
        register_digest_section("case_flows.approvals", digest.approvals_section)
