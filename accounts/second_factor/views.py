"""The two-step pages: enrolment and status, the code at sign-in, backup codes, turning it
off, and the reset of another person's by an administrator or their office's manager."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ..models import User
from . import services, state
from .forms import CodeForm
from .qr import qr_svg, secret_for_typing
from .rules import may_reset_second_factors, resettable_users, second_factor_required


class SignedInRequest(HttpRequest):
    """A request behind login_required: its user is a User (for the type checker)."""

    user: User


TEMPLATES = "accounts/second_factor/"


def _safe_next(request: SignedInRequest, candidate: str | None = None) -> str:
    """Where to go after a step: `next` if it is a page of this site, else the start page."""
    target = (
        candidate
        if candidate is not None
        else request.POST.get("next") or request.GET.get("next", "")
    )
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


# --- enrolment and status --------------------------------------------------------------------


@login_required
def second_factor_page(request: SignedInRequest) -> HttpResponse:
    """The person's own two-step sign-in: enrolment while it is off, the status once on."""
    device = services.second_factor_device(request.user)
    if device is None:
        return _enrolment(request)
    return _status(request, device)


def _enrolment_form(request: SignedInRequest) -> CodeForm:
    return CodeForm(
        request.POST if request.method == "POST" else None,
        label=_("Code from your authenticator app"),
        help_text=_("6 digits. A new code appears every 30 seconds."),
        numeric=True,
        autofocus=request.method == "POST",
    )


def _enrolment(request: SignedInRequest) -> HttpResponse:
    form = _enrolment_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.second_factor_enrol(
                actor=request.user, code=form.cleaned_data["code"], request=request
            )
        except services.SecondFactorError as exc:
            form.add_error("code", str(exc))
        else:
            state.session_verified(request, services.second_factor_device(request.user))
            state.backup_codes_keep(request, codes)
            messages.success(request, _("Two-step sign-in is on."))
            return redirect(_with_next("second_factor_backup_codes", _safe_next(request)))
    device = services.second_factor_enrolment_begin(actor=request.user)
    owed = state.session_state(request) == state.ENROL
    context = {
        "form": form,
        "qr_code": qr_svg(device.config_url, title=_("QR code for your authenticator app")),
        "secret": secret_for_typing(device),
        "owed": owed,
        "required": second_factor_required(request.user),
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, TEMPLATES + "enrol.html", context, status=400 if form.errors else 200)


def _status(request: SignedInRequest, device, disable_form: CodeForm | None = None) -> HttpResponse:
    required = second_factor_required(request.user)
    context = {
        "device": device,
        "codes_left": services.backup_codes_left(request.user),
        "required": required,
        "disable_form": disable_form or _disable_form(None),
    }
    status = 400 if disable_form is not None and disable_form.errors else 200
    return render(request, TEMPLATES + "status.html", context, status=status)


def _disable_form(data) -> CodeForm:
    return CodeForm(
        data,
        prefix="off",
        label=_("Current code from your app, or a backup code"),
        autofocus=data is not None,
    )


@login_required
@require_POST
def second_factor_disable(request: SignedInRequest) -> HttpResponse:
    device = services.second_factor_device(request.user)
    if device is None:
        messages.info(request, _("Two-step sign-in is already off."))
        return redirect("second_factor")
    form = _disable_form(request.POST)
    if form.is_valid():
        try:
            services.second_factor_disable(
                actor=request.user, code=form.cleaned_data["code"], request=request
            )
        except services.SecondFactorError as exc:
            form.add_error("code", str(exc))
        else:
            messages.success(request, _("Two-step sign-in is off."))
            return redirect("second_factor")
    return _status(request, device, disable_form=form)


@login_required
def second_factor_backup_codes(request: SignedInRequest) -> HttpResponse:
    """POST: new backup codes (the old ones stop working). GET: the new codes, shown once."""
    if request.method == "POST":
        try:
            codes = services.backup_codes_create(actor=request.user, request=request)
        except services.SecondFactorError as exc:
            messages.error(request, str(exc))
            return redirect("second_factor")
        state.backup_codes_keep(request, codes)
        return redirect("second_factor_backup_codes")
    codes = state.backup_codes_take(request)
    if not codes:
        messages.info(
            request, _("Backup codes are shown only once. Create new ones if you need them.")
        )
        return redirect("second_factor")
    context = {"codes": codes, "next": _safe_next(request)}
    response = render(request, TEMPLATES + "backup_codes.html", context)
    response["Cache-Control"] = "no-store"  # the codes must not stay in a browser's cache
    return response


# --- the second step of signing in -----------------------------------------------------------


def _verify_form(request: SignedInRequest) -> CodeForm:
    return CodeForm(
        request.POST if request.method == "POST" else None,
        label=_("Code from your authenticator app, or a backup code"),
        help_text=_("6 digits from the app, or one of your backup codes."),
        autofocus=True,
    )


@login_required
def second_factor_verify(request: SignedInRequest) -> HttpResponse:
    owed = state.session_state(request)
    if owed == state.VERIFY and services.second_factor_device(request.user) is None:
        owed = state.state_for_user(request.user)  # reset meanwhile by an administrator
        request.session[state.SESSION_KEY] = owed
    if owed == state.ENROL:
        return redirect(_with_next("second_factor", _safe_next(request)))
    if owed != state.VERIFY:
        return redirect(_safe_next(request))
    form = _verify_form(request)
    if request.method == "POST" and form.is_valid():
        response = _verify_code(request, form)
        if response is not None:
            return response
    context = {
        "form": form,
        "owed": True,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, TEMPLATES + "verify.html", context, status=400 if form.errors else 200)


def _verify_code(request: SignedInRequest, form: CodeForm) -> HttpResponse | None:
    """A redirect when the code is right or the tries are used up; None to show the form
    again with the error."""
    try:
        device = services.second_factor_verify(
            actor=request.user, code=form.cleaned_data["code"], request=request
        )
    except services.CodeThrottled as exc:
        form.add_error("code", str(exc))
        return None
    except services.SecondFactorError as exc:
        failures = state.failure_count_add(request)
        left = settings.TWO_FACTOR_MAX_WRONG_CODES - failures
        if left <= 0:
            logout(request)
            messages.error(
                request,
                _("You were signed out after %(count)d wrong codes. Sign in again.")
                % {"count": failures},
            )
            return redirect("login")
        tries = ngettext("%(left)d try left.", "%(left)d tries left.", left) % {"left": left}
        form.add_error("code", f"{exc} {tries}")
        return None
    state.session_verified(request, device)
    return redirect(_safe_next(request))


# --- the reset by an administrator or the office's manager --------------------------------


@login_required
@require_POST
def second_factor_reset(request: SignedInRequest, user_id: int) -> HttpResponse:
    if not may_reset_second_factors(request.user):
        raise PermissionDenied(
            _("Only an administrator or the manager of the person's office can reset it.")
        )
    subject = get_object_or_404(resettable_users(request.user), pk=user_id)
    try:
        services.second_factor_reset(subject=subject, actor=request.user, request=request)
    except services.SecondFactorError as exc:
        messages.info(request, str(exc))
    else:
        messages.success(
            request,
            _(
                "Two-step sign-in of %(person)s is reset. If their role requires it, they set "
                "it up again at their next sign-in."
            )
            % {"person": subject},
        )
    return redirect(_safe_next(request, request.POST.get("next") or request.headers.get("referer")))
