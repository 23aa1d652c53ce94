"""The browser pages of API credentials: a person's own tokens (Account → API tokens) and an
office's API clients (Staff → API clients). Thin: a form, one service, a page.

A token's value and a client's secret are shown once, on the page that answers the POST
that made them (never stored, never in a redirect or the session), with `no-store`.
"""

from __future__ import annotations

import uuid
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Office
from accounts.staff_rules import office_page_context

from . import clients as client_services
from . import tokens as token_services
from .forms import ApiClientForm, PersonalTokenForm
from .models import ApiClient, PersonalToken
from .scopes import scope_choices


def refusals_as_403(view):
    """A service's own refusal (PermissionError) is a 403 page, not a 500."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc

    return wrapped


def _put_on_form(form, exc: token_services.CredentialError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def _scope_labels(scopes: list[str]) -> list[str]:
    described = scope_choices()
    return [str(described.get(scope, scope)) for scope in scopes]


def _token_url() -> str:
    return settings.SITE_URL.rstrip("/") + settings.API_TOKEN_URL


# --- personal tokens ---------------------------------------------------------------------------


# The form submissions that made a token (the session keeps the last 20): a reload of the
# answer does not make a second one.
_TOKENS_SUBMITTED = "api_tokens_submitted"


def _require_token_holder(user) -> None:
    if not token_services.may_hold_personal_token(user):
        raise PermissionDenied(_("Only active members of staff may create API tokens."))


@login_required
def token_list(request):
    _require_token_holder(request.user)
    tokens = list(token_services.personal_tokens_of(request.user))
    for token in tokens:
        token.scope_labels = _scope_labels(token.scopes)
    return render(request, "api/tokens.html", {"tokens": tokens})


@login_required
@never_cache
@refusals_as_403
@require_http_methods(["GET", "POST"])
def token_new(request):
    _require_token_holder(request.user)
    form = PersonalTokenForm(request.POST or None)
    submission = request.POST.get("submission", "") if request.method == "POST" else ""
    if submission and submission in request.session.get(_TOKENS_SUBMITTED, []):
        # The same form sent again (a reload of the page that showed the value, a double
        # click): no second token; the first one's value was shown once and is not again.
        messages.info(
            request,
            _(
                "That token was already created; its value was shown once. Revoke it and"
                " create a new one if you did not copy it."
            ),
        )
        return redirect("api_tokens")
    if request.method == "POST" and form.is_valid():
        try:
            token, value = token_services.personal_token_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                days=form.cleaned_data["days"],
                request=request,
            )
        except token_services.CredentialError as exc:
            _put_on_form(form, exc)
            return render(request, "api/token_new.html", {"form": form}, status=exc.status)
        else:
            if submission:
                done = request.session.get(_TOKENS_SUBMITTED, [])[-19:]
                request.session[_TOKENS_SUBMITTED] = [*done, submission]
            return render(
                request,
                "api/token_created.html",
                {"token": token, "value": value, "scope_labels": _scope_labels(token.scopes)},
                status=201,
            )
    status = 400 if form.is_bound else 200
    return render(
        request,
        "api/token_new.html",
        {"form": form, "submission": submission or uuid.uuid4().hex},
        status=status,
    )


@login_required
@refusals_as_403
@require_http_methods(["GET", "POST"])
def token_revoke(request, token_id: int):
    _require_token_holder(request.user)
    token = get_object_or_404(PersonalToken, pk=token_id, created_by=request.user)
    if request.method == "POST":
        try:
            token_services.personal_token_revoke(token=token, actor=request.user, request=request)
        except token_services.CredentialError as exc:
            messages.error(request, exc.message)
            return render(request, "api/token_revoke.html", {"token": token}, status=exc.status)
        messages.success(
            request, _("The token “%(name)s” was revoked: it no longer works.") % {"name": token}
        )
        return redirect("api_tokens")
    return render(request, "api/token_revoke.html", {"token": token})


# --- API clients ---------------------------------------------------------------------------------


def _require_client_manager(user) -> None:
    if not client_services.may_manage_api_clients(user):
        raise PermissionDenied(_("Only the office's administrators manage its API clients."))


def _office(request) -> Office:
    """The office asked for (`?office=`, for those who choose any office), else the user's."""
    _require_client_manager(request.user)
    offices = client_services.api_client_offices(request.user)
    wanted = request.GET.get("office") or request.POST.get("office")
    if wanted in (None, ""):
        office = offices.filter(pk=request.user.home_office_id).first() or offices.first()
    else:
        office = offices.filter(pk=int(wanted)).first() if str(wanted).isdigit() else None
    if office is None:
        raise Http404(_("No such office, or not one whose API clients you manage."))
    return office


def _client(request, client_id: int) -> ApiClient:
    _require_client_manager(request.user)
    offices = client_services.api_client_offices(request.user)
    return get_object_or_404(
        ApiClient.objects.select_related("office", "service_account", "created_by"),
        Q(office__in=offices),
        pk=client_id,
        deleted_at__isnull=True,
    )


def _office_context(request, office: Office) -> dict:
    return office_page_context(request.user, office)


@login_required
def client_list(request):
    office = _office(request)
    rows = list(client_services.api_clients_of(office))
    for client in rows:
        client.scope_labels = _scope_labels(client.scopes)
    return render(
        request, "api/clients.html", {"clients": rows, **_office_context(request, office)}
    )


def _secret_page(request, client: ApiClient, secret: str, *, created: bool):
    return render(
        request,
        "api/client_secret.html",
        {
            "client": client,
            "secret": secret,
            "created": created,
            "token_url": _token_url(),
            "scope_labels": _scope_labels(client.scopes),
        },
        status=201 if created else 200,
    )


@login_required
@never_cache
@refusals_as_403
@require_http_methods(["GET", "POST"])
def client_new(request):
    office = _office(request)
    form = ApiClientForm(request.POST or None, actor=request.user, office=office)
    if request.method == "POST" and form.is_valid():
        try:
            client, secret = client_services.api_client_create(
                actor=request.user,
                office=office,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                service_account=form.chosen_account(),
                new_account_role=form.cleaned_data.get("role") or "",
                new_account_username=form.cleaned_data.get("username") or "",
                request=request,
            )
        except token_services.CredentialError as exc:
            _put_on_form(form, exc)
            status = exc.status
        else:
            return _secret_page(request, client, secret, created=True)
    else:
        status = 400 if form.is_bound else 200
    return render(
        request,
        "api/client_new.html",
        {"form": form, **_office_context(request, office)},
        status=status,
    )


@login_required
def client_detail(request, client_id: int):
    return _client_page(request, _client(request, client_id))


def _client_page(request, client: ApiClient, *, status: int = 200):
    return render(
        request,
        "api/client.html",
        {
            "client": client,
            "scope_labels": _scope_labels(client.scopes),
            "token_url": _token_url(),
            **_office_context(request, client.office),
        },
        status=status,
    )


def _refused(request, client: ApiClient, exc: token_services.CredentialError):
    """A change that no longer applies (already disabled, deleted meanwhile): the client's
    page with the reason, 409."""
    messages.error(request, exc.message)
    client.refresh_from_db()
    return _client_page(request, client, status=exc.status)


def _client_change(request, client_id: int, service, done_message: str):
    client = _client(request, client_id)
    try:
        service(actor=request.user, client=client, request=request)
    except token_services.CredentialError as exc:
        return _refused(request, client, exc)
    messages.success(request, done_message % {"name": client.name})
    return redirect("api_client", client_id=client.pk)


@login_required
@refusals_as_403
@require_POST
def client_disable(request, client_id: int):
    return _client_change(
        request,
        client_id,
        client_services.api_client_disable,
        _("%(name)s is disabled: its tokens stopped working and it gets no new ones."),
    )


@login_required
@refusals_as_403
@require_POST
def client_enable(request, client_id: int):
    return _client_change(
        request,
        client_id,
        client_services.api_client_enable,
        _("%(name)s is enabled: it can get tokens again."),
    )


@login_required
@never_cache
@refusals_as_403
@require_http_methods(["GET", "POST"])
def client_secret_rotate(request, client_id: int):
    client = _client(request, client_id)
    if request.method == "POST":
        try:
            client, secret = client_services.api_client_secret_rotate(
                actor=request.user, client=client, request=request
            )
        except token_services.CredentialError as exc:
            return _refused(request, client, exc)
        return _secret_page(request, client, secret, created=False)
    return render(
        request,
        "api/client_confirm.html",
        {"client": client, "action": "rotate", **_office_context(request, client.office)},
    )


@login_required
@refusals_as_403
@require_http_methods(["GET", "POST"])
def client_delete(request, client_id: int):
    client = _client(request, client_id)
    if request.method == "POST":
        try:
            client_services.api_client_delete(actor=request.user, client=client, request=request)
        except token_services.CredentialError as exc:
            return _refused(request, client, exc)
        messages.success(request, _("%(name)s was deleted.") % {"name": client.name})
        context = _office_context(request, client.office)
        return redirect(reverse("api_clients") + context["office_query"])
    return render(
        request,
        "api/client_confirm.html",
        {"client": client, "action": "delete", **_office_context(request, client.office)},
    )
