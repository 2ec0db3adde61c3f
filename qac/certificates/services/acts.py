"""Acts on issued documents: revocation, extension, following a corrected verdict, a holder's accounts merged."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qac.accounts.roles import Role, has_role, is_qac_staff
from qac.council.models import CouncilVerdict

from ..models import DocumentEvent, IssuedDocument, Kind, NumberSource, RenderStatus, Variant
from . import rendering
from .common import DocumentError, certificate_family, staff_reason
from .issuing import document_issue, superseded_cancel, verdict_kind


def certificate_revoke(*, document: IssuedDocument, by, reason: str, revoked_on: datetime.date | None = None):
    reason = staff_reason(by, reason)
    _revoke(document=document, by=by, reason=reason, revoked_on=revoked_on)
    document.refresh_from_db()
    return document


def _revoke(*, document: IssuedDocument, by, reason: str, revoked_on: datetime.date | None = None) -> None:
    """Revoke a numbered certificate and every paper of it; the caller has checked who asks and why."""
    revoked_on = revoked_on or timezone.localdate()
    if revoked_on > timezone.localdate():
        raise DocumentError(_("A revocation date cannot be in the future."))
    with transaction.atomic():
        locked = IssuedDocument.objects.select_for_update().get(pk=document.pk)
        if locked.kind != Kind.CERTIFICATE:
            raise DocumentError(_("Only certificates are revoked."))
        if not locked.is_numbered:
            raise DocumentError(
                _("This certificate is not in the register yet: correct the Council's decision instead.")
            )
        if revoked_on < locked.issue_date:
            raise DocumentError(_("A certificate cannot be revoked before it was issued."))
        if locked.revoked_on:
            raise DocumentError(
                _("This certificate was already revoked on %(date)s.")
                % {"date": locked.revoked_on.strftime("%d.%m.%Y")}
            )
        # Revoking the number revokes every paper of it: the original, duplicates, corrections.
        family = certificate_family(locked)
        family.update(revoked_on=revoked_on, revoked_reason=reason)
        DocumentEvent.objects.create(
            document=locked, by=by, action="revoked", reason=reason, data={"on": revoked_on.isoformat()}
        )


def documents_follow_verdict(*, verdict_id: int, reason: str, by=None) -> IssuedDocument | None:
    """A verdict changed because its exam result was corrected after approval: the documents follow.

    The old document is taken out of use: a numbered certificate is revoked
    (every paper of it), a numbered conclusion withdrawn, an unnumbered one
    cancelled. The document the new verdict calls for is made unnumbered and
    then numbered through the register like every other. Safe to run twice.
    """
    verdict = CouncilVerdict.objects.select_related("decision").get(pk=verdict_id)
    kind = verdict_kind(verdict)
    with transaction.atomic():
        stale = IssuedDocument.objects.filter(result_id=verdict.result_id, variant=Variant.ORIGINAL, is_current=True)
        for document in stale.exclude(kind=kind).exclude(number_source=NumberSource.AWAITING):
            if document.kind == Kind.CERTIFICATE:
                if not document.revoked_on:
                    _revoke(document=document, by=by, reason=reason)
            else:
                IssuedDocument.objects.filter(pk=document.pk).update(
                    is_current=False, withdrawn_on=timezone.localdate()
                )
                DocumentEvent.objects.create(document=document, by=by, action="withdrawn", reason=reason)
        superseded_cancel(verdict=verdict, by=by)
        return document_issue(verdict=verdict, by=by)


def certificate_extend(*, document: IssuedDocument, by, valid_until: datetime.date, reason: str) -> IssuedDocument:
    """Extend a validity date (the register has done so by decree), for every paper of the number."""
    reason = staff_reason(by, reason)
    if not has_role(by, Role.HEAD) and not is_qac_staff(by):
        raise DocumentError(_("Only the center's staff act on issued documents."))
    with transaction.atomic():
        locked = IssuedDocument.objects.select_for_update().get(pk=document.pk)
        if locked.kind != Kind.CERTIFICATE or locked.revoked_on:
            raise DocumentError(_("Only a valid certificate's date can be extended."))
        if valid_until <= locked.valid_until:
            raise DocumentError(_("The new date must be later than the current one."))
        before = locked.valid_until
        certificate_family(locked).update(
            valid_until=valid_until, expiry_reminded_at=None, render_status=RenderStatus.PENDING
        )
        DocumentEvent.objects.create(
            document=locked,
            by=by,
            action="extended",
            reason=reason,
            data={"from": before.isoformat(), "to": valid_until.isoformat()},
        )
        ids = list(certificate_family(locked).exclude(number_source=NumberSource.AWAITING).values_list("pk", flat=True))
        transaction.on_commit(lambda: rendering.render_soon(ids))
    document.refresh_from_db()
    return document


def holder_merge(*, kept_id: int, duplicate_id: int) -> dict:
    """Two accounts of one person became one: their issued documents follow the kept account."""
    return {"issued_documents": IssuedDocument.objects.filter(holder_id=duplicate_id).update(holder_id=kept_id)}
