"""SLA sweep vs viewflow's timer dispatcher: bench/sla_sweep.py run in its own database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.scenarios.common import ROOT, _log

SLA_DATABASE = "caseflow_bench_harness_sla"  # its own: the sweep bench truncates tables


def _sla_sweep_run(url: str, *, clocks: int, due: int, cap: int, repeat: int, workers) -> dict:
    import tempfile

    output = Path(tempfile.gettempdir()) / f"bench-sla-sweep-{os.getpid()}.json"
    env = {
        **os.environ,
        "SLA_SWEEP_RESULTS": str(output),
        "DATABASE_URL": url,
        "BENCH_DATABASE": SLA_DATABASE,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    command = [sys.executable, "-m", "bench.sla_sweep", "--clocks", str(clocks)]
    command += ["--due", str(due), "--viewflow-cap", str(cap), "--repeat", str(repeat)]
    command += ["--workers", *[str(w) for w in workers]]
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    result = json.loads(output.read_text())
    output.unlink()
    return result


def sla_scenario(url: str, *, scale: int) -> dict:
    # 20,000 due of 200,000 open clocks at national scale (PERFORMANCE.md's baseline size)
    due = max(2000, min(20_000, scale // 50))
    clocks = due * 10
    cap = 2000
    _log(f"SLA sweep: memory check with {due // 4} due")
    small = _sla_sweep_run(url, clocks=clocks, due=due // 4, cap=200, repeat=1, workers=[1])
    _log(f"SLA sweep: {due} due of {clocks} clocks vs viewflow on {min(due, cap)} timers")
    main = _sla_sweep_run(url, clocks=clocks, due=due, cap=cap, repeat=3, workers=[1, 2])
    single = next(s for s in main["sla_sweep"] if s["workers"] == 1)
    best = max(main["sla_sweep"], key=lambda s: s["escalations_per_second"])
    return {
        "database": SLA_DATABASE,
        "clocks": clocks,
        "due": due,
        "sla_sweep_per_s": single["escalations_per_second"],
        "sla_sweep_best_per_s": best["escalations_per_second"],
        "best_workers": best["workers"],
        "viewflow_timers": main["viewflow_fire_due_timers"]["timers"],
        "viewflow_timers_per_s": main["viewflow_fire_due_timers"]["timers_per_second"],
        "sla_sweep_vs_viewflow": main["ratio_single_worker"],
        "sla_sweep_vs_viewflow_best": main["ratio_best"],
        "max_rss_mb": main["max_rss_mb"],
        "max_rss_mb_quarter_due": small["max_rss_mb"],
        "memory_growth": round(main["max_rss_mb"] / small["max_rss_mb"], 2),
        "note": "1-worker rate is the headline; the process RSS includes viewflow's run",
    }
