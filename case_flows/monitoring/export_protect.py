"""Password-protected exports: the form that asks for the password, and the AES-256 zip
(WinZip AE-2, pyzipper) around the CSV or XLSX. The password is used once and never kept."""

import tempfile
from collections.abc import Iterable, Iterator

import pyzipper
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import ExportFormat

MIN_PASSWORD_LENGTH = 12
CHUNK = 64 * 1024
# Up to this size the zip is built in memory; a larger export spills to a temporary file, so
# memory stays bounded whatever the size of the list.
SPOOL_MAX_BYTES = 4 * 1024 * 1024


def password_required() -> bool:
    return bool(settings.EXPORT_PASSWORD_REQUIRED)


class ExportForm(forms.Form):
    """The export of a list: its format and, when the office asks for it (or the user
    chooses), a password for an encrypted zip."""

    format = forms.ChoiceField(
        label=_("Format"),
        choices=ExportFormat.choices,
        initial=ExportFormat.CSV,
        widget=forms.RadioSelect,
    )
    password = forms.CharField(
        label=_("Password for the file"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_confirm = forms.CharField(
        label=_("The password again"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Here, not on the field: "%" on a lazy text at import would fix it in English.
        self.fields["password"].help_text = gettext(
            "At least %(count)d characters. The file is then a zip encrypted with AES-256; "
            "give the password to the recipient by another way than the file."
        ) % {"count": MIN_PASSWORD_LENGTH}
        self.password_required = password_required()
        if self.password_required:
            self.fields["password"].required = True
            self.fields["password_confirm"].required = True
            self.fields["password"].error_messages["required"] = _(
                "Exports of personal data must be protected with a password here."
            )

    def clean_password(self):
        password = self.cleaned_data.get("password") or ""
        if password and len(password) < MIN_PASSWORD_LENGTH:
            raise ValidationError(
                _("The password needs at least %(count)d characters.")
                % {"count": MIN_PASSWORD_LENGTH}
            )
        return password

    def clean(self):
        data = super().clean()
        password = data.get("password") or ""
        if password and password != data.get("password_confirm", ""):
            self.add_error("password_confirm", _("The two passwords differ."))
        return data

    @property
    def chosen_password(self) -> str:
        return self.cleaned_data.get("password") or ""


def encrypted_zip_stream(
    chunks: Iterable[str | bytes], *, inner_name: str, password: str
) -> Iterator[bytes]:
    """The export's own stream, written into an AES-encrypted zip, then streamed in chunks.

    A zip needs the whole member before its directory can be written, so the file is built
    first (in a SpooledTemporaryFile: memory up to SPOOL_MAX_BYTES, then disk), then sent."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES) as buffer:
        with pyzipper.AESZipFile(
            buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
        ) as archive:
            archive.setpassword(password.encode("utf-8"))
            archive.setencryption(pyzipper.WZ_AES, nbits=256)
            with archive.open(inner_name, "w") as member:
                for chunk in chunks:
                    member.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
        buffer.seek(0)
        while data := buffer.read(CHUNK):
            yield data
