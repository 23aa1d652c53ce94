"""URLs of the workflow kernel; include with namespace "workflows"."""

from django.urls import path

from . import views

app_name = "workflows"

urlpatterns = [
    path("sla/clocks/<int:pk>/pause/", views.sla_clock_pause_view, name="sla_clock_pause"),
    path("sla/clocks/<int:pk>/resume/", views.sla_clock_resume_view, name="sla_clock_resume"),
]
