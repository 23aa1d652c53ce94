"""The models of case_flows, one module per capability; every public name is re-exported here,
so `from case_flows.models import Case` keeps working wherever it is written.

records and referrals name the case by string ("case_flows.Case"): the case's stage
conditions read their records, so cases imports them and not the other way round.
"""

from .access import (
    AccessAction,
    AccessAlert,
    AccessEvent,
)
from .attachments import (
    RECORD_FIELDS,
    Attachment,
    AttachmentKind,
)
from .cases import (
    STAGE_CHANGE,
    Case,
    CaseEvent,
    CaseProcess,
    CaseReferenceCounter,
    Category,
)
from .casetypes import CaseTypeNeedDomain, NeedDomain
from .choices import (
    NEED_DOMAINS,
    OPEN_STAGES,
    ClosureReason,
    ContactMode,
    EventKind,
    ExportFormat,
    FollowUpNextStep,
    GoalProgress,
    IntakeSource,
    IntervalUnit,
    NeedLevel,
    ProviderKind,
    ReferralStatus,
    Relationship,
    ReviewOutcome,
    Risk,
    Safety,
    Sex,
    Stage,
    SummaryFigure,
    TransferStatus,
    Urgency,
)
from .documents import (
    DocumentTemplate,
    GeneratedDocument,
    OfficeLetterhead,
)
from .formdefs import (
    CaseTypeForm,
    FormDefinition,
    FormStage,
    FormVersion,
    FormVersionStatus,
    Lookup,
    LookupValue,
)
from .households import (
    HeadRelationship,
    Household,
    HouseholdMember,
    Income,
    IncomeSource,
    IncomeThreshold,
    ThresholdKind,
)
from .monitoring import (
    DEFAULT_CASELOAD_THRESHOLD,
    CaseloadThreshold,
    DashboardMonth,
    DashboardMonthRow,
    ExportLog,
)
from .people import (
    IdentifierKind,
    Person,
    PersonMerge,
    PersonRelation,
)
from .privacy import (
    ErasureGrounds,
    ErasureRequest,
    ErasureStatus,
    RetentionPolicy,
)
from .records import (
    Assessment,
    CasePlan,
    Closure,
    FollowUp,
    Intake,
    PlanAction,
    PlanGoal,
    StageRecord,
)
from .referrals import (
    Referral,
    ServiceProvider,
)
from .restriction import (
    CaseAccessGrant,
    GrantKind,
)
from .reviews import (
    CaseReview,
    FollowUpSchedulePolicy,
)
from .transfers import (
    CaseTransfer,
)

__all__ = [
    "RECORD_FIELDS",
    "Attachment",
    "AttachmentKind",
    "DocumentTemplate",
    "GeneratedDocument",
    "OfficeLetterhead",
    "CaseTypeForm",
    "CaseTypeNeedDomain",
    "NeedDomain",
    "FormDefinition",
    "FormStage",
    "FormVersion",
    "FormVersionStatus",
    "Lookup",
    "LookupValue",
    "AccessAction",
    "AccessAlert",
    "AccessEvent",
    "Stage",
    "OPEN_STAGES",
    "Risk",
    "Sex",
    "Relationship",
    "EventKind",
    "IntakeSource",
    "Safety",
    "NEED_DOMAINS",
    "NeedLevel",
    "Urgency",
    "ReferralStatus",
    "ProviderKind",
    "ContactMode",
    "GoalProgress",
    "ClosureReason",
    "TransferStatus",
    "IntervalUnit",
    "ReviewOutcome",
    "ExportFormat",
    "FollowUpNextStep",
    "SummaryFigure",
    "IdentifierKind",
    "Person",
    "PersonMerge",
    "PersonRelation",
    "StageRecord",
    "Intake",
    "Assessment",
    "CasePlan",
    "PlanGoal",
    "PlanAction",
    "FollowUp",
    "Closure",
    "ServiceProvider",
    "Referral",
    "Category",
    "CaseReferenceCounter",
    "Case",
    "STAGE_CHANGE",
    "CaseEvent",
    "CaseProcess",
    "CaseTransfer",
    "RetentionPolicy",
    "ErasureGrounds",
    "ErasureStatus",
    "ErasureRequest",
    "CaseAccessGrant",
    "GrantKind",
    "FollowUpSchedulePolicy",
    "CaseReview",
    "DEFAULT_CASELOAD_THRESHOLD",
    "CaseloadThreshold",
    "ExportLog",
    "DashboardMonth",
    "DashboardMonthRow",
    "HeadRelationship",
    "Household",
    "HouseholdMember",
    "Income",
    "IncomeSource",
    "IncomeThreshold",
    "ThresholdKind",
]
