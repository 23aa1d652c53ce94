"""The API's settings from the environment (config/settings/base.py, "api")."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _check(**env):
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("rate", ["600", "600/fortnight", "0/min", "many/min"])
def test_a_malformed_rate_limit_refuses_to_start(rate):
    result = _check(API_RATE_LIMIT=rate)
    assert result.returncode != 0
    assert "API_RATE_LIMIT must look like" in result.stderr


def test_the_rate_limit_and_token_lifetime_come_from_the_environment():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings as s; "
            "print(s.API_RATE_LIMIT, s.API_TOKEN_MAX_DAYS, "
            "s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['token'])",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "API_RATE_LIMIT": "20/s",
            "API_TOKEN_MAX_DAYS": "30",
        },
        capture_output=True,
        text=True,
    )
    assert result.stdout.split() == ["20/s", "30", "20/s"], result.stderr
