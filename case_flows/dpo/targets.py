"""What an access row's target says, in the reader's language.

The rows store a short code in English ("case list", "approval: plan", "assess",
"dashboard: open (csv)"): stable for the CSV's filters and for the record. The page and the
export show it in words in the officer's language; an unknown code is shown as stored.
"""

import re
from functools import cache

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflows.approvals.models import ApprovalKind

from ..flows import CaseFlow

FIXED = {
    "case list": gettext_lazy("case list"),
    "history": gettext_lazy("case history (kept after a transfer)"),
    "access log": gettext_lazy("access log"),
    "inbox (mine)": gettext_lazy("inbox: my tasks"),
    "inbox (queue)": gettext_lazy("inbox: team queue"),
    "json": gettext_lazy("subject-access file (JSON)"),
    "html": gettext_lazy("subject-access file (readable document)"),
}
DASHBOARD = re.compile(r"^dashboard: (?P<figure>[\w-]+)(?: \((?P<format>csv|xlsx)\))?$")
APPROVAL = re.compile(r"^approval: (?P<kind>\w+)$")


@cache
def _task_titles() -> dict:
    return {
        node.name: node.task_title
        for node in CaseFlow.instance.nodes()
        if getattr(node, "task_title", None)
    }


def target_text(target: str) -> str:
    if not target:
        return ""
    if target in FIXED:
        return str(FIXED[target])
    if match := DASHBOARD.match(target):
        if match["format"]:
            return _("dashboard list %(figure)s (%(format)s)") % {
                "figure": match["figure"],
                "format": match["format"].upper(),
            }
        return _("dashboard list %(figure)s") % {"figure": match["figure"]}
    if match := APPROVAL.match(target):
        kinds = dict(ApprovalKind.choices)
        if match["kind"] in kinds:
            return _("approval: %(kind)s") % {"kind": kinds[match["kind"]]}
    if target in _task_titles():
        return _("task: %(task)s") % {"task": _task_titles()[target]}
    return target
