"""Writes of two-step sign-in: enrolment, the code at sign-in, backup codes, turning it off,
and the reset by an administrator or the office's manager. Each writes its AccountEvent."""

import math
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..audit import account_event_record
from ..models import AccountAction, User
from .rules import reset_refusal, second_factor_required

APP_DEVICE_NAME = "authenticator app"
BACKUP_DEVICE_NAME = "backup codes"
_NOT_CODE_CHARACTERS = re.compile(r"[\s\-]+")


class SecondFactorError(Exception):
    """Bad input at a two-step page: the message is for the person; nothing changed."""


class WrongCode(SecondFactorError):
    pass


class CodeThrottled(SecondFactorError):
    """Too many wrong codes just now: no code is checked until the wait is over."""


# --- reads ----------------------------------------------------------------------------------


def second_factor_device(user: User) -> TOTPDevice | None:
    """The person's confirmed authenticator app, or None when two-step sign-in is off."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def code_normalise(code: str) -> str:
    """What was typed, without the spaces and dashes people add, in lower case."""
    return _NOT_CODE_CHARACTERS.sub("", code or "").lower()


def _device_for_code(user: User, code: str) -> Device | None:
    """Six digits are a code from the app; anything else is tried as a backup code."""
    if code.isdigit() and len(code) == 6:
        return second_factor_device(user)
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


# --- checking a code -----------------------------------------------------------------------


def _throttle_message(info: dict[str, Any] | None) -> str:
    locked_until = (info or {}).get("locked_until")
    seconds = 1
    if locked_until is not None:
        seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    return ngettext(
        "Too many wrong codes in a row. Wait %(seconds)d second, then enter a new code.",
        "Too many wrong codes in a row. Wait %(seconds)d seconds, then enter a new code.",
        seconds,
    ) % {"seconds": seconds}


def _code_check(device: Device | None, code: str) -> str | None:
    """None when `device` accepts `code` (which it then uses up), else why not. Runs inside
    the caller's transaction with the device row locked, so one code is never accepted
    twice by two requests at once; django-otp's throttle counts the failure."""
    if device is None:
        return _("That code is not correct.")
    allowed, info = device.verify_is_allowed()
    if not allowed:
        return _throttle_message(info)
    if device.verify_token(code):
        return None
    return _("That code is not correct.")


def _locked(device: Device | None) -> Device | None:
    if device is None:
        return None
    return type(device).objects.select_for_update().get(pk=device.pk)


def _failure_record(
    *, actor: User, request: HttpRequest | None, device: Device | None, step: str, throttled: bool
) -> None:
    details: dict[str, Any] = {"step": step}
    if device is not None:
        details["code_kind"] = "backup" if isinstance(device, StaticDevice) else "app"
        details["wrong_in_a_row"] = device.throttling_failure_count
    if throttled:
        details["throttled"] = True
    account_event_record(
        action=AccountAction.SECOND_FACTOR_FAILED,
        actor=actor,
        subject=actor,
        request=request,
        details=details,
    )


def _code_use(*, actor: User, code: str, request: HttpRequest | None, step: str) -> Device:
    """Check a code from the app or a backup code for `actor`; return the device that
    accepted it, or record the failure and raise WrongCode / CodeThrottled (committed: the
    throttle and the audit row stay)."""
    code = code_normalise(code)
    with transaction.atomic():
        device = _locked(_device_for_code(actor, code))
        throttled = device is not None and not device.verify_is_allowed()[0]
        problem = _code_check(device, code)
        if problem is not None:
            _failure_record(
                actor=actor, request=request, device=device, step=step, throttled=throttled
            )
    if problem is None:
        return device
    raise (CodeThrottled if throttled else WrongCode)(problem)


def second_factor_verify(*, actor: User, code: str, request: HttpRequest | None = None) -> Device:
    """The second step of signing in: a code from the app (each used once) or a backup code
    (then gone). Raises WrongCode or CodeThrottled, with the failure recorded."""
    return _code_use(actor=actor, code=code, request=request, step="sign_in")


# --- enrolment and backup codes --------------------------------------------------------------


@transaction.atomic
def second_factor_enrolment_begin(*, actor: User) -> TOTPDevice:
    """The not yet confirmed authenticator of an enrolment: one per person, kept until it is
    confirmed, so that a reloaded page shows the secret already scanned."""
    if second_factor_device(actor) is not None:
        raise SecondFactorError(_("Two-step sign-in is already on."))
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name=APP_DEVICE_NAME, confirmed=False)
    return device


def _backup_codes_replace(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": BACKUP_DEVICE_NAME, "confirmed": True}
    )
    device.token_set.all().delete()
    codes: set[str] = set()
    while len(codes) < settings.TWO_FACTOR_BACKUP_CODES:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    device.throttle_reset()
    return sorted(codes)


def second_factor_enrol(*, actor: User, code: str, request: HttpRequest | None = None) -> list[str]:
    """Confirm the enrolment with a current code from the app: two-step sign-in is on, and
    the new backup codes are returned (to be shown once)."""
    code = code_normalise(code)
    with transaction.atomic():
        if second_factor_device(actor) is not None:
            raise SecondFactorError(_("Two-step sign-in is already on."))
        device = _locked(
            TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("pk").first()
        )
        if device is None:
            raise SecondFactorError(_("The set-up has expired. Scan the new QR code below."))
        if device.confirmed:  # confirmed by another tab while this request waited for the lock
            raise SecondFactorError(_("Two-step sign-in is already on."))
        throttled = not device.verify_is_allowed()[0]
        problem = _code_check(device, code) if code.isdigit() else _("Enter the 6 digits.")
        if problem is None:
            return _enrolment_confirm(actor=actor, device=device, request=request)
        _failure_record(
            actor=actor, request=request, device=device, step="enrolment", throttled=throttled
        )
    raise (CodeThrottled if throttled else WrongCode)(problem)


def _enrolment_confirm(*, actor: User, device: TOTPDevice, request: HttpRequest | None):
    device.confirmed = True
    device.created_at = timezone.now()  # "on since": the confirmation, not the first visit
    device.save(update_fields=["confirmed", "created_at"])
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    codes = _backup_codes_replace(actor)
    account_event_record(
        action=AccountAction.SECOND_FACTOR_ENROLLED, actor=actor, subject=actor, request=request
    )
    account_event_record(
        action=AccountAction.BACKUP_CODES_CREATED,
        actor=actor,
        subject=actor,
        request=request,
        details={"count": len(codes)},
    )
    return codes


@transaction.atomic
def backup_codes_create(*, actor: User, request: HttpRequest | None = None) -> list[str]:
    """New backup codes for the person; the old ones stop working."""
    if second_factor_device(actor) is None:
        raise SecondFactorError(_("Turn on two-step sign-in first."))
    codes = _backup_codes_replace(actor)
    account_event_record(
        action=AccountAction.BACKUP_CODES_CREATED,
        actor=actor,
        subject=actor,
        request=request,
        details={"count": len(codes)},
    )
    return codes


# --- turning it off, and the reset -----------------------------------------------------------


def _devices_delete(user: User) -> int:
    """Remove every device of the person; the number of confirmed ones there were."""
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).count()
    confirmed += StaticDevice.objects.filter(user=user, confirmed=True).count()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()  # their tokens go with them
    return confirmed


def second_factor_disable(*, actor: User, code: str, request: HttpRequest | None = None) -> None:
    """A person whose role does not require it turns two-step sign-in off, proving it with a
    current code (or a backup code)."""
    if second_factor_required(actor):
        raise SecondFactorError(
            _("Your role requires two-step sign-in, so it cannot be turned off.")
        )
    if second_factor_device(actor) is None:
        raise SecondFactorError(_("Two-step sign-in is already off."))
    _code_use(actor=actor, code=code, request=request, step="turn_off")
    with transaction.atomic():
        _devices_delete(actor)
        account_event_record(
            action=AccountAction.SECOND_FACTOR_RESET,
            actor=actor,
            subject=actor,
            request=request,
            details={"turned_off_by_owner": True},
        )


@transaction.atomic
def second_factor_reset(*, subject: User, actor: User, request: HttpRequest | None = None) -> int:
    """An administrator, or the manager of the person's office, removes the person's
    authenticator and backup codes (a lost phone): they enrol again at their next sign-in
    if their role requires it. Returns how many devices were removed."""
    refusal = reset_refusal(actor, subject)
    if refusal is not None:
        raise PermissionDenied(refusal)
    removed = _devices_delete(subject)
    if not removed:
        raise SecondFactorError(
            _("%(person)s has no two-step sign-in to reset.") % {"person": subject}
        )
    account_event_record(
        action=AccountAction.SECOND_FACTOR_RESET,
        actor=actor,
        subject=subject,
        request=request,
        details={"devices_removed": removed},
    )
    return removed
