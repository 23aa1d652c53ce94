"""Admin for SLA policies (ordered, confirmable, versioned on edit), calendars and clocks."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin import ReadOnlyModelAdmin

from .sla.models import SlaCalendar, SlaClock, SlaClosureDay, SlaEscalation, SlaPause, SlaPolicy
from .sla.services import sla_calendar_changed, sla_policies_confirm, sla_policy_revise
from .sla.units import PolicyStatus


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "order",
        "verification",
        "jurisdiction",
        "office",
        "category",
        "risk",
        "kind",
        "node_name",
        "target",
        "version",
        "is_current",
    ]
    list_display_links = ["name"]
    list_editable = ["order"]
    list_filter = ["is_current", "status", "jurisdiction", "kind", "statutory"]
    search_fields = ["name", "key", "node_name", "category", "citation"]
    list_select_related = ["office"]
    readonly_fields = ["version", "is_current", "confirmed_by", "confirmed_at", "created_at"]
    actions = ["confirm_policies"]
    fieldsets = [
        (None, {"fields": ["key", "name", "order", "status", "version", "is_current"]}),
        (_("Scope"), {"fields": ["jurisdiction", "office", "category", "risk"]}),
        (
            _("Target"),
            {"fields": ["kind", "node_name", "target_amount", "target_unit", "warn_percent"]},
        ),
        (
            _("Escalation and pauses"),
            {"fields": ["ladder", "statutory", "pausable", "pause_reasons"]},
        ),
        (
            _("Source"),
            {
                "fields": [
                    "citation",
                    "effective_from",
                    "effective_to",
                    "confirmed_by",
                    "confirmed_at",
                    "created_at",
                ]
            },
        ),
    ]

    @admin.display(description=_("verification"), ordering="status")
    def verification(self, obj):
        return _("Unverified draft") if obj.status == PolicyStatus.DRAFT else _("Confirmed")

    @admin.display(description=_("target"))
    def target(self, obj):
        return obj.target_text

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("key")
        return fields

    def has_change_permission(self, request, obj=None):
        # superseded versions are history: running clocks may still point at them
        if obj is not None and not obj.is_current:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        original = SlaPolicy.objects.get(pk=obj.pk)
        changes = {field: form.cleaned_data[field] for field in form.changed_data}
        saved = sla_policy_revise(policy=original, changes=changes, actor=request.user)
        if saved.pk != original.pk:
            self.message_user(
                request,
                _(
                    "Running clocks use version %(old)s, so your changes were saved as "
                    "version %(new)s (a draft until confirmed)."
                )
                % {"old": original.version, "new": saved.version},
                messages.WARNING,
            )
        obj.pk, obj.version, obj.is_current = saved.pk, saved.version, saved.is_current

    @admin.action(description=_("Confirm the selected policies"))
    def confirm_policies(self, request, queryset):
        count = sla_policies_confirm(policies=queryset, actor=request.user)
        self.message_user(
            request,
            ngettext("%(count)d policy confirmed.", "%(count)d policies confirmed.", count)
            % {"count": count},
        )


@admin.register(SlaCalendar)
class SlaCalendarAdmin(admin.ModelAdmin):
    list_display = ["__str__", "jurisdiction", "office", "public_holidays", "kpa_art57"]
    list_filter = ["jurisdiction"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        sla_calendar_changed()


@admin.register(SlaClosureDay)
class SlaClosureDayAdmin(admin.ModelAdmin):
    list_display = ["office", "date", "reason"]
    list_filter = ["office"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        sla_calendar_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        sla_calendar_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        sla_calendar_changed()


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SlaPauseInline(_ReadOnlyInline):
    model = SlaPause
    fields = ["reason", "started_at", "ended_at", "actor", "resumed_by", "comment"]


class SlaEscalationInline(_ReadOnlyInline):
    model = SlaEscalation
    fields = ["step", "key", "breach", "scheduled_at", "created_at", "recipient_ids"]


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyModelAdmin):
    """Clocks are written by the services and the sweep only: read-only here."""

    list_display = [
        "__str__",
        "office",
        "owner",
        "status",
        "breached",
        "due_at",
        "next_step_at",
        "priority",
    ]
    list_filter = ["status", "breached", "kind", "office"]
    list_select_related = ["office", "owner"]
    inlines = [SlaPauseInline, SlaEscalationInline]
    raw_id_fields = ["task", "owner", "team", "policy"]


# --- approvals ----------------------------------------------------------------------------
from .approvals.models import Approval, ApprovalRule, SupervisorAbsence  # noqa: E402


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(admin.ModelAdmin):
    list_display = ["office", "kind", "category", "required"]
    list_filter = ["office", "kind", "required"]
    list_editable = ["required"]


@admin.register(SupervisorAbsence)
class SupervisorAbsenceAdmin(admin.ModelAdmin):
    list_display = ["supervisor", "starts_on", "ends_on", "deputy", "note"]
    list_filter = ["starts_on"]
    list_select_related = ["supervisor", "deputy"]
    autocomplete_fields = ["supervisor", "deputy"]


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyModelAdmin):
    """Read-only: decisions are made on the approvals page, through approval_decide."""

    list_display = ["pk", "kind", "office", "requested_by", "requested_at", "status", "decided_by"]
    list_filter = ["status", "kind", "office"]
    list_select_related = ["office", "requested_by", "decided_by"]
