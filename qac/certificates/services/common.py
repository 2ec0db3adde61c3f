"""What every part of the certificates' services shares: the error, the date arithmetic, who may act."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils.translation import gettext as _

from qac.accounts.roles import is_qac_staff

from ..models import IssuedDocument, Kind


class DocumentError(Exception):
    """A request the rules do not allow; the message is shown to the user."""


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def certificate_family(document: IssuedDocument):
    """Every paper of one certificate: the original and its duplicates (and legacy corrections)."""
    root = document.original_id or document.pk
    return IssuedDocument.objects.filter(Q(pk=root) | Q(original_id=root), kind=Kind.CERTIFICATE)


def staff_reason(by, reason) -> str:
    """The reason of a staff member's act on an issued document, refused if the user is not staff or gave none."""
    if not is_qac_staff(by):
        raise DocumentError(_("Only the center's staff act on issued documents."))
    reason = (reason or "").strip()
    if not reason:
        raise DocumentError(_("Say why: the act is recorded with its reason."))
    return reason
