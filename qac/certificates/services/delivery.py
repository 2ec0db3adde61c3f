"""Delivery (Decree 1204 p.17): the document handed over or posted, and the notices that follow it."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import CallTask
from candidates.services import call_task_add
from qac.accounts.roles import is_qac_staff
from qac.enqueue import enqueue

from ..models import DeliveryMethod, DocumentEvent, IssuedDocument, RenderStatus, Variant
from .common import DocumentError


def document_deliver(
    *,
    document: IssuedDocument,
    by,
    method: str,
    delivered_on: datetime.date,
    recipient: str = "",
    tracking_number: str = "",
) -> IssuedDocument:
    """Record how the document reached the holder: handed over, or posted by registered mail; tell the holder."""
    tracking_number = (tracking_number or "").strip()
    recipient = (recipient or "").strip()
    _delivery_check(by=by, method=method, delivered_on=delivered_on, recipient=recipient, tracking=tracking_number)
    with transaction.atomic():
        locked = IssuedDocument.objects.select_for_update().get(pk=document.pk)
        _deliverable_check(locked, delivered_on=delivered_on)
        locked.delivery_method, locked.delivered_on, locked.delivered_by = method, delivered_on, by
        locked.delivery_recipient, locked.tracking_number = recipient[:255], tracking_number[:64]
        locked.save(
            update_fields=["delivery_method", "delivered_on", "delivered_by", "delivery_recipient", "tracking_number"]
        )
        DocumentEvent.objects.create(
            document=locked,
            by=by,
            action="delivered",
            data={
                "method": method,
                "on": delivered_on.isoformat(),
                "recipient": recipient,
                "tracking": tracking_number,
            },
        )
        if locked.variant == Variant.DUPLICATE and locked.original_id:
            _replaced_withdraw(locked, by=by, delivered_on=delivered_on)
        _delivery_announce(locked, delivered_on=delivered_on)
    return locked


def _delivery_check(*, by, method: str, delivered_on: datetime.date, recipient: str, tracking: str) -> None:
    """Refuse a delivery the staff may not record as given, before anything is locked."""
    if not is_qac_staff(by):
        raise DocumentError(_("Only the center's staff issue documents."))
    if method not in DeliveryMethod.values:
        raise DocumentError(_("Say how the document was issued."))
    if method == DeliveryMethod.POST and not tracking:
        raise DocumentError(_("Registered mail needs its tracking number."))
    if method == DeliveryMethod.HANDED and not recipient:
        raise DocumentError(_("Say who received the document (the holder or their representative)."))
    if delivered_on > timezone.localdate():
        raise DocumentError(_("The date of issue cannot be in the future."))


def _deliverable_check(locked: IssuedDocument, *, delivered_on: datetime.date) -> None:
    """Only a numbered, printed, valid document not yet handed out is delivered, never before its issue date."""
    if locked.render_status != RenderStatus.RENDERED or not locked.is_numbered:
        raise DocumentError(_("Only a document with its register number and a printed form is issued."))
    if locked.revoked_on or not locked.is_current:
        raise DocumentError(_("This document is no longer valid and is not issued."))
    if locked.delivered_on:
        raise DocumentError(
            _("This document was already issued on %(date)s.") % {"date": locked.delivered_on.strftime("%d.%m.%Y")}
        )
    if locked.issue_date and delivered_on < locked.issue_date:
        raise DocumentError(_("A document cannot be issued before its date of issue."))


def _replaced_withdraw(duplicate: IssuedDocument, *, by, delivered_on: datetime.date) -> None:
    """The paper the duplicate replaces is taken back (725n App. 3 p.26) and no longer current."""
    replaced = IssuedDocument.objects.filter(
        Q(pk=duplicate.original_id) | Q(original_id=duplicate.original_id), is_current=True
    ).exclude(pk=duplicate.pk)
    for old in replaced:
        DocumentEvent.objects.create(document=old, by=by, action="withdrawn", data={"duplicate": duplicate.pk})
    replaced.update(is_current=False, withdrawn_on=delivered_on)


def _delivery_announce(locked: IssuedDocument, *, delivered_on: datetime.date) -> None:
    """The staff's call list gets the delivery; the holder, and the payer, are told after the commit."""
    call_task_add(
        application=locked.result.enrolment.application,
        event=CallTask.Event.DOCUMENT,
        detail=f"{locked.get_delivery_method_display()}, {delivered_on:%d.%m.%Y}",
    )
    enqueue("qac.certificates.tasks.notify_holder_task", locked.pk)
    # Where the contract says so, the payer gets a copy too (Decree 1204 p.18).
    enqueue("qac.certificates.tasks.notify_payer_task", locked.pk)


# --- Notices claimed before they are mailed, so a redelivered task never mails twice ---------------


def holder_notified(*, document: IssuedDocument) -> bool:
    """Claim the holder's notice of issue (True once), so a redelivered task never mails twice."""
    return bool(
        IssuedDocument.objects.filter(pk=document.pk, holder_notified_at__isnull=True).update(
            holder_notified_at=timezone.now()
        )
    )


def holder_notice_release(*, document: IssuedDocument) -> None:
    IssuedDocument.objects.filter(pk=document.pk).update(holder_notified_at=None)


def expiry_reminder_claim(*, document: IssuedDocument) -> bool:
    """Claim a reminder before sending it, so two runs never mail twice."""
    return bool(
        IssuedDocument.objects.filter(pk=document.pk, expiry_reminded_at__isnull=True).update(
            expiry_reminded_at=timezone.now()
        )
    )


def expiry_reminder_release(*, document: IssuedDocument) -> None:
    IssuedDocument.objects.filter(pk=document.pk).update(expiry_reminded_at=None)
