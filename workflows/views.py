"""Thin views: pause and resume an SLA clock the user can see (POST, then back)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import SlaPauseForm
from .sla.selectors import visible_clocks
from .sla.services import SlaError, sla_clock_pause, sla_clock_resume


def _back(request):
    target = request.POST.get("next") or request.headers.get("referer") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("home")


def _clock(request, pk):
    clock = visible_clocks(request.user).filter(pk=pk).first()
    if clock is None:
        raise Http404
    # A subject may narrow its own visibility (a restricted case: its access list only).
    visible_to = getattr(clock.subject, "visible_to", None)
    if visible_to is not None and not visible_to(request.user):
        raise Http404
    return clock


@login_required
@require_POST
def sla_clock_pause_view(request, pk: int):
    clock = _clock(request, pk)
    form = SlaPauseForm(request.POST, clock=clock)
    if not form.is_valid():
        messages.error(request, _("This deadline cannot be paused for this reason."))
        return _back(request)
    try:
        sla_clock_pause(
            clock=clock,
            reason=form.cleaned_data["reason"],
            comment=form.cleaned_data["comment"],
            actor=request.user,
        )
    except SlaError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The deadline is paused."))
    return _back(request)


@login_required
@require_POST
def sla_clock_resume_view(request, pk: int):
    clock = _clock(request, pk)
    try:
        sla_clock_resume(clock=clock, actor=request.user)
    except SlaError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The deadline is running again."))
    return _back(request)
