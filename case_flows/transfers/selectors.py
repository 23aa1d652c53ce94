"""Transfer reads: the requests a receiving supervisor may decide, the caseworkers of an
office, and a case's pending transfer."""

from django.db.models import QuerySet

from accounts.models import Role, User
from accounts.scope import scope_for

from ..models import Case, CaseTransfer, TransferStatus
from ..permissions import CasePerm


def transfers_to_receiver(user: User) -> QuerySet[CaseTransfer]:
    """Transfers to the user's home office, for its supervisors (every office for a national
    user), whatever their status: who may answer one (the API's 409 for an answered one)."""
    if not user.has_perm(CasePerm.ALLOCATE_CASE):
        return CaseTransfer.objects.none()
    qs = CaseTransfer.objects.all()
    if not scope_for(user).all_offices:
        if Role.SUPERVISOR not in user.role_names or not user.home_office_id:
            return CaseTransfer.objects.none()
        qs = qs.filter(to_office_id=user.home_office_id)
    return qs.select_related(
        "case__person", "case__category", "from_office", "to_office", "requested_by"
    ).order_by("requested_at", "pk")


def transfers_incoming_for(user: User) -> QuerySet[CaseTransfer]:
    """Pending transfers the user may decide: to their home office, for its supervisors."""
    return transfers_to_receiver(user).filter(status=TransferStatus.REQUESTED)


def transfer_for_receiver(user: User, transfer_id: int) -> CaseTransfer | None:
    return transfers_incoming_for(user).filter(pk=transfer_id).first()


def caseworkers_of_office(office_id: int) -> QuerySet[User]:
    return (
        User.objects.filter(
            is_active=True, groups__name=Role.CASEWORKER, teams__office_id=office_id
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def pending_transfer_of(case: Case) -> CaseTransfer | None:
    return (
        CaseTransfer.objects.filter(case=case, status=TransferStatus.REQUESTED)
        .select_related("to_office", "requested_by")
        .first()
    )
