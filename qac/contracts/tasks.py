"""Workers' side of contracts: the PDFs. Routed to the ``documents`` queue (settings.CELERY_TASK_ROUTES).

Safe to deliver twice: only papers still pending are rendered, and storing skips a rendered one.
"""

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from . import services
from .models import Contract, RenderStatus
from .render import render_paper

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=5, soft_time_limit=300, time_limit=330)
def render_contract_papers_task(self, contract_id: int) -> dict:
    """Render the contract's papers that wait (the contract, the invoice) and store each PDF."""
    todo = services.render_claim(contract_id=contract_id)
    done = failed = 0
    for paper in todo:
        try:
            pdf = render_paper(paper)
        except OSError as exc:
            # A disk or font hiccup: retry with backoff; when the retries are spent, say so on the paper.
            if self.request.retries >= self.max_retries:
                services.render_fail(paper=paper, error=exc)
                failed += 1
                continue
            raise self.retry(exc=exc, countdown=min(10 * 2**self.request.retries, 300)) from exc
        except Exception as exc:
            logger.exception("rendering contract paper %s failed", paper.pk)
            services.render_fail(paper=paper, error=exc)
            failed += 1
            continue
        services.render_store(paper=paper, pdf=pdf)
        done += 1
    return {"rendered": done, "failed": failed}


@shared_task(autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError), retry_backoff=30, max_retries=5)
def email_contract_papers_task(contract_id: int) -> str:
    """The contract and the invoice to the payer's e-mail, as PDFs. Not ``acks_late``: twice would mail twice."""
    contract = Contract.objects.select_related("payer").filter(pk=contract_id).first()
    papers = [p for p in contract.papers.all() if p.status == RenderStatus.RENDERED] if contract else []
    if not papers or not contract.payer.email:
        return "nothing to send"
    with translation.override(settings.LANGUAGE_CODE):
        context = {"contract": contract, "payer": contract.payer}
        subject = render_to_string("contracts/email/papers_subject.txt", context).strip()
        body = render_to_string("contracts/email/papers_body.txt", context)
    message = EmailMessage(subject, body, None, [contract.payer.email])
    for paper in papers:
        with paper.file.open("rb") as handle:
            message.attach(services.paper_file_name(paper), handle.read(), "application/pdf")
    message.send()
    return "sent"
