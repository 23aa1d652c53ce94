"""Candidate duplicates in an office: pairs of people who may be one, with why, best first.

The scoring is the registry's (selectors.py): the same identifier 1000, the same phone (as a
national number: selectors.phone_national) 100, a similar name 50 × similarity, plus 20 when
the dates of birth agree. A pair is listed when
its score reaches DUPLICATE_SCORE: the same identifier, the same phone, or a name at least
0.6 similar born the same day. On PostgreSQL one query: three equi-joins of the office's
people united, scored with pg_trgm's `similarity`; elsewhere (the SQLite demo) the office's
people are scored in Python by the same formula. Then one query for the page's people.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from django.core.paginator import Page, Paginator
from django.db import connection

from ..models import Person
from .selectors import (
    NAME_THRESHOLD,
    PHONE_NATIONAL_SQL,
    REASON_DOB,
    REASON_ID,
    REASON_NAME,
    REASON_NAME_SAME,
    REASON_PHONE,
    name_similarity,
    phone_national,
)

DUPLICATE_SCORE = 50
MAX_PAIRS = 500  # listed at most, best first: a longer list is not worked through anyway
PAGE_SIZE = 25


@dataclass
class Pair:
    first_id: int
    second_id: int
    score: float
    reasons: list[str] = field(default_factory=list)
    first: Person | None = None
    second: Person | None = None


# Three equi-joins (identifier, phone, date of birth: hash joins, not a pairwise scan of the
# office), their pairs united, then scored. Phones are compared as national numbers
# (selectors.phone_national: "+48 601 234 567" is "601-234-567"), computed once per person of
# the office in `phones`. The name is compared only for people born the
# same day, with `similarity()` rather than `%`: `%` invites the planner to probe the trigram
# index once per person, and with thousands sharing a name that is quadratic (5,000 people
# took 20 s as one OR-join on `%`).
_PAIRS_SQL = """
WITH phones AS MATERIALIZED (
    SELECT id, {phone_a} AS phone
      FROM case_flows_person a
     WHERE a.office_id = %(office)s AND a.merged_into_id IS NULL AND a.anonymised_at IS NULL
       AND a.phone_digits <> ''
)
SELECT a.id, b.id,
       a.national_id <> '' AND a.national_id = b.national_id,
       {phone_a} <> '' AND {phone_a} = {phone_b},
       similarity(a.search_name, b.search_name),
       a.date_of_birth IS NOT NULL AND a.date_of_birth = b.date_of_birth
FROM (
    SELECT a.id AS first_id, b.id AS second_id
      FROM case_flows_person a JOIN case_flows_person b
        ON b.national_id = a.national_id AND b.id > a.id
     WHERE a.office_id = %(office)s AND a.merged_into_id IS NULL AND a.anonymised_at IS NULL
       AND b.office_id = %(office)s AND b.merged_into_id IS NULL AND b.anonymised_at IS NULL
       AND a.national_id <> ''
    UNION
    SELECT a.id, b.id
      FROM phones a JOIN phones b ON b.phone = a.phone AND b.id > a.id
     WHERE a.phone <> ''
    UNION
    SELECT a.id, b.id
      FROM case_flows_person a JOIN case_flows_person b
        ON b.date_of_birth = a.date_of_birth AND b.id > a.id
     WHERE a.office_id = %(office)s AND a.merged_into_id IS NULL AND a.anonymised_at IS NULL
       AND b.office_id = %(office)s AND b.merged_into_id IS NULL AND b.anonymised_at IS NULL
       AND similarity(a.search_name, b.search_name) >= %(threshold)s
) pairs
JOIN case_flows_person a ON a.id = pairs.first_id
JOIN case_flows_person b ON b.id = pairs.second_id
""".format(
    phone_a=PHONE_NATIONAL_SQL.format(column="a.phone_digits"),
    phone_b=PHONE_NATIONAL_SQL.format(column="b.phone_digits"),
)


def _scored(first, second, same_id, same_phone, similarity, same_dob) -> Pair | None:
    pair = Pair(first, second, 0.0)
    if same_id:
        pair.score += 1000
        pair.reasons.append(str(REASON_ID))
    if same_phone:
        pair.score += 100
        pair.reasons.append(str(REASON_PHONE))
    if similarity >= NAME_THRESHOLD:
        pair.score += 50 * similarity
        pair.reasons.append(str(REASON_NAME_SAME if similarity >= 0.999 else REASON_NAME))
    if same_dob:
        pair.score += 20
        pair.reasons.append(str(REASON_DOB))
    return pair if pair.score >= DUPLICATE_SCORE else None


def _pairs_postgresql(office_id: int) -> list[Pair]:
    with connection.cursor() as cursor:
        cursor.execute(_PAIRS_SQL, {"office": office_id, "threshold": NAME_THRESHOLD})
        rows = cursor.fetchall()
    return [pair for row in rows if (pair := _scored(*row)) is not None]


def _pairs_python(office_id: int) -> list[Pair]:
    """The same pairs, for databases without pg_trgm: fine for a demo office's people."""
    people = list(
        Person.objects.filter(
            office_id=office_id, merged_into__isnull=True, anonymised_at__isnull=True
        ).values_list("pk", "national_id", "phone", "search_name", "date_of_birth")
    )
    people = [(pk, nid, phone_national(phone), name, born) for pk, nid, phone, name, born in people]
    by_key: dict[tuple, list] = defaultdict(list)
    for row in people:
        if row[1]:
            by_key[("id", row[1])].append(row)
        if row[2]:
            by_key[("phone", row[2])].append(row)
        if row[4]:
            by_key[("dob", row[4])].append(row)
    seen: set[tuple[int, int]] = set()
    pairs = []
    for group in by_key.values():
        for a, b in combinations(sorted(group), 2):
            if (a[0], b[0]) in seen:
                continue
            seen.add((a[0], b[0]))
            pair = _scored(
                a[0],
                b[0],
                bool(a[1]) and a[1] == b[1],
                bool(a[2]) and a[2] == b[2],
                name_similarity(a[3], b[3]),
                a[4] is not None and a[4] == b[4],
            )
            if pair is not None:
                pairs.append(pair)
    return pairs


def duplicate_pairs(office_id: int) -> list[Pair]:
    """The office's candidate pairs (ids and reasons), best first, at most MAX_PAIRS."""
    if connection.vendor == "postgresql":
        pairs = _pairs_postgresql(office_id)
    else:
        pairs = _pairs_python(office_id)
    pairs.sort(key=lambda p: (-p.score, p.first_id, p.second_id))
    return pairs[:MAX_PAIRS]


def duplicates_page(office_id: int, page_number) -> Page:
    """One page of the office's pairs with both people: two queries whatever the page."""
    page = Paginator(duplicate_pairs(office_id), PAGE_SIZE).get_page(page_number)
    ids = {i for pair in page.object_list for i in (pair.first_id, pair.second_id)}
    people = Person.objects.select_related("office").in_bulk(ids)
    for pair in page.object_list:
        pair.first, pair.second = people.get(pair.first_id), people.get(pair.second_id)
    return page
