from django.urls import path

from . import views

urlpatterns = [
    path("", views.second_factor_page, name="second_factor"),
    path("verify/", views.second_factor_verify, name="second_factor_verify"),
    path("backup-codes/", views.second_factor_backup_codes, name="second_factor_backup_codes"),
    path("off/", views.second_factor_disable, name="second_factor_disable"),
    path("reset/<int:user_id>/", views.second_factor_reset, name="second_factor_reset"),
]
