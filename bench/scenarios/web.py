"""The web worker's memory: gunicorn with one sync worker on the bench database, real HTTP
requests, the worker's VmRSS from /proc."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from bench.scenarios.common import ROOT, _proc_status_mb


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def web_rss_scenario(url: str, subjects: dict, *, requests: int) -> dict:
    """gunicorn, 1 sync worker, on the bench database; pages hit over HTTP; worker VmRSS."""
    from django.test import Client

    from accounts.models import User

    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    if not gunicorn.exists():
        return {"web_rss_mb": None, "reason": "gunicorn not installed"}
    cookies = {}
    for key in ("inbox_large", "queue_supervisor", "national_manager"):
        client = Client()
        client.force_login(User.objects.get(pk=subjects[key]["user_id"]))
        cookies[key] = client.cookies["sessionid"].value
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    master = subprocess.Popen(
        [str(gunicorn), "config.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}", "--timeout", "120"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/accounts/login/", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        pages = [
            ("inbox_large", "/inbox/"),
            ("queue_supervisor", "/inbox/?tab=queue"),
            ("national_manager", "/inbox/?tab=queue"),
            ("inbox_large", f"/cases/{subjects['case']['case_id']}/"),
        ]
        for n in range(requests):
            key, path = pages[n % len(pages)]
            request = urllib.request.Request(
                base + path, headers={"Cookie": f"sessionid={cookies[key]}"}
            )
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
        children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
        worker = children[0] if children else None
        status = _proc_status_mb(worker) if worker else {}
    finally:
        master.send_signal(signal.SIGTERM)
        try:
            master.wait(timeout=30)
        except subprocess.TimeoutExpired:
            master.kill()
    return {
        "web_rss_mb": status.get("VmRSS"),
        "web_peak_rss_mb": status.get("VmHWM"),
        "requests": requests,
        "how": "gunicorn config.wsgi, 1 sync worker, 127.0.0.1; VmRSS of the worker "
        "from /proc after the requests (inbox, queue, national queue, case page in turn)",
    }
