"""Passwords: the validator that refuses the product's and the office's name, and the services
that change a password, send a reset link by e-mail and complete a reset (each recorded)."""

import logging
import re
import unicodedata
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from .audit import account_event_record
from .lockout import username_attempts_clear
from .models import AccountAction, AccountEvent, Office, User

logger = logging.getLogger(__name__)

# Digits and signs people put in place of letters ("C4sefl0w"); "1" and "!" stand for "i" or "l",
# so a password is read both ways.
_LOOK_ALIKES_I = str.maketrans(
    {"0": "o", "1": "i", "!": "i", "3": "e", "4": "a", "@": "a", "$": "s", "5": "s", "7": "t"}
)
_LOOK_ALIKES_L = str.maketrans({"1": "l", "!": "l", "|": "l"})
# Letters that do not decompose into a base letter and an accent.
_PLAIN_LETTERS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe"})
# Office codes and name words shorter than this are not looked for inside a password ("and",
# "w"); a short code still may not stand on its own in it ("BEK-2026").
_MIN_WORD = 4
_MIN_CODE = 3


def _fold(text: str) -> str:
    """Lower case, without accents: "Społecznej" -> "spolecznej"."""
    text = unicodedata.normalize("NFKD", text.casefold().translate(_PLAIN_LETTERS))
    return "".join(char for char in text if not unicodedata.combining(char))


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text)


def _readings(password: str) -> set[str]:
    """The password's letters, read with the look-alike digits as letters or dropped."""
    folded = _fold(password)
    return {
        _letters(folded.translate(_LOOK_ALIKES_L).translate(_LOOK_ALIKES_I)),
        _letters(folded.translate(_LOOK_ALIKES_I)),
        _letters(folded),
    }


def _stem(word: str) -> str:
    """Enough of a name word to catch its other forms (Sochaczew, Sochaczewie, Sochaczewa)."""
    return word[: max(_MIN_WORD, len(word) - 2)]


def _name_stems(*texts: str) -> list[tuple[str, str]]:
    """(what to look for, the word as written) for each word of a name long enough to count."""
    stems = []
    for text in texts:
        for word in re.split(r"[\W_]+", text or ""):
            letters = _letters(_fold(word))
            if len(letters) >= _MIN_WORD:
                stems.append((_stem(letters), word))
    return stems


def _first_found(readings: set[str], stems: list[tuple[str, str]]) -> str | None:
    for stem, word in stems:
        if any(stem in reading for reading in readings):
            return word
    return None


def _contains_code(password: str, code: str) -> bool:
    code = _fold(code)
    if len(code) < _MIN_CODE:
        return False
    if len(code) >= _MIN_WORD and any(code in reading for reading in _readings(password)):
        return True
    return re.search(rf"(?<![a-z]){re.escape(code)}(?![a-z])", _fold(password)) is not None


def _office_word_in(password: str, readings: set[str], office: Office) -> str | None:
    if office.code and _contains_code(password, office.code):
        return office.code
    return _first_found(readings, _name_stems(office.name))


class NamesInPasswordValidator:
    """Refuses a password that contains the product's name (PASSWORD_FORBIDDEN_WORDS: e.g.
    "Caseflow2026!" or "C4sefl0w-2026"), the person's own names, username or e-mail name, or
    the name or code of their office: the first words an attacker who knows where someone
    works would try. Look-alike digits count as letters, accents and case do not matter, and
    a name's other grammatical forms are caught by its stem ("Sochaczewie" -> "Sochaczew").
    Django's UserAttributeSimilarityValidator, before it, refuses passwords *like* the names."""

    def validate(self, password: str, user: User | None = None) -> None:
        readings = _readings(password)
        for word in settings.PASSWORD_FORBIDDEN_WORDS:
            letters = _letters(_fold(word))
            if letters and any(letters in reading for reading in readings):
                raise ValidationError(
                    _("The password contains the name of this system (“%(word)s”)."),
                    code="password_contains_product_name",
                    params={"word": word},
                )
        if user is None:
            return
        email_name = (user.email or "").partition("@")[0]
        found = _first_found(
            readings, _name_stems(user.username, user.first_name, user.last_name, email_name)
        )
        if found:
            raise ValidationError(
                _("The password contains your name, username or e-mail address (“%(word)s”)."),
                code="password_contains_personal_name",
                params={"word": found},
            )
        office = user.home_office
        found = _office_word_in(password, readings, office) if office is not None else None
        if found:
            raise ValidationError(
                _("The password contains the name or code of your office (“%(word)s”)."),
                code="password_contains_office_name",
                params={"word": found},
            )

    def get_help_text(self) -> str:
        return _(
            "Your password can’t contain your name or username, the name of this system, or "
            "the name or code of your office."
        )


# --- services -----------------------------------------------------------------------------------


@transaction.atomic
def password_change(
    *, user: User, actor: User, new_password: str, request: HttpRequest | None = None
) -> User:
    """Set a new (already validated) password. Every other session of the user ends with it
    (Django checks each session against the password); the caller keeps the current one
    with update_session_auth_hash."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    account_event_record(
        action=AccountAction.PASSWORD_CHANGED, actor=actor, subject=user, request=request
    )
    return user


def _reset_emails_sent_last_hour(user: User) -> int:
    return AccountEvent.objects.filter(
        subject=user,
        action=AccountAction.PASSWORD_RESET_REQUESTED,
        at__gte=timezone.now() - timedelta(hours=1),
        details__email_sent=True,
    ).count()


@transaction.atomic
def password_reset_request(*, email: str, request: HttpRequest | None = None) -> int:
    """Someone asked for a reset link for this address. Each active account with a usable
    password and that address gets one by e-mail (at most PASSWORD_RESET_EMAILS_PER_HOUR an
    hour), sent by the worker so that the answer takes as long whether an account matched or
    not. Returns how many e-mails were queued; the page never tells."""
    queued = 0
    # Django's own policy: active users, usable password, the address compared as Unicode.
    for user in PasswordResetForm().get_users(email):
        send = _reset_emails_sent_last_hour(user) < settings.PASSWORD_RESET_EMAILS_PER_HOUR
        account_event_record(
            action=AccountAction.PASSWORD_RESET_REQUESTED,
            subject=user,
            request=request,
            details={"email_sent": send},
        )
        if send:
            transaction.on_commit(partial(_enqueue_reset_email, user.pk))
            queued += 1
    return queued


def _enqueue_reset_email(user_id: int) -> None:
    from .tasks import send_password_reset_email

    try:
        send_password_reset_email.apply_async(
            args=[user_id],
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2},
        )
    except Exception:  # noqa: BLE001 - without a broker the person still gets their link
        logger.warning("Broker unavailable: sending the password reset e-mail now", exc_info=True)
        password_reset_email_send(user_id=user_id)


def reset_link(user: User) -> str:
    """The one-time link (valid PASSWORD_RESET_HOURS; spent once the password changes)."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return settings.SITE_URL.rstrip("/") + path


def _language_of(user: User) -> str:
    office = user.home_office
    return (
        user.preferred_language
        or (office.default_language if office is not None else "")
        or settings.LANGUAGE_CODE
    )


def password_reset_email_send(*, user_id: int) -> bool:
    """The e-mail with the reset link, in the person's language. It carries the link and a
    greeting only: no username, office or case data."""
    user = User.objects.filter(pk=user_id, is_active=True).select_related("home_office").first()
    if user is None or not user.email or not user.has_usable_password():
        return False
    language = _language_of(user)
    with translation.override(language):
        context = {
            "first_name": user.first_name,
            "link": reset_link(user),
            "hours": settings.PASSWORD_RESET_HOURS,
        }
        subject = render_to_string("registration/password_reset_subject.txt", context)
        body = render_to_string("registration/password_reset_email.txt", context)
    message = EmailMessage(
        "".join(subject.splitlines()),
        body,
        to=[user.email],
        headers={"Content-Language": language},
    )
    message.send()
    return True


@transaction.atomic
def password_reset_complete(
    *, user: User, new_password: str, request: HttpRequest | None = None
) -> User:
    """The person followed a valid link and chose a (validated) password. It ends their other
    sessions and spends the link; holding the mailbox also lifts a lock on the username."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    account_event_record(
        action=AccountAction.PASSWORD_RESET, actor=user, subject=user, request=request
    )
    username_attempts_clear(user=user, request=request)
    return user
