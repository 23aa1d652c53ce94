"""Synthetic national dataset for the performance harness, written in bulk with COPY.

    python -m bench.generate --cases 1000000

300 offices (Ghana and Poland, with regions), about 10,000 staff in teams of 8-12 with a
supervisor, and N cases over stages, risks and categories in realistic proportions (about
15% open), each with its person, intake, viewflow process and tasks (one open human task per
open case at the node of its stage, a few DONE history tasks), SLA clocks for open tasks
(some breached), a short timeline and notifications.

Rows are written table by table with PostgreSQL COPY (psycopg 3), in batches of cases, ids
assigned here; secondary indexes are dropped for the load and rebuilt after, sequences are
moved past the generated ids, and the tables are analysed. The services are bypassed on
purpose (they run at ~100 cases/s); what the app reads is checked by tests/bench.

Runs against the bench database (BENCH_DATABASE_URL, default caseflow_bench_data): it
TRUNCATEs the app's tables there. Skips when that database already holds the same scale
(unless --force).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import uuid
from datetime import UTC, datetime

FLOW = "case_flows/flows.CaseFlow"
WORK = "case_flows.work_case"
ALLOCATE = "case_flows.allocate_case"
APPROVE = "case_flows.approve_case"

# The human nodes of CaseFlow in the order a case meets them, with the permission of each.
PATH = [
    ("allocate", ALLOCATE),
    ("intake", WORK),
    ("assess", WORK),
    ("approve_assessment", APPROVE),
    ("plan", WORK),
    ("approve_plan", APPROVE),
    ("arrange_referrals", WORK),
    ("follow_up", WORK),
    ("prepare_closure", WORK),
    ("approve_closure", APPROVE),
]
NODE_INDEX = {name: i for i, (name, _perm) in enumerate(PATH)}
PERMISSION = dict(PATH)
TITLES = {
    "allocate": "Allocate case",
    "intake": "Complete intake",
    "assess": "Assess",
    "approve_assessment": "Approve assessment",
    "plan": "Write the case plan",
    "approve_plan": "Approve case plan",
    "arrange_referrals": "Arrange referrals and services",
    "follow_up": "Follow up",
    "prepare_closure": "Prepare closure",
    "approve_closure": "Approve closure",
}
STAGE_OF_NODE = {
    "allocate": "intake",
    "intake": "intake",
    "assess": "assessment",
    "approve_assessment": "assessment",
    "plan": "planning",
    "approve_plan": "planning",
    "arrange_referrals": "referral",
    "follow_up": "follow_up",
    "prepare_closure": "follow_up",
    "approve_closure": "closing",
}
# Transitions leading into each stage (from, to, transition name), for the timeline.
INTO_STAGE = {
    "assessment": ("intake", "assessment", "complete_intake"),
    "planning": ("assessment", "planning", "approve_assessment"),
    "referral": ("planning", "referral", "approve_plan"),
    "follow_up": ("referral", "follow_up", "complete_referrals"),
    "closing": ("follow_up", "closing", "propose_closure"),
    "closed": ("closing", "closed", "approve_closure"),
}
STAGE_ORDER = ["intake", "assessment", "planning", "referral", "follow_up", "closing", "closed"]

OPEN_SHARE = 0.15
# Where open cases wait (node, weight): most are with caseworkers, some wait for a supervisor.
OPEN_NODES = [
    ("allocate", 6),
    ("intake", 6),
    ("assess", 19),
    ("approve_assessment", 6),
    ("plan", 11),
    ("approve_plan", 4),
    ("arrange_referrals", 10),
    ("follow_up", 31),
    ("prepare_closure", 2),
    ("approve_closure", 5),
]
RISKS = [("high", 15), ("medium", 45), ("low", 40)]
CATEGORY_WEIGHTS = {
    "child_protection": 30,
    "gbv": 10,
    "domestic_violence": 15,
    "older_people": 12,
    "disability": 10,
    "poverty": 23,
}
UNCLAIMED_SHARE = 0.08  # caseworker tasks released back to the team queue
BREACHED_SHARE = 0.12  # open-task deadlines already missed
LATE_SHARE = 0.18  # finished tasks and stages whose deadline had passed when they were done

GH_REGIONS = [
    "Greater Accra",
    "Ashanti",
    "Western",
    "Western North",
    "Central",
    "Eastern",
    "Volta",
    "Oti",
    "Northern",
    "Savannah",
    "North East",
    "Upper East",
    "Upper West",
    "Bono",
    "Bono East",
    "Ahafo",
]
PL_REGIONS = [
    "dolnośląskie",
    "kujawsko-pomorskie",
    "lubelskie",
    "lubuskie",
    "łódzkie",
    "małopolskie",
    "mazowieckie",
    "opolskie",
    "podkarpackie",
    "podlaskie",
    "pomorskie",
    "śląskie",
    "świętokrzyskie",
    "warmińsko-mazurskie",
    "wielkopolskie",
    "zachodniopomorskie",
]
NAMES = {
    "GH": (
        ["Ama", "Akosua", "Abena", "Akua", "Yaa", "Afua", "Efua", "Adwoa", "Esi", "Serwaa"],
        ["Kwame", "Kofi", "Kwabena", "Kwaku", "Yaw", "Kojo", "Kwasi", "Fiifi", "Nana", "Yeboah"],
        ["Mensah", "Owusu", "Asante", "Boateng", "Osei", "Appiah", "Agyeman", "Ofori", "Darko"],
    ),
    "PL": (
        ["Anna", "Zofia", "Małgorzata", "Agnieszka", "Katarzyna", "Barbara", "Ewa", "Łucja"],
        ["Jan", "Łukasz", "Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Michał"],
        ["Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Żółkiewski"],
    ),
}
CONCERNS = [
    "Child out of school and working at the market.",
    "Neighbour reports repeated shouting and a child left alone at night.",
    "Elderly person living alone without regular meals.",
    "Family evicted, staying with relatives in one room.",
    "Teacher reports bruises and withdrawal.",
    "Caregiver lost income; rent arrears of three months.",
]
SOURCES = ["walk_in", "hotline", "police", "school", "health", "community"]
BIG_TABLES = [
    "case_flows_person",
    "case_flows_case",
    "case_flows_intake",
    "viewflow_process",
    "case_flows_caseprocess",
    "viewflow_task",
    "viewflow_task_previous",
    "case_flows_caseevent",
    "workflows_slaclock",
    "notifications_notification",
]
# Truncated before a run (CASCADE reaches everything that references them).
TRUNCATE = [
    "accounts_region",
    "accounts_office",
    "accounts_user",
    "accounts_team",
    "case_flows_person",
    "viewflow_process",
    "viewflow_task",
    # the dashboard's monthly sums describe the data being replaced
    "case_flows_dashboardmonth",
]
META_TABLE = "bench_meta"


def _ts(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def _copy(cursor, table: str, columns: str, lines: list[str]) -> None:
    if not lines:
        return
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for start in range(0, len(lines), 20000):
            copy.write("".join(lines[start : start + 20000]))


def _weights(rng: random.Random, n: int, sigma: float) -> list[float]:
    return [rng.lognormvariate(0, sigma) for _ in range(n)]


class Generator:
    def __init__(
        self, *, cases: int, offices: int, staff: int, seed: int, batch: int, workers: int = 1
    ):
        self.cases = cases
        self.workers = workers
        self.office_count = offices
        self.staff = staff
        self.seed = seed
        self.batch = batch
        self.rng = random.Random(seed)
        self.now = time.time()
        self.counts: dict[str, int] = {}
        self.timings: dict[str, float] = {}

    # --- setup -------------------------------------------------------------------------
    def _reference_data(self) -> None:
        from django.contrib.auth.models import Group
        from django.contrib.contenttypes.models import ContentType

        from accounts.roles import ensure_role_groups
        from case_flows.models import Case, Category
        from workflows.sla.models import SlaPolicy
        from workflows.sla.seed import seed_sla_policies

        ensure_role_groups()
        seed_sla_policies()
        self.groups = dict(Group.objects.values_list("name", "id"))
        self.case_ct = ContentType.objects.get_for_model(Case).pk
        categories = dict(Category.objects.filter(is_active=True).values_list("code", "id"))
        self.categories = [(code, categories[code]) for code in categories]
        self.category_weights = [CATEGORY_WEIGHTS.get(code, 5) for code, _id in self.categories]
        policies = {}
        for pk, kind, node, jurisdiction in (
            SlaPolicy.objects.filter(is_current=True)
            .order_by("order", "pk")
            .values_list("pk", "kind", "node_name", "jurisdiction")
        ):
            policies.setdefault((kind, node, jurisdiction), pk)
            policies.setdefault((kind, node, ""), pk)
            policies.setdefault((kind, "", ""), pk)
            policies.setdefault(("*", "", ""), pk)
        self.policies = policies

    def _policy(self, kind: str, node: str, jurisdiction: str) -> int:
        p = self.policies
        return (
            p.get((kind, node, jurisdiction))
            or p.get((kind, node, ""))
            or p.get((kind, "", ""))
            or p[("*", "", "")]
        )

    # --- organisation ------------------------------------------------------------------
    def _organisation(self, cur) -> None:
        rng = self.rng
        regions, offices = [], []
        rid = 0
        for jurisdiction, names in (("GH", GH_REGIONS), ("PL", PL_REGIONS)):
            for name in names:
                rid += 1
                regions.append(f"{rid}\t{name}\t{jurisdiction}\t\\N\n")
        _copy(cur, "accounts_region", "id, name, jurisdiction, parent_id", regions)
        gh_count = round(self.office_count * 0.6)
        self.office_info = {}  # id -> (code, jurisdiction)
        weights = _weights(rng, self.office_count, 0.7)
        for i in range(self.office_count):
            oid = i + 1
            if i < gh_count:
                jurisdiction, tz, lang, region = "GH", "Africa/Accra", "en", 1 + i % 16
                code, name = f"G{oid:03d}", f"District Social Welfare Office {oid}"
            else:
                jurisdiction, tz, lang, region = "PL", "Europe/Warsaw", "pl", 17 + i % 16
                code, name = f"P{oid:03d}", f"Ośrodek Pomocy Społecznej {oid}"
            self.office_info[oid] = (code, jurisdiction)
            offices.append(f"{oid}\t{name}\t{code}\t{jurisdiction}\t{tz}\t{lang}\tt\t{region}\n")
        _copy(
            cur,
            "accounts_office",
            "id, name, code, jurisdiction, timezone, default_language, is_active, region_id",
            offices,
        )
        self.office_ids = list(range(1, self.office_count + 1))
        total = sum(weights)
        self.office_cum = []
        acc = 0.0
        for w in weights:
            acc += w / total
            self.office_cum.append(acc)

        users, user_groups, teams, members = [], [], [], []
        uid = ugid = tid = mid = 0
        joined = _ts(self.now - 400 * 86400)
        g = self.groups
        self.teams_by_office: dict[int, list[int]] = {}
        self.team_workers: dict[int, tuple[list[int], list[float]]] = {}
        self.team_supervisor: dict[int, int] = {}
        self.office_staff: dict[int, list[int]] = {}
        self.roles: dict[int, str] = {}
        self.national_managers: list[int] = []

        def user(office: int, role: str, national: bool = False) -> int:
            nonlocal uid, ugid
            uid += 1
            code, jurisdiction = self.office_info[office]
            female, male, family = NAMES[jurisdiction]
            first = rng.choice(female if uid % 2 else male)
            last = rng.choice(family)
            lang = "pl" if jurisdiction == "PL" else "en"
            users.append(
                f"{uid}\t!\t\\N\tf\t{role[:3]}{uid}\t{first}\t{last}\t{role[:3]}{uid}@example.org"
                f"\tf\tt\t{joined}\t{lang}\t{'t' if national else 'f'}\t\t{office}\n"
            )
            ugid += 1
            user_groups.append(f"{ugid}\t{uid}\t{g[role]}\n")
            self.roles[uid] = role
            return uid

        staff_weights = [
            c - p for c, p in zip(self.office_cum, [0.0, *self.office_cum[:-1]], strict=True)
        ]
        for oid, share in zip(self.office_ids, staff_weights, strict=True):
            staff = max(11, round(self.staff * share))
            team_count = max(1, round((staff - 1) / 11))
            self.office_staff[oid] = [user(oid, "manager")]
            if team_count >= 4:
                self.office_staff[oid].append(user(oid, "manager"))
            self.teams_by_office[oid] = []
            for n in range(team_count):
                tid += 1
                supervisor = user(oid, "supervisor")
                teams.append(f"{tid}\tTeam {n + 1}\t{oid}\t{supervisor}\n")
                mid += 1
                members.append(f"{mid}\t{tid}\t{supervisor}\n")
                workers = [user(oid, "caseworker") for _ in range(rng.randint(8, 12))]
                for worker in workers:
                    mid += 1
                    members.append(f"{mid}\t{tid}\t{worker}\n")
                # caseloads are uneven: a few caseworkers carry far more than the rest
                self.team_workers[tid] = (workers, _weights(rng, len(workers), 0.9))
                self.team_supervisor[tid] = supervisor
                self.teams_by_office[oid].append(tid)
                self.office_staff[oid] += [supervisor, *workers]
        for _n in range(5):
            self.national_managers.append(user(1, "manager", national=True))
        _copy(
            cur,
            "accounts_user",
            "id, password, last_login, is_superuser, username, first_name, last_name, email, "
            "is_staff, is_active, date_joined, preferred_language, is_national, phone, "
            "home_office_id",
            users,
        )
        _copy(cur, "accounts_user_groups", "id, user_id, group_id", user_groups)
        _copy(cur, "accounts_team", "id, name, office_id, supervisor_id", teams)
        _copy(cur, "accounts_team_members", "id, team_id, user_id", members)
        # case references carry the case id; the services' counters continue after them
        this_year = datetime.now(UTC).year
        counters = [
            f"{n + 1}\t{year}\t{self.cases}\t{oid}\n"
            for n, (oid, year) in enumerate(
                (oid, year)
                for oid in self.office_ids
                for year in range(this_year - 4, this_year + 2)
            )
        ]
        _copy(cur, "case_flows_casereferencecounter", "id, year, last_number, office_id", counters)
        self.counts.update(
            regions=len(regions),
            offices=len(offices),
            users=len(users),
            teams=len(teams),
            caseworkers=sum(1 for r in self.roles.values() if r == "caseworker"),
            supervisors=sum(1 for r in self.roles.values() if r == "supervisor"),
            managers=sum(1 for r in self.roles.values() if r == "manager"),
            national_managers=len(self.national_managers),
        )

    # --- cases -------------------------------------------------------------------------
    # Every case owns a fixed id range in each child table, so batches are independent and
    # can be written by several processes at once (gaps in ids are harmless).
    TASKS_PER_CASE = 5
    EVENTS_PER_CASE = 5
    CLOCKS_PER_CASE = 8  # up to 3 running, up to 2 finished tasks, up to 2 left stages
    TOTALS = (
        "people",
        "cases",
        "open_cases",
        "intakes",
        "processes",
        "tasks",
        "open_tasks",
        "unassigned_open_tasks",
        "task_previous",
        "events",
        "clocks",
        "breached_clocks",
        "met_clocks",
        "notifications",
    )

    def _batch_rows(self, first: int, last: int) -> tuple[dict[str, list[str]], dict[str, int]]:
        """The rows of cases first..last (deterministic for the seed, whoever computes them)."""
        from case_flows.text import fold

        rng = random.Random(f"{self.seed}-{first}")
        now = self.now
        day = 86400.0
        fold_cache = self._fold_cache
        open_nodes = [n for n, _w in OPEN_NODES]
        open_cum = []
        acc = 0
        for _n, w in OPEN_NODES:
            acc += w
            open_cum.append(acc)
        risk_names = [r for r, _w in RISKS]
        risk_weights = [w for _r, w in RISKS]
        category_index = list(range(len(self.categories)))
        totals = dict.fromkeys(self.TOTALS, 0)
        if True:
            size = last - first + 1
            offices = rng.choices(self.office_ids, cum_weights=self.office_cum, k=size)
            risks = rng.choices(risk_names, weights=risk_weights, k=size)
            cats = rng.choices(category_index, weights=self.category_weights, k=size)
            rows = {t: [] for t in BIG_TABLES}
            batch_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            for k in range(size):
                cid = first + k
                task_id = (cid - 1) * self.TASKS_PER_CASE
                event_id = (cid - 1) * self.EVENTS_PER_CASE
                clock_id = (cid - 1) * self.CLOCKS_PER_CASE
                notification_id = previous_id = cid - 1
                oid = offices[k]
                code, jurisdiction = self.office_info[oid]
                team = rng.choice(self.teams_by_office[oid])
                workers, worker_weights = self.team_workers[team]
                owner = rng.choices(workers, weights=worker_weights)[0]
                supervisor = self.team_supervisor[team]
                risk = risks[k]
                cat_code, cat_id = self.categories[cats[k]]
                is_open = rng.random() < OPEN_SHARE
                totals["open_cases"] += is_open
                if is_open:
                    node = open_nodes[
                        _bisect(open_cum, rng.random() * open_cum[-1])
                    ]  # where it waits
                    opened = now - rng.uniform(2, 150) * day
                    stage = STAGE_OF_NODE[node]
                    closed = None
                else:
                    node = None
                    opened = now - rng.uniform(30, 3 * 365) * day
                    closed = min(now - day, opened + rng.uniform(20, 300) * day)
                    stage = "closed"
                unallocated = node == "allocate"
                case_team = "\\N" if unallocated else team
                case_owner = "\\N" if unallocated else owner
                creator = owner
                year = datetime.fromtimestamp(opened, UTC).year
                # the case id keeps references unique without a shared counter
                reference = f"{code}-{year}-{cid:06d}"
                opened_s = _ts(opened)

                # person
                female, male, family = NAMES[jurisdiction]
                sex = "female" if rng.random() < 0.55 else "male"
                given = rng.choice(female if sex == "female" else male)
                family_name = rng.choice(family)
                key = (given, family_name)
                search = fold_cache.get(key)
                if search is None:
                    search = fold_cache[key] = fold(f"{given} {family_name}")
                phone = f"0{rng.randint(200000000, 599999999)}"
                dob = datetime.fromtimestamp(now - rng.uniform(1, 85) * 365 * day, UTC).date()
                rows["case_flows_person"].append(
                    f"{cid}\t{given}\t{family_name}\t{search}\t{sex}\t{dob}\tf\t\t{phone}"
                    f"\t{phone}\tCommunity {cid % 97}\t\tf\t\t{opened_s}\t{creator}\t{oid}\n"
                )

                # finished deadlines: (kind, name, owner, started, stopped, task id)
                finished = []
                # tasks: START, a few DONE human tasks before the current one, the open one
                if is_open:
                    index = NODE_INDEX[node]
                    history = [PATH[i][0] for i in range(max(0, index - 2), index)]
                    if node == "follow_up" and rng.random() < 0.5:
                        history = [*history[-1:], "follow_up"]
                else:
                    history = ["prepare_closure", "approve_closure"]
                span_end = closed if closed else now
                steps = len(history) + 1
                t = opened
                rows_task = rows["viewflow_task"]
                start_tid = task_id + 1
                task_id += 1
                rows_task.append(
                    f"{task_id}\t{FLOW}.start\tSTART\tDONE\t{opened_s}\t{opened_s}\t{opened_s}"
                    f"\tstart\t\\N\t\\N\t{creator}\t{cid}\t\\N\t\\N\t\\N\t\\N\t\\N\t{{}}\t\\N\t\\N\t\\N\n"
                )
                previous_task = start_tid
                for h in history:
                    t += (span_end - t) * rng.uniform(0.2, 0.9) / steps
                    done = t + (span_end - t) * rng.uniform(0.05, 0.5) / steps
                    perm = PERMISSION[h]
                    actor = supervisor if perm != WORK else owner
                    task_id += 1
                    rows_task.append(
                        f"{task_id}\t{FLOW}.{h}\tHUMAN\tDONE\t{_ts(t)}\t{_ts(t)}\t{_ts(done)}"
                        f"\tstart\t\\N\t{perm}\t{actor}\t{cid}\t\\N\t\\N\t{_ts(t)}"
                        f"\t\\N\t\\N\t{{}}\t\\N\t\\N\t\\N\n"
                    )
                    previous_task = task_id
                    finished.append(("task", h, actor, t, done, task_id))
                    t = done
                if not is_open:
                    closed_s = _ts(closed)
                    task_id += 1
                    rows_task.append(
                        f"{task_id}\t{FLOW}.end\tEND\tDONE\t{closed_s}\t{closed_s}\t{closed_s}"
                        f"\tstart\t\\N\t\\N\t\\N\t{cid}\t\\N\t\\N\t\\N\t\\N\t\\N\t{{}}\t\\N\t\\N\t\\N\n"
                    )
                    rows["viewflow_process"].append(
                        f"{cid}\t{FLOW}\tDONE\t{opened_s}\t{closed_s}\t{{}}\n"
                    )
                else:
                    rows["viewflow_process"].append(f"{cid}\t{FLOW}\tNEW\t{opened_s}\t\\N\t{{}}\n")
                again = node == "follow_up" and history[-1:] == ["follow_up"]
                rows["case_flows_caseprocess"].append(
                    f"{cid}\t{'continue' if again else ''}\t{cid}\n"
                )

                overdue = False
                if is_open:
                    perm = PERMISSION[node]
                    assigned = perm == WORK and rng.random() >= UNCLAIMED_SHARE
                    task_owner = owner if assigned else None
                    age = rng.uniform(0.05, 1.0) * min(40 * day, max(day, now - t))
                    created = now - age
                    created_s = _ts(created)
                    task_id += 1
                    open_tid = task_id
                    rows_task.append(
                        f"{task_id}\t{FLOW}.{node}\tHUMAN\t{'ASSIGNED' if assigned else 'NEW'}"
                        f"\t{created_s}\t\\N\t\\N\tstart\t\\N\t{perm}"
                        f"\t{task_owner if assigned else chr(92) + 'N'}\t{cid}\t\\N\t\\N"
                        f"\t{created_s if assigned else chr(92) + 'N'}"
                        f"\t\\N\t\\N\t{{}}\t\\N\t\\N\t\\N\n"
                    )
                    previous_id += 1
                    rows["viewflow_task_previous"].append(
                        f"{previous_id}\t{open_tid}\t{previous_task}\n"
                    )
                    totals["open_tasks"] += 1
                    totals["unassigned_open_tasks"] += not assigned
                    # deadlines: the task's own, the queue's while unclaimed, the stage's
                    clocks = [("task", node, task_owner, created, open_tid)]
                    if not assigned:
                        clocks.append(("unclaimed", node, None, created, open_tid))
                    clocks.append(("stage", stage, None, opened, None))
                    for kind, name, clock_owner, started, clock_task in clocks:
                        clock_age = now - started
                        breached = rng.random() < BREACHED_SHARE
                        if breached:
                            target = clock_age * rng.uniform(0.3, 0.95)
                        else:
                            target = clock_age + rng.uniform(0.05, 14) * day
                        due = started + target
                        warn = started + 0.75 * target
                        if breached:
                            level, nxt, nxt_at, breached_at = "1", "\\N", "\\N", _ts(due)
                        elif warn > now:
                            level, nxt, nxt_at, breached_at = "-1", "0", _ts(warn), "\\N"
                        else:
                            level, nxt, nxt_at, breached_at = "0", "1", _ts(due), "\\N"
                        overdue = overdue or breached
                        clock_id += 1
                        rows["workflows_slaclock"].append(
                            f"{clock_id}\t{cid}\t{risk}\t{cat_code}\t{kind}\t{name}\trunning"
                            f"\t{_ts(started)}\t{_ts(due)}\t{_ts(warn)}\t\\N"
                            f"\t{'t' if breached else 'f'}\t{breached_at}\t{level}\t{nxt}\t{nxt_at}"
                            f"\t{10 if breached else 0}\t0\t{_ts(started)}\t{oid}"
                            f"\t{clock_owner if clock_owner else chr(92) + 'N'}\t{self.case_ct}"
                            f"\t{clock_task if clock_task else chr(92) + 'N'}\t{case_team}"
                            f"\t{self._policy(kind, name, jurisdiction)}\n"
                        )
                        totals["breached_clocks"] += breached
                    if assigned:
                        notification_id += 1
                        rows["notifications_notification"].append(
                            f"{notification_id}\ttask_assigned\ttask:{open_tid}:{owner}\t{reference}"
                            f'\t/tasks/{open_tid}/\t{{"task": "{TITLES[node]}"}}\t{created_s}'
                            f"\t{_ts(created + 3600) if rng.random() < 0.6 else chr(92) + 'N'}"
                            f"\t{batch_uuid}\t\\N\t{owner}\n"
                        )
                    elif perm == APPROVE:
                        notification_id += 1
                        rows["notifications_notification"].append(
                            f"{notification_id}\tapproval_requested\ttask:{open_tid}:{supervisor}"
                            f'\t{reference}\t/tasks/{open_tid}/\t{{"task": "{TITLES[node]}"}}'
                            f"\t{created_s}\t\\N\t{batch_uuid}\t{owner}\t{supervisor}\n"
                        )

                rows["case_flows_case"].append(
                    f"{cid}\t{reference}\t{risk}\t{stage}\t{'t' if overdue else 'f'}\t{opened_s}"
                    f"\t{_ts(closed) if closed else chr(92) + 'N'}\t1\t{creator}\t{oid}"
                    f"\t{case_owner}\t{case_team}\t{cat_id}\t{cid}\n"
                )
                past_intake = stage != "intake"
                rows["case_flows_intake"].append(
                    f"{cid}\t{rng.choice(SOURCES)}\t{CONCERNS[cid % len(CONCERNS)]}"
                    f"\t{'at_risk' if past_intake else ''}\t{'t' if past_intake else chr(92) + 'N'}"
                    f"\t{_ts(opened + day) if past_intake else chr(92) + 'N'}\t{cid}"
                    f"\t{owner if past_intake else chr(92) + 'N'}\n"
                )

                # timeline: opened, allocated, the last stage changes
                ev = rows["case_flows_caseevent"]
                event_id += 1
                ev.append(
                    f"{event_id}\topened\t\tintake\t\t\t{{}}\t{opened_s}\t{creator}\t{cid}\t\\N\n"
                )
                if not unallocated:
                    event_id += 1
                    ev.append(
                        f"{event_id}\tallocated\tintake\tintake\t\tAllocated\t"
                        f'{{"team": {team}, "owner": {owner}}}\t{_ts(opened + 3600)}'
                        f"\t{supervisor}\t{cid}\t\\N\n"
                    )
                reached = STAGE_ORDER.index(stage)
                into = [STAGE_ORDER[i] for i in range(max(1, reached - 1), reached + 1)]
                step_t = opened + 7200
                for s in into:
                    frm, to, name = INTO_STAGE[s]
                    # the stage left was entered at the previous change (or at opening)
                    entered = step_t if s != into[0] else opened
                    step_t += (span_end - step_t) * rng.uniform(0.3, 0.9)
                    event_id += 1
                    ev.append(
                        f"{event_id}\ttransition\t{frm}\t{to}\t{name}\t\t{{}}\t{_ts(step_t)}"
                        f"\t{supervisor if name.startswith('approve') else owner}\t{cid}"
                        f"\t{_ts(entered)}\n"
                    )
                    finished.append(("stage", frm, None, entered, step_t, None))
                # finished deadlines: status met, late when the deadline had passed
                for kind, name, clock_owner, started, stopped, clock_task in finished:
                    late = rng.random() < LATE_SHARE
                    if late:
                        due = started + (stopped - started) * rng.uniform(0.3, 0.95)
                    else:
                        due = stopped + rng.uniform(0.1, 10) * day
                    warn = started + 0.75 * (due - started)
                    clock_id += 1
                    rows["workflows_slaclock"].append(
                        f"{clock_id}\t{cid}\t{risk}\t{cat_code}\t{kind}\t{name}\tmet"
                        f"\t{_ts(started)}\t{_ts(due)}\t{_ts(warn)}\t{_ts(stopped)}"
                        f"\t{'t' if late else 'f'}\t{_ts(due) if late else chr(92) + 'N'}"
                        f"\t{1 if late else -1}\t\\N\t\\N\t0\t0\t{_ts(started)}\t{oid}"
                        f"\t{clock_owner if clock_owner else chr(92) + 'N'}\t{self.case_ct}"
                        f"\t{clock_task if clock_task else chr(92) + 'N'}\t{case_team}"
                        f"\t{self._policy(kind, name, jurisdiction)}\n"
                    )
                    totals["met_clocks"] += 1

            totals["people"] += size
            totals["cases"] += size
            totals["intakes"] += size
            totals["processes"] += size
            totals["tasks"] += len(rows["viewflow_task"])
            totals["task_previous"] += len(rows["viewflow_task_previous"])
            totals["events"] += len(rows["case_flows_caseevent"])
            totals["clocks"] += len(rows["workflows_slaclock"])
            totals["notifications"] += len(rows["notifications_notification"])
        return rows, totals

    def _cases(self, cur) -> None:
        """Write the cases batch by batch: in this process, or in `workers` forked ones."""
        self._fold_cache = {}
        batches = [
            (first, min(self.cases, first + self.batch - 1))
            for first in range(1, self.cases + 1, self.batch)
        ]
        totals = dict.fromkeys(self.TOTALS, 0)
        if self.workers <= 1:
            results = (self._write_cases(cur, first, last) for first, last in batches)
            self._collect(results, totals)
        else:
            import multiprocessing

            context = multiprocessing.get_context("fork")
            with context.Pool(self.workers, initializer=_worker_init, initargs=(self,)) as pool:
                self._collect(pool.imap_unordered(_worker_batch, batches), totals)
        self.counts.update(totals)

    def _write_cases(self, cur, first: int, last: int) -> tuple[int, dict]:
        rows, totals = self._batch_rows(first, last)
        self._write_batch(cur, rows)
        return last - first + 1, totals

    def _collect(self, results, totals: dict) -> None:
        written = 0
        for size, batch_totals in results:
            written += size
            for key, value in batch_totals.items():
                totals[key] += value
            if self.verbose:
                elapsed = time.perf_counter() - self.began
                print(
                    f"  {written:>9,} cases  {elapsed:6.1f} s  {written / elapsed:8.0f} cases/s",
                    file=sys.stderr,
                    flush=True,
                )

    def _write_batch(self, cur, rows: dict[str, list[str]]) -> None:
        columns = {
            "case_flows_person": "id, given_name, family_name, search_name, sex, date_of_birth, "
            "date_of_birth_estimated, national_id, phone, phone_digits, address, "
            "preferred_language, disability, disability_notes, created_at, created_by_id, "
            "office_id",
            "case_flows_case": "id, reference, risk, stage, is_overdue, opened_at, closed_at, "
            "episode, created_by_id, office_id, owner_id, team_id, category_id, person_id",
            "case_flows_intake": "id, source, presenting_concerns, immediate_safety, "
            "consent_to_share, completed_at, case_id, completed_by_id",
            "viewflow_process": "id, flow_class, status, created, finished, data",
            "case_flows_caseprocess": "process_ptr_id, next_step, case_id",
            "viewflow_task": "id, flow_task, flow_task_type, status, created, started, finished, "
            "token, external_task_id, owner_permission, owner_id, process_id, "
            "owner_permission_content_type_id, owner_permission_obj_pk, assigned, "
            "artifact_content_type_id, artifact_object_id, data, seed_content_type_id, "
            "seed_object_id, scheduled",
            "viewflow_task_previous": "id, from_task_id, to_task_id",
            "case_flows_caseevent": "id, kind, from_stage, to_stage, transition, comment, data, "
            "created_at, actor_id, case_id, stage_entered_at",
            "workflows_slaclock": "id, subject_id, risk, category, kind, name, status, "
            "started_at, due_at, warn_at, stopped_at, breached, breached_at, escalation_level, "
            "next_step, next_step_at, priority, paused_total, created_at, office_id, owner_id, "
            "subject_type_id, task_id, team_id, policy_id",
            "notifications_notification": "id, event, dedupe_key, case_reference, link, params, "
            "created_at, read_at, write_batch, actor_id, recipient_id",
        }
        for table in BIG_TABLES:
            _copy(cur, table, columns[table], rows[table])

    # --- the whole run -----------------------------------------------------------------
    def run(self, *, verbose: bool = True, vacuum: bool = True) -> dict:
        from django.db import connection, transaction

        self.verbose = verbose
        self.began = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("SET synchronous_commit = off")
            cur.execute("SET maintenance_work_mem = '512MB'")
            # Generated rows are consistent by construction: skip per-row FK triggers.
            cur.execute("SET session_replication_role = replica")
        raw = connection.connection  # psycopg 3
        try:
            with transaction.atomic(), raw.cursor() as cur:
                cur.execute(f"TRUNCATE {', '.join(TRUNCATE)} RESTART IDENTITY CASCADE")
                # the SLA policy pack goes with the offices (CASCADE): seed it again first
                self._reference_data()
                dropped = self._drop_secondary_indexes(cur)
                phase = time.perf_counter()
                self._organisation(cur)
            if self.workers > 1:
                connection.close()  # forked workers must not inherit a live socket
                self._cases(None)
                connection.ensure_connection()
                raw = connection.connection
                with raw.cursor() as cur:
                    cur.execute("SET maintenance_work_mem = '512MB'")
            else:
                with transaction.atomic(), raw.cursor() as cur:
                    self._cases(cur)
            self.timings["copy_s"] = round(time.perf_counter() - phase, 1)
            phase = time.perf_counter()
            self._create_indexes(dropped)
            self.timings["indexes_s"] = round(time.perf_counter() - phase, 1)
            with raw.cursor() as cur:
                self._fix_sequences(cur)
                _save_pending_indexes(cur, [])
                # Django keeps its connection in autocommit: VACUUM runs outside a block
                phase = time.perf_counter()
                if vacuum:  # not inside a test's transaction
                    cur.execute(f"VACUUM (ANALYZE) {', '.join(BIG_TABLES)}")
                cur.execute("ANALYZE")
                self.timings["analyze_s"] = round(time.perf_counter() - phase, 1)
        finally:
            with connection.cursor() as cur:
                cur.execute("SET session_replication_role = DEFAULT")
        elapsed = time.perf_counter() - self.began
        self.timings["total_s"] = round(elapsed, 1)
        return {
            "cases": self.cases,
            "seed": self.seed,
            "counts": self.counts,
            "timings": self.timings,
            "seconds": round(elapsed, 1),
            "cases_per_s": round(self.cases / elapsed, 1),
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }

    def _drop_secondary_indexes(self, cur) -> list[str]:
        """Drop indexes not backing a constraint; returns the statements recreating them."""
        cur.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """,
            [BIG_TABLES],
        )
        found = cur.fetchall()
        statements = sorted(
            set(_pending_indexes(cur)) | {definition for _name, definition in found}
        )
        _save_pending_indexes(cur, statements)
        for name, _definition in found:
            cur.execute(f'DROP INDEX "{name}"')
        return statements

    def _create_indexes(self, statements: list[str]) -> None:
        """Rebuild the dropped indexes, on `workers` connections at once (or this one)."""
        from django.db import connection

        if self.workers <= 1 or len(statements) < 2:
            with connection.cursor() as cur:
                for statement in statements:
                    cur.execute(statement)
            return
        import threading

        import psycopg

        pending = list(statements)
        lock = threading.Lock()
        errors = []

        def build():
            with psycopg.connect(**_psycopg_params(), autocommit=True) as conn:
                conn.execute("SET maintenance_work_mem = '512MB'")
                while True:
                    with lock:
                        if not pending:
                            return
                        statement = pending.pop()
                    try:
                        conn.execute(statement)
                    except Exception as exc:  # re-raised below
                        errors.append(exc)

        threads = [threading.Thread(target=build) for _ in range(self.workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    def _fix_sequences(self, cur) -> None:
        cur.execute(
            """
            SELECT c.table_name, c.column_name FROM information_schema.columns c
            WHERE c.table_schema = 'public' AND c.is_identity = 'YES'
              AND c.table_name = ANY(%s)
            """,
            [
                [
                    *BIG_TABLES,
                    "accounts_region",
                    "accounts_office",
                    "accounts_user",
                    "accounts_user_groups",
                    "accounts_team",
                    "accounts_team_members",
                    "case_flows_casereferencecounter",
                ]
            ],
        )
        for table, column in cur.fetchall():
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                f"COALESCE((SELECT max({column}) FROM {table}), 0) + 1, false)"
            )


def _bisect(cumulative: list[float], value: float) -> int:
    lo, hi = 0, len(cumulative) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] < value:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _psycopg_params() -> dict:
    from django.conf import settings

    db = settings.DATABASES["default"]
    params = {"dbname": db["NAME"], "user": db.get("USER") or None}
    params.update(host=db.get("HOST") or None, port=db.get("PORT") or None)
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    return {k: v for k, v in params.items() if v is not None}


_WORKER: dict = {}


def _worker_init(generator: Generator) -> None:
    import psycopg

    conn = psycopg.connect(**_psycopg_params(), autocommit=True)
    conn.execute("SET synchronous_commit = off")
    conn.execute("SET session_replication_role = replica")
    _WORKER.update(generator=generator, conn=conn)


def _worker_batch(bounds: tuple[int, int]) -> tuple[int, dict]:
    generator, conn = _WORKER["generator"], _WORKER["conn"]
    with conn.transaction(), conn.cursor() as cur:
        return generator._write_cases(cur, *bounds)


def _pending_indexes(cur) -> list[str]:
    _ensure_meta(cur)
    cur.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'pending_indexes'")
    row = cur.fetchone()
    if not row:
        return []
    return row[0] if isinstance(row[0], list) else json.loads(row[0])


def _save_pending_indexes(cur, statements: list[str]) -> None:
    _ensure_meta(cur)
    cur.execute(
        f"INSERT INTO {META_TABLE} (key, value) VALUES ('pending_indexes', %s) "
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        [json.dumps(statements)],
    )


def _ensure_meta(cur) -> None:
    cur.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key text PRIMARY KEY, value jsonb)")


def read_meta() -> dict | None:
    from django.db import connection

    with connection.cursor() as cur:
        _ensure_meta(cur)
        cur.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'dataset'")
        row = cur.fetchone()
    if not row:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def write_meta(value: dict) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        _ensure_meta(cur)
        cur.execute(
            f"INSERT INTO {META_TABLE} (key, value) VALUES ('dataset', %s) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [json.dumps(value)],
        )


def generate(
    *,
    cases: int,
    offices: int = 300,
    staff: int = 10_000,
    seed: int = 1,
    batch: int = 25_000,
    force: bool = False,
    verbose: bool = True,
    vacuum: bool = True,
    workers: int = 2,
) -> dict:
    """Generate (or keep, when already present at this scale) the dataset; returns its meta."""
    from case_flows.models import Case

    params = {"cases": cases, "offices": offices, "staff": staff, "seed": seed}
    meta = read_meta()
    if (
        not force
        and meta
        and all(meta.get(k) == v for k, v in params.items())
        # the transition scenario adds a few cases after ours: count the generated ids only
        and Case.objects.filter(pk__lte=cases).count() == cases
    ):
        meta["skipped"] = True
        return meta
    write_meta({})  # a half-written dataset is never taken for a complete one
    generator = Generator(
        cases=cases, offices=offices, staff=staff, seed=seed, batch=batch, workers=workers
    )
    result = generator.run(verbose=verbose, vacuum=vacuum)
    result.update(offices=offices, staff=staff)
    write_meta(result)
    result["skipped"] = False
    return result


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--offices", type=int, default=300)
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=25_000, help="cases per COPY batch")
    parser.add_argument("--force", action="store_true", help="regenerate even if present")
    parser.add_argument("--workers", type=int, default=2, help="writer processes")
    args = parser.parse_args(argv)
    import os

    from bench import _env

    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    url = _env.setup()
    print(f"bench database: {url.rsplit('/', 1)[-1]}", file=sys.stderr)
    result = generate(
        cases=args.cases,
        offices=args.offices,
        staff=args.staff,
        seed=args.seed,
        batch=args.batch,
        force=args.force,
        workers=args.workers,
    )
    json.dump(result, sys.stdout, indent=2)
    print()
    return result


if __name__ == "__main__":
    main()
