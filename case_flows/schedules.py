"""Follow-up schedules: how often a case is followed up, by risk level.

The schedule is the deadline of the follow_up task: each follow-up task's SLA clock runs on
the policy `follow-up-<risk>` (workflows/sla/seed.py), so a missed follow-up escalates through
the SLA engine, and a change of risk re-targets the open follow-up clock
(task_hooks.risk_changed -> sla_clocks_retarget). An administrator edits the schedule here;
the matching SLA policy follows (a new version when a clock already uses it).
"""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from workflows.errors import NotPermitted, WorkflowError
from workflows.sla.models import SlaPolicy
from workflows.sla.services import sla_policy_revise

from .models import FollowUpSchedulePolicy, IntervalUnit
from .permissions import CasePerm


def sla_policy_key(risk: str) -> str:
    return f"follow-up-{risk}"


@transaction.atomic
def follow_up_schedule_update(
    *, policy: FollowUpSchedulePolicy, actor: User | None, interval: int, unit: str
) -> FollowUpSchedulePolicy:
    if actor is not None and not actor.has_perm(CasePerm.CHANGE_FOLLOWUPSCHEDULEPOLICY):
        raise NotPermitted(_("You do not have permission to do this."))
    if interval <= 0 or unit not in IntervalUnit.values:
        raise WorkflowError(_("Give a positive interval in calendar days or months."))
    policy.interval, policy.unit = interval, unit
    policy.save(update_fields=["interval", "unit", "updated_at"])
    sla_policy = SlaPolicy.objects.filter(key=sla_policy_key(policy.risk), is_current=True).first()
    if sla_policy is not None and (
        sla_policy.target_amount != interval or sla_policy.target_unit != unit
    ):
        sla_policy_revise(
            policy=sla_policy,
            changes={"target_amount": interval, "target_unit": unit},
            actor=actor,
        )
    return policy


def follow_up_schedule() -> dict[str, FollowUpSchedulePolicy]:
    return {p.risk: p for p in FollowUpSchedulePolicy.objects.all()}
