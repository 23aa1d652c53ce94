"""Which channels a notification uses: user choice, else office default, else role default."""

from dataclasses import dataclass

from accounts.models import Role

from .models import Event, Frequency, NotificationPreference


@dataclass(frozen=True)
class ChannelChoice:
    email: bool
    sms: bool
    frequency: str

    @property
    def is_digest(self) -> bool:
        return self.frequency == Frequency.DIGEST


IMMEDIATE_EMAIL = ChannelChoice(email=True, sms=False, frequency=Frequency.IMMEDIATE)
IMMEDIATE_EMAIL_SMS = ChannelChoice(email=True, sms=True, frequency=Frequency.IMMEDIATE)
DIGEST_EMAIL = ChannelChoice(email=True, sms=False, frequency=Frequency.DIGEST)

# Caseworkers act on their own work at once; missed deadlines and transfers also reach
# them by SMS, which district staff read before e-mail.
_CASEWORKER: dict[str, ChannelChoice] = {
    Event.TASK_ASSIGNED: IMMEDIATE_EMAIL,
    Event.TASK_RETURNED: IMMEDIATE_EMAIL_SMS,
    Event.APPROVAL_REQUESTED: IMMEDIATE_EMAIL,
    Event.APPROVAL_DECIDED: IMMEDIATE_EMAIL,
    Event.SLA_WARNING: IMMEDIATE_EMAIL,
    Event.SLA_BREACH: IMMEDIATE_EMAIL_SMS,
    Event.SLA_ESCALATION: IMMEDIATE_EMAIL_SMS,
    Event.REFERRAL_ACCEPTED: DIGEST_EMAIL,
    Event.REFERRAL_DECLINED: IMMEDIATE_EMAIL,
    Event.REFERRAL_COMPLETED: DIGEST_EMAIL,
    Event.CASE_TRANSFERRED: IMMEDIATE_EMAIL_SMS,
    Event.TRANSFER_REQUESTED: IMMEDIATE_EMAIL,
    Event.TRANSFER_DECLINED: IMMEDIATE_EMAIL,
    Event.TASKS_HANDED_OVER: IMMEDIATE_EMAIL,
    # Someone broke the glass on a restricted case: the owner and supervisor hear at once.
    Event.EMERGENCY_ACCESS: IMMEDIATE_EMAIL_SMS,
    Event.DAILY_DIGEST: IMMEDIATE_EMAIL,
    # Only data protection officers receive it (they hold no other role by default).
    Event.ACCESS_ALERT: IMMEDIATE_EMAIL,
    # Only administrators and superusers receive it: a stuck system does not wait.
    Event.SYSTEM_ALERT: IMMEDIATE_EMAIL,
}
# Supervisors act on approvals and escalations; routine news waits for the digest.
_SUPERVISOR: dict[str, ChannelChoice] = {
    **_CASEWORKER,
    Event.SLA_WARNING: DIGEST_EMAIL,
    Event.REFERRAL_DECLINED: DIGEST_EMAIL,
}
# Managers watch figures: only escalations interrupt them.
_MANAGER: dict[str, ChannelChoice] = {
    **{event: DIGEST_EMAIL for event in Event.values},
    Event.APPROVAL_REQUESTED: IMMEDIATE_EMAIL,
    Event.SLA_ESCALATION: IMMEDIATE_EMAIL_SMS,
    Event.TASKS_HANDED_OVER: IMMEDIATE_EMAIL,
    Event.DAILY_DIGEST: IMMEDIATE_EMAIL,
    Event.ACCESS_ALERT: IMMEDIATE_EMAIL,
    Event.SYSTEM_ALERT: IMMEDIATE_EMAIL,
}

_ROLE_DEFAULTS: list[
    tuple[str, dict[str, ChannelChoice]]
] = [  # the highest role a user holds decides, as for their landing page
    (Role.MANAGER, _MANAGER),
    (Role.SUPERVISOR, _SUPERVISOR),
    (Role.CASEWORKER, _CASEWORKER),
]


def role_default(role_names, event: str) -> ChannelChoice:
    for role, table in _ROLE_DEFAULTS:
        if role in role_names:
            return table[event]
    return _CASEWORKER[event]


def resolve_choice(
    *,
    event: str,
    role_names,
    user_pref=None,
    office_pref=None,
) -> ChannelChoice:
    """Pick the effective choice; `*_pref` are NotificationPreference rows or None."""
    pref = user_pref or office_pref
    if pref is not None:
        choice = ChannelChoice(email=pref.email, sms=pref.sms, frequency=pref.frequency)
    else:
        choice = role_default(role_names, event)
    if event == Event.DAILY_DIGEST and choice.is_digest:
        # A digest cannot wait for itself.
        choice = ChannelChoice(email=choice.email, sms=choice.sms, frequency=Frequency.IMMEDIATE)
    return choice


def office_preferences(office_id: int | None):
    """An office's default choices (none for a user without an office)."""
    if office_id is None:
        return NotificationPreference.objects.none()
    return NotificationPreference.objects.filter(office_id=office_id)
