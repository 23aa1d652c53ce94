"""Drives one demo case through the real services, step by step, at past times."""

import datetime
import random
from dataclasses import dataclass

import time_machine
from django.utils import timezone

from accounts.models import User
from workflows.approvals.services import approval_decide

from ..cases import services as case_services
from ..cases.selectors import case_open_tasks
from ..models import Case
from ..referrals import services as referral_services
from ..work import services as work_services
from .names import NAMES, TEXTS, texts_for
from .providers import demo_referral

CATEGORY_WEIGHTS = {
    "GH": {"child_protection": 40, "gbv": 15, "disability": 15, "poverty": 20, "older_people": 10},
    "PL": {
        "domestic_violence": 25,
        "older_people": 25,
        "poverty": 30,
        "disability": 15,
        "child_protection": 5,
    },
}


# How far along each case gets, with its share of the caseload.
STAGE_WEIGHTS = [
    ("unallocated", 8),
    ("intake", 8),
    ("assessment", 10),
    ("assessment_submitted", 9),
    ("planning", 8),
    ("plan_submitted", 7),
    ("referral", 8),
    ("follow_up", 14),
    ("follow_up_more", 8),
    ("closing", 6),
    ("closed", 14),
]


STEPS = [s for s, _w in STAGE_WEIGHTS]


def demo_person(rng, office, category_code, actor):
    country = office.jurisdiction if office.jurisdiction in NAMES else "GH"
    names = NAMES[country]
    sex = rng.choice(["female", "male"])
    given = rng.choice(names[sex])
    family = rng.choice(names["family"])
    if isinstance(family, tuple):
        family = family[1] if sex == "female" else family[0]
    today = timezone.localdate()
    if category_code == "child_protection":
        age = rng.randint(2, 16)
    elif category_code == "older_people":
        age = rng.randint(68, 92)
    else:
        age = rng.randint(19, 60)
    dob = today - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
    phone = (
        f"+233 2{rng.randint(0, 9)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        if country == "GH"
        else f"+48 {rng.randint(500, 799)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
    )
    return case_services.person_create(
        actor=actor,
        office=office,
        given_name=given,
        family_name=family,
        sex=sex,
        date_of_birth=dob,
        date_of_birth_estimated=rng.random() < 0.2,
        phone=phone if rng.random() < 0.8 else "",
        address=rng.choice(texts_for(office)["places"]),
        disability=category_code == "disability",
    )


def _task(case, node):
    return next(t for t in case_open_tasks(case) if t.flow_task.name == node)


@dataclass
class _Replay:
    """One demo case being driven through the real services at past times."""

    case: Case
    rng: random.Random
    supervisor: User
    caseworker: User
    clock: list
    providers: tuple | list
    texts: dict

    def step(self):
        """The next moment of the case's history: a few days after the last one."""
        self.clock.append(
            self.clock[-1]
            + datetime.timedelta(days=self.rng.randint(1, 4), hours=self.rng.randint(0, 8))
        )
        return time_machine.travel(self.clock[-1], tick=False)

    def task(self, node: str):
        return _task(self.case, node)

    def decide(self, node: str, *, approve: bool = True, comment: str = "") -> None:
        with self.step():
            approval_decide(
                approval=self.task(node).approval,
                actor=self.supervisor,
                approve=approve,
                comment=comment,
            )


def _allocated(r: _Replay) -> None:
    with r.step():
        work_services.case_allocate(
            task=r.task("allocate"), actor=r.supervisor, caseworker=r.caseworker
        )


def _intake_done(r: _Replay) -> None:
    with r.step():
        work_services.intake_complete(
            task=r.task("intake"),
            actor=r.caseworker,
            source=r.case.intake.source,
            presenting_concerns=r.case.intake.presenting_concerns,
            immediate_safety=r.rng.choice(["safe", "at_risk", "immediate_danger"]),
            consent_to_share=r.rng.random() < 0.9,
        )


def _assessment_submitted(r: _Replay) -> None:
    with r.step():
        work_services.assessment_submit(
            task=r.task("assess"),
            actor=r.caseworker,
            needs={
                d: r.rng.choice(["none", "low", "medium", "high"])
                for d in ("safety", "health", "education", "shelter", "income", "psychosocial")
            },
            strengths=r.rng.choice(r.texts["strengths"]),
            risk_decided=r.case.risk,
        )


def _assessment_approved(r: _Replay) -> None:
    if r.rng.random() < 0.15:  # some come back once for revision
        r.decide("approve_assessment", approve=False, comment=r.texts["return_comment"])
        with r.step():
            work_services.assessment_submit(
                task=r.task("assess"),
                actor=r.caseworker,
                needs={"safety": "medium"},
                strengths=r.texts["strengths_revised"],
                risk_decided=r.case.risk,
            )
    r.decide("approve_assessment")


def _plan_submitted(r: _Replay) -> None:
    with r.step():
        work_services.plan_submit(
            task=r.task("plan"),
            actor=r.caseworker,
            goals=list(r.texts["goals"]),
            actions=[
                {
                    "description": r.texts["action"],
                    "responsible": str(r.caseworker),
                    "target_date": (r.clock[-1] + datetime.timedelta(days=30)).date(),
                }
            ],
            no_referral_needed=r.rng.random() < 0.2,
        )


def _referrals_arranged(r: _Replay) -> None:
    with r.step():
        referral_services.referrals_arrange(
            task=r.task("arrange_referrals"),
            actor=r.caseworker,
            referrals=[demo_referral(r.rng, r.providers, r.texts)],
        )


def _followed_up(r: _Replay, *, note="follow_up_note", next_step="continue", mode=None):
    with r.step():
        work_services.follow_up_record(
            task=r.task("follow_up"),
            actor=r.caseworker,
            date=r.clock[-1].date(),
            mode=mode or r.rng.choice(["visit", "phone", "office"]),
            notes=r.texts[note],
            next_step=next_step,
        )


def _closure_proposed(r: _Replay) -> None:
    _followed_up(r, note="closing_note", next_step="close", mode="visit")
    with r.step():
        work_services.closure_prepare(
            task=r.task("prepare_closure"),
            actor=r.caseworker,
            reason="goals_met",
            summary=r.texts["closure_summary"],
        )


# What happens to reach each stage of the demo's history, in order.
_HISTORY = (
    ("intake", _allocated),
    ("assessment", _intake_done),
    ("assessment_submitted", _assessment_submitted),
    ("planning", _assessment_approved),
    ("plan_submitted", _plan_submitted),
    ("referral", lambda r: r.decide("approve_plan")),
    ("follow_up", _referrals_arranged),
    ("follow_up_more", _followed_up),
    ("closing", _closure_proposed),
    ("closed", lambda r: r.decide("approve_closure")),
)


def drive(case, target, *, rng, supervisor, caseworker, clock, providers=(), texts=None):
    """Advance `case` step by step until `target`, moving the clock a few days each step.

    What people write is in the office's language (`texts`); referrals go to the office's
    providers from the directory, mostly to those that answer in the app.
    """
    replay = _Replay(case, rng, supervisor, caseworker, clock, providers, texts or TEXTS["en"])
    order = STEPS.index(target)
    for stage, happen in _HISTORY:
        if order >= STEPS.index(stage):
            happen(replay)
