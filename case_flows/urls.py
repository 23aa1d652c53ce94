"""URLs of the case pages, included at the site root."""

from django.urls import path

from . import views, views_referrals
from .monitoring import views as monitoring_views

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("tasks/<int:task_id>/", views.task_page, name="task"),
    path("tasks/<int:task_id>/claim/", views.task_claim_view, name="task_claim"),
    path("tasks/<int:task_id>/release/", views.task_release_view, name="task_release"),
    path("tasks/<int:task_id>/reassign/", views.task_reassign_view, name="task_reassign"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:case_id>/", views.case_detail, name="case_detail"),
    path("cases/<int:case_id>/reopen/", views.case_reopen_view, name="case_reopen"),
    path("cases/<int:case_id>/risk/", views.case_risk_view, name="case_risk"),
    path("cases/<int:case_id>/relatives/", views.case_relative_add, name="case_relative_add"),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<int:approval_id>/", views.approval_detail, name="approval_detail"),
    path("providers/", views_referrals.provider_directory, name="provider_directory"),
    path("cases/<int:case_id>/referrals/", views_referrals.case_referrals, name="case_referrals"),
    path(
        "cases/<int:case_id>/referrals/<int:referral_id>/answer/",
        views_referrals.case_referral_answer,
        name="case_referral_answer",
    ),
    path("referrals/to-us/", views_referrals.provider_inbox, name="provider_inbox"),
    path(
        "referrals/to-us/<int:referral_id>/",
        views_referrals.provider_referral,
        name="provider_referral",
    ),
    path("cases/<int:case_id>/transfer/", views_referrals.case_transfer, name="case_transfer"),
    path("transfers/incoming/", views_referrals.transfers_incoming, name="transfers_incoming"),
    path("transfers/<int:transfer_id>/", views_referrals.transfer_decide, name="transfer_decide"),
    path("dashboard/", monitoring_views.dashboard_page, name="dashboard"),
    path("dashboard/cases/", monitoring_views.dashboard_cases, name="dashboard_cases"),
    path("dashboard/cases/export/", monitoring_views.dashboard_export, name="dashboard_export"),
]
