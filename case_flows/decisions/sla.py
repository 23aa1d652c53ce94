"""What the SLA sweep does for decisions: the end of an appeal period makes the decision
final; a breached KPA decision deadline of a case prepares the art. 36 notice.

Runs once per sweep batch inside the batch transaction, which holds the clock rows.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from ..models import Case, Decision
from .services import APPEAL_CLOCK, decisions_finalise, delay_notices_prepare


def decision_escalations(escalations) -> None:
    decision_type = ContentType.objects.get_for_model(Decision).pk
    case_type = ContentType.objects.get_for_model(Case).pk
    ended = {
        e.clock.subject_id
        for e in escalations
        if e.clock.subject_type_id == decision_type and e.clock.name == APPEAL_CLOCK
    }
    late = [
        e.clock
        for e in escalations
        if e.breach and e.clock.subject_type_id == case_type and e.clock.name == "decision"
    ]
    if late:
        delay_notices_prepare(late)
    if ended:
        busy = decisions_finalise(ended)
        if busy:
            # An appeal being recorded holds these: look again once the batch has committed
            # (the appeal, if it wins, pauses the clock and the decision is not final).
            transaction.on_commit(lambda: _finalise_after(busy))


def _finalise_after(decision_ids: list[int]) -> None:
    with transaction.atomic():
        decisions_finalise(decision_ids, skip_locked=False)
