"""API clients: systems of an office that call the API with the OAuth 2 client-credentials
grant (POST /api/v1/oauth/token/ with the client id and secret).

An office's administrator registers one (a superuser or a national administrator, for any
office): a name, the scopes it is allowed, and its service account, a user of the office whose
role gives the data scope (a new account with a chosen role, which cannot sign in, or an
existing one). DOT's Application holds the client id and the hashed secret (shown once); our
ApiClient row the rest. Disabling, replacing the secret and deleting end the client's current
tokens. Every change is one AccountEvent on the service account.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import AccessToken, Application

from accounts.audit import account_event_record
from accounts.models import AccountAction, Office, Role, User
from accounts.staff_rules import (
    StaffError,
    clean_username,
    manages_every_office,
    role_groups,
    roles_grantable_by,
    staff_may_manage,
)

from .models import ApiClient
from .tokens import CredentialError, clean_name, clean_scopes

# The roles a new service account may get: the ones that give a data scope (a manager: every
# case of the office; a supervisor: their teams'; a caseworker: their own and their team's).
SERVICE_ACCOUNT_ROLES = (Role.MANAGER, Role.SUPERVISOR, Role.CASEWORKER)


def may_manage_api_clients(user) -> bool:
    """An administrator of an office, or one who chooses any office."""
    if not (user.is_authenticated and user.is_active):
        return False
    if manages_every_office(user):
        return True
    return Role.ADMINISTRATOR in user.role_names and user.home_office_id is not None


def api_client_offices(user) -> QuerySet[Office]:
    if manages_every_office(user):
        return Office.objects.filter(is_active=True)
    if may_manage_api_clients(user):
        return Office.objects.filter(pk=user.home_office_id)
    return Office.objects.none()


def require_office(actor: User, office: Office) -> None:
    if not api_client_offices(actor).filter(pk=office.pk).exists():
        raise PermissionError(_("Only the office's administrators manage its API clients."))


def service_account_roles(actor: User) -> list[str]:
    grantable = set(roles_grantable_by(actor))
    return [role for role in SERVICE_ACCOUNT_ROLES if role in grantable]


def service_account_candidates(actor: User, office: Office) -> list[User]:
    """Existing accounts that may serve a client: active, of the office, ones the actor may
    manage, holding only roles a service account may have (a client never acts as someone
    holding a role the actor could not grant, nor as a provider, the data protection officer
    or the administrator themself)."""
    people = list(
        User.objects.filter(home_office=office, is_active=True)
        .prefetch_related("groups")
        .order_by("last_name", "first_name", "username")
    )
    roles = set(Role.values)
    for person in people:  # role_names from the prefetched groups: no query per person
        person.__dict__["role_names"] = frozenset(
            group.name for group in person.groups.all() if group.name in roles
        )
    allowed = set(service_account_roles(actor))
    return [
        person
        for person in people
        if person.pk != actor.pk
        and person.role_names
        and person.role_names <= allowed
        and staff_may_manage(actor, person)
    ]


def _service_account_create(
    *, actor: User, office: Office, name: str, username: str, role: str, request
) -> User:
    if role not in service_account_roles(actor):
        raise CredentialError(_("Choose the role of the new service account."), field="role")
    suggested = "api-" + slugify(name)[:40]
    try:
        username = clean_username((username or "").strip() or suggested, "")
    except StaffError as exc:
        raise CredentialError(exc.message, field="username") from exc
    account = User(
        username=username,
        first_name=name[:150],
        home_office=office,
        is_active=True,
        is_service_account=True,
    )
    account.set_unusable_password()  # it cannot sign in: it only acts through its client
    account.save()
    account.groups.set(role_groups([role]))
    account_event_record(
        action=AccountAction.SERVICE_ACCOUNT_CREATED,
        actor=actor,
        subject=account,
        request=request,
        details={"roles": [role], "client": name},
    )
    return account


def _existing_service_account(actor: User, office: Office, account: User) -> User:
    if account.home_office_id != office.pk or not account.is_active:
        raise CredentialError(
            _("Choose an active account of this office."), field="service_account"
        )
    if not staff_may_manage(actor, account):
        raise CredentialError(
            _("You may not let a client act as this account: it holds a role you cannot grant."),
            field="service_account",
        )
    return account


def _tokens_end(application: Application | None) -> int:
    if application is None:
        return 0
    deleted, _by_model = AccessToken.objects.filter(application=application).delete()
    return deleted


def api_client_create(
    *,
    actor: User,
    office: Office,
    name: str,
    scopes: Iterable[str],
    service_account: User | None = None,
    new_account_role: str = "",
    new_account_username: str = "",
    request: HttpRequest | None = None,
) -> tuple[ApiClient, str]:
    """Register a client; returns it and its secret (shown once; DOT stores it hashed).
    Without `service_account` a new one is made with `new_account_role`."""
    require_office(actor, office)
    name = clean_name(name)
    chosen = clean_scopes(scopes)
    if ApiClient.objects.filter(office=office, name=name, deleted_at__isnull=True).exists():
        raise CredentialError(_("This office already has an API client of this name."), "name")
    try:
        with transaction.atomic():
            if service_account is None:
                account = _service_account_create(
                    actor=actor,
                    office=office,
                    name=name,
                    username=new_account_username,
                    role=new_account_role,
                    request=request,
                )
            else:
                account = _existing_service_account(actor, office, service_account)
            secret = generate_client_secret()
            application = Application.objects.create(
                name=name,
                client_type=Application.CLIENT_CONFIDENTIAL,
                authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
                client_secret=secret,  # hashed by DOT's ClientSecretField on save
                hash_client_secret=True,
            )
            client = ApiClient.objects.create(
                office=office,
                name=name,
                application=application,
                client_id=application.client_id,
                service_account=account,
                scope=" ".join(chosen),
                created_by=actor,
            )
            _record(AccountAction.API_CLIENT_CREATED, actor, client, request, scopes=chosen)
    except IntegrityError as exc:  # the same name or username chosen at the same moment
        raise CredentialError(
            _("This name or username was just taken: choose another one."), "name", status=409
        ) from exc
    return client, secret


def _record(action, actor: User, client: ApiClient, request, **extra) -> None:
    account_event_record(
        action=action,
        actor=actor,
        subject=client.service_account,
        request=request,
        details={"client": client.pk, "name": client.name, "client_id": client.client_id, **extra},
    )


def _locked(actor: User, client: ApiClient) -> ApiClient:
    require_office(actor, client.office)
    locked = (
        ApiClient.objects.select_for_update(of=("self",))
        .select_related("application", "service_account")
        .get(pk=client.pk)
    )
    if locked.deleted_at is not None:
        raise CredentialError(_("This API client was deleted."), status=409)
    return locked


@transaction.atomic
def api_client_disable(
    *, actor: User, client: ApiClient, request: HttpRequest | None = None
) -> ApiClient:
    """No new token; its current tokens stop working at once."""
    client = _locked(actor, client)
    if client.disabled_at is not None:
        raise CredentialError(_("This API client is already disabled."), status=409)
    client.disabled_at = timezone.now()
    client.save(update_fields=["disabled_at"])
    ended = _tokens_end(client.application)
    _record(AccountAction.API_CLIENT_DISABLED, actor, client, request, tokens_ended=ended)
    return client


@transaction.atomic
def api_client_enable(
    *, actor: User, client: ApiClient, request: HttpRequest | None = None
) -> ApiClient:
    client = _locked(actor, client)
    if client.disabled_at is None:
        raise CredentialError(_("This API client is already enabled."), status=409)
    client.disabled_at = None
    client.save(update_fields=["disabled_at"])
    _record(AccountAction.API_CLIENT_ENABLED, actor, client, request)
    return client


@transaction.atomic
def api_client_secret_rotate(
    *, actor: User, client: ApiClient, request: HttpRequest | None = None
) -> tuple[ApiClient, str]:
    """A new secret (returned, shown once); the old one and the tokens it got stop working."""
    client = _locked(actor, client)
    assert client.application is not None  # emptied only with deleted_at, refused above
    secret = generate_client_secret()
    client.application.client_secret = secret
    client.application.save(update_fields=["client_secret", "updated"])
    client.secret_changed_at = timezone.now()
    client.save(update_fields=["secret_changed_at"])
    ended = _tokens_end(client.application)
    _record(AccountAction.API_CLIENT_SECRET_ROTATED, actor, client, request, tokens_ended=ended)
    return client, secret


@transaction.atomic
def api_client_delete(
    *, actor: User, client: ApiClient, request: HttpRequest | None = None
) -> ApiClient:
    """The client and its tokens are gone (DOT's rows); our row stays for the record. The
    service account stays too (deactivate it on the Staff pages if nothing else uses it)."""
    client = _locked(actor, client)
    application = client.application
    client.deleted_at = timezone.now()
    client.application = None
    client.save(update_fields=["deleted_at", "application"])
    if application is not None:
        application.delete()  # its access tokens go with it (CASCADE)
    _record(AccountAction.API_CLIENT_DELETED, actor, client, request)
    return client


def api_clients_of(office: Office) -> QuerySet[ApiClient]:
    """The office's clients (not deleted), with their service accounts, by name."""
    return (
        ApiClient.objects.filter(office=office, deleted_at__isnull=True)
        .select_related("service_account", "created_by")
        .order_by("name", "pk")
    )
