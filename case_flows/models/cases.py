"""Cases: categories, the case and its stage machine, its timeline and its flow process."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from viewflow.workflow.models import Process

from accounts.models import Jurisdiction, Office, Team
from workflows.completion import recalled, remember

from ..permissions import CasePerm, can_see_case, on_access_list
from .choices import EventKind, Risk, Stage
from .people import Person
from .records import Assessment, CasePlan, Closure
from .referrals import Referral

_UNKNOWN = object()


class Category(models.Model):
    """Administrator-editable list of case categories."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (English)"), max_length=120)
    name_pl = models.CharField(_("name (Polish)"), max_length=120, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    jurisdiction = models.CharField(
        _("country"),
        max_length=2,
        choices=Jurisdiction.choices,
        blank=True,
        help_text=_("Empty: offered in every country. Otherwise only to offices of that country."),
    )
    restricted_by_default = models.BooleanField(
        _("restricted by default"),
        default=False,
        help_text=_(
            "Cases of this category are opened restricted: only the people on each case's "
            "access list see them."
        ),
    )

    class Meta:
        verbose_name = _("case category")
        verbose_name_plural = _("case categories")
        ordering = ["order", "name"]

    def __str__(self):
        if (get_language() or "").startswith("pl") and self.name_pl:
            return self.name_pl
        return self.name

    @classmethod
    def offered_to(cls, office: Office | None):
        """Active categories an office offers: those of every country and of its own."""
        categories = cls.objects.filter(is_active=True)
        if office is None:
            return categories
        return categories.filter(
            models.Q(jurisdiction="") | models.Q(jurisdiction=office.jurisdiction)
        )


class CaseReferenceCounter(models.Model):
    """Per office and year; incremented under a row lock so references are never reused."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "year"], name="case_ref_counter_unique")
        ]

    def __str__(self):
        return f"{self.office_id}/{self.year}: {self.last_number}"


class Case(ConcurrentTransitionMixin, models.Model):
    reference = models.CharField(_("reference"), max_length=32, unique=True, editable=False)
    person = models.ForeignKey(
        Person, verbose_name=_("client"), on_delete=models.PROTECT, related_name="cases"
    )
    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="cases"
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("caseworker"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_cases",
    )
    risk = models.CharField(_("risk level"), max_length=10, choices=Risk.choices)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT)
    stage = FSMField(
        _("stage"), default=Stage.INTAKE, choices=Stage.choices, protected=True, db_index=True
    )
    is_overdue = models.BooleanField(_("overdue"), default=False)
    # Only the case's access list sees it (case_flows/restriction.py holds the rule).
    is_restricted = models.BooleanField(_("restricted"), default=False)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    # When the case entered its current stage (set by case_open and fire_transition); copied
    # onto the stage-change event that leaves the stage, so time in stage needs no lookup.
    stage_entered_at = models.DateTimeField(
        _("in this stage since"), null=True, blank=True, editable=False
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    episode = models.PositiveSmallIntegerField(_("episode"), default=1)
    # Set when the retention job (or an approved erasure) anonymised the case: its personal
    # data and free text are gone, its statistical skeleton stays (case_flows/privacy).
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    # Where an imported case came from (case_flows/imports): the source's id of the case, so
    # importing the same file again finds it instead of creating it twice.
    source_system = models.CharField(_("imported from"), max_length=40, blank=True)
    external_ref = models.CharField(_("reference in the source system"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [
            (
                CasePerm.WORK_CASE.codename,
                _("Can work on cases (intake, assessment, plan, follow-up)"),
            ),
            (CasePerm.ALLOCATE_CASE.codename, _("Can allocate cases to caseworkers")),
            (CasePerm.APPROVE_CASE.codename, _("Can approve assessments, plans and closures")),
            (CasePerm.REOPEN_CASE.codename, _("Can reopen closed cases")),
            (
                CasePerm.REVIEW_OVERDUE_CASE.codename,
                _("Can review cases escalated for missed deadlines"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "source_system", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="case_external_ref_unique",
            )
        ]
        indexes = [
            models.Index(fields=["team", "stage"], name="case_team_stage"),
            models.Index(fields=["owner", "stage"], name="case_owner_stage"),
            models.Index(fields=["office", "stage"], name="case_office_stage"),
            # The dashboard reads open cases only (about 15% of all): small partial indexes.
            # Covering (PostgreSQL): the dashboard's open-case and caseload figures are
            # index-only scans of it, nationally too.
            models.Index(
                fields=["office", "stage", "opened_at"],
                name="case_open_office_stage",
                condition=~models.Q(stage="closed"),
                include=["is_overdue", "owner", "team", "risk", "category"],
            ),
            models.Index(
                fields=["office"], name="case_overdue_office", condition=models.Q(is_overdue=True)
            ),
            # The dashboard's time in stage: an office's cases still open or closed lately.
            models.Index(fields=["office", "closed_at"], name="case_office_closed"),
            # The cases a user registered that await allocation (the case list's addition to
            # the scope): tiny, so that branch of the list's OR stays an index scan.
            models.Index(
                fields=["created_by"],
                name="case_registered_unallocated",
                condition=models.Q(owner__isnull=True),
            ),
            # The cases of the dashboard's overdue tasks, looked up by id (stage and scope
            # without reading the table; every such case is flagged overdue).
            models.Index(
                fields=["id"],
                name="case_overdue_stage",
                condition=models.Q(is_overdue=True),
                include=["stage", "office", "team", "owner", "risk", "category"],
            ),
            # Restricted cases are few: the "counted but not listed" figures read this.
            models.Index(
                fields=["office"],
                name="case_restricted_office",
                condition=models.Q(is_restricted=True),
            ),
            # The open restricted cases with what their access list is decided by: the team
            # queue reads them without visiting a row (work/selectors.queue_process_ids).
            models.Index(
                fields=["id"],
                include=["owner", "team", "office"],
                name="case_restricted_open",
                condition=models.Q(is_restricted=True) & ~models.Q(stage="closed"),
            ),
        ]

    def __str__(self):
        return self.reference

    def visible_to(self, user) -> bool:
        """The workflow kernel's hook (workflows.queue.user_can_see_task): the scope, or for
        a restricted case its access list."""
        return can_see_case(user, self)

    def may_be_given_to(self, user) -> bool:
        """The kernel's reassignment hook: a restricted case's task only to its access list."""
        return not self.is_restricted or on_access_list(user, self)

    # --- the stage machine. Only CaseFlow Function nodes call these (under the flow lock). ---

    @transition(
        field=stage,
        source=Stage.INTAKE,
        target=Stage.ASSESSMENT,
        conditions=[lambda c: c.intake_is_complete()],
        permission=CasePerm.WORK_CASE,
    )
    def complete_intake(self):
        pass

    @transition(
        field=stage,
        source=Stage.ASSESSMENT,
        target=Stage.PLANNING,
        conditions=[lambda c: c.assessment_is_approved()],
        permission=CasePerm.APPROVE_CASE,
    )
    def approve_assessment(self):
        pass

    @transition(
        field=stage,
        source=Stage.PLANNING,
        target=Stage.REFERRAL,
        conditions=[lambda c: c.plan_is_approved()],
        permission=CasePerm.APPROVE_CASE,
    )
    def approve_plan(self):
        pass

    @transition(
        field=stage,
        source=Stage.REFERRAL,
        target=Stage.FOLLOW_UP,
        conditions=[lambda c: c.referrals_are_arranged()],
        permission=CasePerm.WORK_CASE,
    )
    def complete_referrals(self):
        pass

    @transition(
        field=stage,
        source=Stage.FOLLOW_UP,
        target=Stage.CLOSING,
        conditions=[lambda c: c.closure_is_prepared()],
        permission=CasePerm.WORK_CASE,
    )
    def propose_closure(self):
        pass

    @transition(
        field=stage,
        source=Stage.CLOSING,
        target=Stage.CLOSED,
        conditions=[lambda c: c.closure_is_approved()],
        permission=CasePerm.APPROVE_CASE,
    )
    def approve_closure(self):
        self.closed_at = timezone.now()

    # Returned or withdrawn work goes back to the stage where it is revised.
    @transition(
        field=stage,
        source=Stage.ASSESSMENT,
        target=Stage.ASSESSMENT,
        permission=CasePerm.APPROVE_CASE,
    )
    @transition(
        field=stage,
        source=Stage.PLANNING,
        target=Stage.PLANNING,
        permission=CasePerm.APPROVE_CASE,
    )
    @transition(
        field=stage,
        source=Stage.CLOSING,
        target=Stage.FOLLOW_UP,
        permission=CasePerm.APPROVE_CASE,
    )
    def return_for_revision(self):
        """A supervisor returns submitted work to the caseworker with a comment."""

    @transition(
        field=stage,
        source=Stage.ASSESSMENT,
        target=Stage.ASSESSMENT,
        permission=CasePerm.WORK_CASE,
    )
    @transition(
        field=stage, source=Stage.PLANNING, target=Stage.PLANNING, permission=CasePerm.WORK_CASE
    )
    @transition(
        field=stage, source=Stage.CLOSING, target=Stage.FOLLOW_UP, permission=CasePerm.WORK_CASE
    )
    def withdraw_submission(self):
        """The caseworker takes back work submitted for approval, to revise it."""

    @transition(
        field=stage,
        source=[Stage.PLANNING, Stage.FOLLOW_UP],
        target=Stage.ASSESSMENT,
        permission=CasePerm.WORK_CASE,
    )
    def reassess(self):
        pass

    @transition(
        field=stage,
        source=Stage.FOLLOW_UP,
        target=Stage.PLANNING,
        permission=CasePerm.WORK_CASE,
    )
    def revise_plan(self):
        pass

    @transition(
        field=stage,
        source=Stage.FOLLOW_UP,
        target=Stage.REFERRAL,
        permission=CasePerm.WORK_CASE,
    )
    def new_referral(self):
        pass

    @transition(
        field=stage,
        source=Stage.CLOSED,
        target=Stage.ASSESSMENT,
        permission=CasePerm.REOPEN_CASE,
    )
    def reopen(self):
        self.closed_at = None
        self.episode += 1

    # --- conditions: the records each move needs ---

    def intake_is_complete(self) -> bool:
        intake = getattr(self, "intake", None)
        return intake is not None and intake.is_complete

    def remember_records(self) -> None:
        """Until forget_records(): the conditions read each record (and its approval) once."""
        self._records_memo: dict | None = {}

    def forget_records(self) -> None:
        self._records_memo = None

    def _memo(self, key, read):
        memo = getattr(self, "_records_memo", None)
        if memo is None:
            return read()
        if key not in memo:
            memo[key] = read()
        return memo[key]

    def record_created(self, record) -> None:
        """A completion saved `record` (an assessment, plan or closure) for this episode: the
        nodes it runs next (the stage's condition, the approval task) need not read it back."""
        remember(("latest", type(record), self.pk, record.episode), record)

    def _latest(self, model):
        """The episode's latest record of `model`; read once per task completion (the
        completion saves records through `record_created`), else once per `_memo`."""
        key = ("latest", model, self.pk, self.episode)
        known = recalled(key, _UNKNOWN)
        if known is not _UNKNOWN:
            return known
        record = self._memo(
            ("latest", model, self.episode),
            lambda: model.objects.filter(case=self, episode=self.episode).order_by("-pk").first(),
        )
        remember(key, record)
        return record

    def _approved(self, kind: str, model) -> bool:
        """The gate: the latest record of this kind has an approved approval request."""
        # Imported here: workflows' models import this app's models' module while the app
        # registry loads, so a module-level import would be circular.
        from django.contrib.contenttypes.models import ContentType

        from workflows.approvals.models import Approval, ApprovalStatus

        record = self._latest(model)
        if record is None:
            return False
        # decided in this task completion (approval_decide): no need to read it back
        case_type = ContentType.objects.get_for_model(Case).pk  # cached per process
        approval = recalled(("approval_of_record", case_type, self.pk, kind, record.pk))
        if approval is not None:
            return approval.status == ApprovalStatus.APPROVED
        approval = self._memo(
            ("approval", kind, record.pk),
            lambda: (
                Approval.objects.filter(
                    subject_type_id=case_type,
                    subject_id=self.pk,
                    kind=kind,
                    record_id=record.pk,
                )
                .order_by("-pk")
                .only("status")
                .first()
            ),
        )
        return approval is not None and approval.status == ApprovalStatus.APPROVED

    def assessment_is_approved(self) -> bool:
        return self._approved("assessment", Assessment)

    def plan_is_approved(self) -> bool:
        return self._approved("plan", CasePlan)

    def referrals_are_arranged(self) -> bool:
        if self._memo(
            ("referrals", self.episode),
            lambda: Referral.objects.filter(case=self, episode=self.episode).exists(),
        ):
            return True
        plan = self._latest(CasePlan)
        return plan is not None and plan.no_referral_needed

    def closure_is_prepared(self) -> bool:
        return self._latest(Closure) is not None

    def closure_is_approved(self) -> bool:
        return self._approved("closure", Closure)


# A timeline event that moves the case to another stage (the dashboard's time in stage, and
# the condition of the partial indexes that serve it).
STAGE_CHANGE = ~models.Q(to_stage="") & ~models.Q(to_stage=models.F("from_stage"))


class CaseEvent(models.Model):
    """The case timeline: append-only (a PostgreSQL trigger refuses UPDATE and DELETE)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_stage = models.CharField(_("from"), max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=20, choices=Stage.choices, blank=True)
    transition = models.CharField(max_length=40, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    # On a stage change: when the case had entered `from_stage` (empty on older events).
    stage_entered_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [
            models.Index(fields=["case", "-created_at"], name="caseevent_case_time"),
            # Stage changes by time, for the dashboard's time-in-stage figure: by time (the
            # national view, and the monthly sums), and by case (one office's cases).
            models.Index(
                fields=["created_at"],
                name="caseevent_stage_change_time",
                condition=STAGE_CHANGE,
                include=["from_stage", "stage_entered_at", "case"],
            ),
            models.Index(
                fields=["case", "created_at"],
                name="caseevent_case_stage_change",
                condition=STAGE_CHANGE,
                include=["from_stage", "stage_entered_at"],
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} (case {self.case_id})"


class CaseProcess(Process):
    """One viewflow process per case episode."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="processes")
    # Set on a manager's overdue-case review while it is open, cleared when it is done: the
    # database keeps one open review per case, whatever sweeps, batches or workers start one.
    overdue_review_open_for = models.OneToOneField(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="open_overdue_review",
    )
    # What the caseworker chose after a task that can branch (plan: submit/reassess;
    # follow-up: continue/close/reassess/revise plan/new referral).
    next_step = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name = _("case process")
        verbose_name_plural = _("case processes")

    # What workflows.queue.task_complete reads with the task, in the same query: the case
    # and what the flow's nodes and hooks use of it (deadlines, routing, the next owner).
    completion_related = (
        "case__office",
        "case__team__supervisor",
        "case__category",
        "case__owner",
        "case__intake",
    )

    def work_subject(self) -> Case:
        """What the workflow kernel scopes this process's tasks by (office, team, owner)."""
        return self.case

    @classmethod
    def work_subjects(cls, process_ids) -> dict[int, Case]:
        """`work_subject()` of many processes in one query (the kernel's bulk reads)."""
        processes = cls.objects.filter(pk__in=list(process_ids)).select_related("case")
        return {process.pk: process.case for process in processes}
