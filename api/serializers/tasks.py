"""Tasks: the inbox's and the team queue's rows, a task as its page shows it, and the
requests that claim, release, reassign and complete it."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from case_flows.cases.forms import ReassignForm
from case_flows.work.forms import InboxFilterForm

from .common import CaseRefSerializer, DeadlineSerializer, UserRefSerializer
from .forms import FormFieldSerializer, serializer_for_form


class ReturnedSerializer(serializers.Serializer):
    """The decision that sent this work back for revision."""

    by = UserRefSerializer(source="decided_by", allow_null=True)
    at = serializers.DateTimeField(source="decided_at")
    comment = serializers.CharField()


class TaskRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    node = serializers.CharField(source="flow_task.name")
    title = serializers.CharField(source="flow_task.task_title")
    status = serializers.CharField()
    owner = UserRefSerializer(allow_null=True)
    created = serializers.DateTimeField()
    case = CaseRefSerializer()
    due_at = serializers.DateTimeField(
        allow_null=True, source="deadline.due_at", help_text="The most urgent running deadline."
    )
    deadline_overdue = serializers.BooleanField()
    returned = ReturnedSerializer(
        allow_null=True, help_text="Set when this is returned work to revise."
    )


class TaskSubmitSerializer(serializers.Serializer):
    """What completing the task takes: one JSON object with these fields (POST .../complete/).
    `actions` names other things the page can do with its own fields (e.g. "reassess")."""

    fields = FormFieldSerializer(many=True)
    actions = serializers.DictField(
        child=FormFieldSerializer(many=True),
        help_text='Other actions of the page: send {"action": name, ...its fields}.',
    )


class ReassignChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TaskDetailSerializer(TaskRowSerializer):
    state = serializers.ChoiceField(
        choices=["mine", "claimable", "other", "done"],
        help_text="Yours to do; in your queue to claim; someone else's; finished.",
    )
    deadlines = DeadlineSerializer(many=True)
    approval = serializers.IntegerField(
        source="approval_shown",
        allow_null=True,
        help_text="An approval task is decided at /approvals/{id}/.",
    )
    can_release = serializers.BooleanField()
    reassign_to = ReassignChoiceSerializer(
        many=True, allow_null=True, help_text="Whom you may give it to (supervisors)."
    )
    submit = serializers.SerializerMethodField()

    @extend_schema_field(TaskSubmitSerializer(allow_null=True))
    def get_submit(self, task):
        return getattr(task, "submit", None)


class TaskDoneSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What happened, as the page says it.")
    next_task = serializers.IntegerField(
        allow_null=True, help_text="Your next open task on the same case, if any."
    )
    case = CaseRefSerializer()


class TaskCompleteSerializer(serializers.Serializer):
    """The task form's fields (GET the task: `submit.fields`) in one object, under their
    names; a list of objects for a list field. Dates as YYYY-MM-DD, choices by value."""

    action = serializers.CharField(
        required=False, help_text="One of the task's `submit.actions`; empty: complete it."
    )


ReassignSerializer = serializer_for_form("TaskReassign", ReassignForm)
TASK_FILTERS = InboxFilterForm
