"""Demo cases: about 200 per demo office over every stage and risk level, driven through the
real services at realistic past times, with invented names plausible for each country.

Deterministic (seeded by office code) and idempotent: it only tops an office up to the target.
"""

import datetime
import random
from dataclasses import dataclass

import time_machine
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Office, Role, User
from notifications.models import Notification
from notifications.outbox import history_replay
from workflows.approvals.services import approval_decide

from . import services
from .models import Case, Category

NAMES = {
    "GH": {
        "female": [
            "Ama",
            "Akosua",
            "Abena",
            "Akua",
            "Yaa",
            "Afua",
            "Efua",
            "Adwoa",
            "Esi",
            "Serwaa",
        ],
        "male": [
            "Kwame",
            "Kofi",
            "Kwabena",
            "Kwaku",
            "Yaw",
            "Kojo",
            "Kwasi",
            "Fiifi",
            "Nana",
            "Yeboah",
        ],
        "family": [
            "Mensah",
            "Owusu",
            "Asante",
            "Boateng",
            "Osei",
            "Appiah",
            "Agyeman",
            "Ofori",
            "Darko",
            "Acheampong",
            "Frimpong",
            "Amoah",
            "Danquah",
            "Sarpong",
            "Bonsu",
        ],
    },
    "PL": {
        "female": [
            "Anna",
            "Zofia",
            "Małgorzata",
            "Agnieszka",
            "Katarzyna",
            "Barbara",
            "Ewa",
            "Joanna",
            "Jadwiga",
            "Łucja",
        ],
        "male": [
            "Jan",
            "Łukasz",
            "Krzysztof",
            "Paweł",
            "Tomasz",
            "Piotr",
            "Stanisław",
            "Józef",
            "Wojciech",
            "Grzegorz",
        ],
        # (masculine, feminine)
        "family": [
            ("Nowak", "Nowak"),
            ("Kowalski", "Kowalska"),
            ("Wiśniewski", "Wiśniewska"),
            ("Wójcik", "Wójcik"),
            ("Kowalczyk", "Kowalczyk"),
            ("Kamiński", "Kamińska"),
            ("Lewandowski", "Lewandowska"),
            ("Zieliński", "Zielińska"),
            ("Szymański", "Szymańska"),
            ("Woźniak", "Woźniak"),
            ("Dąbrowski", "Dąbrowska"),
            ("Żółkiewski", "Żółkiewska"),
            ("Jabłoński", "Jabłońska"),
            ("Król", "Król"),
        ],
    },
}
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
# What the demo's caseworkers and supervisors write, in each office's language.
TEXTS = {
    "en": {
        "concerns": {
            "child_protection": "Child out of school and often left alone; neighbours worried.",
            "gbv": "Woman reports repeated violence by her partner and needs safe shelter.",
            "domestic_violence": "Blue Card procedure opened by the police after a call-out.",
            "older_people": "Older person living alone, unable to manage daily tasks.",
            "disability": "Young adult with a disability needs support to access services.",
            "poverty": "Household without income after job loss; children's needs unmet.",
        },
        "strengths": [
            "Supportive extended family",
            "Engaged with the school",
            "Church community helps",
            "Motivated to change",
        ],
        "strengths_revised": "Supportive extended family; school engaged",
        "return_comment": "Please add the school's and the family's views.",
        "goals": ["Safe and stable at home", "Access to the services needed"],
        "action": "Home visit with the family",
        "follow_up_note": "Family engaging with the plan.",
        "closing_note": "Goals met; family stable.",
        "closure_summary": "Goals of the plan were met.",
        "services": ["Health", "Education", "Legal aid", "Shelter"],
        "providers": [
            "District Hospital",
            "Legal Aid Office",
            "Municipal school",
            "Women's shelter",
        ],
        "places": ["Bekwai", "Anwiankwanta", "Esaase", "Kokofu"],
    },
    "pl": {
        "concerns": {
            "child_protection": "Dziecko nie chodzi do szkoły i często zostaje samo w domu; "
            "sąsiedzi są zaniepokojeni.",
            "gbv": "Kobieta zgłasza powtarzającą się przemoc ze strony partnera i potrzebuje "
            "bezpiecznego schronienia.",
            "domestic_violence": "Procedura Niebieskiej Karty wszczęta przez policję po "
            "interwencji.",
            "older_people": "Osoba starsza mieszka sama i nie radzi sobie z codziennymi "
            "czynnościami.",
            "disability": "Młoda osoba z niepełnosprawnością potrzebuje wsparcia w dostępie "
            "do usług.",
            "poverty": "Rodzina bez dochodu po utracie pracy; potrzeby dzieci nie są zaspokojone.",
        },
        "strengths": [
            "Wsparcie dalszej rodziny",
            "Dobra współpraca ze szkołą",
            "Pomoc ze strony parafii",
            "Motywacja do zmiany",
        ],
        "strengths_revised": "Wsparcie dalszej rodziny; szkoła zaangażowana",
        "return_comment": "Proszę uzupełnić ocenę o opinię szkoły i rodziny.",
        "goals": ["Bezpieczna i stabilna sytuacja w domu", "Dostęp do potrzebnych usług"],
        "action": "Wizyta w miejscu zamieszkania rodziny",
        "follow_up_note": "Rodzina współpracuje przy realizacji planu.",
        "closing_note": "Cele osiągnięte; sytuacja rodziny jest stabilna.",
        "closure_summary": "Cele planu pomocy zostały osiągnięte.",
        "services": ["Opieka zdrowotna", "Edukacja", "Pomoc prawna", "Schronienie"],
        "providers": [
            "Szpital Powiatowy",
            "Nieodpłatna pomoc prawna",
            "Szkoła Podstawowa nr 1",
            "Ośrodek Interwencji Kryzysowej",
        ],
        "places": ["Sochaczew", "Boryszew", "Chodaków", "Żelazowa Wola"],
    },
}


def texts_for(office: Office) -> dict:
    return TEXTS.get(office.default_language, TEXTS["en"])


def _person(rng, office, category_code, actor):
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
    return services.person_create(
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
    from .selectors import case_open_tasks

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
        services.case_allocate(task=r.task("allocate"), actor=r.supervisor, caseworker=r.caseworker)


def _intake_done(r: _Replay) -> None:
    with r.step():
        services.intake_complete(
            task=r.task("intake"),
            actor=r.caseworker,
            source=r.case.intake.source,
            presenting_concerns=r.case.intake.presenting_concerns,
            immediate_safety=r.rng.choice(["safe", "at_risk", "immediate_danger"]),
            consent_to_share=r.rng.random() < 0.9,
        )


def _assessment_submitted(r: _Replay) -> None:
    with r.step():
        services.assessment_submit(
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
            services.assessment_submit(
                task=r.task("assess"),
                actor=r.caseworker,
                needs={"safety": "medium"},
                strengths=r.texts["strengths_revised"],
                risk_decided=r.case.risk,
            )
    r.decide("approve_assessment")


def _plan_submitted(r: _Replay) -> None:
    with r.step():
        services.plan_submit(
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
        services.referrals_arrange(
            task=r.task("arrange_referrals"),
            actor=r.caseworker,
            referrals=[_demo_referral(r.rng, r.providers, r.texts)],
        )


def _followed_up(r: _Replay, *, note="follow_up_note", next_step="continue", mode=None):
    with r.step():
        services.follow_up_record(
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
        services.closure_prepare(
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


def _drive(case, target, *, rng, supervisor, caseworker, clock, providers=(), texts=None):
    """Advance `case` step by step until `target`, moving the clock a few days each step.

    What people write is in the office's language (`texts`); referrals go to the office's
    providers from the directory, mostly to those that answer in the app.
    """
    replay = _Replay(case, rng, supervisor, caseworker, clock, providers, texts or TEXTS["en"])
    order = STEPS.index(target)
    for stage, happen in _HISTORY:
        if order >= STEPS.index(stage):
            happen(replay)


def _demo_referral(rng, providers, texts=None) -> dict:
    """A referral to one of the office's providers: two in three to a provider that answers
    in the app (so its staff, the `provider` and `dostawca` logins, have work waiting)."""
    texts = texts or TEXTS["en"]
    internal = [p for p in providers if p.is_internal]
    if internal and rng.random() < 2 / 3:
        provider = rng.choice(internal)
    elif providers:
        provider = rng.choice(providers)
    else:
        return {
            "service_type": rng.choice(texts["services"]),
            "provider_name": rng.choice(texts["providers"]),
            "consent_recorded": True,
        }
    return {
        "service_type": rng.choice(provider.service_list() or [provider.name]),
        "provider": provider,
        "consent_recorded": True,
    }


def seed_office_cases(office: Office, target: int | None = None) -> int:
    target = settings.DEMO_CASES_PER_OFFICE if target is None else target
    existing = Case.objects.filter(office=office).count()
    if existing >= target:
        return 0
    team = office.teams.select_related("supervisor").order_by("pk").first()
    if team is None or team.supervisor is None:
        return 0
    supervisor = team.supervisor
    caseworkers = list(
        User.objects.filter(teams=team, groups__name=Role.CASEWORKER).order_by("username")
    )
    if not caseworkers:
        return 0
    country = office.jurisdiction if office.jurisdiction in CATEGORY_WEIGHTS else "GH"
    weights = CATEGORY_WEIGHTS[country]
    categories = {c.code: c for c in Category.objects.filter(code__in=weights)}
    from .models import ServiceProvider

    providers = list(ServiceProvider.objects.filter(office=office, is_active=True).order_by("pk"))
    now = timezone.now()
    created = 0
    for index in range(existing, target):
        rng = random.Random(f"{office.code}-{index}")
        code = rng.choices(list(weights), weights=list(weights.values()))[0]
        target_stage = rng.choices(STEPS, weights=[w for _s, w in STAGE_WEIGHTS])[0]
        risk = rng.choices(["high", "medium", "low"], weights=[2, 5, 3])[0]
        steps = STEPS.index(target_stage) + 2
        start = now - datetime.timedelta(
            days=steps * 3 + rng.randint(0, 45), hours=rng.randint(0, 23)
        )
        clock = [start]
        caseworker = rng.choice(caseworkers)
        with transaction.atomic(), time_machine.travel(start, tick=False):
            person = _person(rng, office, code, caseworker)
            case = services.case_open(
                actor=caseworker,
                person=person,
                office=office,
                category=categories[code],
                risk=risk,
                source=rng.choice(
                    ["walk_in", "hotline", "police", "school", "health", "community"]
                ),
                presenting_concerns=texts_for(office)["concerns"][code],
                team=team,
            )
        with transaction.atomic():
            _drive(
                case,
                target_stage,
                rng=rng,
                supervisor=supervisor,
                caseworker=caseworker,
                clock=clock,
                providers=providers,
                texts=texts_for(office),
            )
        created += 1
    return created


PROVIDERS = {
    "BEK": [
        (
            "Bekwai Municipal Hospital, social work unit",
            "internal",
            "Health\nPsychosocial support",
            "provider",
        ),
        ("Legal Aid Commission, Ashanti office", "external", "Legal aid", None),
        ("Bekwai Municipal Education Directorate", "external", "Education\nSchool re-entry", None),
    ],
    "SOC": [
        (
            "Punkt Interwencji Kryzysowej w Sochaczewie",
            "internal",
            "Wsparcie psychologiczne\nInterwencja kryzysowa",
            "dostawca",
        ),
        ("Powiatowe Centrum Pomocy Rodzinie", "external", "Piecza zastępcza\nPoradnictwo", None),
        ("Nieodpłatna pomoc prawna, Starostwo Powiatowe", "external", "Pomoc prawna", None),
    ],
}


def seed_providers() -> int:
    """A small service-provider directory per demo office; internal ones get a provider login."""
    from accounts.roles import ensure_role_groups

    from .models import ServiceProvider

    created = 0
    groups = ensure_role_groups()
    for office in Office.objects.filter(code__in=PROVIDERS):
        for name, kind, services_offered, username in PROVIDERS[office.code]:
            provider, was_created = ServiceProvider.objects.get_or_create(
                name=name,
                defaults={
                    "kind": kind,
                    "services": services_offered,
                    "office": office,
                    "area": office.name,
                },
            )
            created += was_created
            if username:
                user, new_user = User.objects.get_or_create(
                    username=username,
                    defaults={
                        "first_name": name.split(",")[0][:30],
                        "home_office": office,
                        "preferred_language": office.default_language,
                    },
                )
                if new_user:
                    user.set_password(settings.DEMO_PASSWORD)
                    user.save(update_fields=["password"])
                user.groups.add(groups[Role.PROVIDER])
                provider.members.add(user)
    return created


def seed_cases() -> str:
    from workflows.sla.seed import seed_sla_policies

    seed_sla_policies()  # deadlines first, so the demo cases' clocks start with them
    results = [f"{seed_providers()} service providers created"]
    created = 0
    started = timezone.now()
    last_before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for office in Office.objects.filter(code__in=["BEK", "SOC"]).order_by("code"):
        with history_replay():  # the past's notifications are on record, not e-mailed now
            count = seed_office_cases(office)
        created += count
        results.append(f"{office.code}: {count} cases created")
    if created:
        # What the demo's past told its people (assigned, approved, ...) was read back then:
        # only what is true now (the deadlines the sweep finds missed) stays unread.
        Notification.objects.filter(
            pk__gt=last_before, created_at__lt=started, read_at__isnull=True
        ).update(read_at=F("created_at"))
        # The demo cases were written at past times: sums of past months made before (by
        # beat, while they loaded) would miss them. Redo the sums.
        from .monitoring.history import dashboard_months_summarise, dashboard_summaries_clear

        dashboard_summaries_clear()
        results.append(f"{dashboard_months_summarise()} dashboard months summed")
    return "; ".join(results)
