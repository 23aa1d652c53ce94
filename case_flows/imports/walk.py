"""Walking an imported case to the stage it had in its source, through the stage services, so
it has its flow process, the right open task in the right queue and deadlines from the policies.
The slow path: the import writes cases in bulk (bulk.py) and walks only the rows of a batch
that failed, or that an office's approval rules route otherwise.

The records the walk writes (intake answers, assessment, plan, closure) are placeholders that
say they were imported: the source keeps the real ones.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from workflows.approvals.services import approval_decide

from ..cases.selectors import case_open_tasks
from ..models import Case, ClosureReason, FollowUpNextStep, Stage
from ..referrals import services as referral_services
from ..work import services as work_services
from .rows import ImportRow, RowError

# The stages in the order the walk reaches them.
ORDER = [
    Stage.INTAKE,
    Stage.ASSESSMENT,
    Stage.PLANNING,
    Stage.REFERRAL,
    Stage.FOLLOW_UP,
    Stage.CLOSING,
    Stage.CLOSED,
]


def _task(case: Case, node: str):
    task = next((t for t in case_open_tasks(case) if t.flow_task.name == node), None)
    if task is None:  # the flow went elsewhere (an office rule): say so rather than guess
        raise RowError(
            _("The case could not be walked to its stage (no “%(node)s” task).") % {"node": node}
        )
    return task


def _approve(case: Case, node: str, supervisor: User) -> None:
    approval_decide(approval=_task(case, node).approval, actor=supervisor, approve=True, comment="")


def walk_check(row: ImportRow) -> None:
    """What the walk needs before anything is written."""
    if row.stage == Stage.INTAKE:
        return
    if row.caseworker is None:
        raise RowError(_("A case past intake needs its caseworker."))
    if row.team is None or row.team.supervisor is None:
        raise RowError(
            _("The caseworker's team has no supervisor to allocate and approve the case.")
        )
    if row.team.supervisor.pk == row.caseworker.pk:
        raise RowError(_("The caseworker supervises the team: someone else must approve the case."))


def case_walk(case: Case, row: ImportRow, placeholder: str) -> None:
    """From intake (just opened) to `row.stage`, each step by the people who would do it."""
    target = ORDER.index(row.stage)
    cw, team = row.caseworker, row.team
    if cw is None or team is None or team.supervisor is None:
        return  # stays unallocated, its allocation task in the supervisors' queue
    sup = team.supervisor
    work_services.case_allocate(task=_task(case, "allocate"), actor=sup, caseworker=cw, team=team)
    if target < 1:
        return
    work_services.intake_complete(
        task=_task(case, "intake"),
        actor=cw,
        source=case.intake.source,
        presenting_concerns=case.intake.presenting_concerns,
        immediate_safety=row.immediate_safety,
        consent_to_share=row.consent_to_share,
    )
    if target < 2:
        return
    work_services.assessment_submit(
        task=_task(case, "assess"),
        actor=cw,
        needs={},
        strengths=placeholder,
        risk_decided=case.risk,
    )
    _approve(case, "approve_assessment", sup)
    if target < 3:
        return
    work_services.plan_submit(
        task=_task(case, "plan"),
        actor=cw,
        goals=[placeholder],
        actions=[
            {
                "description": placeholder,
                "responsible": str(cw),
                "target_date": timezone.localdate() + datetime.timedelta(days=90),
            }
        ],
        no_referral_needed=True,
    )
    _approve(case, "approve_plan", sup)
    if target < 4:
        return
    referral_services.referrals_arrange(
        task=_task(case, "arrange_referrals"), actor=cw, referrals=[], none_needed=True
    )
    if target < 5:
        return
    work_services.follow_up_record(
        task=_task(case, "follow_up"),
        actor=cw,
        date=timezone.localdate(),
        mode="office",
        notes=placeholder,
        next_step=FollowUpNextStep.CLOSE,
    )
    work_services.closure_prepare(
        task=_task(case, "prepare_closure"),
        actor=cw,
        reason=ClosureReason.GOALS_MET,
        summary=placeholder,
    )
    if target < 6:
        return
    _approve(case, "approve_closure", sup)
