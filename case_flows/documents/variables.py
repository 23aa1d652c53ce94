"""What a document template is given: plain data (dicts, lists, strings) read from the case in
a fixed number of queries, with labels and dates in the document's language. Never a model
instance: the sandbox (sandbox.py) freezes it, and nothing in it can reach the database.

`VARIABLES` documents every variable (shown next to the editor, and in docs/documents.md);
`sample_variables` is the made-up case a preview uses when no real case is chosen.
"""

from __future__ import annotations

import base64
import datetime

from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from ..casetypes.selectors import needs_shown
from ..formdefs.runtime import flat_answers
from ..models import (
    Case,
    ClosureReason,
    OfficeLetterhead,
    Referral,
    ReferralStatus,
    Risk,
    Stage,
    Urgency,
)
from ..models.attachments import attachments_storage

# (name, what it holds): the list shown next to the editor.
VARIABLES: list[tuple[str, object]] = [
    ("today", _("Today's date, long form (12 March 2026 / 12 marca 2026)")),
    ("today_short", _("Today's date, short form")),
    ("free_text", _("The text typed when the document is generated (e.g. a notice's message)")),
    ("office.name, office.code", _("The office")),
    ("letterhead.name, letterhead.address_lines", _("The letterhead (shown on every page)")),
    ("case.reference", _("The case reference")),
    ("case.category", _("The case category")),
    ("case.stage", _("The stage, as a label")),
    ("case.risk", _("The risk level, as a label")),
    ("case.opened, case.closed, case.stage_since", _("Dates of the case (empty when none)")),
    ("case.episode, case.restricted", _("Episode number; whether the case is restricted")),
    ("client.name, client.given_name, client.family_name", _("The client's name")),
    ("client.date_of_birth, client.age, client.sex", _("Date of birth, age and sex")),
    ("client.address, client.phone", _("Address and phone")),
    (
        "client.identifiers",
        _("A list of identifiers: {% for i in client.identifiers %}{{ i.kind }}: {{ i.value }}"),
    ),
    ("caseworker.name, caseworker.email, caseworker.phone", _("The allocated caseworker")),
    ("author.name", _("Whoever generates the document")),
    ("intake.concerns, intake.source, intake.date", _("The intake")),
    (
        "assessment.date, assessment.risk, assessment.strengths, assessment.needs_notes",
        _("The latest assessment of the episode"),
    ),
    ("assessment.needs", _("A list: {{ need.domain }}, {{ need.level }}")),
    ("plan.date, plan.summary", _("The latest case plan")),
    (
        "plan.goals, plan.actions",
        _(
            "Lists: {{ goal.description }}; {{ action.description }},"
            " {{ action.responsible }}, {{ action.target_date }}"
        ),
    ),
    ("closure.date, closure.reason, closure.summary", _("The closure, when the case is closing")),
    (
        "referrals",
        _(
            "A list of the episode's referrals: service, provider, provider_address, urgency,"
            " status, date, notes"
        ),
    ),
    ("referral", _("The referral chosen when generating (else the latest), same fields")),
    (
        "answers.<stage>.<key>",
        _("The configured forms' answers: stage intake, assessment, plan, closure; the field key"),
    ),
]


# A letter's date spelled out (the short form is the site's own, config/formats).
LETTER_DATE_FORMATS = {"en": "j F Y", "pl": "j E Y"}


def _long(value) -> str:
    """'12 March 2026' / '12 marca 2026' (E: the month in the genitive)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    language = (translation.get_language() or "en")[:2]
    return formats.date_format(value, LETTER_DATE_FORMATS.get(language, "j F Y"))


def _short(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _label(choices, value) -> str:
    return str(dict(choices).get(value, value or ""))


def _user(user) -> dict:
    if user is None:
        return {"name": "", "email": "", "phone": ""}
    return {"name": str(user), "email": user.email or "", "phone": user.phone or ""}


def letterhead_variables(letterhead: OfficeLetterhead | None, office) -> dict:
    """The letterhead as plain data; the logo inlined as a data: URL (the fetcher reads
    nothing else, and the stored logo has no public address)."""
    if letterhead is None:
        return {"name": office.name if office else "", "address_lines": [], "logo": ""}
    logo = ""
    if letterhead.logo and letterhead.logo_content_type:
        with attachments_storage().open(letterhead.logo.name, "rb") as stored:
            encoded = base64.b64encode(stored.read()).decode("ascii")
        logo = f"data:{letterhead.logo_content_type};base64,{encoded}"
    return {"name": letterhead.name, "address_lines": letterhead.address_lines, "logo": logo}


def _referral(referral: Referral) -> dict:
    provider = referral.provider
    return {
        "service": referral.service_type,
        "provider": referral.provider_name,
        "provider_address": (provider.address if provider else "") or "",
        "provider_contact": (provider.contact_name if provider else "") or "",
        "urgency": _label(Urgency.choices, referral.urgency),
        "status": _label(ReferralStatus.choices, referral.status),
        "date": _long(referral.created_at),
        "notes": referral.notes,
        "consent": referral.consent_recorded,
    }


def _answers(record) -> dict:
    if record is None or not getattr(record, "answers", None):
        return {}
    return flat_answers(record.form_version, record.answers)


def _client(person) -> dict:
    identifiers = []
    if person.national_id:
        kind = person.national_id_kind
        identifiers.append(
            {"kind": str(kind) if kind else str(_("ID")), "value": person.national_id}
        )
    return {
        "name": str(person),
        "given_name": person.given_name,
        "family_name": person.family_name,
        "date_of_birth": _long(person.date_of_birth),
        "age": "" if person.age is None else str(person.age),
        "sex": person.get_sex_display(),
        "address": person.address,
        "phone": person.phone,
        "identifiers": identifiers,
    }


def _records(case: Case, records: dict) -> dict:
    intake, assessment = records.get("intake"), records.get("assessment")
    plan, closure = records.get("plan"), records.get("closure")
    return {
        "intake": {
            "concerns": intake.presenting_concerns,
            "source": intake.get_source_display(),
            "date": _long(intake.completed_at or case.opened_at),
        }
        if intake
        else {},
        "assessment": {
            "date": _long(assessment.created_at),
            "risk": _label(Risk.choices, assessment.risk_decided),
            "strengths": assessment.strengths,
            "needs_notes": assessment.needs_notes,
            "needs": [
                {"domain": str(label), "level": str(level)}
                for label, _code, level in needs_shown(assessment.needs)
            ],
        }
        if assessment
        else {},
        "plan": {
            "date": _long(plan.created_at),
            "summary": plan.summary,
            "goals": [{"description": g.description} for g in plan.goals.all()],
            "actions": [
                {
                    "description": a.description,
                    "responsible": a.responsible,
                    "target_date": _long(a.target_date),
                }
                for a in plan.actions.all()
            ],
        }
        if plan
        else {},
        "closure": {
            "date": _long(closure.created_at),
            "reason": _label(ClosureReason.choices, closure.reason),
            "summary": closure.summary,
        }
        if closure
        else {},
        "answers": {
            "intake": _answers(intake),
            "assessment": _answers(assessment),
            "plan": _answers(plan),
            "closure": _answers(closure),
        },
    }


def case_variables(
    case: Case,
    *,
    language: str,
    author=None,
    free_text: str = "",
    referral_id: int | None = None,
) -> dict:
    """Every variable of a document about `case`, in `language` (labels, dates)."""
    from ..cases import selectors as case_selectors

    with translation.override(language):
        case = (
            Case.objects.select_related(
                "person__national_id_kind", "office__letterhead", "owner", "category", "intake"
            )
            .filter(pk=case.pk)
            .get()
        )
        records = {
            "intake": getattr(case, "intake", None),
            "assessment": case_selectors.latest_assessment(case),
            "plan": case_selectors.latest_plan(case),
            "closure": case_selectors.latest_closure(case),
        }
        referrals = list(
            Referral.objects.filter(case=case, episode=case.episode)
            .select_related("provider")
            .order_by("created_at", "pk")
        )
        chosen = next((r for r in referrals if r.pk == referral_id), None)
        if chosen is None and referrals:
            chosen = referrals[-1]
        office = case.office
        letterhead = getattr(office, "letterhead", None)
        today = timezone.localdate()
        return {
            "today": _long(today),
            "today_short": _short(today),
            "free_text": free_text or "",
            "office": {"name": office.name, "code": office.code},
            "letterhead": letterhead_variables(letterhead, office),
            "case": {
                "reference": case.reference,
                "category": str(case.category),
                "stage": _label(Stage.choices, case.stage),
                "risk": _label(Risk.choices, case.risk),
                "opened": _long(case.opened_at),
                "closed": _long(case.closed_at),
                "stage_since": _long(case.stage_entered_at),
                "episode": case.episode,
                "restricted": case.is_restricted,
            },
            "client": _client(case.person),
            "caseworker": _user(case.owner),
            "author": _user(author),
            "referrals": [_referral(r) for r in referrals],
            "referral": _referral(chosen) if chosen else {},
            **_records(case, records),
        }


def sample_variables(*, office, language: str, author=None, free_text: str = "") -> dict:
    """A made-up case for the preview (no real person's data on an administrator's screen)."""
    with translation.override(language):
        today = timezone.localdate()
        opened = today - datetime.timedelta(days=40)
        letterhead = OfficeLetterhead.objects.filter(office=office).first() if office else None
        referral = {
            "service": str(_("Debt advice")),
            "provider": "Centrum Wsparcia Rodziny",
            "provider_address": "ul. Ogrodowa 5, 96-500 Sochaczew",
            "provider_contact": "Anna Nowak",
            "urgency": _label(Urgency.choices, Urgency.ROUTINE),
            "status": _label(ReferralStatus.choices, ReferralStatus.SENT),
            "date": _long(today - datetime.timedelta(days=3)),
            "notes": str(_("Rent arrears of three months.")),
            "consent": True,
        }
        return {
            "today": _long(today),
            "today_short": _short(today),
            "free_text": free_text or str(_("Your appointment is on Monday at 10:00, room 12.")),
            "office": {
                "name": office.name if office else "",
                "code": office.code if office else "",
            },
            "letterhead": letterhead_variables(letterhead, office),
            "case": {
                "reference": f"{office.code if office else 'DEMO'}-{today.year}-000123",
                "category": str(_("Family support")),
                "stage": _label(Stage.choices, Stage.PLANNING),
                "risk": _label(Risk.choices, Risk.MEDIUM),
                "opened": _long(opened),
                "closed": "",
                "stage_since": _long(today - datetime.timedelta(days=5)),
                "episode": 1,
                "restricted": False,
            },
            "client": {
                "name": "Zofia Łącka-Żółkiewska",
                "given_name": "Zofia",
                "family_name": "Łącka-Żółkiewska",
                "date_of_birth": _long(datetime.date(1987, 4, 9)),
                "age": str(today.year - 1987),
                "sex": str(_("Female")),
                "address": "ul. Źródlana 3 m. 4, 96-500 Sochaczew",
                "phone": "+48 600 100 200",
                "identifiers": [{"kind": "PESEL", "value": "87040912345"}],
            },
            "caseworker": {
                "name": "Maria Kowalska",
                "email": "m.kowalska@example.org",
                "phone": "",
            },
            "author": _user(author),
            "referrals": [referral],
            "referral": referral,
            "intake": {
                "concerns": str(_("Rent arrears; the family may lose its flat.")),
                "source": str(_("Self-referral")),
                "date": _long(opened),
            },
            "assessment": {
                "date": _long(today - datetime.timedelta(days=20)),
                "risk": _label(Risk.choices, Risk.MEDIUM),
                "strengths": str(_("Supportive grandmother nearby; the mother works part time.")),
                "needs_notes": "",
                "needs": [{"domain": str(_("Housing")), "level": str(_("High"))}],
            },
            "plan": {
                "date": _long(today - datetime.timedelta(days=5)),
                "summary": str(_("Keep the flat: a repayment plan and debt advice.")),
                "goals": [{"description": str(_("Agree a repayment plan with the landlord"))}],
                "actions": [
                    {
                        "description": str(_("Meet the debt adviser")),
                        "responsible": "Zofia Łącka-Żółkiewska",
                        "target_date": _long(today + datetime.timedelta(days=14)),
                    }
                ],
            },
            "closure": {},
            "answers": {"intake": {}, "assessment": {}, "plan": {}, "closure": {}},
        }
