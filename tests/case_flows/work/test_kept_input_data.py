"""The assessment page's POST data, for tests that submit it over HTTP."""

from case_flows.models import NEED_DOMAINS


def assessment_post(strengths: str) -> dict:
    data = {f"need_{code}": "medium" for code, _label in NEED_DOMAINS}
    data.update({"strengths": strengths, "risk_decided": "high", "needs_notes": ""})
    return data
