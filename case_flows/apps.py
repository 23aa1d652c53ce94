from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseFlowsConfig(AppConfig):
    name = "case_flows"
    verbose_name = _("Cases")
    default_auto_field = "django.db.models.BigAutoField"

    @property
    def role_permissions(self) -> dict[str, list[str]]:
        """The permissions each role group is granted after migrate (accounts.roles)."""
        # Imported here: apps.py is loaded before any model, and permissions imports accounts'.
        from .permissions import CasePerm as P

        # viewflow shows a role nothing unless it can view the process model (view_caseprocess).
        view = [P.VIEW_CASE, P.VIEW_PERSON, P.VIEW_CASEPROCESS, P.VIEW_CASEEVENT]
        return {
            "caseworker": [*view, P.WORK_CASE, P.ADD_PERSON, P.VIEW_SERVICEPROVIDER],
            "supervisor": [
                *view,
                P.WORK_CASE,
                P.ADD_PERSON,
                P.ALLOCATE_CASE,
                P.APPROVE_CASE,
                P.REOPEN_CASE,
                P.VIEW_SERVICEPROVIDER,
            ],
            "manager": [
                *view,
                P.APPROVE_CASE,
                P.REOPEN_CASE,
                P.REVIEW_OVERDUE_CASE,
                P.VIEW_SERVICEPROVIDER,
            ],
            "administrator": [
                *view,
                P.ADD_CATEGORY,
                P.CHANGE_CATEGORY,
                P.VIEW_CATEGORY,
                P.ADD_SERVICEPROVIDER,
                P.CHANGE_SERVICEPROVIDER,
                P.VIEW_SERVICEPROVIDER,
                P.VIEW_FOLLOWUPSCHEDULEPOLICY,
                P.CHANGE_FOLLOWUPSCHEDULEPOLICY,
                P.ADD_CASELOADTHRESHOLD,
                P.CHANGE_CASELOADTHRESHOLD,
                P.DELETE_CASELOADTHRESHOLD,
                P.VIEW_CASELOADTHRESHOLD,
                P.VIEW_EXPORTLOG,
                P.VIEW_FORMDEFINITION,
                P.CHANGE_FORMDEFINITION,
                P.VIEW_NEEDDOMAIN,
                P.ADD_NEEDDOMAIN,
                P.CHANGE_NEEDDOMAIN,
                P.VIEW_DOCUMENTTEMPLATE,
                P.ADD_DOCUMENTTEMPLATE,
                P.CHANGE_DOCUMENTTEMPLATE,
            ],
            # Staff of an internal service provider: answer the referrals addressed to it.
            "provider": [P.RESPOND_REFERRAL],
            # The data protection officer reads the access log (case_flows/dpo), no case.
            "dpo": [P.VIEW_ACCESSEVENT],
        }

    demo_seeders = ["case_flows.demo.seed.seed_cases"]
    # What the restore drill (manage.py restore_drill) checks of the case data in the copy.
    restore_drill_checks = [
        "case_flows.restore_drill.check_timeline",
        "case_flows.restore_drill.check_attachments",
        "case_flows.restore_drill.check_case_page",
    ]

    def ready(self):
        from workflows.sla.hooks import register_escalation_handler

        from .sla_handlers import case_escalations

        register_escalation_handler(case_escalations)

        from .referrals.sla import referral_escalations

        register_escalation_handler(referral_escalations)

        from .decisions.sla import decision_escalations

        register_escalation_handler(decision_escalations)

        from workflows.handover import register_handover_listener

        from .handover import case_handover

        register_handover_listener(case_handover)

        from notifications.digest import register_digest_section

        from . import digest

        register_digest_section("case_flows.team_queue", digest.team_queue_section)
        register_digest_section("case_flows.overdue", digest.overdue_section)
        register_digest_section("case_flows.approvals", digest.approvals_section)
