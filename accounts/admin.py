from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import account_event_record
from .lockout import account_unlock, attempts_unlock, is_administrator, unlock_allowed
from .models import AccountAction, AccountEvent, Office, Region, StaffInvitation, Team, User
from .second_factor.services import SecondFactorError, second_factor_reset


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """A record kept by the services (an audit trail, a counter, a device): listed and read in
    the admin, never added, edited or deleted there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
    actions = ["reset_second_factor", "unlock_sign_in"]

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

    @admin.action(description=_("Unlock sign-in of the selected users"))
    def unlock_sign_in(self, request, queryset):
        allowed = [user for user in queryset if unlock_allowed(request.user, user)]
        for user in allowed:
            account_unlock(subject=user, actor=request.user, request=request)
        self.message_user(
            request,
            ngettext(
                "%(count)d user can sign in again.",
                "%(count)d users can sign in again.",
                len(allowed),
            )
            % {"count": len(allowed)},
            messages.SUCCESS,
        )
        if len(allowed) < len(queryset):
            self.message_user(
                request,
                _("You may unlock only the staff of your own office; the others were left."),
                messages.WARNING,
            )

    def user_change_password(self, request, id, form_url=""):
        """Django's page to set a user's password, recorded in the audit trail."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            account_event_record(
                action=AccountAction.PASSWORD_CHANGED,
                actor=request.user,
                subject=self.get_object(request, id),
                request=request,
                details={"by": "admin"},
            )
        return response


@admin.register(AccountEvent)
class AccountEventAdmin(ReadOnlyModelAdmin):
    """Read-only: the audit trail is written by the services, never edited."""

    list_display = ["at", "action", "username", "actor", "office", "address"]
    list_filter = ["action", "office"]
    search_fields = ["username", "subject__username", "actor__username", "address"]
    list_select_related = ["actor", "office"]
    date_hierarchy = "at"


@admin.register(StaffInvitation)
class StaffInvitationAdmin(ReadOnlyModelAdmin):
    """Read-only: invitations are sent and accepted through the staff pages (accounts.staff)."""

    list_display = ["user", "invited_by", "created_at", "emailed_at", "accepted_at", "revoked_at"]
    list_select_related = ["user", "invited_by"]
    search_fields = ["user__username", "user__email"]
    exclude = ["nonce"]


class SecondFactorDeviceAdmin(ReadOnlyModelAdmin):
    """Who has two-step sign-in, read-only and without the secrets: django-otp's own admin
    shows a device's key and QR code, which would let an administrator copy anyone's second
    factor. A device is removed only by the reset (the action on users), which is audited."""

    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]


# Whichever app's admin module loads first, ours replaces django-otp's registrations.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)
    admin.site.register(_device_model, SecondFactorDeviceAdmin)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(ReadOnlyModelAdmin):
    """Axes' failed sign-in counters, read-only, for administrators. The only change is the
    unlock action (which records who unlocked what); the request data axes keeps is left out."""

    list_display = ["attempt_time", "username", "ip_address", "failures_since_start", "user_agent"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempt_time"
    fields = ["attempt_time", "username", "ip_address", "failures_since_start", "user_agent"]
    readonly_fields = (
        "attempt_time",
        "username",
        "ip_address",
        "failures_since_start",
        "user_agent",
    )
    actions = ["unlock"]

    def has_module_permission(self, request):
        return is_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return is_administrator(request.user)

    @admin.action(description=_("Unlock: forget the selected failed sign-ins"))
    def unlock(self, request, queryset):
        count = attempts_unlock(attempts=queryset, actor=request.user, request=request)
        self.message_user(
            request,
            ngettext(
                "%(count)d counter cleared: its username and address are unlocked.",
                "%(count)d counters cleared: their usernames and addresses are unlocked.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
