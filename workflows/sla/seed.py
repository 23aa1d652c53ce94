"""Default policy packs from docs/sla.md (Poland statutory, Ghana drafts, queue clocks).

Idempotent: a policy whose key already exists is left alone, so an administrator's
edits and confirmations survive a re-seed. Seeded names and explanations are stored as
English msgids (marked with gettext_noop, translated in the catalogue) and shown in the
reader's language by SlaPolicy.display_name / display_citation; a name an administrator
writes is not in the catalogue and is shown as written. Legal citations stay as enacted.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext_noop

from .models import SlaCalendar, SlaPolicy, default_ladder
from .units import ClockKind, LadderAnchor, LadderRole, PauseReason, PolicyStatus, TargetUnit

# The date this pack applies from in the system (not the statutes' enactment dates).
PACK_EFFECTIVE_FROM = date(2024, 1, 1)

ROZP_WYWIAD = (
    "Rozporządzenie Ministra Rodziny i Polityki Społecznej w sprawie rodzinnego wywiadu "
    "środowiskowego, Dz.U. 2021 poz. 893, §3"
)
GH_DRAFT = gettext_noop(
    "UNVERIFIED draft default after Ghana's ISSOP and the 2014 inter-agency child-protection "
    "case-management guidelines; confirm before relying on it."
)

FOLLOW_UP_DRAFT = gettext_noop(
    "Draft default follow-up schedule (high risk weekly, medium every 2 weeks, low monthly); "
    "edited as the follow-up schedule, confirm before relying on it."
)
REFERRAL_DRAFT = gettext_noop(
    "Draft default for a provider's answer to a referral (urgent 1 working day, routine 5); "
    "confirm before relying on it."
)
KPA_DECISION = gettext_noop(
    "Kodeks postępowania administracyjnego art. 35 §3 (1 month); periods in "
    "art. 35 §5 (suspension, the party's delay) are excluded; counting per art. 57"
)
KPA_APPEAL = gettext_noop(
    "Kodeks postępowania administracyjnego art. 129 §2 (appeal within 14 days of delivery); "
    "counting per art. 57. The decision becomes final when the period ends."
)
# The appeal period is not the office's target but the party's: its one step, at the end of
# the period (warning at 100% = the deadline, so never a breach), lets the case app mark the
# decision final (case_flows.decisions.sla); nobody is notified.
APPEAL_PERIOD_LADDER = [
    {
        "key": "period_over",
        "anchor": LadderAnchor.WARNING.value,
        "offset": 0,
        "offset_unit": TargetUnit.HOURS.value,
        "roles": [],
        "priority": 0,
    }
]
PRIMERO_QUEUE = gettext_noop(
    "Primero: unassigned cases overdue after 1 h (high risk) or 3 h (others)"
)
# Names the first packs stored in Polish, now English msgids (migration 0008 renames them).
RENAMED_PL = {
    "pl-wywiad-pilny": "Pilny rodzinny wywiad środowiskowy (2 dni robocze)",
    "pl-wywiad": "Rodzinny wywiad środowiskowy (14 dni roboczych)",
    "pl-kpa-decyzja": "Decyzja administracyjna (1 miesiąc, KPA)",
    "pl-aktualizacja-wywiadu": "Aktualizacja wywiadu przy świadczeniach ciągłych (6 miesięcy)",
}
GH_NAMES = {
    "high": (
        gettext_noop("First response, high risk (draft)"),
        gettext_noop("Assessment, high risk (draft)"),
    ),
    "medium": (
        gettext_noop("First response, medium risk (draft)"),
        gettext_noop("Assessment, medium risk (draft)"),
    ),
    "low": (
        gettext_noop("First response, low risk (draft)"),
        gettext_noop("Assessment, low risk (draft)"),
    ),
}

UNCLAIMED_LADDER = [
    {
        "key": "warning",
        "anchor": LadderAnchor.WARNING.value,
        "offset": 0,
        "offset_unit": TargetUnit.HOURS.value,
        "roles": [LadderRole.SUPERVISOR.value],
        "priority": 10,
    },
    {
        "key": "breach",
        "anchor": LadderAnchor.DUE.value,
        "offset": 0,
        "offset_unit": TargetUnit.HOURS.value,
        "roles": [LadderRole.SUPERVISOR.value],
        "priority": 20,
    },
    {
        "key": "manager",
        "anchor": LadderAnchor.DUE.value,
        "offset": 1,
        "offset_unit": TargetUnit.HOURS.value,
        "roles": [LadderRole.MANAGER.value],
        "priority": 30,
    },
]


def _policy(key, name, order, kind, node, amount, unit, **extra) -> dict:
    return {
        "key": key,
        "name": name,
        "order": order,
        "kind": kind,
        "node_name": node,
        "target_amount": amount,
        "target_unit": unit,
        "effective_from": PACK_EFFECTIVE_FROM,
        **extra,
    }


def policy_pack() -> list[dict]:
    pl = {"jurisdiction": "PL", "status": PolicyStatus.CONFIRMED, "statutory": True}
    gh = {
        "jurisdiction": "GH",
        "status": PolicyStatus.DRAFT,
        "citation": GH_DRAFT,
        "pausable": True,
        "pause_reasons": [PauseReason.WAITING_CLIENT, PauseReason.WAITING_EXTERNAL_PROVIDER],
    }
    T, WD, CD, H, M = (
        ClockKind.TASK,
        TargetUnit.WORKING_DAYS,
        TargetUnit.CALENDAR_DAYS,
        TargetUnit.HOURS,
        TargetUnit.MONTHS,
    )
    pack = [
        # --- Poland: statutory, never paused (except KPA art. 35 §5 exclusions) ---
        _policy(
            "pl-wywiad-pilny",
            gettext_noop("Urgent family community interview (2 working days)"),
            10,
            T,
            "assess",
            2,
            WD,
            risk="high",
            citation=ROZP_WYWIAD + " ust. 3",
            **pl,
        ),
        _policy(
            "pl-wywiad",
            gettext_noop("Family community interview (14 working days)"),
            20,
            T,
            "assess",
            14,
            WD,
            citation=ROZP_WYWIAD,
            **pl,
        ),
        _policy(
            "pl-kpa-decyzja",
            gettext_noop("Administrative decision (1 month, KPA)"),
            30,
            ClockKind.STAGE,
            "decision",
            1,
            M,
            citation=KPA_DECISION,
            pausable=True,
            pause_reasons=[PauseReason.SUSPENDED_BY_DECISION, PauseReason.WAITING_CLIENT],
            **pl,
        ),
        _policy(
            "pl-kpa-odwolanie",
            gettext_noop("Appeal period of a decision (14 calendar days, KPA)"),
            35,
            ClockKind.STAGE,
            "appeal_period",
            14,
            CD,
            citation=KPA_APPEAL,
            warn_percent=100,
            ladder=APPEAL_PERIOD_LADDER,
            pausable=True,
            pause_reasons=[PauseReason.WAITING_APPEAL_BODY],
            **pl,
        ),
        _policy(
            "pl-aktualizacja-wywiadu",
            gettext_noop("Interview update for continuing benefits (6 months)"),
            40,
            T,
            "review",
            6,
            M,
            citation="Ustawa o pomocy społecznej art. 107 ust. 4",
            **pl,
        ),
    ]
    # --- Ghana: unverified drafts, by risk tier ---
    order = 100
    for risk, response, assessment in (
        ("high", (24, H), (3, CD)),
        ("medium", (3, CD), (7, CD)),
        ("low", (7, CD), (14, CD)),
    ):
        pack.append(
            _policy(
                f"gh-first-response-{risk}",
                GH_NAMES[risk][0],
                order,
                T,
                "allocate",
                *response,
                risk=risk,
                **gh,
            )
        )
        pack.append(
            _policy(
                f"gh-assessment-{risk}",
                GH_NAMES[risk][1],
                order + 1,
                T,
                "assess",
                *assessment,
                risk=risk,
                **gh,
            )
        )
        order += 10
    pack += [
        _policy(
            "gh-case-plan",
            gettext_noop("Case plan after assessment approval (draft)"),
            140,
            T,
            "plan",
            14,
            CD,
            **gh,
        ),
        _policy(
            "gh-review-high",
            gettext_noop("Case review, high risk (draft)"),
            150,
            T,
            "review",
            1,
            M,
            risk="high",
            **gh,
        ),
        _policy("gh-review", gettext_noop("Case review (draft)"), 151, T, "review", 3, M, **gh),
    ]
    # --- follow-up visits by risk (any jurisdiction): the follow-up schedule's interval is
    # the follow_up task's deadline, so a missed visit escalates. case_flows keeps these in
    # step with its administrator-editable FollowUpSchedulePolicy (keys follow-up-<risk>).
    follow_up = {
        "status": PolicyStatus.DRAFT,
        "citation": FOLLOW_UP_DRAFT,
        "pausable": True,
        "pause_reasons": [PauseReason.WAITING_CLIENT, PauseReason.WAITING_EXTERNAL_PROVIDER],
    }
    pack += [
        _policy(
            "follow-up-high",
            gettext_noop("Follow-up, high risk: weekly (draft)"),
            200,
            T,
            "follow_up",
            7,
            CD,
            risk="high",
            **follow_up,
        ),
        _policy(
            "follow-up-medium",
            gettext_noop("Follow-up, medium risk: every 2 weeks (draft)"),
            201,
            T,
            "follow_up",
            14,
            CD,
            risk="medium",
            **follow_up,
        ),
        _policy(
            "follow-up-low",
            gettext_noop("Follow-up, low risk: monthly (draft)"),
            202,
            T,
            "follow_up",
            1,
            M,
            risk="low",
            **follow_up,
        ),
        # --- a provider's answer to a referral (sent to accepted or declined) ---
        _policy(
            "referral-response-urgent",
            gettext_noop("Provider answers an urgent referral: 1 working day (draft)"),
            210,
            ClockKind.STAGE,
            "referral_response_urgent",
            1,
            WD,
            status=PolicyStatus.DRAFT,
            citation=REFERRAL_DRAFT,
        ),
        _policy(
            "referral-response",
            gettext_noop("Provider answers a routine referral: 5 working days (draft)"),
            211,
            ClockKind.STAGE,
            "referral_response",
            5,
            WD,
            status=PolicyStatus.DRAFT,
            citation=REFERRAL_DRAFT,
        ),
    ]
    # --- unclaimed work in a team queue (Primero defaults), any jurisdiction ---
    queue = {
        "status": PolicyStatus.CONFIRMED,
        "citation": PRIMERO_QUEUE,
        "ladder": UNCLAIMED_LADDER,
    }
    pack += [
        _policy(
            "queue-unclaimed-high",
            gettext_noop("Unclaimed in a team queue, high risk"),
            500,
            ClockKind.UNCLAIMED,
            "",
            1,
            H,
            risk="high",
            **queue,
        ),
        _policy(
            "queue-unclaimed",
            gettext_noop("Unclaimed in a team queue"),
            510,
            ClockKind.UNCLAIMED,
            "",
            3,
            H,
            **queue,
        ),
    ]
    return pack


CALENDARS = [
    # KPA art. 57 counting for Polish calendar-day and month deadlines.
    {"jurisdiction": "PL", "kpa_art57": True},
    {"jurisdiction": "GH", "kpa_art57": False},
]


@transaction.atomic
def seed_sla_policies() -> int:
    """Create the default calendars and policies that do not exist yet; returns how many."""
    for values in CALENDARS:
        SlaCalendar.objects.get_or_create(
            jurisdiction=values["jurisdiction"], office=None, defaults=values
        )
    existing = set(SlaPolicy.objects.values_list("key", flat=True))
    created = 0
    for values in policy_pack():
        if values["key"] in existing:
            continue
        values.setdefault("ladder", default_ladder())
        policy = SlaPolicy(**values)
        policy.full_clean()
        policy.save()
        created += 1
    return created
