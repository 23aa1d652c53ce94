"""The manager dashboard's figures as JSON: what the dashboard page shows, in the same scope
(the user's office, or every office for a national user) and with the same filters."""

from rest_framework import serializers

from case_flows.monitoring.filters import DashboardFilterForm

from .forms import form_parameters

FILTER_PARAMETERS = form_parameters(DashboardFilterForm)


class DashboardFiltersSerializer(serializers.Serializer):
    office_id = serializers.IntegerField(allow_null=True)
    team_id = serializers.IntegerField(allow_null=True)
    risk = serializers.CharField(allow_null=True)
    category_id = serializers.IntegerField(allow_null=True)
    category_code = serializers.CharField(allow_null=True)
    date_from = serializers.DateField()
    date_to = serializers.DateField()


def _figure(help_text: str) -> serializers.JSONField:
    return serializers.JSONField(help_text=help_text)


class DashboardSerializer(serializers.Serializer):
    """Durations are in seconds; `per_office` maps are keyed by office id."""

    filters = DashboardFiltersSerializer(help_text="The filters applied (defaults filled in).")
    generated_at = serializers.DateTimeField()
    open_cases = _figure(
        "Open cases: total, overdue, by_stage [{stage, label, count}], ages [{bucket, label, "
        "count}], per_office {office id: {open, overdue_cases, old}}."
    )
    overdue_tasks = _figure(
        "Overdue tasks: total, by_stage, by_owner [{owner_id, name, count}] (the most "
        "overdue caseworkers; owner_id null: a team queue), owner_count, per_office."
    )
    escalations = _figure("Open escalations: total, oldest_wait (seconds), per_office.")
    approvals = _figure("Pending approvals: total, oldest_wait, median_wait (seconds).")
    sla = _figure("Deadline compliance over met clocks in the range: per month, policy, office.")
    caseload = _figure(
        "Open cases per caseworker against their office's threshold: caseworkers [{owner_id, "
        "name, count, threshold, over}], caseworker_count, over_threshold, default_threshold."
    )
    stage_time = _figure("Average time in each stage (seconds) over the stage changes.")
    rollup = serializers.JSONField(
        allow_null=True,
        help_text="National view without an office filter: one row per office (open, "
        "overdue_cases, old, overdue_tasks, escalations, approvals, oldest_approval_wait, sla); "
        "else null.",
    )
