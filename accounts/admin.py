from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import AccountEvent, Office, Region, Team, User
from .second_factor.services import SecondFactorError, second_factor_reset


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
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (
            _("Office and preferences"),
            {"fields": ("home_office", "is_national", "preferred_language", "phone")},
        ),
    )
    actions = ["reset_second_factor"]

    @admin.action(description=_("Reset two-step sign-in of the selected users"))
    def reset_second_factor(self, request, queryset):
        done, refused = 0, []
        for subject in queryset.select_related("home_office"):
            try:
                second_factor_reset(subject=subject, actor=request.user, request=request)
            except (PermissionDenied, SecondFactorError) as exc:
                refused.append(f"{subject}: {exc}")
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "Two-step sign-in reset for %(count)d person.",
                    "Two-step sign-in reset for %(count)d people.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )
        for line in refused:
            self.message_user(request, line, messages.WARNING)


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


class SecondFactorDeviceAdmin(admin.ModelAdmin):
    """Who has two-step sign-in, read-only and without the secrets: django-otp's own admin
    shows a device's key and QR code, which would let an administrator copy anyone's second
    factor. A device is removed only by the reset (the action on users), which is audited."""

    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Whichever app's admin module loads first, ours replaces django-otp's registrations.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)
    admin.site.register(_device_model, SecondFactorDeviceAdmin)
