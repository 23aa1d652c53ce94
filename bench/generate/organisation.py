"""The generator's setup and organisation: role groups, SLA policies and categories read
back, then regions, offices, staff, teams and the case reference counters."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from bench.generate.constants import CATEGORY_WEIGHTS, GH_REGIONS, NAMES, PL_REGIONS
from bench.generate.db import _copy, _ts


def _weights(rng: random.Random, n: int, sigma: float) -> list[float]:
    return [rng.lognormvariate(0, sigma) for _ in range(n)]


class OrganisationRows:
    """Part of Generator (bench/generate/generator.py): its setup and organisation."""

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
