"""SLA test data built through the services, as the case pipeline would."""

from datetime import date

from workflows.sla.models import SlaPolicy, default_ladder
from workflows.sla.units import ClockKind, PolicyStatus, TargetUnit


def make_policy(**kwargs) -> SlaPolicy:
    values = {
        "key": kwargs.pop("key", None) or f"p-{SlaPolicy.objects.count() + 1}",
        "name": "Assessment",
        "kind": ClockKind.TASK,
        "node_name": "assess",
        "target_amount": 3,
        "target_unit": TargetUnit.WORKING_DAYS,
        "status": PolicyStatus.CONFIRMED,
        "effective_from": date(2020, 1, 1),
        "ladder": default_ladder(),
    }
    values.update(kwargs)
    policy = SlaPolicy(**values)
    policy.full_clean()
    policy.save()
    return policy
