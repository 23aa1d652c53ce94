"""The record of each API credential beside django-oauth-toolkit's own rows: personal tokens
(one DOT AccessToken each, no application) and API clients (one DOT Application each, the
client-credentials grant, acting as a service account of their office).

DOT's rows are the credential and go when it is revoked or deleted; these rows stay, so that
the account audit, the access log ("personal token #12", "API client #3") and the owner's
list still say what the credential was, who made it and when it ended.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AccessToken, Application

from accounts.models import Office


class TokenStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class PersonalToken(models.Model):
    """A bearer token a person made for their own scripts: it reads and writes as them (their
    role's access scope), limited further to the scopes chosen."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="personal_api_tokens",
        help_text=_("The person who made the token and whose access it carries."),
    )
    name = models.CharField(_("name"), max_length=100)
    # The credential itself; emptied when the token is revoked (the DOT row is deleted).
    access_token = models.OneToOneField(
        AccessToken,
        verbose_name=_("access token"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="personal_token",
    )
    # The first characters of the token, to recognise it in the list once it is hidden.
    prefix = models.CharField(_("begins with"), max_length=16)
    # SHA-256 of the token (as DOT's token_checksum): a revoked token, presented again, is
    # answered "revoked" rather than "invalid".
    checksum = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.TextField(_("scopes"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("personal API token")
        verbose_name_plural = _("personal API tokens")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="personaltoken_owner")]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def scopes(self) -> list[str]:
        return sorted(self.scope.split())

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return TokenStatus.REVOKED
        if self.expires_at <= timezone.now():
            return TokenStatus.EXPIRED
        return TokenStatus.ACTIVE

    @property
    def status_label(self) -> str:
        return str(TokenStatus(self.status).label)


class ApiClient(models.Model):
    """A system of an office that calls the API with the OAuth 2 client-credentials grant.
    Its tokens carry only the scopes it was allowed, and read as its service account (a user
    of the office whose role gives the data scope)."""

    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="api_clients"
    )
    name = models.CharField(_("name"), max_length=100)
    # DOT's application (client id, hashed secret, grant type); emptied when deleted.
    application = models.OneToOneField(
        Application,
        verbose_name=_("OAuth application"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="api_client",
    )
    client_id = models.CharField(_("client ID"), max_length=255, unique=True)
    service_account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("service account"),
        on_delete=models.PROTECT,
        related_name="api_clients",
    )
    scope = models.TextField(_("allowed scopes"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    secret_changed_at = models.DateTimeField(_("secret issued"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["office", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "name"],
                condition=models.Q(deleted_at__isnull=True),
                name="apiclient_unique_name_per_office",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def scopes(self) -> list[str]:
        return sorted(self.scope.split())

    @property
    def is_usable(self) -> bool:
        """May get tokens and use them: not disabled, not deleted, its account active."""
        return (
            self.disabled_at is None
            and self.deleted_at is None
            and self.application_id is not None
            and self.service_account.is_active
        )

    @property
    def status(self) -> str:
        if self.deleted_at is not None:
            return "deleted"
        if self.disabled_at is not None:
            return "disabled"
        if not self.service_account.is_active:
            return "account_inactive"
        return "active"


class IdempotencyKey(models.Model):
    """A client's `Idempotency-Key` on a request that opens a case (POST people/, POST
    cases/): the request's fingerprint and, once it succeeded, its answer and the case it
    opened. A resent request with the same key gets that answer again instead of a second
    case; kept for a day (api.idempotency.KEEP)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    key = models.CharField(max_length=255)
    # sha256 of the method, path and JSON body: the same key with another request is refused.
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # 0 while the first request is being answered.
    status_code = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(null=True, blank=True)
    location = models.CharField(max_length=200, blank=True)
    case = models.ForeignKey(
        "case_flows.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_user_key")
        ]

    def __str__(self):
        return f"{self.user_id}: {self.key}"
