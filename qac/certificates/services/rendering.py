"""A document's render state, pending -> rendered / failed, and the queueing of renders.

The state moves only here (``render_claim``, ``render_store``, ``render_fail``, ``render_retry``;
numbering and extension send a document back to pending). It does not go through
``qac.statemachine``: its moves are claims that a redelivered task must be able to repeat
harmlessly (a second store or fail does nothing, it is not refused), and its history is the
document's own event log rather than a from/to table.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from qac.accounts.roles import is_qac_staff
from qac.enqueue import enqueue

from ..models import DocumentEvent, IssuedDocument, Kind, NumberSource, RenderStatus, Variant
from .common import DocumentError


def render_soon(ids):
    """Queue the rendering of ``ids`` in batches, at once: callers run after their commit."""
    batch = settings.QAC_RENDER_BATCH_SIZE
    for start in range(0, len(ids), batch):
        enqueue("qac.certificates.tasks.render_documents_task", ids[start : start + batch], on_commit=False)


def numbered_unrendered_ids() -> list[int]:
    """Documents that have their register number but no PDF yet (a lost message, a restored backup)."""
    return list(
        IssuedDocument.objects.filter(render_status=RenderStatus.PENDING)
        .exclude(number_source=NumberSource.AWAITING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def render_retry(*, document: IssuedDocument, by) -> IssuedDocument:
    """Send a failed document back to the renderers."""
    if not is_qac_staff(by):
        raise DocumentError(_("Only the center's staff retry rendering."))
    with transaction.atomic():
        if not IssuedDocument.objects.filter(pk=document.pk, render_status=RenderStatus.FAILED).update(
            render_status=RenderStatus.PENDING, render_error=""
        ):
            raise DocumentError(_("Only a document whose rendering failed is retried."))
        DocumentEvent.objects.create(document=document, by=by, action="retry")
        pk = document.pk
        transaction.on_commit(lambda: render_soon([pk]))
    document.refresh_from_db()
    return document


# --- Rendering bookkeeping (called by the workers) ------------------------------------------------


def render_claim(*, document_ids: list[int]) -> list[IssuedDocument]:
    """The listed documents that still need rendering and have their number, with one more attempt counted."""
    todo = list(
        IssuedDocument.objects.filter(pk__in=document_ids, render_status=RenderStatus.PENDING)
        .exclude(number_source=NumberSource.AWAITING)
        .select_related("qualification__standard", "result__enrolment__session")
        .order_by("pk")
    )
    if todo:
        IssuedDocument.objects.filter(pk__in=[d.pk for d in todo]).update(render_attempts=F("render_attempts") + 1)
    return todo


def render_fail(*, document: IssuedDocument, error: Exception) -> None:
    """pending -> failed, with the reason staff see."""
    with transaction.atomic():
        if IssuedDocument.objects.filter(pk=document.pk, render_status=RenderStatus.PENDING).update(
            render_status=RenderStatus.FAILED, render_error=f"{type(error).__name__}: {error}"[:2000]
        ):
            DocumentEvent.objects.create(document=document, action="render_failed", reason=str(error)[:2000])


def document_file_name(document: IssuedDocument) -> str:
    """The one name a document's PDF goes by: stored, downloaded and zipped."""
    kind = "certificate" if document.kind == Kind.CERTIFICATE else "conclusion"
    if document.variant == Variant.DUPLICATE:
        kind = f"{kind}-duplicate"
    return f"{kind}-{document.number or document.pk}.pdf"


def render_store(*, document: IssuedDocument, pdf: bytes) -> None:
    """pending -> rendered: the PDF stored with its SHA-256. A second delivery finds it rendered and stops."""
    with transaction.atomic():
        locked = IssuedDocument.objects.select_for_update().get(pk=document.pk)
        if locked.render_status == RenderStatus.RENDERED:
            return  # another delivery got here first
        old = locked.file.name if locked.file else None
        locked.file.save(f"{locked.pk}-{document_file_name(locked)}", ContentFile(pdf), save=False)
        locked.sha256 = hashlib.sha256(pdf).hexdigest()
        locked.size = len(pdf)
        locked.render_status = RenderStatus.RENDERED
        locked.render_error = ""
        locked.rendered_at = timezone.now()
        locked.save(update_fields=["file", "sha256", "size", "render_status", "render_error", "rendered_at"])
        DocumentEvent.objects.create(document=locked, action="rendered", data={"sha256": locked.sha256})
    if old and old != locked.file.name:
        locked.file.storage.delete(old)
