"""Administration of the dashboard's settings (caseload thresholds) and its export log."""

from django.contrib import admin

from .dashboard_models import CaseloadThreshold, ExportLog


@admin.register(CaseloadThreshold)
class CaseloadThresholdAdmin(admin.ModelAdmin):
    list_display = ("office", "max_open_cases")
    list_select_related = ("office",)
    autocomplete_fields = ("office",)


@admin.register(ExportLog)
class ExportLogAdmin(admin.ModelAdmin):
    """Read-only: the log is an audit trail."""

    list_display = ("created_at", "user", "figure", "format", "row_count")
    list_filter = ("format", "figure")
    list_select_related = ("user",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
