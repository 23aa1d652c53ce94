"""URLs of the case pages, included at the site root."""

from django.urls import include, path

from .cases import access_views, registration, views
from .decisions import views as decision_views
from .documents import template_views as document_template_views
from .documents import views as document_views
from .dpo import views as dpo_views
from .households import views as household_views
from .imports import views as import_views
from .monitoring import views as monitoring_views
from .privacy import subject_access_views
from .privacy import views as privacy_views
from .referrals import views as referral_views
from .registry import merge_views
from .transfers import views as transfer_views
from .work import approvals as approval_views
from .work import views as work

urlpatterns = [
    path("inbox/", work.inbox, name="inbox"),
    path("tasks/<int:task_id>/", work.task_page, name="task"),
    path("tasks/<int:task_id>/claim/", work.task_claim_view, name="task_claim"),
    path("tasks/<int:task_id>/release/", work.task_release_view, name="task_release"),
    path("tasks/<int:task_id>/reassign/", work.task_reassign_view, name="task_reassign"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", registration.case_new, name="case_new"),
    path("cases/<int:case_id>/", views.case_detail, name="case_detail"),
    path("cases/<int:case_id>/reopen/", views.case_reopen_view, name="case_reopen"),
    path("cases/<int:case_id>/risk/", views.case_risk_view, name="case_risk"),
    path(
        "cases/<int:case_id>/relatives/",
        household_views.case_relative_add,
        name="case_relative_add",
    ),
    path("cases/<int:case_id>/relatives/find/", registration.relative_find, name="relative_find"),
    path("cases/<int:case_id>/client/", views.person_edit, name="person_edit"),
    path("cases/<int:case_id>/household/", household_views.household_page, name="household"),
    path(
        "cases/<int:case_id>/household/create/",
        household_views.household_create_view,
        name="household_create",
    ),
    path(
        "cases/<int:case_id>/household/members/",
        household_views.household_member_add_view,
        name="household_member_add",
    ),
    path(
        "cases/<int:case_id>/household/members/<int:member_id>/move-out/",
        household_views.household_member_move_out_view,
        name="household_move_out",
    ),
    path(
        "cases/<int:case_id>/household/incomes/",
        household_views.household_incomes_view,
        name="household_incomes",
    ),
    path(
        "cases/<int:case_id>/subject-access/<str:file_format>/",
        subject_access_views.subject_access_download,
        name="subject_access",
    ),
    path("cases/<int:case_id>/restrict/", access_views.case_restrict_view, name="case_restrict"),
    path(
        "cases/<int:case_id>/restriction/lift/",
        access_views.case_restriction_lift_view,
        name="case_restriction_lift",
    ),
    path("cases/<int:case_id>/access/", access_views.case_access_grant_view, name="case_access"),
    path(
        "cases/<int:case_id>/access/<int:grant_id>/revoke/",
        access_views.case_access_revoke_view,
        name="case_access_revoke",
    ),
    path(
        "cases/<int:case_id>/attachments/",
        document_views.case_attachments,
        name="case_attachments",
    ),
    path(
        "attachments/<int:attachment_id>/",
        document_views.attachment_download,
        name="attachment_download",
    ),
    path(
        "attachments/<int:attachment_id>/thumbnail/",
        document_views.attachment_thumbnail,
        name="attachment_thumbnail",
    ),
    path(
        "attachments/<int:attachment_id>/delete/",
        document_views.attachment_delete_view,
        name="attachment_delete",
    ),
    path(
        "cases/<int:case_id>/referrals/<int:referral_id>/attachments/",
        document_views.referral_share_view,
        name="referral_share",
    ),
    path(
        "referrals/to-us/<int:referral_id>/attachments/<int:attachment_id>/",
        document_views.provider_attachment_download,
        name="provider_attachment_download",
    ),
    path(
        "referrals/to-us/<int:referral_id>/attachments/<int:attachment_id>/thumbnail/",
        document_views.provider_attachment_thumbnail,
        name="provider_attachment_thumbnail",
    ),
    path("cases/<int:case_id>/decisions/", decision_views.case_decisions, name="case_decisions"),
    path(
        "cases/<int:case_id>/decisions/<int:decision_id>/",
        decision_views.decision_detail,
        name="decision_detail",
    ),
    path(
        "cases/<int:case_id>/delay-notices/<int:notice_id>/",
        decision_views.delay_notice,
        name="delay_notice",
    ),
    path("cases/emergency-access/", access_views.emergency_access_view, name="emergency_access"),
    path("people/duplicates/", merge_views.people_duplicates, name="people_duplicates"),
    path(
        "people/merge/<int:source_id>/<int:target_id>/",
        merge_views.person_merge,
        name="person_merge",
    ),
    path("approvals/", approval_views.approvals, name="approvals"),
    path("approvals/<int:approval_id>/", approval_views.approval_detail, name="approval_detail"),
    path("providers/", referral_views.provider_directory, name="provider_directory"),
    path("cases/<int:case_id>/referrals/", referral_views.case_referrals, name="case_referrals"),
    path(
        "cases/<int:case_id>/referrals/<int:referral_id>/answer/",
        referral_views.case_referral_answer,
        name="case_referral_answer",
    ),
    path("referrals/to-us/", referral_views.provider_inbox, name="provider_inbox"),
    path(
        "referrals/to-us/<int:referral_id>/",
        referral_views.provider_referral,
        name="provider_referral",
    ),
    path("cases/<int:case_id>/transfer/", transfer_views.case_transfer, name="case_transfer"),
    path("transfers/incoming/", transfer_views.transfers_incoming, name="transfers_incoming"),
    path("transfers/<int:transfer_id>/", transfer_views.transfer_decide, name="transfer_decide"),
    path("cases/<int:case_id>/erasure/", privacy_views.case_erasure, name="case_erasure"),
    path("erasure-requests/<int:request_id>/", privacy_views.erasure_decide, name="erasure_decide"),
    path("dashboard/", monitoring_views.dashboard_page, name="dashboard"),
    path("dashboard/cases/", monitoring_views.dashboard_cases, name="dashboard_cases"),
    path("dashboard/cases/export/", monitoring_views.dashboard_export, name="dashboard_export"),
    path("staff/import/", import_views.caseload_import_page, name="caseload_import"),
    path("staff/case-types/", include("case_flows.staff.case_types_urls")),
    path("staff/documents/", document_template_views.document_templates, name="document_templates"),
    path(
        "staff/documents/new/",
        document_template_views.document_template_new,
        name="document_template_new",
    ),
    path(
        "staff/documents/<int:template_id>/",
        document_template_views.document_template,
        name="document_template",
    ),
    path(
        "staff/documents/letterhead/",
        document_template_views.letterhead_edit,
        name="document_letterhead",
    ),
    path(
        "cases/<int:case_id>/documents/new/",
        document_template_views.case_document_generate,
        name="case_document_generate",
    ),
    path("staff/", include("case_flows.staff.urls")),
    path("form-builder/", include("case_flows.formbuilder.urls")),
    path("privacy/access-log/", dpo_views.access_log, name="access_log"),
    path("privacy/access-log/export/", dpo_views.access_log_export, name="access_log_export"),
]
