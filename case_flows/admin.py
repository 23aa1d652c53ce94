"""Admin: categories, providers, the follow-up schedule and caseload thresholds are editable;
cases, people and the timeline are read-only here.

The stage of a case moves only through its flow (no approval, no transition), so the admin
shows it but never writes it.
"""

from django.contrib import admin, messages
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.admin import ReadOnlyModelAdmin
from workflows.errors import WorkflowError

from .models import (
    AccessAlert,
    AccessEvent,
    Case,
    CaseEvent,
    CaseloadThreshold,
    Category,
    DecisionKind,
    ErasureRequest,
    ExportLog,
    FollowUpSchedulePolicy,
    IdentifierKind,
    IncomeThreshold,
    Person,
    PersonMerge,
    RetentionPolicy,
    ServiceProvider,
)
from .registry.merge import is_administrator, people_merge_undo
from .restriction import hidden_restricted_q, visible_q
from .reviews.services import follow_up_schedule_update


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "name_pl",
        "jurisdiction",
        "is_active",
        "restricted_by_default",
        "order",
    ]
    list_editable = ["is_active", "restricted_by_default", "order"]
    list_filter = ["jurisdiction", "is_active", "restricted_by_default"]
    search_fields = ["code", "name", "name_pl"]


@admin.register(IdentifierKind)
class IdentifierKindAdmin(admin.ModelAdmin):
    """A country's national identifier is added here: "regex" with its pattern needs no code
    (docs/registry.md)."""

    list_display = ["name", "code", "jurisdiction", "validator", "pattern", "order", "active"]
    list_filter = ["jurisdiction", "active"]


@admin.register(DecisionKind)
class DecisionKindAdmin(admin.ModelAdmin):
    """A country's kinds of decision are data (docs/decisions.md): names, effect, what is
    granted, the default legal basis and instruction on appeal."""

    list_display = ["label_en", "label_pl", "code", "jurisdiction", "effect", "is_active"]
    list_filter = ["jurisdiction", "effect", "is_active"]


@admin.register(IncomeThreshold)
class IncomeThresholdAdmin(admin.ModelAdmin):
    """The statutory income criteria (docs/households.md): corrected here once checked."""

    list_display = ("jurisdiction", "kind", "amount", "valid_from", "valid_to", "citation")
    list_filter = ("jurisdiction", "kind", "confirmed")


@admin.register(ServiceProvider)
class ServiceProviderAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "office", "area", "phone", "is_active")
    list_filter = ("kind", "is_active", "office")
    search_fields = ("name", "services", "area", "contact_name")
    filter_horizontal = ("members",)


@admin.register(FollowUpSchedulePolicy)
class FollowUpSchedulePolicyAdmin(admin.ModelAdmin):
    list_display = ("risk", "interval", "unit", "updated_at")
    fields = ("risk", "interval", "unit")

    def get_readonly_fields(self, request, obj=None):
        return ("risk",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
        # Through the service, so the follow_up task's SLA policy follows the schedule.
        follow_up_schedule_update(
            policy=obj, actor=request.user, interval=obj.interval, unit=obj.unit
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["reference", "person", "office", "team", "owner", "stage", "risk", "is_overdue"]
    list_filter = ["office", "stage", "risk", "is_overdue", "category"]
    search_fields = ["reference", "person__search_name"]
    list_select_related = ["person", "office", "team", "owner"]

    def get_queryset(self, request):
        # A restricted case is for its access list only, here as everywhere.
        return super().get_queryset(request).filter(visible_q(request.user, Q()))


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["given_name", "family_name", "date_of_birth", "office"]
    search_fields = ["search_name", "phone_digits", "national_id"]
    list_select_related = ["office"]

    def get_queryset(self, request):
        hidden = Case.objects.filter(hidden_restricted_q(request.user)).values("person_id")
        # A merged record is an alias of the kept one: listed under Merges of people only.
        return super().get_queryset(request).exclude(pk__in=hidden).filter(merged_into=None)


@admin.register(PersonMerge)
class PersonMergeAdmin(ReadOnlyAdmin):
    """Read-only: merges are made on the merge page; an administrator may undo one here
    (case_flows.registry.merge.people_merge_undo checks the period and later merges)."""

    list_display = ("merged_at", "source", "target", "merged_by", "undone_at", "undone_by")
    list_select_related = ("source", "target", "merged_by", "undone_by")
    actions = ["undo_merges"]

    def get_queryset(self, request):
        hidden = Case.objects.filter(hidden_restricted_q(request.user)).values("person_id")
        return (
            super().get_queryset(request).exclude(Q(source_id__in=hidden) | Q(target_id__in=hidden))
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not is_administrator(request.user):
            actions.pop("undo_merges", None)
        return actions

    @admin.action(description=_("Undo the selected merges"))
    def undo_merges(self, request, queryset):
        for merge in queryset.order_by("-pk"):  # the latest first: an earlier one may wait on it
            try:
                people_merge_undo(actor=request.user, merge=merge)
            except WorkflowError as exc:
                self.message_user(request, f"{merge}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, _("Merge %(merge)s undone.") % {"merge": merge})


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "from_stage", "to_stage", "actor", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["case", "actor"]

    def get_queryset(self, request):
        hidden = Case.objects.filter(hidden_restricted_q(request.user)).values("pk")
        return super().get_queryset(request).exclude(case_id__in=hidden)


# --- the dashboard's settings (caseload thresholds) and its export log ----------------------


@admin.register(CaseloadThreshold)
class CaseloadThresholdAdmin(admin.ModelAdmin):
    list_display = ("office", "max_open_cases")
    list_select_related = ("office",)
    autocomplete_fields = ("office",)


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdmin):
    """Read-only: the log is an audit trail."""

    list_display = ("created_at", "user", "figure", "format", "row_count")
    list_filter = ("format", "figure")
    list_select_related = ("user",)
    date_hierarchy = "created_at"


# --- retention and erasure (case_flows/privacy; docs/data-protection-retention.md) ----------


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    """Editable: a lawyer confirms or changes a period, its citation and whether the law
    requires keeping the records (then erasure requests are refused within the period)."""

    list_display = (
        "jurisdiction",
        "category",
        "years_after_closure",
        "confirmed",
        "erasure_blocked_during_retention",
    )
    list_filter = ("jurisdiction", "confirmed", "erasure_blocked_during_retention")
    list_select_related = ("category",)


@admin.register(ErasureRequest)
class ErasureRequestAdmin(ReadOnlyAdmin):
    """Read-only: requests are made and decided on the case and approvals pages."""

    list_display = ("case", "grounds", "status", "requested_by", "requested_at", "decided_by")
    list_filter = ("status", "grounds")
    list_select_related = ("case", "requested_by", "decided_by")

    def get_queryset(self, request):
        # A restricted case is for its access list only, here as everywhere.
        hidden = Case.objects.filter(hidden_restricted_q(request.user)).values("pk")
        return super().get_queryset(request).exclude(case_id__in=hidden)


# --- the access log (append-only: the database refuses changes) ------------------------------


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyModelAdmin):
    list_display = ("at", "user", "action", "case", "target", "query", "ip_address")
    list_filter = ("action",)
    list_select_related = ("user", "case")
    search_fields = ("user__username", "case__reference")
    date_hierarchy = "at"
    show_full_result_count = False  # the log grows large: no second count of every row


@admin.register(AccessAlert)
class AccessAlertAdmin(ReadOnlyModelAdmin):
    list_display = ("window_start", "user", "case_count", "created_at")
    list_select_related = ("user",)
