"""Checks on uploaded files: by their content (magic bytes), not only by name."""

import hashlib

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 10 * 1024 * 1024

# Signature -> (content type, file extensions that may carry it)
_SIGNATURES = [
    (b"%PDF-", "application/pdf", {".pdf"}),
    (b"\x89PNG\r\n\x1a\n", "image/png", {".png"}),
    (b"\xff\xd8\xff", "image/jpeg", {".jpg", ".jpeg"}),
]
ALLOWED_EXTENSIONS = {ext for _sig, _type, exts in _SIGNATURES for ext in exts}
ACCEPT_ATTRIBUTE = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def sniff_content_type(head: bytes) -> tuple[str, set[str]] | None:
    for signature, content_type, extensions in _SIGNATURES:
        if head.startswith(signature):
            return content_type, extensions
    return None


def inspect_upload(uploaded) -> tuple[str, str]:
    """Validate an uploaded file; return its (content type, SHA-256).

    Raises ``ValidationError`` with a message the candidate can act on.
    """
    name = uploaded.name or ""
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if uploaded.size == 0:
        raise ValidationError(_("The file «%(name)s» is empty.") % {"name": name}, code="empty")
    if uploaded.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file «%(name)s» is %(size)s; the limit is %(limit)s.")
            % {"name": name, "size": filesizeformat(uploaded.size), "limit": filesizeformat(MAX_UPLOAD_BYTES)},
            code="too_large",
        )
    if suffix not in ALLOWED_EXTENSIONS:
        raise ValidationError(_("«%(name)s» is not a PDF, JPEG or PNG file.") % {"name": name}, code="extension")
    uploaded.seek(0)
    found = sniff_content_type(uploaded.read(16))
    if found is None or suffix not in found[1]:
        raise ValidationError(
            _("The content of «%(name)s» is not a PDF, JPEG or PNG file, whatever its name says.") % {"name": name},
            code="content",
        )
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return found[0], digest.hexdigest()
