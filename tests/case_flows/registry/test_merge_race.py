"""Two merges of the same pair at once (in either direction) lock the rows lowest id first:
no deadlock; one wins, the other is told the pair was merged (409)."""

import pytest

from accounts.models import Role
from case_flows.models import Person, PersonMerge
from case_flows.registry.merge import people_merge
from tests.factories import make_person, make_user
from workflows.errors import Conflict

from ..test_races import race

pytestmark = pytest.mark.django_db(transaction=True)

TRIALS = 3


def test_two_merges_of_one_pair_do_not_deadlock(office):
    supervisor = make_user(Role.SUPERVISOR, office, username="sup-race-a")
    other = make_user(Role.SUPERVISOR, office, username="sup-race-b")
    for n in range(TRIALS):
        first = make_person(office, f"Ama{n}", "Owusu")
        second = make_person(office, f"Ama{n}", "Owusu")
        results = race(
            lambda a=first, b=second: people_merge(
                actor=supervisor, source=a, target=b, choices={}
            ),
            lambda a=first, b=second: people_merge(actor=other, source=b, target=a, choices={}),
        )
        wins = [r for r in results if isinstance(r, PersonMerge)]
        assert len(wins) == 1, results
        assert [type(r) for r in results if not isinstance(r, PersonMerge)] == [Conflict]
        merged = Person.objects.filter(pk__in=[first.pk, second.pk], merged_into__isnull=False)
        assert merged.count() == 1
