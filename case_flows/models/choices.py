"""The choices of the case models' fields, and fixed lists (stages, need domains)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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


class Relationship(models.TextChoices):
    PARENT = "parent", _("Parent")
    CAREGIVER = "caregiver", _("Caregiver")
    CHILD = "child", _("Child")
    SIBLING = "sibling", _("Sibling")
    GRANDPARENT = "grandparent", _("Grandparent")
    SPOUSE = "spouse", _("Spouse or partner")
    OTHER = "other", _("Other relative")


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
    ERASURE = "erasure", _("Erasure request")
    REDACTED = "redacted", _("Personal data redacted")
    PERSON_CHANGED = "person_changed", _("Client details changed")
    SUBJECT_ACCESS = "subject_access", _("Subject access file produced")
    RESTRICTION = "restriction", _("Restriction")
    ACCESS = "access", _("Access list")
    IMPORTED = "imported", _("Imported")
    HOUSEHOLD = "household", _("Household")
    MERGED = "merged", _("Client records merged")
    MERGE_UNDONE = "merge_undone", _("Merge of client records undone")
    ATTACHMENT_ADDED = "attachment_added", _("Attachment added")
    ATTACHMENT_DELETED = "attachment_deleted", _("Attachment deleted")
    DOCUMENT_GENERATED = "document_generated", _("Document generated")
    DECISION = "decision", _("Administrative decision")


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


# The need domains every installation starts with (seeded as NeedDomain rows by migration;
# tests compare against them). What a case's assessment asks is data: see
# case_flows/casetypes/selectors.py, never this list.
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


class ContactMode(models.TextChoices):
    VISIT = "visit", _("Home visit")
    PHONE = "phone", _("Phone")
    OFFICE = "office", _("Office visit")


class GoalProgress(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    ACHIEVED = "achieved", _("Achieved")


class ClosureReason(models.TextChoices):
    GOALS_MET = "goals_met", _("Goals met")
    TRANSFERRED = "transferred", _("Transferred")
    MOVED_AWAY = "moved_away", _("Moved away")
    DIED = "died", _("Died")
    NOT_ELIGIBLE = "not_eligible", _("No longer eligible")
    DECLINED = "declined", _("Client declined services")


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


class IntervalUnit(models.TextChoices):
    CALENDAR_DAYS = "calendar_days", _("calendar days")
    MONTHS = "months", _("months")


class FollowUpNextStep(models.TextChoices):
    """What the caseworker decides at a follow-up; the flow branches on it (flows.py)."""

    CONTINUE = "continue", _("Continue: schedule another follow-up")
    CLOSE = "close", _("Close the case: the goals are met or help is no longer needed")
    REASSESS = "reassess", _("Reassess: the situation has changed")
    REVISE_PLAN = "revise_plan", _("Revise the case plan")
    NEW_REFERRAL = "new_referral", _("Make a new referral")


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", _("Continue as planned")
    REVISE_PLAN = "revise_plan", _("The plan needs revising")
    REASSESS = "reassess", _("The case needs reassessment")
    CLOSE = "close", _("Prepare to close the case")
    ESCALATE = "escalate", _("Escalate to the manager")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class SummaryFigure(models.TextChoices):
    SLA = "sla", _("deadline compliance")
    STAGE_TIME = "stage_time", _("time in stage")
