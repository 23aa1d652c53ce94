"""People, cases, the case stage machine, stage records and the case timeline."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from viewflow.workflow.models import Process

from accounts.models import Jurisdiction, Office, Team
from workflows.sla.units import target_text


class Stage(models.TextChoices):
    INTAKE = "intake", _("Intake")
    ASSESSMENT = "assessment", _("Assessment")
    PLANNING = "planning", _("Planning")
    REFERRAL = "referral", _("Referral")
    FOLLOW_UP = "follow_up", _("Follow-up")
    CLOSING = "closing", _("Closing (awaiting approval)")
    CLOSED = "closed", _("Closed")


OPEN_STAGES = [s for s in Stage.values if s != Stage.CLOSED]


class Risk(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


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


class Person(models.Model):
    """A client; names in any script, searched accent-insensitively through `search_name`."""

    given_name = models.CharField(_("given name"), max_length=120)
    family_name = models.CharField(_("family name"), max_length=120)
    search_name = models.CharField(max_length=255, editable=False, db_index=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    date_of_birth_estimated = models.BooleanField(
        _("date of birth is estimated"),
        default=False,
        help_text=_("Tick when only an approximate age is known."),
    )
    national_id = models.CharField(_("national ID"), max_length=40, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    phone_digits = models.CharField(max_length=32, editable=False, blank=True, db_index=True)
    address = models.CharField(_("address or community"), max_length=255, blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=40, blank=True)
    disability = models.BooleanField(_("has a disability"), default=False)
    disability_notes = models.CharField(_("disability details"), max_length=255, blank=True)
    office = models.ForeignKey(
        Office, verbose_name=_("registered at"), on_delete=models.PROTECT, related_name="people"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        return f"{self.given_name} {self.family_name}"

    @property
    def age(self) -> int | None:
        if not self.date_of_birth:
            return None
        today = timezone.localdate()
        dob = self.date_of_birth
        return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


class Relationship(models.TextChoices):
    PARENT = "parent", _("Parent")
    CAREGIVER = "caregiver", _("Caregiver")
    CHILD = "child", _("Child")
    SIBLING = "sibling", _("Sibling")
    GRANDPARENT = "grandparent", _("Grandparent")
    SPOUSE = "spouse", _("Spouse or partner")
    OTHER = "other", _("Other relative")


class PersonRelation(models.Model):
    """`relative` is the `relationship` of `person` (e.g. relative is the parent of person)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relations")
    relative = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    relationship = models.CharField(_("relationship"), max_length=20, choices=Relationship.choices)
    is_primary_caregiver = models.BooleanField(_("primary caregiver"), default=False)
    same_household = models.BooleanField(_("same household"), default=True)

    class Meta:
        verbose_name = _("relation")
        verbose_name_plural = _("relations")
        constraints = [
            models.UniqueConstraint(fields=["person", "relative"], name="relation_unique_pair"),
            models.CheckConstraint(
                condition=~models.Q(person=models.F("relative")), name="relation_not_self"
            ),
        ]


class CaseReferenceCounter(models.Model):
    """Per office and year; incremented under a row lock so references are never reused."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "year"], name="case_ref_counter_unique")
        ]


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
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    # When the case entered its current stage (set by case_open and fire_transition); copied
    # onto the stage-change event that leaves the stage, so time in stage needs no lookup.
    stage_entered_at = models.DateTimeField(
        _("in this stage since"), null=True, blank=True, editable=False
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    episode = models.PositiveSmallIntegerField(_("episode"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [
            ("work_case", _("Can work on cases (intake, assessment, plan, follow-up)")),
            ("allocate_case", _("Can allocate cases to caseworkers")),
            ("approve_case", _("Can approve assessments, plans and closures")),
            ("reopen_case", _("Can reopen closed cases")),
            ("review_overdue_case", _("Can review cases escalated for missed deadlines")),
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
        ]

    def __str__(self):
        return self.reference

    # --- the stage machine. Only CaseFlow Function nodes call these (under the flow lock). ---

    @transition(
        field=stage,
        source=Stage.INTAKE,
        target=Stage.ASSESSMENT,
        conditions=[lambda c: c.intake_is_complete()],
        permission="case_flows.work_case",
    )
    def complete_intake(self):
        pass

    @transition(
        field=stage,
        source=Stage.ASSESSMENT,
        target=Stage.PLANNING,
        conditions=[lambda c: c.assessment_is_approved()],
        permission="case_flows.approve_case",
    )
    def approve_assessment(self):
        pass

    @transition(
        field=stage,
        source=Stage.PLANNING,
        target=Stage.REFERRAL,
        conditions=[lambda c: c.plan_is_approved()],
        permission="case_flows.approve_case",
    )
    def approve_plan(self):
        pass

    @transition(
        field=stage,
        source=Stage.REFERRAL,
        target=Stage.FOLLOW_UP,
        conditions=[lambda c: c.referrals_are_arranged()],
        permission="case_flows.work_case",
    )
    def complete_referrals(self):
        pass

    @transition(
        field=stage,
        source=Stage.FOLLOW_UP,
        target=Stage.CLOSING,
        conditions=[lambda c: c.closure_is_prepared()],
        permission="case_flows.work_case",
    )
    def propose_closure(self):
        pass

    @transition(
        field=stage,
        source=Stage.CLOSING,
        target=Stage.CLOSED,
        conditions=[lambda c: c.closure_is_approved()],
        permission="case_flows.approve_case",
    )
    def approve_closure(self):
        self.closed_at = timezone.now()

    # Returned or withdrawn work goes back to the stage where it is revised.
    @transition(
        field=stage,
        source=Stage.ASSESSMENT,
        target=Stage.ASSESSMENT,
        permission="case_flows.approve_case",
    )
    @transition(
        field=stage,
        source=Stage.PLANNING,
        target=Stage.PLANNING,
        permission="case_flows.approve_case",
    )
    @transition(
        field=stage,
        source=Stage.CLOSING,
        target=Stage.FOLLOW_UP,
        permission="case_flows.approve_case",
    )
    def return_for_revision(self):
        """A supervisor returns submitted work to the caseworker with a comment."""

    @transition(
        field=stage,
        source=Stage.ASSESSMENT,
        target=Stage.ASSESSMENT,
        permission="case_flows.work_case",
    )
    @transition(
        field=stage, source=Stage.PLANNING, target=Stage.PLANNING, permission="case_flows.work_case"
    )
    @transition(
        field=stage, source=Stage.CLOSING, target=Stage.FOLLOW_UP, permission="case_flows.work_case"
    )
    def withdraw_submission(self):
        """The caseworker takes back work submitted for approval, to revise it."""

    @transition(
        field=stage,
        source=[Stage.PLANNING, Stage.FOLLOW_UP],
        target=Stage.ASSESSMENT,
        permission="case_flows.work_case",
    )
    def reassess(self):
        pass

    @transition(
        field=stage,
        source=Stage.FOLLOW_UP,
        target=Stage.PLANNING,
        permission="case_flows.work_case",
    )
    def revise_plan(self):
        pass

    @transition(
        field=stage,
        source=Stage.FOLLOW_UP,
        target=Stage.REFERRAL,
        permission="case_flows.work_case",
    )
    def new_referral(self):
        pass

    @transition(
        field=stage,
        source=Stage.CLOSED,
        target=Stage.ASSESSMENT,
        permission="case_flows.reopen_case",
    )
    def reopen(self):
        self.closed_at = None
        self.episode += 1

    # --- conditions: the records each move needs ---

    def intake_is_complete(self) -> bool:
        intake = getattr(self, "intake", None)
        return intake is not None and intake.is_complete

    def _latest(self, model):
        return model.objects.filter(case=self, episode=self.episode).order_by("-pk").first()

    def _approved(self, kind: str, model) -> bool:
        """The gate: the latest record of this kind has an approved approval request."""
        from django.contrib.contenttypes.models import ContentType

        from workflows.approvals.models import Approval, ApprovalStatus

        record = self._latest(model)
        if record is None:
            return False
        approval = (
            Approval.objects.filter(
                subject_type=ContentType.objects.get_for_model(Case),
                subject_id=self.pk,
                kind=kind,
                record_id=record.pk,
            )
            .order_by("-pk")
            .only("status")
            .first()
        )
        return approval is not None and approval.status == ApprovalStatus.APPROVED

    def assessment_is_approved(self) -> bool:
        return self._approved("assessment", Assessment)

    def plan_is_approved(self) -> bool:
        return self._approved("plan", CasePlan)

    def referrals_are_arranged(self) -> bool:
        if Referral.objects.filter(case=self, episode=self.episode).exists():
            return True
        plan = self._latest(CasePlan)
        return plan is not None and plan.no_referral_needed

    def closure_is_prepared(self) -> bool:
        return self._latest(Closure) is not None

    def closure_is_approved(self) -> bool:
        return self._approved("closure", Closure)


class EventKind(models.TextChoices):
    OPENED = "opened", _("Case opened")
    ALLOCATED = "allocated", _("Allocated")
    TRANSITION = "transition", _("Stage changed")
    SUBMITTED = "submitted", _("Submitted for approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for revision")
    RECORD = "record", _("Record added")
    RISK_CHANGED = "risk_changed", _("Risk level changed")
    TASK = "task", _("Task")
    SLA = "sla", _("Deadline")
    NOTE = "note", _("Note")
    REFERRAL = "referral", _("Referral")
    TRANSFER = "transfer", _("Transfer")
    REVIEW = "review", _("Case review")


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


class StageRecord(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    episode = models.PositiveSmallIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class IntakeSource(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    HOTLINE = "hotline", _("Hotline")
    POLICE = "police", _("Police")
    SCHOOL = "school", _("School")
    HEALTH = "health", _("Health facility")
    COMMUNITY = "community", _("Community")
    OTHER_OFFICE = "other_office", _("Another office")


class Safety(models.TextChoices):
    SAFE = "safe", _("Safe for now")
    AT_RISK = "at_risk", _("At risk")
    IMMEDIATE_DANGER = "immediate_danger", _("In immediate danger")


class Intake(models.Model):
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="intake")
    source = models.CharField(_("source"), max_length=20, choices=IntakeSource.choices)
    presenting_concerns = models.TextField(_("presenting concerns"))
    immediate_safety = models.CharField(
        _("immediate safety"), max_length=20, choices=Safety.choices, blank=True
    )
    consent_to_share = models.BooleanField(_("consent to share information"), null=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("intake")
        verbose_name_plural = _("intakes")

    @property
    def is_complete(self) -> bool:
        return bool(
            self.source
            and self.presenting_concerns.strip()
            and self.immediate_safety
            and self.consent_to_share is not None
        )


NEED_DOMAINS = [
    ("safety", _("Safety")),
    ("health", _("Health")),
    ("education", _("Education")),
    ("shelter", _("Shelter")),
    ("income", _("Income")),
    ("psychosocial", _("Psychosocial")),
    ("legal", _("Legal")),
]


class NeedLevel(models.TextChoices):
    NONE = "none", _("No need")
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Assessment(StageRecord):
    needs = models.JSONField(_("needs by domain"), default=dict)
    needs_notes = models.TextField(_("notes on needs"), blank=True)
    strengths = models.TextField(_("strengths"))
    risk_decided = models.CharField(_("risk level decided"), max_length=10, choices=Risk.choices)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")


class CasePlan(StageRecord):
    summary = models.TextField(_("summary"), blank=True)
    no_referral_needed = models.BooleanField(
        _("no referral needed"),
        default=False,
        help_text=_("Services are provided by this office; no referral is needed."),
    )

    class Meta:
        verbose_name = _("case plan")
        verbose_name_plural = _("case plans")


class PlanGoal(models.Model):
    plan = models.ForeignKey(CasePlan, on_delete=models.CASCADE, related_name="goals")
    description = models.CharField(_("goal"), max_length=255)

    def __str__(self):
        return self.description


class PlanAction(models.Model):
    plan = models.ForeignKey(CasePlan, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(_("action"), max_length=255)
    responsible = models.CharField(_("responsible party"), max_length=120)
    target_date = models.DateField(_("target date"))


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    ROUTINE = "routine", _("Routine")


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ProviderKind(models.TextChoices):
    INTERNAL = "internal", _("Internal department (answers in the app)")
    EXTERNAL = "external", _("External organisation")


class ServiceProvider(models.Model):
    """The directory of services a case can be referred to."""

    name = models.CharField(_("name"), max_length=160)
    kind = models.CharField(
        _("kind"), max_length=10, choices=ProviderKind.choices, default=ProviderKind.EXTERNAL
    )
    services = models.TextField(_("services offered"), help_text=_("One service per line."))
    office = models.ForeignKey(
        Office,
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_providers",
        help_text=_("Leave empty for a provider that serves every office."),
    )
    area = models.CharField(_("area served"), max_length=160, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff who answer referrals"),
        blank=True,
        related_name="service_providers",
        help_text=_("Users in the provider role who answer this provider's referrals in the app."),
    )

    class Meta:
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_internal(self) -> bool:
        return self.kind == ProviderKind.INTERNAL

    def service_list(self) -> list[str]:
        return [line.strip() for line in self.services.splitlines() if line.strip()]


class Referral(ConcurrentTransitionMixin, StageRecord):
    service_type = models.CharField(_("service type"), max_length=120)
    provider = models.ForeignKey(
        ServiceProvider,
        verbose_name=_("provider"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    # The provider's name when it was referred to (or a provider not in the directory).
    provider_name = models.CharField(_("provider"), max_length=160)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE
    )
    consent_recorded = models.BooleanField(_("client consented to sharing"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    status = FSMField(
        _("status"),
        default=ReferralStatus.SENT,
        choices=ReferralStatus.choices,
        protected=True,
        db_index=True,
    )
    consent_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consent refusal overridden by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    consent_override_reason = models.TextField(_("reason for the override"), blank=True)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdraw_reason = models.TextField(_("reason for withdrawing"), blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        permissions = [("respond_referral", _("Can answer referrals addressed to their provider"))]

    # --- the referral's own small state machine; only case_flows.referrals calls these ---
    @transition(field=status, source=ReferralStatus.SENT, target=ReferralStatus.ACCEPTED)
    def accept(self):
        pass

    @transition(field=status, source=ReferralStatus.SENT, target=ReferralStatus.DECLINED)
    def decline(self):
        pass

    @transition(field=status, source=ReferralStatus.ACCEPTED, target=ReferralStatus.COMPLETED)
    def complete(self):
        pass

    @transition(
        field=status,
        source=[ReferralStatus.SENT, ReferralStatus.ACCEPTED],
        target=ReferralStatus.WITHDRAWN,
    )
    def withdraw(self):
        pass

    @property
    def is_open(self) -> bool:
        return self.status in (ReferralStatus.SENT, ReferralStatus.ACCEPTED)

    @property
    def consent_overridden(self) -> bool:
        return self.consent_overridden_by_id is not None


class ContactMode(models.TextChoices):
    VISIT = "visit", _("Home visit")
    PHONE = "phone", _("Phone")
    OFFICE = "office", _("Office visit")


class GoalProgress(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    ACHIEVED = "achieved", _("Achieved")


class FollowUp(StageRecord):
    date = models.DateField(_("date"))
    mode = models.CharField(_("how"), max_length=10, choices=ContactMode.choices)
    notes = models.TextField(_("notes"))
    progress = models.JSONField(_("progress against goals"), default=dict, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")


class ClosureReason(models.TextChoices):
    GOALS_MET = "goals_met", _("Goals met")
    TRANSFERRED = "transferred", _("Transferred")
    MOVED_AWAY = "moved_away", _("Moved away")
    DIED = "died", _("Died")
    NOT_ELIGIBLE = "not_eligible", _("No longer eligible")
    DECLINED = "declined", _("Client declined services")


class Closure(StageRecord):
    reason = models.CharField(_("reason"), max_length=20, choices=ClosureReason.choices)
    summary = models.TextField(_("summary"))

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")


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

    def work_subject(self) -> Case:
        """What the workflow kernel scopes this process's tasks by (office, team, owner)."""
        return self.case


# --- transfers: a case follows its client ------------------------------------------------


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


class CaseTransfer(models.Model):
    """A request to move a case to another office; the receiving supervisor decides."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="transfers")
    from_office = models.ForeignKey(
        Office, verbose_name=_("from office"), on_delete=models.PROTECT, related_name="+"
    )
    from_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_office = models.ForeignKey(
        Office, verbose_name=_("to office"), on_delete=models.PROTECT, related_name="+"
    )
    to_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=TransferStatus.choices,
        default=TransferStatus.REQUESTED,
        db_index=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)

    class Meta:
        verbose_name = _("case transfer")
        verbose_name_plural = _("case transfers")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="requested"),
                name="case_transfer_one_pending",
            ),
            models.CheckConstraint(
                condition=~models.Q(from_office=models.F("to_office")),
                name="case_transfer_other_office",
            ),
        ]


# --- follow-up schedules -------------------------------------------------------------------


class IntervalUnit(models.TextChoices):
    CALENDAR_DAYS = "calendar_days", _("calendar days")
    MONTHS = "months", _("months")


class FollowUpSchedulePolicy(models.Model):
    """How often a case at each risk level is followed up; kept in step with the SLA
    policies of the follow_up task (see case_flows.schedules)."""

    risk = models.CharField(_("risk level"), max_length=10, choices=Risk.choices, unique=True)
    interval = models.PositiveSmallIntegerField(_("interval"))
    unit = models.CharField(_("unit"), max_length=16, choices=IntervalUnit.choices)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("follow-up schedule")
        verbose_name_plural = _("follow-up schedules")
        constraints = [
            models.CheckConstraint(condition=models.Q(interval__gt=0), name="followup_interval_pos")
        ]

    def __str__(self):
        return f"{self.get_risk_display()}: {target_text(self.interval, self.unit)}"


# --- periodic case reviews -----------------------------------------------------------------


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", _("Continue as planned")
    REVISE_PLAN = "revise_plan", _("The plan needs revising")
    REASSESS = "reassess", _("The case needs reassessment")
    CLOSE = "close", _("Prepare to close the case")
    ESCALATE = "escalate", _("Escalate to the manager")


class CaseReview(models.Model):
    """One periodic supervisor review of an open case; one per case and period."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reviews")
    period = models.DateField(_("period"), help_text=_("First day of the month it fell due."))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=ReviewOutcome.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        verbose_name = _("case review")
        verbose_name_plural = _("case reviews")
        constraints = [
            models.UniqueConstraint(fields=["case", "period"], name="case_review_once_per_period")
        ]
        indexes = [models.Index(fields=["case", "-created_at"], name="casereview_case_time")]


# The dashboard's own models live in their own module; imported here so Django finds them.
from .dashboard_models import (  # noqa: E402, F401
    DEFAULT_CASELOAD_THRESHOLD,
    CaseloadThreshold,
    DashboardMonth,
    DashboardMonthRow,
    ExportFormat,
    ExportLog,
    SummaryFigure,
)
