"""Household writes: recording a client's household, members joining, moving and leaving,
and their monthly incomes. One transaction each, the person's row locked while their
membership changes, one timeline event per change on the case it was made from.

The relation flag `PersonRelation.same_household` predates households and follows them: a
member joining sets it on their relations with the household's current members, one leaving
clears it; a relative added "in the same household" joins the client's household."""

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from workflows.errors import Conflict, NotPermitted, WorkflowError

from .. import timeline
from ..cases.services import case_add_relative, person_create
from ..models import (
    Case,
    HeadRelationship,
    Household,
    HouseholdMember,
    Income,
    Person,
    PersonRelation,
    Relationship,
    Stage,
)
from ..permissions import can_work_on

ONE_DAY = datetime.timedelta(days=1)


class HouseholdError(WorkflowError):
    pass


class InAnotherHousehold(Conflict):
    """The person is a current member of another household: the page offers to move them."""

    def __init__(self, message, membership: HouseholdMember):
        super().__init__(message)
        self.membership = membership


def _may_change(case: Case, actor: User) -> None:
    if not can_work_on(actor, case):
        raise NotPermitted(_("You do not have permission to do this."))
    if case.stage == Stage.CLOSED:
        raise HouseholdError(_("Reopen the case before changing it."))


def _office_today(case: Case) -> datetime.date:
    return timezone.localdate(timezone=case.office.tzinfo)


def _lock_person(person: Person) -> Person:
    """Membership changes of one person run one at a time (the current-membership rule)."""
    return Person.objects.select_for_update().get(pk=person.pk)


def _relations_follow(*, person_id: int, household_id: int, together: bool) -> None:
    """The person's relations with the household's other current members say whether they
    live together (`same_household`), as the household now does."""
    others = HouseholdMember.objects.filter(
        household_id=household_id, to_date__isnull=True
    ).exclude(person_id=person_id)
    PersonRelation.objects.filter(
        Q(person_id=person_id, relative_id__in=others.values("person_id"))
        | Q(relative_id=person_id, person_id__in=others.values("person_id"))
    ).exclude(same_household=together).update(same_household=together)


def _join(
    *,
    person: Person,
    household: Household,
    relationship_to_head: str,
    lives_here: bool,
    from_date: datetime.date,
    move: bool,
) -> tuple[HouseholdMember, HouseholdMember | None]:
    """Open the person's membership; with `move`, close their current one the day before.
    Returns the new membership and the closed one (if any)."""
    _lock_person(person)
    current = (
        HouseholdMember.objects.select_for_update()
        .filter(person=person, to_date__isnull=True)
        .select_related("household")
        .first()
    )
    if current is not None:
        if current.household_id == household.pk:
            raise HouseholdError(_("This person is already a member of this household."))
        if not move:
            raise InAnotherHousehold(
                _(
                    "%(name)s already lives in another household (since %(date)s). "
                    "Move them to this one?"
                )
                % {"name": person, "date": current.from_date.isoformat()},
                current,
            )
        if from_date <= current.from_date:
            raise HouseholdError(
                _("The move must come after they joined their current household (%(date)s).")
                % {"date": current.from_date.isoformat()}
            )
        current.to_date = from_date - ONE_DAY
        current.save(update_fields=["to_date"])
        _relations_follow(person_id=person.pk, household_id=current.household_id, together=False)
    try:
        with transaction.atomic():
            member = HouseholdMember.objects.create(
                household=household,
                person=person,
                relationship_to_head=relationship_to_head,
                lives_here=lives_here,
                from_date=from_date,
            )
    except IntegrityError as exc:  # a membership opened meanwhile despite the lock
        raise Conflict(_("This person's household changed meanwhile; try again.")) from exc
    _relations_follow(person_id=person.pk, household_id=household.pk, together=lives_here)
    return member, current


@transaction.atomic
def household_create_for(
    *, case: Case, actor: User, address: str = "", from_date: datetime.date | None = None
) -> Household:
    """Record the client's household, with the client as its head."""
    _may_change(case, actor)
    from_date = from_date or _office_today(case)
    if from_date > _office_today(case):
        raise HouseholdError(_("The date cannot be in the future."))
    household = Household.objects.create(
        office=case.office, address=(address or case.person.address).strip(), created_by=actor
    )
    _join(
        person=case.person,
        household=household,
        relationship_to_head=HeadRelationship.HEAD,
        lives_here=True,
        from_date=from_date,
        move=False,
    )
    timeline.household_changed(
        case, actor=actor, action="household_created", household=household.pk
    )
    return household


@transaction.atomic
def member_add(
    *,
    case: Case,
    household: Household,
    actor: User,
    relationship_to_head: str,
    from_date: datetime.date,
    lives_here: bool = True,
    person: Person | None = None,
    given_name: str = "",
    family_name: str = "",
    date_of_birth: datetime.date | None = None,
    move: bool = False,
) -> HouseholdMember:
    """Add an existing person (one of the client's relatives), or a new one by name, from
    `from_date`. A person living in another household is moved only with `move`."""
    _may_change(case, actor)
    if from_date > _office_today(case):
        raise HouseholdError(_("The date cannot be in the future."))
    if person is None:
        person = person_create(
            actor=actor,
            office=case.office,
            given_name=given_name,
            family_name=family_name,
            date_of_birth=date_of_birth,
        )
    member, closed = _join(
        person=person,
        household=household,
        relationship_to_head=relationship_to_head,
        lives_here=lives_here,
        from_date=from_date,
        move=move,
    )
    timeline.household_changed(
        case,
        actor=actor,
        action="member_moved_in" if closed is not None else "member_added",
        household=household.pk,
        person=person.pk,
        kind=relationship_to_head,
        date=from_date.isoformat(),
    )
    return member


@transaction.atomic
def member_move_out(
    *, case: Case, member: HouseholdMember, actor: User, to_date: datetime.date
) -> HouseholdMember:
    """The member left the household on `to_date` (their last day there)."""
    _may_change(case, actor)
    member = HouseholdMember.objects.select_for_update().get(pk=member.pk)
    if member.to_date is not None:
        raise Conflict(_("This person has already moved out."))
    if to_date < member.from_date:
        raise HouseholdError(
            _("The date they moved out cannot be before they joined (%(date)s).")
            % {"date": member.from_date.isoformat()}
        )
    member.to_date = to_date
    member.save(update_fields=["to_date"])
    _relations_follow(person_id=member.person_id, household_id=member.household_id, together=False)
    timeline.household_changed(
        case,
        actor=actor,
        action="member_moved_out",
        household=member.household_id,
        person=member.person_id,
        date=to_date.isoformat(),
    )
    return member


# A relative's relationship to the client, as a relationship to the head when the client is
# the head of the household (a caregiver need not be related).
TO_HEAD: dict[str, str] = {
    Relationship.PARENT: HeadRelationship.PARENT,
    Relationship.CAREGIVER: HeadRelationship.OTHER,
    Relationship.CHILD: HeadRelationship.CHILD,
    Relationship.SIBLING: HeadRelationship.SIBLING,
    Relationship.GRANDPARENT: HeadRelationship.GRANDPARENT,
    Relationship.SPOUSE: HeadRelationship.SPOUSE,
    Relationship.OTHER: HeadRelationship.OTHER_RELATIVE,
}


def relationship_to_head(relationship: str, client_is_head: bool) -> str:
    if client_is_head or relationship == Relationship.CAREGIVER:
        return TO_HEAD.get(relationship, HeadRelationship.OTHER_RELATIVE)
    return HeadRelationship.OTHER_RELATIVE


@transaction.atomic
def relative_add(*, case: Case, actor: User, same_household: bool = True, **details):
    """A relative or caregiver of the client (cases.services.case_add_relative: a person
    already registered or a new one). One living in the same household also joins the
    client's household from today (recorded now, at the client's address, if there is none;
    moved from another household they live in). All of it or nothing."""
    relation = case_add_relative(case=case, actor=actor, same_household=same_household, **details)
    if not same_household:
        return relation
    client = (
        HouseholdMember.objects.filter(person_id=case.person_id, to_date__isnull=True)
        .select_related("household")
        .first()
    )
    household = (
        client.household if client is not None else household_create_for(case=case, actor=actor)
    )
    already = HouseholdMember.objects.filter(
        household=household, person_id=relation.relative_id, to_date__isnull=True
    ).exists()
    if not already:
        member_add(
            case=case,
            household=household,
            actor=actor,
            person=relation.relative,
            relationship_to_head=relationship_to_head(
                relation.relationship,
                client is None or client.relationship_to_head == HeadRelationship.HEAD,
            ),
            from_date=_office_today(case),
            move=True,
        )
    return relation


def _check_income(*, household: Household, person_id: int, month: datetime.date, amount) -> None:
    if month.day != 1:
        raise HouseholdError(_("Give the month, not a day."))
    if amount is None or Decimal(amount) < 0:
        raise HouseholdError(_("An income cannot be negative."))
    month_end = (month + datetime.timedelta(days=32)).replace(day=1) - ONE_DAY
    member = HouseholdMember.objects.filter(
        household=household, person_id=person_id, from_date__lte=month_end
    ).exclude(to_date__lt=month)
    if not member.exists():
        raise HouseholdError(_("This person was not a member of the household in that month."))


def _upsert(*, household: Household, person_id: int, month, source: str, amount, note: str):
    income, _created = Income.objects.update_or_create(
        household=household,
        person_id=person_id,
        month=month,
        source=source,
        defaults={"amount": Decimal(amount).quantize(Decimal("0.01")), "note": note.strip()},
    )
    return income


@transaction.atomic
def income_record(
    *,
    case: Case,
    household: Household,
    actor: User,
    person: Person,
    month: datetime.date,
    source: str,
    amount: Decimal,
    note: str = "",
) -> Income:
    """Record (or correct) one member's income from one source in one month."""
    _may_change(case, actor)
    _check_income(household=household, person_id=person.pk, month=month, amount=amount)
    income = _upsert(
        household=household,
        person_id=person.pk,
        month=month,
        source=source,
        amount=amount,
        note=note,
    )
    timeline.household_changed(
        case,
        actor=actor,
        action="income_recorded",
        household=household.pk,
        person=person.pk,
        source=source,
        period=f"{month:%Y-%m}",
    )
    return income


@transaction.atomic
def income_delete(*, case: Case, income: Income, actor: User) -> None:
    _may_change(case, actor)
    timeline.household_changed(
        case,
        actor=actor,
        action="income_deleted",
        household=income.household_id,
        person=income.person_id,
        source=income.source,
        period=f"{income.month:%Y-%m}",
    )
    income.delete()


@transaction.atomic
def income_month_set(
    *,
    case: Case,
    household: Household,
    actor: User,
    month: datetime.date,
    rows: list[dict],
) -> int:
    """The month's incomes as one form gives them: each row (person_id, source, amount,
    note) is recorded, and the month's other incomes of the household removed. All rows or
    none. Returns the number of incomes the month now holds."""
    _may_change(case, actor)
    keep = set()
    for row in rows:
        key = (row["person_id"], row["source"])
        if key in keep:
            raise HouseholdError(_("Each member's source appears once per month."))
        keep.add(key)
        _check_income(
            household=household, person_id=row["person_id"], month=month, amount=row["amount"]
        )
        _upsert(household=household, month=month, **row)
    stale = [
        income.pk
        for income in Income.objects.filter(household=household, month=month)
        if (income.person_id, income.source) not in keep
    ]
    Income.objects.filter(pk__in=stale).delete()
    timeline.household_changed(
        case,
        actor=actor,
        action="income_recorded",
        household=household.pk,
        period=f"{month:%Y-%m}",
    )
    return len(keep)
