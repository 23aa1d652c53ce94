"""URLs of the staff pages (included by case_flows.urls under /staff/)."""

from django.urls import path

from . import audit, views

urlpatterns = [
    path("", views.staff_list, name="staff_list"),
    path("invite/", views.staff_invite, name="staff_invite"),
    path("audit/", audit.staff_audit, name="staff_audit"),
    path("audit/export/", audit.staff_audit_export, name="staff_audit_export"),
    path("<int:person_id>/", views.staff_person, name="staff_person"),
    path("<int:person_id>/absence/", views.staff_absence, name="staff_absence"),
    path(
        "<int:person_id>/absence/<int:absence_id>/cancel/",
        views.staff_absence_cancel,
        name="staff_absence_cancel",
    ),
    path("<int:person_id>/hand-over/", views.staff_handover, name="staff_handover"),
    path("<int:person_id>/deactivate/", views.staff_deactivate, name="staff_deactivate"),
    path("<int:person_id>/reactivate/", views.staff_reactivate, name="staff_reactivate"),
    path(
        "<int:person_id>/invitation/", views.staff_invitation_resend, name="staff_invitation_resend"
    ),
]
