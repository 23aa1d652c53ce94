"""Offices, regions, teams and the custom user."""

import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class Jurisdiction(models.TextChoices):
    GHANA = "GH", _("Ghana")
    POLAND = "PL", _("Poland")
    KENYA = "KE", _("Kenya")
    UNITED_KINGDOM = "GB", _("United Kingdom")


class Role(models.TextChoices):
    """Each role is a Django group of the same name."""

    CASEWORKER = "caseworker", _("Caseworker")
    SUPERVISOR = "supervisor", _("Supervisor")
    MANAGER = "manager", _("Manager")
    ADMINISTRATOR = "administrator", _("Administrator")
    PROVIDER = "provider", _("Service provider")
    # Reads the access log of their office (every office, if national); sees no case.
    DATA_PROTECTION_OFFICER = "dpo", _("Data protection officer")


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Region(models.Model):
    """A grouping of offices (a Ghanaian region, a Polish voivodeship) for roll-ups."""

    name = models.CharField(_("name"), max_length=120)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=2, choices=Jurisdiction.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent region"), null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["jurisdiction", "name"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="region_unique_name")
        ]

    def __str__(self):
        return self.name


class Office(models.Model):
    name = models.CharField(_("name"), max_length=160)
    code = models.CharField(
        _("short code"),
        max_length=8,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9]{2,8}$", _("Use 2 to 8 capital letters or digits."))],
        help_text=_("Used in case references, e.g. BEK-2026-000123."),
    )
    jurisdiction = models.CharField(_("jurisdiction"), max_length=2, choices=Jurisdiction.choices)
    timezone = models.CharField(_("time zone"), max_length=64, validators=[validate_timezone])
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT
    )
    default_language = models.CharField(
        _("default language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @cached_property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class User(AbstractUser):
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Leave empty to use the browser's language."),
    )
    home_office = models.ForeignKey(
        Office,
        verbose_name=_("home office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    is_national = models.BooleanField(
        _("national scope"),
        default=False,
        help_text=_("A national manager sees every office."),
    )
    phone = models.CharField(_("mobile phone"), max_length=32, blank=True)
    is_service_account = models.BooleanField(
        _("service account"),
        default=False,
        db_default=False,  # rows written in bulk outside the ORM (the bench's generator)
        help_text=_(
            "Made for an API client: it acts only through the client, never signs in, and is "
            "not offered when work is given to people."
        ),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.username

    @staticmethod
    def display_name(first_name: str, last_name: str, username: str) -> str:
        """str(user) from the three columns, for lists read with values_list()."""
        return f"{first_name} {last_name}".strip() or username

    @cached_property
    def role_names(self) -> frozenset[str]:
        """Role slugs this user holds; cached for the request."""
        valid = set(Role.values)
        return frozenset(
            name for name in self.groups.values_list("name", flat=True) if name in valid
        )

    def has_role(self, role: str) -> bool:
        return role in self.role_names

    @property
    def primary_role(self) -> str | None:
        """The highest role held, for landing pages and labels."""
        for role in (Role.ADMINISTRATOR, Role.MANAGER, Role.SUPERVISOR, Role.CASEWORKER):
            if role in self.role_names:
                return role
        return None

    @property
    def primary_role_label(self) -> str:
        role = self.primary_role
        return str(Role(role).label) if role else ""


class Team(models.Model):
    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="teams"
    )
    name = models.CharField(_("name"), max_length=120)
    supervisor = models.ForeignKey(
        User,
        verbose_name=_("supervisor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervised_teams",
    )
    members = models.ManyToManyField(
        User, verbose_name=_("members"), blank=True, related_name="teams"
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["office__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["office", "name"], name="team_unique_name_per_office")
        ]

    def __str__(self):
        return f"{self.name} ({self.office.code})"


class AccountAction(models.TextChoices):
    """What happened to an account; one row of AccountEvent each."""

    SIGNED_IN = "signed_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
    SESSION_EXPIRED = "session_expired", _("Signed out by the session time limit")
    LOCKED_OUT = "locked_out", _("Locked out")
    UNLOCKED = "unlocked", _("Unlocked")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    PASSWORD_RESET_REQUESTED = "password_reset_requested", _("Password reset requested")
    PASSWORD_RESET = "password_reset", _("Password reset")
    SECOND_FACTOR_ENROLLED = "second_factor_enrolled", _("Second factor set up")
    SECOND_FACTOR_FAILED = "second_factor_failed", _("Wrong second-factor code")
    SECOND_FACTOR_RESET = "second_factor_reset", _("Second factor reset")
    BACKUP_CODES_CREATED = "backup_codes_created", _("Backup codes created")
    SSO_SIGNED_IN = "sso_signed_in", _("Signed in with single sign-on")
    SSO_REFUSED = "sso_refused", _("Single sign-on refused")
    INVITED = "invited", _("Invited")
    INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
    ROLES_CHANGED = "roles_changed", _("Roles changed")
    TEAMS_CHANGED = "teams_changed", _("Teams changed")
    DETAILS_CHANGED = "details_changed", _("Details changed")
    ABSENCE_SET = "absence_set", _("Absence recorded")
    ABSENCE_CANCELLED = "absence_cancelled", _("Absence cancelled")
    DEACTIVATED = "deactivated", _("Deactivated")
    REACTIVATED = "reactivated", _("Reactivated")
    TASKS_HANDED_OVER = "tasks_handed_over", _("Open tasks handed over")
    AUDIT_EXPORTED = "audit_exported", _("Account audit exported")
    # The REST API's credentials (api/): personal tokens, API clients and their accounts.
    API_TOKEN_CREATED = "api_token_created", _("API token created")
    API_TOKEN_REVOKED = "api_token_revoked", _("API token revoked")
    SERVICE_ACCOUNT_CREATED = "service_account_created", _("Service account created")
    API_CLIENT_CREATED = "api_client_created", _("API client registered")
    API_CLIENT_DISABLED = "api_client_disabled", _("API client disabled")
    API_CLIENT_ENABLED = "api_client_enabled", _("API client enabled")
    API_CLIENT_SECRET_ROTATED = "api_client_secret_rotated", _("API client secret replaced")
    API_CLIENT_DELETED = "api_client_deleted", _("API client deleted")


class AccountEvent(models.Model):
    """Append-only record of every sign-in event and account change: who did what to whom,
    when and from where. Written only through accounts.audit.account_event_record."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    action = models.CharField(_("action"), max_length=32, choices=AccountAction.choices)
    actor = models.ForeignKey(
        User,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="account_actions_taken",
        help_text=_("Empty for the system or an anonymous visitor."),
    )
    subject = models.ForeignKey(
        User,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="account_events",
    )
    # What was typed at sign-in, kept for failures against an unknown or mistyped username.
    username = models.CharField(_("username"), max_length=150, blank=True)
    office = models.ForeignKey(
        Office,
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="account_events",
        help_text=_("The account's office at the time, for the office's own list."),
    )
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("account event")
        verbose_name_plural = _("account events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["office", "-at"], name="accountevent_office_at")]

    def __str__(self):
        who = self.username or self.subject_id
        return f"{self.get_action_display()}: {who} ({self.at:%Y-%m-%d %H:%M})"


class StaffInvitation(models.Model):
    """One e-mailed invitation to set a password and join (accounts.staff). The invited account
    stays inactive until it is accepted; a newer invitation or a deactivation revokes it."""

    user = models.ForeignKey(
        User, verbose_name=_("account"), on_delete=models.CASCADE, related_name="invitations"
    )
    invited_by = models.ForeignKey(
        User,
        verbose_name=_("invited by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    # Random, carried in the signed link: a link signed for an older row never matches.
    nonce = models.CharField(max_length=32, editable=False)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    email_error = models.CharField(_("e-mail error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="staffinvitation_one_open_per_user",
            )
        ]

    def __str__(self):
        return f"{self.user} ({self.created_at:%Y-%m-%d})"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

    @property
    def expires_at(self):
        return self.created_at + timedelta(days=settings.STAFF_INVITATION_DAYS)

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at
