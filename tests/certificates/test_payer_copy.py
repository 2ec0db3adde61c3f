"""Decree 1204 p.18: where the contract says so, the payer gets a copy of the issued document by e-mail."""

from decimal import Decimal

import pytest
from django.test import TestCase
from django.utils import timezone

from qac.certificates import services
from qac.certificates.tasks import notify_payer_task
from qac.contracts.models import Contract, ContractLine, ContractStatus, Payer, PayerKind, PayerNotice

pytestmark = pytest.mark.django_db


def contract_for(document, staff, *, inform: bool, email="hr@employer.test") -> Contract:
    """The employer's contract for the holder's application (made directly: the exam is already behind it)."""
    payer = Payer.objects.create(
        kind=PayerKind.ORGANISATION,
        name="ООО «Работодатель»",
        inn="7814001239",
        kpp="781401001",
        address="СПб",
        email=email,
    )
    contract = Contract.objects.create(
        number="2026/99999",
        date=timezone.localdate(),
        payer=payer,
        amount=Decimal("100.00"),
        status=ContractStatus.PAID,
        inform_payer=inform,
        created_by=staff,
    )
    ContractLine.objects.create(
        contract=contract, application=document.result.enrolment.application, price=Decimal("100.00")
    )
    return contract


def deliver(document, staff):
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.document_deliver(
            document=document, by=staff, method="handed", delivered_on=timezone.localdate(), recipient="лично"
        )


def test_the_payer_receives_a_copy_with_the_pdf_when_the_document_is_issued(rendered_certificate, staff, mailoutbox):
    contract_for(rendered_certificate, staff, inform=True)
    deliver(rendered_certificate, staff)
    to_payer = [m for m in mailoutbox if m.to == ["hr@employer.test"]]
    assert len(to_payer) == 1
    (name, content, mimetype) = to_payer[0].attachments[0]
    assert mimetype == "application/pdf" and content.startswith(b"%PDF") and rendered_certificate.number in name
    assert rendered_certificate.holder_last_name in to_payer[0].subject
    assert PayerNotice.objects.get().document_id == rendered_certificate.pk
    # A redelivered task does not mail twice.
    assert notify_payer_task(rendered_certificate.pk) == "already sent"
    assert len([m for m in mailoutbox if m.to == ["hr@employer.test"]]) == 1


def test_no_copy_where_the_contract_does_not_say_so(rendered_certificate, staff, mailoutbox):
    contract_for(rendered_certificate, staff, inform=False)
    deliver(rendered_certificate, staff)
    assert [m.to for m in mailoutbox] == [[rendered_certificate.holder.email]]
    assert not PayerNotice.objects.exists()


def test_no_copy_before_the_document_is_issued(rendered_certificate, staff, mailoutbox):
    contract_for(rendered_certificate, staff, inform=True)
    assert notify_payer_task(rendered_certificate.pk) == "nothing to send"
    assert mailoutbox == []
