"""Staff -> Webhooks: an office's endpoints (list, register, change), the secret shown once
(at registration and rotation), deactivation, a test ping, and the recent deliveries with a
retry of failed ones.

Who: an office's administrators (a superuser or national administrator chooses any office);
anyone else 403, an office or endpoint outside theirs 404. Thin: a form, one service, render.
A refused change is the page again with the reason (400), nothing changed.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.models import Office
from accounts.staff_rules import manages_every_office, office_page_context

from . import webhooks
from .models import DeliveryStatus, WebhookEndpoint
from .webhook_forms import WebhookEndpointForm

# The new secret waits here (the server-side session) for the one page that shows it.
SECRET_SESSION_KEY = "webhook_secret_once"


def _office_or_404(request) -> Office:
    user = request.user
    if not webhooks.may_manage_webhooks(user):
        raise PermissionDenied(_("Only administrators manage webhooks."))
    wanted = request.GET.get("office") or request.POST.get("office")
    offices = webhooks.webhook_offices(user)
    if not manages_every_office(user) and wanted in (None, "", str(user.home_office_id)):
        return user.home_office  # loaded with the user: no query
    try:
        office = offices.filter(pk=int(wanted)).first() if wanted else None
    except (TypeError, ValueError):
        office = None
    if office is None and not wanted:
        office = offices.filter(pk=user.home_office_id).first() or offices.order_by("name").first()
    if office is None:
        raise Http404(_("No such office, or not one you configure."))
    return office


def _endpoint_or_404(office: Office, endpoint_id: int) -> WebhookEndpoint:
    endpoint = webhooks.webhook_endpoint_of_office(office, endpoint_id)
    if endpoint is None:
        raise Http404(_("No such webhook endpoint in this office."))
    return endpoint


def _context(request, office: Office, **extra) -> dict:
    return {**office_page_context(request.user, office), **extra}


def _detail_url(request, endpoint: WebhookEndpoint) -> str:
    url = reverse("webhook_detail", args=[endpoint.pk])
    if manages_every_office(request.user):
        url += f"?office={endpoint.office_id}"
    return url


def _show_secret_once(request, endpoint: WebhookEndpoint, secret: str) -> None:
    request.session[SECRET_SESSION_KEY] = {"endpoint": endpoint.pk, "secret": secret}


def _refusals_as_messages(view):
    """A service's refusal on a POST-only action: the message on the endpoint's page."""

    @wraps(view)
    def wrapped(request, endpoint_id: int, *args, **kwargs):
        office = _office_or_404(request)
        endpoint = _endpoint_or_404(office, endpoint_id)
        try:
            view(request, endpoint, *args, **kwargs)
        except webhooks.WebhookError as exc:
            messages.error(request, exc.message)
        return redirect(_detail_url(request, endpoint))

    return wrapped


@login_required
def webhook_list(request):
    office = _office_or_404(request)
    return render(
        request,
        "notifications/webhooks/list.html",
        _context(request, office, endpoints=webhooks.webhook_endpoints_of_office(office)),
    )


@login_required
def webhook_new(request):
    office = _office_or_404(request)
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = webhooks.webhook_endpoint_create(
                actor=request.user,
                office=office,
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                events=form.cleaned_data["events"],
            )
        except webhooks.WebhookError as exc:
            form.add_error(exc.field or None, exc.message)
        else:
            _show_secret_once(request, endpoint, secret)
            messages.success(request, _("The endpoint was registered."))
            return redirect(_detail_url(request, endpoint))
    return render(
        request,
        "notifications/webhooks/form.html",
        _context(request, office, form=form, endpoint=None),
        status=400 if request.method == "POST" else 200,
    )


@login_required
@never_cache
def webhook_detail(request, endpoint_id: int):
    office = _office_or_404(request)
    endpoint = _endpoint_or_404(office, endpoint_id)
    shown = request.session.get(SECRET_SESSION_KEY)
    secret = None
    if shown and shown.get("endpoint") == endpoint.pk:
        secret = shown["secret"]
        del request.session[SECRET_SESSION_KEY]  # once: a reload shows it no more
    deliveries = webhooks.webhook_deliveries_recent(endpoint)
    return render(
        request,
        "notifications/webhooks/detail.html",
        _context(
            request,
            office,
            endpoint=endpoint,
            secret=secret,
            deliveries=deliveries,
            any_failed=any(d.status == DeliveryStatus.FAILED for d in deliveries),
            recent_limit=webhooks.RECENT_DELIVERIES,
        ),
    )


@login_required
def webhook_edit(request, endpoint_id: int):
    office = _office_or_404(request)
    endpoint = _endpoint_or_404(office, endpoint_id)
    initial = {"url": endpoint.url, "description": endpoint.description, "events": endpoint.events}
    form = WebhookEndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            webhooks.webhook_endpoint_update(
                actor=request.user,
                endpoint=endpoint,
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                events=form.cleaned_data["events"],
            )
        except webhooks.WebhookError as exc:
            form.add_error(exc.field or None, exc.message)
        else:
            messages.success(request, _("The endpoint was saved."))
            return redirect(_detail_url(request, endpoint))
    return render(
        request,
        "notifications/webhooks/form.html",
        _context(request, office, form=form, endpoint=endpoint),
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
@_refusals_as_messages
def webhook_rotate(request, endpoint: WebhookEndpoint):
    secret = webhooks.webhook_endpoint_rotate_secret(actor=request.user, endpoint=endpoint)
    _show_secret_once(request, endpoint, secret)
    messages.success(request, _("A new secret was made."))


@login_required
@require_POST
@_refusals_as_messages
def webhook_active(request, endpoint: WebhookEndpoint):
    active = request.POST.get("active") == "1"
    webhooks.webhook_endpoint_set_active(actor=request.user, endpoint=endpoint, active=active)
    if active:
        messages.success(request, _("The endpoint is active again: new events go to it."))
    else:
        messages.success(request, _("The endpoint was deactivated: no events go to it."))


@login_required
@require_POST
@_refusals_as_messages
def webhook_ping(request, endpoint: WebhookEndpoint):
    webhooks.webhook_ping(actor=request.user, endpoint=endpoint)
    messages.success(request, _("A test event is on its way. Reload this page to see how it went."))


@login_required
@require_POST
@_refusals_as_messages
def webhook_retry(request, endpoint: WebhookEndpoint):
    wanted = request.POST.get("delivery")
    ids = None
    if wanted != "all":
        try:
            ids = [int(wanted or "")]
        except ValueError as exc:
            raise Http404(_("No such delivery.")) from exc
    count = webhooks.webhook_deliveries_retry(
        actor=request.user, endpoint=endpoint, delivery_ids=ids
    )
    if count:
        messages.success(
            request, _("Deliveries put back in the outbox: %(count)d.") % {"count": count}
        )
    else:
        messages.warning(request, _("Only failed deliveries can be retried."))
