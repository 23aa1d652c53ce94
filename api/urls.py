"""`/api/v1/`: the versioned API, its OpenAPI description and its documentation page."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from oauth2_provider.views import TokenView

from .docs import ApiDocsView
from .views import approvals, cases, dashboard, notifications, people, referrals, tasks, transfers
from .views.me import MeView

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI under the site's Content-Security-Policy: its start-up script is a file
    # (the split view's ?script), the page has no inline style (api/docs.py).
    path("docs/", ApiDocsView.as_view(url_name="api:schema"), name="docs"),
    # OAuth 2 client credentials of API clients (api/oauth.py, api/clients.py).
    path("oauth/token/", TokenView.as_view(), name="token"),
    path("me/", MeView.as_view(), name="me"),
    path("people/", people.PeopleView.as_view(), name="people"),
    path("people/<int:person_id>/", people.PersonView.as_view(), name="person"),
    path("cases/", cases.CasesView.as_view(), name="cases"),
    path("cases/<int:case_id>/", cases.CaseDetailView.as_view(), name="case"),
    path("cases/<int:case_id>/records/", cases.CaseRecordsView.as_view(), name="case_records"),
    path("cases/<int:case_id>/timeline/", cases.CaseTimelineView.as_view(), name="case_timeline"),
    path("cases/<int:case_id>/risk/", cases.CaseRiskView.as_view(), name="case_risk"),
    path("cases/<int:case_id>/reopen/", cases.CaseReopenView.as_view(), name="case_reopen"),
    path("cases/<int:case_id>/client/", people.CaseClientView.as_view(), name="case_client"),
    path("tasks/", tasks.InboxView.as_view(), name="tasks"),
    path("tasks/queue/", tasks.QueueView.as_view(), name="tasks_queue"),
    path("tasks/counts/", tasks.CountsView.as_view(), name="tasks_counts"),
    path("tasks/<int:task_id>/", tasks.TaskView.as_view(), name="task"),
    path("tasks/<int:task_id>/claim/", tasks.TaskClaimView.as_view(), name="task_claim"),
    path("tasks/<int:task_id>/release/", tasks.TaskReleaseView.as_view(), name="task_release"),
    path("tasks/<int:task_id>/reassign/", tasks.TaskReassignView.as_view(), name="task_reassign"),
    path("tasks/<int:task_id>/complete/", tasks.TaskCompleteView.as_view(), name="task_complete"),
    path("approvals/", approvals.ApprovalsView.as_view(), name="approvals"),
    path("approvals/<int:approval_id>/", approvals.ApprovalView.as_view(), name="approval"),
    path(
        "approvals/<int:approval_id>/decide/",
        approvals.ApprovalDecideView.as_view(),
        name="approval_decide",
    ),
    path(
        "approvals/<int:approval_id>/withdraw/",
        approvals.ApprovalWithdrawView.as_view(),
        name="approval_withdraw",
    ),
]
urlpatterns += [
    path(
        "cases/<int:case_id>/referrals/",
        referrals.CaseReferralsView.as_view(),
        name="case_referrals",
    ),
    path(
        "cases/<int:case_id>/referrals/<int:referral_id>/",
        referrals.CaseReferralView.as_view(),
        name="case_referral",
    ),
    path(
        "cases/<int:case_id>/referrals/<int:referral_id>/answer/",
        referrals.CaseReferralAnswerView.as_view(),
        name="case_referral_answer",
    ),
    path("referrals/to-us/", referrals.ProviderReferralsView.as_view(), name="provider_referrals"),
    path(
        "referrals/to-us/<int:referral_id>/",
        referrals.ProviderReferralView.as_view(),
        name="provider_referral",
    ),
    path(
        "referrals/to-us/<int:referral_id>/answer/",
        referrals.ProviderReferralAnswerView.as_view(),
        name="provider_referral_answer",
    ),
    path(
        "cases/<int:case_id>/transfer/", transfers.CaseTransferView.as_view(), name="case_transfer"
    ),
    path(
        "cases/<int:case_id>/transfer/cancel/",
        transfers.CaseTransferCancelView.as_view(),
        name="case_transfer_cancel",
    ),
    path("transfers/", transfers.TransfersView.as_view(), name="transfers"),
    path("transfers/<int:transfer_id>/", transfers.TransferView.as_view(), name="transfer"),
    path(
        "transfers/<int:transfer_id>/accept/",
        transfers.TransferAcceptView.as_view(),
        name="transfer_accept",
    ),
    path(
        "transfers/<int:transfer_id>/decline/",
        transfers.TransferDeclineView.as_view(),
        name="transfer_decline",
    ),
    path("dashboard/", dashboard.DashboardView.as_view(), name="dashboard"),
    path("notifications/", notifications.NotificationsView.as_view(), name="notifications"),
    path(
        "notifications/read-all/",
        notifications.NotificationsReadAllView.as_view(),
        name="notifications_read_all",
    ),
    path(
        "notifications/<int:notification_id>/read/",
        notifications.NotificationReadView.as_view(),
        name="notification_read",
    ),
]
