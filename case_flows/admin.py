"""Admin: categories are editable; cases, people and the timeline are read-only here.

The stage of a case moves only through its flow (no approval, no transition), so the admin
shows it but never writes it.
"""

from django.contrib import admin

from .models import Case, CaseEvent, Category, Person


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_pl", "is_active", "order"]
    list_editable = ["is_active", "order"]
    search_fields = ["code", "name", "name_pl"]


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


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["given_name", "family_name", "date_of_birth", "office"]
    search_fields = ["search_name", "phone_digits", "national_id"]
    list_select_related = ["office"]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "from_stage", "to_stage", "actor", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["case", "actor"]
