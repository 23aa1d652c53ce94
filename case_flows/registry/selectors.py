"""Who is this person already? Candidates for a new case or a relative, ranked with reasons.

Exact identifier matches come first, then exact phone matches, then similar names; a date of
birth that agrees (or is within a year) lifts a candidate. Names are compared folded (no
accents, lower case) as sets of trigrams, word by word, so word order does not matter and a
typo costs little: PostgreSQL does it with pg_trgm through a GIN index on `search_name`,
other databases (the SQLite demo) prefilter in SQL and score in Python the same way.

A candidate's earlier cases are those the user may see; one known only through cases they may
not see is shown as "known to another office" or "known, details restricted", nothing more.
"""

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import BooleanField, F, Func, Q, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Office, User
from accounts.scope import registered_awaiting_allocation_q, scope_for, scope_q

from ..models import Case, IdentifierKind, Person
from ..restriction import visible_q
from ..text import digits, fold
from .identifiers import IdentifierError, identifier_normalise

MAX_CANDIDATES = 10
NAME_THRESHOLD = 0.3  # pg_trgm's default similarity threshold (the `%` operator)
NAME_POOL = 40  # name matches scored before ranking

REASON_ID = _("same national ID")
REASON_PHONE = _("same phone")
REASON_NAME_SAME = _("same name")
REASON_NAME = _("similar name")
REASON_DOB = _("same date of birth")
REASON_DOB_NEAR = _("date of birth within a year")


class Access:
    FULL = "full"  # details and the user's visible earlier cases
    RESTRICTED = "restricted"  # known in the user's office through cases they may not see
    ELSEWHERE = "elsewhere"  # known to another office only


@dataclass
class Candidate:
    person: Person
    score: float
    reasons: list[str]
    visible_cases: list[Case] = field(default_factory=list)
    known_elsewhere: bool = False
    access: str = Access.FULL
    similarity: float = 0.0
    link_form: Any = None  # a page's form for choosing this candidate (the relative search)


@dataclass
class Search:
    given_name: str = ""
    family_name: str = ""
    date_of_birth: datetime.date | None = None
    age: int | None = None
    national_id: str = ""
    national_id_kind: IdentifierKind | None = None
    phone: str = ""

    @property
    def name(self) -> str:
        return fold(f"{self.given_name} {self.family_name}")


# --- name similarity, the same on every database ----------------------------------------------


class TrigramMatches(Func):
    """`search_name % query`: pg_trgm's similarity above its threshold, through the GIN index."""

    arg_joiner = " %% "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams: each word alone, padded with two spaces before and one after."""
    grams: set[str] = set()
    for word in re.findall(r"[^\W_]+", fold(text)):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def name_similarity(a: str, b: str) -> float:
    """pg_trgm's `similarity`: shared trigrams over all trigrams (word order plays no part)."""
    left, right = trigrams(a), trigrams(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


MIN_PHONE_DIGITS = 6  # shorter is an extension or a typo, never a match


def phone_national(phone: str) -> str:
    """The number without spaces, dashes, "+", an international "00", the country code
    (Poland 48, Ghana 233) or Ghana's trunk "0": "+48 601 234 567", "0048601234567" and
    "601-234-567" are all "601234567"; "+233 24 400 0111" and "0244000111" "244000111".
    Empty for fewer than MIN_PHONE_DIGITS digits. PHONE_NATIONAL_SQL does the same in SQL."""
    number = digits(phone)
    if number.startswith("00"):
        number = number[2:]
    if len(number) == 11 and number.startswith("48"):
        number = number[2:]
    elif len(number) == 12 and number.startswith("233"):
        number = number[3:]
    elif len(number) == 10 and number.startswith("0"):
        number = number[1:]
    return number if len(number) >= MIN_PHONE_DIGITS else ""


# phone_national() of a `phone_digits` column ({column}: e.g. "a.phone_digits"), in PostgreSQL.
PHONE_NATIONAL_SQL = """(CASE
    WHEN length(regexp_replace({column}, '^00', '')) < 6 THEN ''
    WHEN regexp_replace({column}, '^00', '') ~ '^48[0-9]{{9}}$'
        THEN substr(regexp_replace({column}, '^00', ''), 3)
    WHEN regexp_replace({column}, '^00', '') ~ '^233[0-9]{{9}}$'
        THEN substr(regexp_replace({column}, '^00', ''), 4)
    WHEN regexp_replace({column}, '^00', '') ~ '^0[0-9]{{9}}$'
        THEN substr(regexp_replace({column}, '^00', ''), 2)
    ELSE regexp_replace({column}, '^00', '') END)"""


def phone_variants(phone: str) -> list[str]:
    """The stored forms (`phone_digits`: the digits as typed) of every number that is this
    one by phone_national(): national, with the country code, with "00" and the code, and
    Ghana's with its trunk "0"."""
    national = phone_national(phone)
    if not national:
        return []
    variants = {digits(phone), national}
    if len(national) == 9:
        variants |= {"0" + national}
        for code in ("48", "233"):
            variants |= {code + national, "00" + code + national}
    return sorted(variants)


def _name_matches(name: str, office_ids: set[int] | None) -> list[tuple[Person, float]]:
    """People registered at `office_ids` (None: every office) with a similar name: someone
    out of reach found by name alone is not shown, so they must not crowd the pool."""
    people = Person.objects.select_related("office").filter(
        anonymised_at__isnull=True, merged_into__isnull=True
    )
    if office_ids is not None:
        people = people.filter(office_id__in=office_ids)
    if connection.vendor == "postgresql":
        rows = (
            people.filter(TrigramMatches(F("search_name"), Value(name)))
            .annotate(similarity=TrigramSimilarity("search_name", Value(name)))
            .order_by("-similarity", "pk")[:NAME_POOL]
        )
        return [(person, person.similarity) for person in rows]
    # Elsewhere: any person sharing a word's first three letters, scored here.
    condition = Q()
    for word in set(name.split()):
        if len(word) >= 2:
            condition |= Q(search_name__contains=word[:3])
    if not condition:
        return []
    scored = [(p, name_similarity(name, p.search_name)) for p in people.filter(condition)[:2000]]
    scored = [(p, s) for p, s in scored if s >= NAME_THRESHOLD]
    scored.sort(key=lambda row: (-row[1], row[0].pk))
    return scored[:NAME_POOL]


# --- candidates -------------------------------------------------------------------------------


def _dob_window(search: Search, today: datetime.date) -> tuple[datetime.date, datetime.date] | None:
    if search.date_of_birth:
        return search.date_of_birth, search.date_of_birth
    if search.age is not None:
        # Born between (age+1) years and a day ago and `age` years ago.
        latest = today.replace(year=today.year - search.age)
        earliest = today.replace(year=today.year - search.age - 1) + datetime.timedelta(days=1)
        return earliest, latest
    return None


def _safe_replace_year(day: datetime.date, year: int) -> datetime.date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


def _score(candidate: Candidate, search: Search, today: datetime.date) -> None:
    window = _dob_window(search, today)
    born = candidate.person.date_of_birth
    if window and born:
        earliest, latest = window
        if earliest <= born <= latest:
            candidate.score += 20
            candidate.reasons.append(str(REASON_DOB))
        elif (
            _safe_replace_year(earliest, earliest.year - 1)
            <= born
            <= _safe_replace_year(latest, latest.year + 1)
        ):
            candidate.score += 10
            candidate.reasons.append(str(REASON_DOB_NEAR))
        else:
            candidate.score -= 10


def findable_cases(user: User):
    """The cases the user may find (as case_flows.cases.selectors.cases_findable_by, which
    sits above this room): the scope, plus those they registered awaiting allocation;
    restricted ones only on their access list."""
    scope = scope_for(user)
    if scope.all_offices:
        return Case.objects.filter(visible_q(user, Q()))
    condition = scope_q(user) | registered_awaiting_allocation_q(user)
    return Case.objects.filter(visible_q(user, condition))


def _attach_cases(user: User, candidates: list[Candidate]) -> None:
    """Two queries: every case of the candidates (ids only), then the ones the user may see."""
    ids = [c.person.pk for c in candidates]
    all_cases = list(
        Case.objects.filter(person_id__in=ids).values_list(
            "pk", "person_id", "office_id", "is_restricted"
        )
    )
    visible = {
        case.pk: case
        for case in findable_cases(user)
        .filter(person_id__in=ids)
        .select_related("category", "office")
        .order_by("-opened_at")
    }
    scope = scope_for(user)
    my_offices = _user_offices(user) or set()
    for candidate in candidates:
        person = candidate.person
        candidate.visible_cases = [c for c in visible.values() if c.person_id == person.pk]
        hidden = [row for row in all_cases if row[1] == person.pk and row[0] not in visible]
        if candidate.visible_cases:
            access = Access.FULL
        elif hidden:
            # Known in their office (another team's case, a restricted one): no details
            # either, but not "another office".
            mine = any(scope.all_offices or row[2] in my_offices for row in hidden)
            access = Access.RESTRICTED if mine else Access.ELSEWHERE
        else:  # no case at all (a relative): theirs if registered in their office
            mine = scope.all_offices or person.office_id in my_offices
            access = Access.FULL if mine else Access.ELSEWHERE
        candidate.access = access
        candidate.known_elsewhere = access != Access.FULL


def _identifier_forms(search: Search) -> list[str]:
    """The number as stored: normalised for its kind; with no kind (or not valid for it),
    as typed, upper-cased and without spaces, so that the index is used."""
    typed = search.national_id.strip()
    try:
        return [identifier_normalise(search.national_id_kind, typed)]
    except IdentifierError:
        return sorted({typed, typed.upper(), re.sub(r"\s", "", typed).upper()})


def _user_offices(user: User) -> set[int] | None:
    """The offices whose people the user may find by name (None: all)."""
    scope = scope_for(user)
    if scope.all_offices:
        return None
    return set(scope.office_ids) | ({user.home_office_id} if user.home_office_id else set())


def _current_people():
    """People who are their own record: a merged one is an alias of another, never a match."""
    return Person.objects.select_related("office").filter(merged_into__isnull=True)


def _gather(search: Search, office_ids: set[int] | None) -> dict[int, Candidate]:
    """Three queries: identifier, phone, name; each person once, the reasons added up."""
    found: dict[int, Candidate] = {}

    def add(person: Person, score: float, reason: str, similarity: float = 0.0) -> None:
        candidate = found.setdefault(person.pk, Candidate(person=person, score=0, reasons=[]))
        candidate.score += score
        candidate.reasons.append(str(reason))
        candidate.similarity = max(candidate.similarity, similarity)

    if search.national_id.strip():
        for person in _current_people().filter(national_id__in=_identifier_forms(search))[
            :MAX_CANDIDATES
        ]:
            add(person, 1000, REASON_ID)
    phones = phone_variants(search.phone)
    if phones:
        for person in _current_people().filter(phone_digits__in=phones)[:MAX_CANDIDATES]:
            add(person, 100, REASON_PHONE)
    name = search.name
    if len(name.replace(" ", "")) >= 2:
        for person, similarity in _name_matches(name, office_ids):
            reason = REASON_NAME_SAME if similarity >= 0.999 else REASON_NAME
            add(person, 50 * similarity, reason, similarity)
    return found


def person_candidates(
    user: User, search: Search, *, office: Office | None = None
) -> list[Candidate]:
    """At most MAX_CANDIDATES people who may be the one searched for, best first; five
    queries whatever their number. Out of the user's reach, only an identifier or phone
    match is shown at all, and then without details (`known_elsewhere`)."""
    office = office or user.home_office
    # An age is counted in the office's calendar, as the forms count dates of birth.
    today = timezone.localdate(timezone=office.tzinfo) if office else timezone.localdate()
    found = _gather(search, _user_offices(user))
    candidates = list(found.values())
    for candidate in candidates:
        _score(candidate, search, today)
    candidates.sort(key=lambda c: (-c.score, c.person.pk))
    candidates = candidates[: MAX_CANDIDATES * 2]
    if candidates:
        _attach_cases(user, candidates)
    # Someone known only elsewhere is shown when the identifier or phone says it is them;
    # a mere name match there would tell about another office's clients for nothing.
    strong = {str(REASON_ID), str(REASON_PHONE)}
    candidates = [c for c in candidates if not c.known_elsewhere or strong & set(c.reasons)]
    return candidates[:MAX_CANDIDATES]


MAX_ALIAS_HOPS = 20  # a chain of merges (A into B, B into C) is followed this far


def person_resolve(person_id: int) -> Person | None:
    """The person an id names now: a merged record's id leads to the record it was merged
    into (an alias), so links, imports and the access log naming it still find the person.
    One query per merge in the chain (none in most cases: one query in all)."""
    person = Person.objects.select_related("office").filter(pk=person_id).first()
    hops = 0
    while person is not None and person.merged_into_id is not None and hops < MAX_ALIAS_HOPS:
        person = Person.objects.select_related("office").filter(pk=person.merged_into_id).first()
        hops += 1
    return person


def person_for_registration(user: User, person_id: int) -> Person | None:
    """A person the user may open a case for (or add as a relative): one they may see in full.
    A merged record's id resolves to the record it was merged into."""
    person = person_resolve(person_id)
    if person is None or person.anonymised_at is not None:
        return None
    candidate = Candidate(person=person, score=0, reasons=[])
    _attach_cases(user, [candidate])
    return None if candidate.known_elsewhere else person
