"""Referral services: send a referral (consent rule and supervisor override), the provider's
answer (accept, decline, complete), withdrawal, and the answer's deadline.

Internal providers answer in the app through their own members (the provider role);
for an external provider the case's caseworker records the answer on the case.
"""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed
from viewflow.workflow.models import Task

from accounts.models import User
from notifications.models import Event
from notifications.outbox import notify
from workflows.errors import Conflict, NotPermitted, WorkflowError
from workflows.queue import task_complete
from workflows.sla.services import sla_clock_open, sla_clock_stop

from .. import timeline
from ..cases.attachments import referral_attachments_set, task_attachments_to_referrals
from ..cases.services import expect_node, require
from ..models import (
    Case,
    CasePlan,
    Referral,
    ServiceProvider,
    Stage,
    Urgency,
)
from ..permissions import CasePerm, can_work_on
from ..restriction import case_notice
from .selectors import provider_offered_to

# Referrals are made while the case is being worked (arranging services or following up).
REFERRAL_STAGES = (Stage.REFERRAL, Stage.FOLLOW_UP)


class ReferralError(WorkflowError):
    pass


def consent_given(case: Case, *, consent_recorded: bool) -> bool:
    """Consent to share: recorded at intake, or on this referral itself."""
    intake = getattr(case, "intake", None)
    return bool(consent_recorded or (intake is not None and intake.consent_to_share))


def may_override_consent(user: User) -> bool:
    return user.has_perm(CasePerm.APPROVE_CASE)


def response_clock_name(urgency: str) -> str:
    return "referral_response_urgent" if urgency == Urgency.URGENT else "referral_response"


def _provider_name(case: Case, provider: ServiceProvider) -> str:
    """A directory provider's name, when it may take this case's referral."""
    if not provider.is_active:
        raise ReferralError(_("This provider is no longer in the directory."))
    if not provider_offered_to(provider, case):
        # The one rule for every path that creates a referral (the case page, the
        # arrange-services task): a provider of another office, or another country, would
        # see this case through its "Referrals to us" list.
        raise ReferralError(
            _("This provider does not serve this case's office; choose one that does.")
        )
    return provider.name


def referral_create(
    *,
    case: Case,
    actor: User,
    service_type: str,
    provider: ServiceProvider | None = None,
    provider_name: str = "",
    urgency: str = Urgency.ROUTINE,
    consent_recorded: bool = False,
    notes: str = "",
    override_reason: str = "",
    attachment_ids=(),
) -> Referral:
    """Record and send one referral, inside the caller's transaction.

    Without consent to share (intake or this referral) the referral is refused, unless a
    supervisor overrides the refusal with a reason: the override is kept on the referral and
    on the case timeline. `attachment_ids`: the case's attachments the provider may see
    (changed later on the case's referrals page).
    """
    service_type = service_type.strip()
    if provider is not None:
        provider_name = _provider_name(case, provider)
    if not (service_type and provider_name.strip()):
        raise ReferralError(_("Each referral needs a service type and a provider."))
    if urgency not in Urgency.values:
        raise ReferralError(_("Choose the urgency."))
    override_reason = override_reason.strip()
    overridden = False
    if not consent_given(case, consent_recorded=consent_recorded):
        if not override_reason:
            raise ReferralError(
                _(
                    "Referral refused: the client has not consented to sharing their "
                    "information. Record the client's consent, or ask a supervisor to "
                    "override the refusal with a reason."
                )
            )
        if not may_override_consent(actor):
            raise NotPermitted(_("Only a supervisor can override a refusal for lack of consent."))
        overridden = True
    referral = Referral.objects.create(
        case=case,
        episode=case.episode,
        created_by=actor,
        service_type=service_type,
        provider=provider,
        provider_name=provider_name.strip(),
        urgency=urgency,
        consent_recorded=bool(consent_recorded),
        notes=notes.strip(),
        consent_overridden_by=actor if overridden else None,
        consent_override_reason=override_reason if overridden else "",
    )
    referral.case = case
    if overridden:
        timeline.referral_changed(
            referral,
            actor=actor,
            action="consent_override",
            comment=override_reason,
            consent_override=True,
        )
    timeline.referral_changed(
        referral, actor=actor, action="sent", comment=referral.notes, urgency=urgency
    )
    if attachment_ids:
        referral_attachments_set(referral=referral, actor=actor, attachment_ids=attachment_ids)
    sla_clock_open(
        subject=referral,
        office=case.office,
        team=case.team,
        owner=case.owner,
        risk=case.risk,
        category=case.category.code,
        kind="stage",
        name=response_clock_name(urgency),
        actor=actor,
    )
    return referral


def referral_send(
    *,
    case: Case,
    actor: User,
    service_type: str,
    provider: ServiceProvider | None = None,
    provider_name: str = "",
    urgency: str = Urgency.ROUTINE,
    consent_recorded: bool = False,
    notes: str = "",
    override_reason: str = "",
) -> Referral:
    """A referral from the case page (while arranging services or following up)."""
    if not can_work_on(actor, case):
        raise NotPermitted(_("You do not have permission to do this."))
    with transaction.atomic():
        locked = (
            Case.objects.select_for_update(of=("self",), no_key=True)
            .select_related("office", "team", "owner", "category")
            .get(pk=case.pk)
        )
        if locked.stage not in REFERRAL_STAGES:
            raise Conflict(
                _("Referrals are made while services are arranged or the case is followed up.")
            )
        return referral_create(
            case=locked,
            actor=actor,
            service_type=service_type,
            provider=provider,
            provider_name=provider_name,
            urgency=urgency,
            consent_recorded=consent_recorded,
            notes=notes,
            override_reason=override_reason,
        )


# --- who may answer ------------------------------------------------------------------------


def is_provider_member(user: User, provider_id: int | None) -> bool:
    if provider_id is None or not user.has_perm(CasePerm.RESPOND_REFERRAL):
        return False
    return ServiceProvider.objects.filter(pk=provider_id, members=user).exists()


def may_record_answer(user: User, referral: Referral) -> bool:
    """Internal provider: its members answer. External (or not in the directory): the
    case's staff record the answer they received."""
    provider = referral.provider
    if provider is not None and provider.is_internal:
        return is_provider_member(user, provider.pk)
    return can_work_on(user, referral.case)


def _locked_referral(referral: Referral) -> Referral:
    locked = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case__owner", "case__office", "provider")
        .get(pk=referral.pk)
    )
    return locked


def _move(referral: Referral, name: str) -> None:
    method = getattr(referral, name)
    if not can_proceed(method):
        raise Conflict(
            _("This referral is %(status)s; it cannot change this way.")
            % {"status": referral.get_status_display()}
        )
    method()


EVENT_BY_ACTION = {
    "accepted": Event.REFERRAL_ACCEPTED,
    "declined": Event.REFERRAL_DECLINED,
    "completed": Event.REFERRAL_COMPLETED,
}


def _tell_owner(referral: Referral, *, action: str, actor: User) -> None:
    case = referral.case
    if case.owner_id is None or case.owner_id == actor.pk:
        return
    owner = case.owner
    if owner is None:  # cannot happen: owner_id is set
        return
    notify(
        recipient=owner,
        event=EVENT_BY_ACTION[action],
        dedupe_key=f"referral:{referral.pk}:{action}",
        link=reverse("case_referrals", args=[case.pk]),
        **case_notice(case, provider=referral.provider_name, service=referral.service_type),
        actor=actor,
    )


def _answer(referral: Referral, *, actor: User, transition: str, action: str, comment: str = ""):
    with transaction.atomic():
        referral = _locked_referral(referral)
        if not may_record_answer(actor, referral):
            raise NotPermitted(_("You may not answer this referral."))
        _move(referral, transition)
        now = timezone.now()
        fields = ["status"]
        if action in ("accepted", "declined"):
            referral.responded_at, referral.responded_by = now, actor
            fields += ["responded_at", "responded_by"]
            sla_clock_stop(subject=referral, kind="stage", outcome="met", actor=actor)
        if action == "declined":
            referral.decline_reason = comment
            fields.append("decline_reason")
        if action == "completed":
            referral.outcome = comment
            referral.closed_at, referral.closed_by = now, actor
            fields += ["outcome", "closed_at", "closed_by"]
        referral.save(update_fields=fields)
        timeline.referral_changed(referral, actor=actor, action=action, comment=comment)
        _tell_owner(referral, action=action, actor=actor)
    return referral


def referral_accept(*, referral: Referral, actor: User, comment: str = "") -> Referral:
    return _answer(
        referral, actor=actor, transition="accept", action="accepted", comment=comment.strip()
    )


def referral_decline(*, referral: Referral, actor: User, reason: str) -> Referral:
    if not reason.strip():
        raise ReferralError(_("Say why the referral is declined."))
    return _answer(
        referral, actor=actor, transition="decline", action="declined", comment=reason.strip()
    )


def referral_complete(*, referral: Referral, actor: User, outcome: str) -> Referral:
    if not outcome.strip():
        raise ReferralError(_("Record the outcome of the service."))
    return _answer(
        referral, actor=actor, transition="complete", action="completed", comment=outcome.strip()
    )


def referral_withdraw(*, referral: Referral, actor: User, reason: str) -> Referral:
    """The case's staff withdraw a referral that is no longer needed."""
    if not reason.strip():
        raise ReferralError(_("Say why the referral is withdrawn."))
    with transaction.atomic():
        referral = _locked_referral(referral)
        if not can_work_on(actor, referral.case):
            raise NotPermitted(_("You do not have permission to do this."))
        _move(referral, "withdraw")
        referral.withdraw_reason = reason.strip()
        referral.closed_at, referral.closed_by = timezone.now(), actor
        referral.save(update_fields=["status", "withdraw_reason", "closed_at", "closed_by"])
        sla_clock_stop(subject=referral, outcome="cancelled", actor=actor)
        timeline.referral_changed(
            referral, actor=actor, action="withdrawn", comment=referral.withdraw_reason
        )
    return referral


def referrals_arrange(
    *, task: Task, actor: User, referrals: list[dict], none_needed: bool = False
) -> list[Referral]:
    expect_node(task, "arrange_referrals")
    require(
        bool(referrals) or none_needed,
        _("Record at least one referral, or confirm that none is needed."),
    )
    for ref in referrals:
        require(
            bool(ref.get("service_type") and (ref.get("provider") or ref.get("provider_name"))),
            _("Each referral needs a service type and a provider."),
        )

    def save_referrals(activation):
        case = activation.process.case
        created = []
        for ref in referrals:
            created.append(
                referral_create(
                    case=case,
                    actor=actor,
                    service_type=ref["service_type"],
                    provider=ref.get("provider"),
                    provider_name=ref.get("provider_name") or "",
                    urgency=ref.get("urgency") or "routine",
                    consent_recorded=bool(ref.get("consent_recorded")),
                    notes=ref.get("notes", ""),
                    override_reason=ref.get("override_reason", ""),
                    attachment_ids=ref.get("attachments") or (),
                )
            )
        task_attachments_to_referrals(task=task, referrals=created)
        if none_needed and not referrals:
            plan = case._latest(CasePlan)
            if plan is not None and not plan.no_referral_needed:
                plan.no_referral_needed = True
                plan.save(update_fields=["no_referral_needed"])
        timeline.referrals_arranged(case, actor=actor, count=len(created))
        return created

    return task_complete(task=task, actor=actor, work=save_referrals)
