"""Administration of the service-provider directory and the follow-up schedule."""

from django.contrib import admin

from .models import FollowUpSchedulePolicy, ServiceProvider
from .schedules import follow_up_schedule_update


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
