"""Workers' side of documents. Routed to the ``documents`` queue (settings.CELERY_TASK_ROUTES).

Every task is safe to deliver twice: issuing returns existing rows, and
rendering skips documents already rendered, so a worker killed mid-batch
loses nothing and renders nothing twice when the message comes back.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from qac.contracts import selectors as contract_selectors
from qac.contracts import services as contract_services
from qac.mail import TRANSIENT_MAIL_ERRORS

from . import render, selectors, services
from .models import IssuedDocument

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=10, max_retries=5)
def issue_session_documents_task(session_id: int) -> int:
    """Create the documents the Council's decision calls for; render those that already carry a register number."""
    pending = services.session_documents_issue(session_id=session_id)
    services.render_soon(pending)
    return len(pending)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=10, max_retries=5)
def documents_follow_verdict_task(verdict_id: int, reason: str, by_id: int | None = None) -> int | None:
    """A verdict corrected after its result was: revoke or withdraw the old document, make the new one."""
    document = services.documents_follow_verdict(verdict_id=verdict_id, reason=reason, by=_user(by_id))
    return document.pk if document else None


def _user(pk):
    return get_user_model().objects.filter(pk=pk).first() if pk else None


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
    """Render the listed documents that still need it (and have their register number), store each PDF."""
    todo = services.render_claim(document_ids=document_ids)
    if not todo:
        return {"rendered": 0}
    try:
        pdfs = render.render_batch(todo)
    except OSError as exc:
        # A disk or font hiccup: retry the batch with backoff; when the
        # retries are spent, say so on the documents so staff can act.
        if self.request.retries >= self.max_retries:
            for document in todo:
                services.render_fail(document=document, error=exc)
            return {"failed": len(todo)}
        raise self.retry(exc=exc, countdown=min(10 * 2**self.request.retries, 300)) from exc
    except Exception as exc:
        if len(todo) > 1:
            # One bad document must not sink its batch: render them one by one.
            for document in todo:
                render_documents_task.delay([document.pk])
            return {"split": len(todo)}
        logger.exception("rendering document %s failed", todo[0].pk)
        services.render_fail(document=todo[0], error=exc)
        return {"failed": 1}
    for document in todo:
        services.render_store(document=document, pdf=pdfs[document.pk])
    return {"rendered": len(todo)}


def _mail_text(name: str, context: dict) -> tuple[str, str]:
    """The subject and body of the mail ``certificates/email/<name>_*.txt``, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"certificates/email/{name}_subject.txt", context).strip()
        body = render_to_string(f"certificates/email/{name}_body.txt", context)
    return subject, body


@shared_task(acks_late=True, expires=3600)
def expiry_reminders_task() -> int:
    """E-mail holders whose certificate expires in QAC_EXPIRY_REMINDER_DAYS days or less (once per date)."""
    due = selectors.expiry_reminders_due(today=timezone.localdate())
    sent = 0
    for document in due:
        # Claim first, so two runs never mail twice; release if sending fails.
        if not services.expiry_reminder_claim(document=document):
            continue
        try:
            subject, body = _mail_text("expiry", {"doc": document})
            send_mail(subject, body, None, [document.holder.email])
        except TRANSIENT_MAIL_ERRORS:
            services.expiry_reminder_release(document=document)
            logger.exception("expiry reminder for document %s failed", document.pk)
            continue
        sent += 1
    return sent


@shared_task(acks_late=True, autoretry_for=TRANSIENT_MAIL_ERRORS, max_retries=8)
def notify_holder_task(document_id: int) -> str:
    """Tell the holder how their document was issued (handed over, or posted with its tracking number)."""
    document = IssuedDocument.objects.select_related("holder", "qualification").filter(pk=document_id).first()
    if document is None or not document.delivered_on:
        return "nothing to tell"
    if not services.holder_notified(document=document):
        return "already told"
    try:
        subject, body = _mail_text("issued", {"doc": document})
        send_mail(subject, body, None, [document.holder.email])
    except TRANSIENT_MAIL_ERRORS:
        services.holder_notice_release(document=document)
        raise
    return "sent"


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=10, max_retries=5)
def duplicates_for_change_request_task(change_request_id: int) -> int:
    """Applications for duplicates on an approved change of name; safe twice (the service skips what it made)."""
    return len(services.duplicates_for_change_request(change_request_id=change_request_id))


@shared_task(acks_late=True, autoretry_for=TRANSIENT_MAIL_ERRORS, max_retries=8)
def notify_payer_task(document_id: int) -> str:
    """E-mail the payer a copy of the issued certificate or conclusion, where the contract says so (1204 p.18)."""
    document = (
        IssuedDocument.objects.select_related("qualification", "result__enrolment").filter(pk=document_id).first()
    )
    if document is None or not document.delivered_on or not document.file:
        return "nothing to send"
    payer = contract_selectors.payer_to_inform(application_id=document.result.enrolment.application_id)
    if payer is None:
        return "the contract does not ask for it"
    if not contract_services.payer_notice_claim(document_id=document.pk, payer=payer):
        return "already sent"
    try:
        subject, body = _mail_text("payer_copy", {"doc": document, "payer": payer})
        message = EmailMessage(subject, body, None, [payer.email])
        with document.file.open("rb") as handle:
            message.attach(services.document_file_name(document), handle.read(), "application/pdf")
        message.send()
    except TRANSIENT_MAIL_ERRORS:
        contract_services.payer_notice_release(document_id=document.pk)
        raise
    return "sent"
