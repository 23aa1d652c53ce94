"""docs/webhooks.md tells receivers how to verify a request: its code must verify what
Caseflow really sends, and the example request in it must be signed right."""

import re
import time
from pathlib import Path

from notifications.backends.webhook import signature_header

DOC = (Path(__file__).resolve().parents[2] / "docs" / "webhooks.md").read_text()


def _receiver_verify():
    code = re.search(r"## Verifying a request.*?```python\n(.*?)```", DOC, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "docs/webhooks.md", "exec"), namespace)  # noqa: S102 - our own doc
    return namespace["verify"]


def test_the_documented_check_verifies_what_caseflow_sends():
    verify = _receiver_verify()
    body = b'{"id":"x","event":"ping"}'
    now = int(time.time())
    assert verify("whsec_a", signature_header(["whsec_a"], now, body), body)
    assert verify("whsec_old", signature_header(["whsec_new", "whsec_old"], now, body), body)
    assert not verify("whsec_b", signature_header(["whsec_a"], now, body), body)
    assert not verify("whsec_a", signature_header(["whsec_a"], now, body), body + b"x")
    assert not verify("whsec_a", signature_header(["whsec_a"], now - 301, body), body)


def test_the_example_request_is_signed_with_the_example_secret():
    verify = _receiver_verify()
    header = re.search(r"^Caseflow-Signature: (.+)$", DOC, re.M).group(1)
    body = re.search(r"^(\{\"case\".+\})$", DOC, re.M).group(1).encode()
    assert not verify("whsec_example", header, body)  # long ago: refused as a replay
    assert verify("whsec_example", header, body, tolerance=10**10)
    assert not verify("whsec_other", header, body, tolerance=10**10)
