"""Writing a batch of checked import rows in bulk: one INSERT per table for the whole batch.

Each case gets the rows the stage services would have left at the end of the walk
(case_flows/imports/walk.py), written directly: its person (or the matched one), relatives and
household, the Case at its stage, the intake and the walk's placeholder records (assessment,
plan, follow-up, closure) with their approvals, the viewflow process with a short history
(start, allocation) and the open task of the stage in the right inbox or queue, the deadlines
the policies give that task and stage, and the timeline's opened / allocated / submitted /
imported events. What the walk also leaves but nothing reads afterwards is not written: the
finished tasks and met deadlines of the stages walked through, the in-between stage events,
and notifications (an import tells nobody).

The caller (services.caseload_import) checks every row first (rows.row_read, walk.walk_check,
checks_for_bulk below) and runs a batch in one savepoint: if it fails, the batch is redone row
by row through the walk, so a row is still all or nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from accounts.models import Office, Team, User
from accounts.scope import supervised_office_ids
from workflows.approvals.models import Approval, ApprovalStatus
from workflows.approvals.services import approval_route
from workflows.sla.services import ClockRequest, sla_clocks_open_bulk

from .. import timeline
from ..cases.services import case_references_next
from ..flows import CaseFlow
from ..models import (
    Assessment,
    Case,
    CaseAccessGrant,
    CasePlan,
    CaseProcess,
    Closure,
    ClosureReason,
    FollowUp,
    GrantKind,
    HeadRelationship,
    Household,
    HouseholdMember,
    Person,
    PersonRelation,
    PlanAction,
    PlanGoal,
    Relationship,
    Stage,
)
from ..permissions import CasePerm
from ..text import digits, fold
from ..work.services import allocation_comment
from .rows import ImportRow

# The stages in the order the walk reaches them, and the task each waits on.
ORDER = [
    Stage.INTAKE,
    Stage.ASSESSMENT,
    Stage.PLANNING,
    Stage.REFERRAL,
    Stage.FOLLOW_UP,
    Stage.CLOSING,
    Stage.CLOSED,
]
OPEN_NODE = {
    Stage.INTAKE: CaseFlow.intake,
    Stage.ASSESSMENT: CaseFlow.assess,
    Stage.PLANNING: CaseFlow.plan,
    Stage.REFERRAL: CaseFlow.arrange_referrals,
    Stage.FOLLOW_UP: CaseFlow.follow_up,
    Stage.CLOSING: CaseFlow.approve_closure,
}
PERMISSION = {
    "allocate": CasePerm.ALLOCATE_CASE,
    "approve_closure": CasePerm.APPROVE_CASE,
}  # every other human node: CasePerm.WORK_CASE
# The approval gate each stage has passed on the walk (the walk's index of the stage).
GATES = {"assessment": 2, "plan": 3, "closure": 5}
# A relative's relationship to the client, as a member's relationship to the client as head.
HEAD_RELATIONSHIP = {
    Relationship.PARENT: HeadRelationship.PARENT,
    Relationship.CHILD: HeadRelationship.CHILD,
    Relationship.SIBLING: HeadRelationship.SIBLING,
    Relationship.GRANDPARENT: HeadRelationship.GRANDPARENT,
    Relationship.SPOUSE: HeadRelationship.SPOUSE,
}


@dataclass
class Planned:
    """A checked row, ready to write: its person is a saved one (matched), or an unsaved one
    shared by every row of the file that names the same new person."""

    n: int
    record: dict
    row: ImportRow
    person: Person
    matched: bool
    opener: User
    case: Case | None = None
    extra: dict = field(default_factory=dict)


def stage_index(row: ImportRow) -> int:
    return ORDER.index(row.stage)


def gates_passed(row: ImportRow) -> list[str]:
    """The approval kinds the walk would pass on its way to the row's stage."""
    return [kind for kind, index in GATES.items() if stage_index(row) >= index]


def new_person(*, office: Office, actor: User, source: str, row: ImportRow) -> Person:
    """The Person person_create would write for the row (unsaved)."""
    p = row.person
    given, family = p["given_name"].strip(), p["family_name"].strip()
    return Person(
        given_name=given,
        family_name=family,
        search_name=fold(f"{given} {family}"),
        sex=p["sex"],
        date_of_birth=p["date_of_birth"],
        date_of_birth_estimated=p["date_of_birth_estimated"],
        national_id=p["national_id"].strip(),
        phone=p["phone"].strip(),
        phone_digits=digits(p["phone"]),
        address=p["address"].strip(),
        office=office,
        created_by=actor,
        source_system=source if row.person_ref else "",
        external_ref=row.person_ref,
    )


class _Batch:
    """The rows of one batch, table by table."""

    def __init__(self, office: Office, actor: User, source: str, now: datetime.datetime):
        self.office, self.actor, self.source, self.now = office, actor, source, now
        self.today = timezone.localdate(now, office.tzinfo)
        self.case_type = ContentType.objects.get_for_model(Case)
        self.events: list = []
        self._routes: dict[tuple, User | None] = {}

    def route(self, team: Team | None, requester: User) -> User | None:
        key = (team.pk if team else None, requester.pk)
        if key not in self._routes:
            self._routes[key] = approval_route(
                office=self.office, team=team, requested_by=requester
            )
        return self._routes[key]


def batch_write(
    planned: list[Planned],
    *,
    office: Office,
    actor: User,
    source: str,
    households: dict[int, Household | None],
    relatives_known: dict[int, set[str]],
) -> None:
    """Write every planned row (inside the caller's transaction); sets `p.case`.

    `households`: the client's current household by person id, filled as the import goes
    (None: none yet); `relatives_known`: the folded names of each client's relatives."""
    now = timezone.now()
    b = _Batch(office, actor, source, now)
    _people(planned)
    _cases(b, planned)
    processes, tasks = _flow(b, planned)
    _records(b, planned, tasks)
    _relatives(b, planned, households, relatives_known)
    _restrictions(b, planned)
    for p in planned:
        dates = {"opened_at": p.case.opened_at} if p.row.opened_at else {}
        if p.row.closed_at and p.row.stage == Stage.CLOSED:
            dates["closed_at"] = p.case.closed_at
        b.events.append(
            timeline.case_imported(
                p.case,
                actor=actor,
                source_system=source,
                external_ref=p.row.external_ref,
                data={k: v.date().isoformat() for k, v in dates.items()} | {"stage": p.row.stage},
                save=False,
            )
        )
    timeline.events_write(b.events)
    sla_clocks_open_bulk(_clock_requests(planned, tasks), started_at=now)


def _people(planned: list[Planned]) -> None:
    new = {id(p.person): p.person for p in planned if p.person.pk is None}
    Person.objects.bulk_create(list(new.values()))


def _cases(b: _Batch, planned: list[Planned]) -> None:
    year = timezone.localtime(b.now, b.office.tzinfo).year
    references = case_references_next(office=b.office, year=year, count=len(planned))
    for p, reference in zip(planned, references, strict=True):
        row = p.row
        closed = row.stage == Stage.CLOSED
        p.case = Case(
            reference=reference,
            person=p.person,
            office=b.office,
            team=row.team,
            owner=row.caseworker,
            risk=row.risk,
            category=row.category,
            stage=row.stage,
            opened_at=row.opened_at or b.now,
            stage_entered_at=b.now,
            closed_at=(row.closed_at or b.now) if closed else None,
            created_by=p.opener,
            source_system=b.source,
            external_ref=row.external_ref,
            is_restricted=row.category.restricted_by_default,
        )
    Case.objects.bulk_create([p.case for p in planned])
    for p in planned:
        b.events.append(timeline.case_opened(p.case, actor=p.opener, at=b.now, save=False))
        # case_opened's row says it opened at intake, whatever stage the case is in now
        if p.row.caseworker is not None:
            b.events.append(
                timeline.case_allocated(
                    p.case,
                    actor=p.row.team.supervisor,
                    caseworker=p.row.caseworker,
                    team=p.row.team,
                    comment=allocation_comment(b.office, p.row.caseworker, p.row.team),
                    save=False,
                )
            )


def _task(process, node, *, status, owner=None, now=None, finished=False, **extra) -> Task:
    return Task(
        process=process,
        flow_task=node,
        flow_task_type=extra.pop("kind", "HUMAN"),
        status=status,
        owner=owner,
        owner_permission=extra.pop("permission", None),
        created=now,
        started=now if finished else None,
        finished=now if finished else None,
        data={},
        **extra,
    )


def _flow(b: _Batch, planned: list[Planned]) -> tuple[dict, dict]:
    """The process of each case with its start, its allocation when allocated, and its open
    task (or its end when closed), each linked to the one before as viewflow links them."""
    now = b.now
    processes = {}
    for p in planned:
        closed = p.row.stage == Stage.CLOSED
        processes[p.n] = Process(
            flow_class=CaseFlow,
            status=PROCESS.DONE if closed else PROCESS.NEW,
            created=now,
            finished=now if closed else None,
            data={},
        )
    Process.objects.bulk_create(list(processes.values()))
    _case_processes(planned, processes)
    chains: dict[int, list[Task]] = {}
    open_tasks: dict[int, Task] = {}
    for p in planned:
        process, row = processes[p.n], p.row
        chain = [
            _task(
                process,
                CaseFlow.start,
                kind="START",
                status=STATUS.DONE,
                owner=p.opener,
                now=now,
                finished=True,
            )
        ]
        if row.caseworker is None:
            task = _task(
                process,
                CaseFlow.allocate,
                status=STATUS.NEW,
                permission=CasePerm.ALLOCATE_CASE,
                now=now,
            )
            chain.append(task)
            open_tasks[p.n] = task
        else:
            chain.append(
                _task(
                    process,
                    CaseFlow.allocate,
                    status=STATUS.DONE,
                    owner=row.team.supervisor,
                    permission=CasePerm.ALLOCATE_CASE,
                    now=now,
                    finished=True,
                )
            )
            if row.stage == Stage.CLOSED:
                chain.append(
                    _task(
                        process,
                        CaseFlow.end,
                        kind="END",
                        status=STATUS.DONE,
                        now=now,
                        finished=True,
                    )
                )
            elif row.stage == Stage.CLOSING:
                approver = b.route(row.team, row.caseworker)
                task = _task(
                    process,
                    CaseFlow.approve_closure,
                    status=STATUS.ASSIGNED if approver else STATUS.NEW,
                    owner=approver,
                    permission=CasePerm.APPROVE_CASE,
                    now=now,
                    assigned=now if approver else None,
                )
                chain.append(task)
                open_tasks[p.n] = task
            else:
                # CaseFlow.case_owner: the caseworker's own inbox (they are active: Lookups)
                task = _task(
                    process,
                    OPEN_NODE[row.stage],
                    status=STATUS.ASSIGNED,
                    owner=row.caseworker,
                    permission=CasePerm.WORK_CASE,
                    now=now,
                )
                chain.append(task)
                open_tasks[p.n] = task
        chains[p.n] = chain
    Task.objects.bulk_create([t for chain in chains.values() for t in chain])
    link = Task.previous.through
    link.objects.bulk_create(
        [
            link(from_task_id=later.pk, to_task_id=earlier.pk)
            for chain in chains.values()
            for earlier, later in zip(chain, chain[1:], strict=False)
        ]
    )
    return processes, open_tasks


def _case_processes(planned: list[Planned], processes: dict) -> None:
    """CaseProcess extends viewflow's Process (multi-table), which bulk_create cannot write:
    its own rows go in with one statement."""
    steps = {3: "submit", 4: "submit", 5: "close", 6: "close"}  # what the walk leaves there
    table = connection.ops.quote_name(CaseProcess._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (process_ptr_id, case_id, next_step) VALUES (%s, %s, %s)",
            [(processes[p.n].pk, p.case.pk, steps.get(stage_index(p.row), "")) for p in planned],
        )


def _records(b: _Batch, planned: list[Planned], open_tasks: dict[int, Task]) -> None:
    """The intake and the walk's placeholder records, with the approvals they went through."""
    from ..models import Intake

    now, intakes, assessments, plans, follow_ups, closures = b.now, [], [], [], [], []
    for p in planned:
        row, case, index = p.row, p.case, stage_index(p.row)
        cw, placeholder = row.caseworker, p.extra["placeholder"]
        past_intake = index >= 1
        intakes.append(
            Intake(
                case=case,
                source=row.source,
                presenting_concerns=(row.presenting_concerns or placeholder).strip(),
                immediate_safety=row.immediate_safety if past_intake else "",
                consent_to_share=row.consent_to_share if past_intake else None,
                completed_at=now if past_intake else None,
                completed_by=cw if past_intake else None,
            )
        )
        common = {"case": case, "episode": case.episode, "created_by": cw, "created_at": now}
        if index >= 2:
            p.extra["assessment"] = Assessment(
                **common, needs={}, strengths=placeholder, risk_decided=case.risk
            )
            assessments.append(p.extra["assessment"])
        if index >= 3:
            p.extra["plan"] = CasePlan(**common, no_referral_needed=True)
            plans.append(p.extra["plan"])
        if index >= 5:
            follow_ups.append(FollowUp(**common, date=b.today, mode="office", notes=placeholder))
            p.extra["closure"] = Closure(
                **common, reason=ClosureReason.GOALS_MET, summary=placeholder
            )
            closures.append(p.extra["closure"])
    Intake.objects.bulk_create(intakes)
    for model, rows in (
        (Assessment, assessments),
        (CasePlan, plans),
        (FollowUp, follow_ups),
        (Closure, closures),
    ):
        model.objects.bulk_create(rows)
    goals, actions = [], []
    target = b.today + datetime.timedelta(days=90)
    for p in planned:
        row = p.row
        if "plan" in p.extra:
            plan, text = p.extra["plan"], p.extra["placeholder"][:255]
            goals.append(PlanGoal(plan=plan, description=text))
            actions.append(
                PlanAction(
                    plan=plan,
                    description=text,
                    responsible=str(row.caseworker)[:120],
                    target_date=target,
                )
            )
    PlanGoal.objects.bulk_create(goals)
    PlanAction.objects.bulk_create(actions)
    _approvals(b, planned, open_tasks)


def _approvals(b: _Batch, planned: list[Planned], open_tasks: dict[int, Task]) -> None:
    """The walk's approvals: granted by the team's supervisor, the closure's still pending
    on its task when the case waits in closing."""
    approvals = []
    for p in planned:
        row, case = p.row, p.case
        for kind in ("assessment", "plan", "closure"):
            record = p.extra.get(kind)
            if record is None:
                continue
            pending = kind == "closure" and row.stage == Stage.CLOSING
            approvals.append(
                Approval(
                    task=open_tasks[p.n] if pending else None,
                    subject_type=b.case_type,
                    subject_id=case.pk,
                    record_id=record.pk,
                    kind=kind,
                    office=b.office,
                    team=row.team,
                    requested_by=row.caseworker,
                    requested_at=b.now,
                    status=ApprovalStatus.PENDING if pending else ApprovalStatus.APPROVED,
                    decided_by=None if pending else row.team.supervisor,
                    decided_at=None if pending else b.now,
                )
            )
            if pending:
                b.events.append(
                    timeline.approval_requested(
                        case,
                        actor=row.caseworker,
                        approval_kind=kind,
                        record_id=record.pk,
                        save=False,
                    )
                )
    Approval.objects.bulk_create(approvals)


def _relatives(
    b: _Batch,
    planned: list[Planned],
    households: dict[int, Household | None],
    relatives_known: dict[int, set[str]],
) -> None:
    """New relatives linked to the client (PersonRelation, as person_link_relative does), and
    those living with the client added to the client's household (made when there is none,
    the client its head, as household_create_for does)."""
    relatives: list[tuple[Planned, object, Person]] = []
    new_households: list[tuple[Planned, Household]] = []
    for p in planned:
        known = relatives_known.setdefault(p.person.pk, set())
        for rel in p.row.relatives:
            name = fold(f"{rel.given_name} {rel.family_name}")
            if name in known:
                continue
            known.add(name)
            person = Person(
                given_name=rel.given_name.strip(),
                family_name=rel.family_name.strip(),
                search_name=fold(f"{rel.given_name.strip()} {rel.family_name.strip()}"),
                sex=rel.sex,
                date_of_birth=rel.date_of_birth,
                phone=rel.phone.strip(),
                phone_digits=digits(rel.phone),
                office=b.office,
                created_by=p.opener,
            )
            relatives.append((p, rel, person))
            if rel.lives_with and households.get(p.person.pk) is None:
                household = Household(
                    office=b.office, address=p.person.address, created_by=p.opener
                )
                households[p.person.pk] = household
                new_households.append((p, household))
    if not relatives:
        return
    Person.objects.bulk_create([person for _p, _rel, person in relatives])
    Household.objects.bulk_create([h for _p, h in new_households])
    members = [
        HouseholdMember(
            household=h,
            person=p.person,
            relationship_to_head=HeadRelationship.HEAD,
            lives_here=True,
            from_date=b.today,
        )
        for p, h in new_households
    ]
    for p, household in new_households:
        b.events.append(
            timeline.household_changed(
                p.case,
                actor=p.opener,
                action="household_created",
                household=household.pk,
                save=False,
            )
        )
    relations = []
    for p, rel, person in relatives:
        relation = PersonRelation(
            person=p.person,
            relative=person,
            relationship=rel.relationship,
            is_primary_caregiver=rel.is_caregiver,
            same_household=rel.lives_with,
        )
        relations.append(relation)
        b.events.append(
            timeline.relative_added(
                p.case, actor=p.opener, relative=person, relation=relation, save=False
            )
        )
        if rel.lives_with:
            household = households[p.person.pk]
            kind = HEAD_RELATIONSHIP.get(rel.relationship, HeadRelationship.OTHER_RELATIVE)
            members.append(
                HouseholdMember(
                    household=household,
                    person=person,
                    relationship_to_head=kind,
                    lives_here=True,
                    from_date=b.today,
                )
            )
            b.events.append(
                timeline.household_changed(
                    p.case,
                    actor=p.opener,
                    action="member_added",
                    household=household.pk,
                    person=person.pk,
                    kind=kind,
                    date=b.today.isoformat(),
                    save=False,
                )
            )
    PersonRelation.objects.bulk_create(relations)
    HouseholdMember.objects.bulk_create(members)


def _restrictions(b: _Batch, planned: list[Planned]) -> None:
    """A category restricted by default: as case_open's _restrict_at_registration."""
    grants = []
    for p in planned:
        case = p.case
        if not case.is_restricted:
            continue
        reason = _("Registered the case (its category is restricted).")
        b.events.append(
            timeline.restriction_changed(
                case, actor=p.opener, action="restricted_by_category", reason=reason, save=False
            )
        )
        team = p.row.team
        supervises = (
            team.supervisor_id == p.opener.pk
            if team is not None
            else b.office.pk in supervised_office_ids(p.opener)
        )
        if not supervises:
            grants.append(
                CaseAccessGrant(
                    case=case,
                    user=p.opener,
                    kind=GrantKind.NAMED,
                    reason=reason,
                    granted_by=p.opener,
                )
            )
    CaseAccessGrant.objects.bulk_create(grants)
    for grant in grants:
        b.events.append(
            timeline.access_changed(
                grant.case, actor=grant.granted_by, action="granted", grant=grant, save=False
            )
        )


def _clock_requests(planned: list[Planned], open_tasks: dict[int, Task]) -> list[ClockRequest]:
    """The deadlines running at the end of the walk: the open task's own (and its queue's
    while nobody has it), the stage's, and the decision deadline of a case still in intake or
    assessment (case_flows.flow.hooks; a case imported later in its life had its decision
    made in the old system, so none is timed here)."""
    requests = []
    for p in planned:
        case, stage = p.case, p.row.stage
        common = {
            "subject": case,
            "office": case.office,
            "team": case.team,
            "risk": case.risk,
            "category": case.category.code,
        }
        task = open_tasks.get(p.n)
        if task is not None:
            name = task.flow_task.name
            requests.append(
                ClockRequest(**common, owner=task.owner, kind="task", name=name, task=task)
            )
            if task.owner_id is None:
                requests.append(
                    ClockRequest(**common, owner=None, kind="unclaimed", name=name, task=task)
                )
        if stage not in (Stage.INTAKE, Stage.CLOSED):
            requests.append(ClockRequest(**common, owner=None, kind="stage", name=stage))
        if stage in (Stage.INTAKE, Stage.ASSESSMENT):
            requests.append(ClockRequest(**common, owner=None, kind="stage", name="decision"))
    return requests
