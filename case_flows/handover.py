"""How a hand-over of a person's open work shows on the cases (workflows.handover calls this
listener, registered in apps.py): one timeline event per case touched, and the open cases the
person held pass to the colleague who takes over their work, as a transfer within the office
would, so that the cases' next tasks reach the colleague and not the absent person.

Handed back to the queue instead, the cases stay with the person: while their account is
deactivated the cases' next tasks wait in the team queue (CaseFlow.case_owner).
"""

from collections import defaultdict

from viewflow.workflow.status import PROCESS

from accounts.models import Team, User
from workflows.sla.services import sla_clocks_reassign

from . import timeline
from .models import Case, CaseProcess, Referral, ReferralStatus, Stage
from .permissions import is_caseworker

OPEN_REFERRALS = [ReferralStatus.SENT, ReferralStatus.ACCEPTED]


def _may_hold_cases(user: User | None, office_id: int | None) -> bool:
    """Can be the caseworker of the office's cases (as a transfer within the office asks)."""
    if user is None or office_id is None or not is_caseworker(user):
        return False
    return user.teams.filter(office_id=office_id).exists()


def _team_for(case: Case, member_of: set[int], first_team_in: dict[int, int]) -> int | None:
    if case.team_id in member_of:
        return case.team_id
    return first_team_in.get(case.office_id, case.team_id)


class CaseHandoverListener:
    def processes_to_lock(self, *, from_user: User, to_user: User | None) -> list[int]:
        """The open processes of the open cases the person holds, when they will follow."""
        if not _may_hold_cases(to_user, from_user.home_office_id):
            return []
        return list(
            CaseProcess.objects.filter(case__owner=from_user)
            .exclude(case__stage=Stage.CLOSED)
            .exclude(status__in=[PROCESS.DONE, PROCESS.CANCELED])
            .values_list("pk", flat=True)
        )

    def lock_subjects(self, *, handover) -> None:
        """After the flow locks: the case rows, in id order, FOR NO KEY UPDATE (case_lock's)."""
        process_case = dict(
            CaseProcess.objects.filter(pk__in=handover.processes).values_list("pk", "case_id")
        )
        cases = list(
            Case.objects.filter(pk__in=set(process_case.values()))
            .order_by("pk")
            .select_for_update(no_key=True, of=("self",))
        )
        handover.scratch["cases"] = {case.pk: case for case in cases}
        handover.scratch["process_case"] = process_case

    def handed_over(self, *, handover) -> None:
        cases: dict[int, Case] = handover.scratch.get("cases", {})
        process_case: dict[int, int] = handover.scratch.get("process_case", {})
        moved, queued = defaultdict(int), defaultdict(int)
        for counts, by_process in ((moved, handover.moved), (queued, handover.queued)):
            for process_id, task_ids in by_process.items():
                counts[process_case[process_id]] += len(task_ids)
        owner_moved = self._cases_follow(handover, cases)
        touched = [
            case for pk, case in cases.items() if moved[pk] or queued[pk] or pk in owner_moved
        ]
        timeline.work_handed_over(
            touched,
            actor=handover.actor,
            from_user=handover.from_user,
            to_user=handover.to_user,
            moved=moved,
            queued=queued,
            owner_moved=owner_moved,
            reason=handover.reason,
            at=handover.at,
        )
        handover.extra["cases"] = len(touched)
        handover.extra["cases_moved"] = len(owner_moved)

    def _cases_follow(self, handover, cases: dict[int, Case]) -> set[int]:
        """The open cases the person held pass to the colleague (and to a team of theirs when
        the colleague is not in the case's team); their clocks and referrals follow."""
        from_user, to_user = handover.from_user, handover.to_user
        if not _may_hold_cases(to_user, from_user.home_office_id):
            return set()
        held = [
            case
            for case in cases.values()
            if case.owner_id == from_user.pk and case.stage != Stage.CLOSED
        ]
        if not held:
            return set()
        member_of = set(to_user.teams.values_list("pk", flat=True))
        first_team_in: dict[int, int] = {}
        for team_id, office_id in to_user.teams.order_by("-pk").values_list("pk", "office_id"):
            first_team_in[office_id] = team_id  # the lowest id wins, as _team_in_office does
        by_team: dict[int | None, list[int]] = defaultdict(list)
        for case in held:
            by_team[_team_for(case, member_of, first_team_in)].append(case.pk)
        teams = Team.objects.in_bulk([team_id for team_id in by_team if team_id])
        for team_id, case_ids in by_team.items():
            team = teams.get(team_id) if team_id else None
            Case.objects.filter(pk__in=case_ids).update(owner=to_user, team=team)
            for case_id in case_ids:  # the rows in memory as written (the timeline reads them)
                cases[case_id].owner_id, cases[case_id].team_id = to_user.pk, team_id
            sla_clocks_reassign(subjects=(Case, case_ids), team=team)
            referral_ids = Referral.objects.filter(
                case_id__in=case_ids, status__in=OPEN_REFERRALS
            ).values_list("pk", flat=True)
            sla_clocks_reassign(subjects=(Referral, list(referral_ids)), owner=to_user, team=team)
        return {case.pk for case in held}


case_handover = CaseHandoverListener()
