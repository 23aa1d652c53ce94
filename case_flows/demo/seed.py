"""Demo cases: about 200 per demo office over every stage and risk level, driven through the
real services at realistic past times, with invented names plausible for each country.

Deterministic (seeded by office code) and idempotent: it only tops an office up to the target.
"""

import datetime
import random
import time

import time_machine
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Office, Role, User
from notifications.models import Notification
from notifications.outbox import history_replay
from workflows.sla.seed import seed_sla_policies

from ..cases import services as case_services
from ..models import Case, Category, ServiceProvider
from ..monitoring.history import dashboard_months_summarise, dashboard_summaries_clear
from .households import seed_households
from .names import texts_for
from .providers import seed_providers
from .replay import CATEGORY_WEIGHTS, STAGE_WEIGHTS, STEPS, demo_person, drive

# Seconds the loader pauses after each case on SQLite (_let_others_write).
DEMO_SQLITE_PAUSE_SECONDS = 0.1


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
            person = demo_person(rng, office, code, caseworker)
            case = case_services.case_open(
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
            drive(
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
        _let_others_write()
    return created


def _let_others_write() -> None:
    """On the embedded SQLite (one writer at a time) a loader that takes the write lock again
    at once starves the web server's sign-ins and the worker's sweep (seen: 20-30 s sign-ins,
    some refused, while the demo loaded). A short pause after each case lets them in."""
    if connection.vendor == "sqlite":
        time.sleep(DEMO_SQLITE_PAUSE_SECONDS)


def seed_cases() -> str:
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
        dashboard_summaries_clear()
        results.append(f"{dashboard_months_summarise()} dashboard months summed")
    # After the cases (and on a demo loaded before households existed): a few households
    # with incomes, so the case page's comparison with the criterion shows.
    results.append(seed_households())
    return "; ".join(results)
