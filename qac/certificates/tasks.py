"""Workers' side of documents. Routed to the ``documents`` queue (settings.CELERY_TASK_ROUTES).

Every task is safe to deliver twice: issuing returns existing rows, and
rendering skips documents already rendered, so a worker killed mid-batch
loses nothing and renders nothing twice when the message comes back.
"""

import datetime
import hashlib
import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import DocumentEvent, IssuedDocument, Kind, RenderStatus

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=10, max_retries=5)
def issue_session_documents_task(session_id: int) -> int:
    """Create (and number) the session's documents, then queue their rendering in batches."""
    from .services import _render_soon, session_documents_issue

    pending = session_documents_issue(session_id=session_id)
    _render_soon(pending)
    return len(pending)


@shared_task(
    bind=True,
    acks_late=True,
    retry_backoff=10,
    retry_backoff_max=300,
    max_retries=5,
    soft_time_limit=600,
    time_limit=660,
)
def render_documents_task(self, document_ids: list[int]) -> dict:
    """Render the listed documents that still need it, store each PDF with its SHA-256."""
    from .render import render_batch

    todo = list(
        IssuedDocument.objects.filter(pk__in=document_ids, render_status=RenderStatus.PENDING)
        .select_related("qualification__standard", "result__enrolment__session")
        .order_by("pk")
    )
    if not todo:
        return {"rendered": 0}
    IssuedDocument.objects.filter(pk__in=[d.pk for d in todo]).update(render_attempts=F("render_attempts") + 1)
    try:
        pdfs = render_batch(todo)
    except OSError as exc:
        # A disk or font hiccup: retry the batch with backoff; when the
        # retries are spent, say so on the documents so staff can act.
        if self.request.retries >= self.max_retries:
            for document in todo:
                _fail(document, exc)
            return {"failed": len(todo)}
        raise self.retry(exc=exc, countdown=min(10 * 2**self.request.retries, 300)) from exc
    except Exception as exc:
        if len(todo) > 1:
            # One bad document must not sink its batch: render them one by one.
            for document in todo:
                render_documents_task.delay([document.pk])
            return {"split": len(todo)}
        _fail(todo[0], exc)
        return {"failed": 1}
    for document in todo:
        _store(document, pdfs[document.pk])
    return {"rendered": len(todo)}


def _fail(document: IssuedDocument, exc: Exception) -> None:
    logger.exception("rendering document %s failed", document.pk)
    IssuedDocument.objects.filter(pk=document.pk).update(
        render_status=RenderStatus.FAILED, render_error=f"{type(exc).__name__}: {exc}"[:2000]
    )


def _store(document: IssuedDocument, pdf: bytes) -> None:
    name = f"{'certificate' if document.kind == Kind.CERTIFICATE else 'conclusion'}-{document.pk}.pdf"
    with transaction.atomic():
        locked = IssuedDocument.objects.select_for_update().get(pk=document.pk)
        if locked.render_status == RenderStatus.RENDERED:
            return  # another delivery got here first
        old = locked.file.name if locked.file else None
        locked.file.save(name, ContentFile(pdf), save=False)
        locked.sha256 = hashlib.sha256(pdf).hexdigest()
        locked.size = len(pdf)
        locked.render_status = RenderStatus.RENDERED
        locked.render_error = ""
        locked.rendered_at = timezone.now()
        locked.save(update_fields=["file", "sha256", "size", "render_status", "render_error", "rendered_at"])
        DocumentEvent.objects.create(document=locked, action="rendered", data={"sha256": locked.sha256})
    if old and old != locked.file.name:
        locked.file.storage.delete(old)


@shared_task(acks_late=True, expires=3600)
def expiry_reminders_task() -> int:
    """E-mail holders whose certificate expires in QAC_EXPIRY_REMINDER_DAYS days or less (once per date)."""
    today = timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.QAC_EXPIRY_REMINDER_DAYS)
    due = IssuedDocument.objects.filter(
        kind=Kind.CERTIFICATE,
        is_current=True,
        revoked_on__isnull=True,
        valid_until__gte=today,
        valid_until__lte=horizon,
        expiry_reminded_at__isnull=True,
    ).select_related("holder", "qualification")
    sent = 0
    for document in due:
        # Claim first, so two runs never mail twice; release if sending fails.
        if not IssuedDocument.objects.filter(pk=document.pk, expiry_reminded_at__isnull=True).update(
            expiry_reminded_at=timezone.now()
        ):
            continue
        try:
            with translation.override(settings.LANGUAGE_CODE):
                context = {"doc": document}
                subject = render_to_string("certificates/email/expiry_subject.txt", context).strip()
                body = render_to_string("certificates/email/expiry_body.txt", context)
            send_mail(subject, body, None, [document.holder.email])
        except (smtplib.SMTPException, ConnectionError, TimeoutError):
            IssuedDocument.objects.filter(pk=document.pk).update(expiry_reminded_at=None)
            logger.exception("expiry reminder for document %s failed", document.pk)
            continue
        sent += 1
    return sent
