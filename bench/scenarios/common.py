"""Helpers the scenarios share: the repository root, /proc memory figures, timing a page
(median and p95), the harness's log line, and running a harness in its own database."""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]


def _proc_status_mb(pid: int | str = "self") -> dict[str, float]:
    """VmRSS and VmHWM (peak) of a process from /proc, in MB."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, amount = line.split(":", 1)
                values[key] = round(int(amount.split()[0]) / 1024, 1)
    except OSError:
        pass
    return values


def _summary(samples_ms: list[float]) -> dict:
    ordered = sorted(samples_ms)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {
        "runs": len(ordered),
        "median_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(p95, 1),
        "min_ms": round(ordered[0], 1),
        "max_ms": round(ordered[-1], 1),
    }


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _time_page(client, url: str, *, runs: int, warmup: int) -> dict:
    for _ in range(warmup):
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    result = _summary(samples)
    result["url"] = url
    result["html_kb"] = round(len(response.content) / 1024, 1)
    result["rows"] = response.content.count(b"<tr") - 1  # minus the header row
    result["rss_mb_after"] = _proc_status_mb().get("VmRSS")
    return result


def _run_in_own_database(module: str, url: str, database: str, **options) -> dict:
    """`python -m <module> --database-url <database on url's server> --output F [--option v]`
    in a subprocess (Django is set up once per process, on the bench data here); its JSON."""
    harness = urlunsplit(urlsplit(url)._replace(path=f"/{database}"))
    output = Path(tempfile.gettempdir()) / f"bench-{database}-{os.getpid()}.json"
    command = [sys.executable, "-m", module, "--database-url", harness, "--output", str(output)]
    for name, value in options.items():
        command += [f"--{name.replace('_', '-')}", str(value)]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    result = json.loads(output.read_text())
    output.unlink()
    return result
