"""The rows of a batch of cases in every table: person, case, intake, process, tasks, SLA
clocks, timeline events, notifications (the generator's hot loop)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

from bench.generate.constants import (
    APPROVE,
    BIG_TABLES,
    BREACHED_SHARE,
    CONCERNS,
    FLOW,
    INTO_STAGE,
    LATE_SHARE,
    NAMES,
    NODE_INDEX,
    OPEN_NODES,
    OPEN_SHARE,
    PATH,
    PERMISSION,
    RISKS,
    SOURCES,
    STAGE_OF_NODE,
    STAGE_ORDER,
    TITLES,
    UNCLAIMED_SHARE,
    WORK,
)
from bench.generate.db import _ts


class CaseRows:
    """Part of Generator (bench/generate/generator.py): the rows of each batch of cases."""

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
                # a national identifier for the registry's exact match (format only)
                national_id = f"GHA-{cid:09d}-{cid % 10}" if jurisdiction == "GH" else f"{cid:011d}"
                rows["case_flows_person"].append(
                    f"{cid}\t{given}\t{family_name}\t{search}\t{sex}\t{dob}\tf\t{national_id}"
                    f"\t{phone}\t{phone}\tCommunity {cid % 97}\t\tf\t\t{opened_s}\t{creator}"
                    f"\t{oid}\t1\t\t\n"
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
                    f"\t{case_owner}\t{case_team}\t{cat_id}\t{cid}"
                    # About 2% restricted (the share of violence and abuse categories), so the
                    # lists pay for the access-list check as they will in an office.
                    f"\t{'t' if cid % 50 == 0 else 'f'}\t\t\n"
                )
                past_intake = stage != "intake"
                rows["case_flows_intake"].append(
                    f"{cid}\t{rng.choice(SOURCES)}\t{CONCERNS[cid % len(CONCERNS)]}"
                    f"\t{'at_risk' if past_intake else ''}\t{'t' if past_intake else chr(92) + 'N'}"
                    f"\t{_ts(opened + day) if past_intake else chr(92) + 'N'}\t{cid}"
                    f"\t{owner if past_intake else chr(92) + 'N'}\t{{}}\n"  # no configured answers
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


def _bisect(cumulative: list[float], value: float) -> int:
    lo, hi = 0, len(cumulative) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] < value:
            lo = mid + 1
        else:
            hi = mid
    return lo
