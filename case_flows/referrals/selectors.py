"""Referral reads: the directory of service providers, a case's referrals, and the
"Referrals to us" list of an internal provider's staff."""

from django.db.models import Case as DbCase
from django.db.models import IntegerField, Q, QuerySet, Value, When

from accounts.models import Office, User

from ..models import Case, Referral, ReferralStatus, ServiceProvider
from ..permissions import CasePerm


def providers_directory(
    query: str = "", *, include_inactive: bool = False, user: User | None = None
) -> QuerySet[ServiceProvider]:
    """The directory: for a user of one office, the providers of that office's country
    and those serving every office; a national user sees them all."""
    qs = ServiceProvider.objects.select_related("office").order_by("name")
    if user is not None and user.home_office_id and not (user.is_national or user.is_superuser):
        country = Office.objects.filter(pk=user.home_office_id).values("jurisdiction")
        qs = qs.filter(Q(office__isnull=True) | Q(office__jurisdiction__in=country))
    if not include_inactive:
        qs = qs.filter(is_active=True)
    query = (query or "").strip()
    if query:
        qs = qs.filter(
            Q(name__icontains=query)
            | Q(services__icontains=query)
            | Q(area__icontains=query)
            | Q(office__name__icontains=query)
        )
    return qs


def providers_for_case(case: Case) -> QuerySet[ServiceProvider]:
    """Active providers serving the case's office (or every office)."""
    return ServiceProvider.objects.filter(is_active=True).filter(
        Q(office__isnull=True) | Q(office_id=case.office_id)
    )


def provider_offered_to(provider: ServiceProvider, case: Case) -> bool:
    """Whether `providers_for_case(case)` lists the provider: the one rule for who a case may
    be referred to (the forms list only these; the service refuses any other)."""
    return provider.is_active and provider.office_id in (None, case.office_id)


def case_referrals(case: Case) -> list[Referral]:
    return list(
        Referral.objects.filter(case=case)
        .select_related("provider", "consent_overridden_by", "responded_by", "created_by")
        .order_by("-created_at", "-pk")
    )


def referrals_to_provider_of(user: User) -> QuerySet[Referral]:
    """The 'Referrals to us' list: only referrals addressed to the user's providers, with
    only the minimum of the case (no notes, no records; of a restricted case, not even the
    reference or the client's name: the templates say "restricted case")."""
    if not user.has_perm(CasePerm.RESPOND_REFERRAL):
        return Referral.objects.none()
    return (
        Referral.objects.filter(provider__members=user, provider__kind="internal")
        .select_related("provider", "case__person")
        .only(
            "pk",
            "service_type",
            "urgency",
            "status",
            "created_at",
            "provider_name",
            "decline_reason",
            "outcome",
            "withdraw_reason",
            "provider_id",
            "case_id",
            "provider__name",
            "provider__kind",
            "case__reference",
            # ConcurrentTransitionMixin reads the stage when a case row loads: deferring it
            # costs one query per referral.
            "case__stage",
            # A restricted case's referral shows neither its reference nor the client's name.
            "case__is_restricted",
            "case__person__given_name",
            "case__person__family_name",
            "case__person__date_of_birth",
        )
        .annotate(
            open_first=DbCase(
                When(status__in=[ReferralStatus.SENT, ReferralStatus.ACCEPTED], then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("open_first", "-created_at", "-pk")
    )


def referral_for_provider_user(user: User, referral_id: int) -> Referral | None:
    return referrals_to_provider_of(user).filter(pk=referral_id).first()
