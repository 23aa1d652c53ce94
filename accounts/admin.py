from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AccountEvent, Office, Region, StaffInvitation, Team, User


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "jurisdiction", "parent"]
    list_filter = ["jurisdiction"]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "jurisdiction", "timezone", "region", "is_active"]
    list_filter = ["jurisdiction", "is_active"]
    search_fields = ["name", "code"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "office", "supervisor"]
    list_filter = ["office"]
    filter_horizontal = ["members"]
    list_select_related = ["office", "supervisor"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = [
        "username",
        "first_name",
        "last_name",
        "home_office",
        "is_national",
        "is_active",
    ]
    list_filter = ["home_office", "groups", "is_national", "is_active"]
    list_select_related = ["home_office"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        (
            _("Office and preferences"),
            {"fields": ("home_office", "is_national", "preferred_language", "phone")},
        ),
    )


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is written by the services, never edited."""

    list_display = ["at", "action", "username", "actor", "office", "address"]
    list_filter = ["action", "office"]
    search_fields = ["username", "subject__username", "actor__username", "address"]
    list_select_related = ["actor", "office"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StaffInvitation)
class StaffInvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are sent and accepted through the staff pages (accounts.staff)."""

    list_display = ["user", "invited_by", "created_at", "emailed_at", "accepted_at", "revoked_at"]
    list_select_related = ["user", "invited_by"]
    search_fields = ["user__username", "user__email"]
    exclude = ["nonce"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
