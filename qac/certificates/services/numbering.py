"""Numbering: the register's answer gives a document its registration number, issue date and link."""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import DocumentEvent, IssuedDocument, Kind, NumberSource, RenderStatus, Variant
from . import rendering
from .common import DocumentError, add_years


def register_number_valid(number: str) -> bool:
    return bool(re.fullmatch(settings.QAC_REGISTER_NUMBER_PATTERN, number or ""))


def register_url_valid(url: str) -> bool:
    if not re.match(r"^https?://[^\s/]+\S*$", url or ""):
        return False
    prefixes = settings.QAC_REGISTER_URL_PREFIXES
    return not prefixes or any(url.startswith(p) for p in prefixes)


def document_register(
    *,
    document: IssuedDocument,
    number: str,
    issue_date: datetime.date,
    register_url: str,
    by=None,
    source: str = "",
) -> tuple[IssuedDocument, bool]:
    """Give a document the registration number the register assigned it (Order 725n App. 3 p.5).

    Returns ``(document, changed)``. The same number again changes nothing
    (an answer file imported twice); another number for a numbered document,
    or a number another document holds, is refused. The document is rendered
    after the commit. ``source`` says where the number came from (a file, by hand).
    """
    number = (number or "").strip()
    register_url = (register_url or "").strip()
    if not register_number_valid(number):
        raise DocumentError(
            _("«%(number)s» is not a registration number of the register's shape.") % {"number": number}
        )
    if not register_url_valid(register_url):
        raise DocumentError(_("«%(url)s» is not a link to a register record.") % {"url": register_url})
    with transaction.atomic():
        locked = IssuedDocument.objects.select_for_update().get(pk=document.pk)
        if locked.number_source == NumberSource.REGISTER:
            if locked.number == number and locked.issue_date == issue_date and locked.register_url == register_url:
                return locked, False
            raise DocumentError(
                _("Document %(id)s already has the registration number %(number)s; it is never changed.")
                % {"id": locked.pk, "number": locked.number}
            )
        _numberable_check(locked, number=number, issue_date=issue_date)
        _number_save(locked, number=number, issue_date=issue_date, register_url=register_url)
        DocumentEvent.objects.create(
            document=locked,
            by=by,
            action="numbered",
            data={"number": number, "issue_date": issue_date.isoformat(), "url": register_url, "source": source},
        )
        pk = locked.pk
        # Looked up on the module when the commit comes, so tests can stand in for the renderers.
        transaction.on_commit(lambda: rendering.render_soon([pk]))
    return locked, True


def _numberable_check(locked: IssuedDocument, *, number: str, issue_date: datetime.date) -> None:
    """Refuse to number a document that may not take ``number`` on ``issue_date``."""
    if locked.number_source == NumberSource.LOCAL:
        raise DocumentError(
            _("Document %(id)s was numbered before register numbering (%(number)s).")
            % {"id": locked.pk, "number": locked.number}
        )
    if locked.verdict_id is None and locked.variant == Variant.ORIGINAL:
        raise DocumentError(_("Document %(id)s has no Council decision.") % {"id": locked.pk})
    if locked.revoked_on:
        raise DocumentError(_("Document %(id)s is revoked.") % {"id": locked.pk})
    if not locked.is_current:
        raise DocumentError(_("Document %(id)s was cancelled by a corrected Council decision.") % {"id": locked.pk})
    holder = IssuedDocument.objects.filter(number=number).exclude(pk=locked.pk).first()
    if holder is not None:
        raise DocumentError(
            _("The number %(number)s belongs to another document (%(id)s).") % {"number": number, "id": holder.pk}
        )
    if issue_date < locked.exam_date or issue_date > timezone.localdate():
        raise DocumentError(
            _("The issue date %(date)s is before the exam or in the future.")
            % {"date": issue_date.strftime("%d.%m.%Y")}
        )


def _number_save(locked: IssuedDocument, *, number: str, issue_date: datetime.date, register_url: str) -> None:
    """Store the register's data on the document and send it back to the renderers."""
    locked.number = number
    locked.number_source = NumberSource.REGISTER
    locked.register_url = register_url
    locked.registered_at = timezone.now()
    locked.issue_date = issue_date
    if locked.kind == Kind.CERTIFICATE and locked.variant == Variant.ORIGINAL:
        locked.valid_until = add_years(issue_date, locked.qualification.validity_years)
    locked.render_status, locked.render_error = RenderStatus.PENDING, ""
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError as exc:
        raise DocumentError(_("The number %(number)s belongs to another document.") % {"number": number}) from exc
