"""The project URLs plus the workflow kernel's, until the lead includes them in config.urls."""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [*project_urlpatterns, path("workflows/", include("workflows.urls"))]
