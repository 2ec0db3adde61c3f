"""Workers' side of contracts: the PDFs. Routed to the ``documents`` queue (settings.CELERY_TASK_ROUTES).

Safe to deliver twice: only papers still pending are rendered, and storing skips a rendered one.
"""

import smtplib
from functools import partial

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from qac.tasks import FAILED, attempt

from . import services
from .models import Contract, RenderStatus
from .render import render_paper


@shared_task(bind=True, acks_late=True, max_retries=5, soft_time_limit=300, time_limit=330)
def render_contract_papers_task(self, contract_id: int) -> dict:
    """Render the contract's papers that wait (the contract, the invoice) and store each PDF."""
    todo = services.render_claim(contract_id=contract_id)
    done = failed = 0
    for paper in todo:
        pdf = attempt(
            self,
            partial(render_paper, paper),
            fail=lambda error, paper=paper: services.render_fail(paper=paper, error=error),
            what=f"rendering contract paper {paper.pk}",
            backoff=10,
            cap=300,
        )
        if pdf is FAILED:
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
