"""The contract pages: who may see what, the papers, payments and statements through the browser's door."""

import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qac.contracts import selectors, services
from qac.contracts.models import Contract, ContractPaper, ContractStatus, Payer, Payment, RenderStatus
from tests.helpers.contracts import EMPLOYER_INN, PRICE, payment_order, statement_bytes
from tests.helpers.exams import ru

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def generate(client, contract):
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("contracts:action", args=[contract.pk]), {"action": "papers"})
    assert response.status_code == 302
    return {p.kind: p for p in ContractPaper.objects.filter(contract=contract)}


def pdf_text(content: bytes) -> str:
    return " ".join(
        subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True)
        .stdout.decode()
        .split()
    )


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("candidate", 403), ("expert", 403), ("staff", 200), ("head", 200)],
)
def test_the_contract_pages_are_for_staff(persona_client, persona, expected, employer_contract):
    client, _user = persona_client(persona)
    for url in (
        reverse("contracts:list"),
        reverse("contracts:payers"),
        reverse("contracts:statement"),
        reverse("contracts:detail", args=[employer_contract.pk]),
    ):
        assert client.get(url).status_code == expected
    before = Contract.objects.values_list("status", flat=True).get()
    client.post(reverse("contracts:action", args=[employer_contract.pk]), {"action": "send"})
    after = Contract.objects.values_list("status", flat=True).get()
    assert after == (ContractStatus.SENT if expected == 200 else before)


def test_staff_generate_the_contract_and_the_invoice_as_pdfs(client, staff, employer_contract):
    client.force_login(staff)
    papers = generate(client, employer_contract)
    assert {k: p.status for k, p in papers.items()} == {"contract": "rendered", "invoice": "rendered"}
    contract_pdf = b"".join(client.get(reverse("contracts:paper", args=[employer_contract.pk, "contract"])))
    invoice_pdf = b"".join(client.get(reverse("contracts:paper", args=[employer_contract.pk, "invoice"])))
    assert contract_pdf.startswith(b"%PDF") and invoice_pdf.startswith(b"%PDF")
    contract_text, invoice_text = pdf_text(contract_pdf), pdf_text(invoice_pdf)
    assert f"ДОГОВОР № {employer_contract.number}" in contract_text
    assert "ООО «Автосервис Нева»" in contract_text and EMPLOYER_INN in contract_text
    assert "п. 18 Правил" in contract_text  # the contract says the payer gets a copy
    assert f"Счёт на оплату № {employer_contract.number}" in invoice_text
    for line in employer_contract.lines.select_related("application__identity"):
        assert line.application.number in invoice_text
    assert "36 000,00" in invoice_text and "36 000,00" in contract_text
    # The sum in words, as Russian payment papers state it beside the figures.
    assert "Тридцать шесть тысяч рублей 00 копеек" in invoice_text
    assert "Тридцать шесть тысяч рублей 00 копеек" in contract_text


def test_papers_not_generated_yet_are_not_found(client, staff, candidate, own_contract):
    client.force_login(staff)
    assert client.get(reverse("contracts:paper", args=[own_contract.pk, "invoice"])).status_code == 404
    client.force_login(candidate)
    assert client.get(reverse("contracts:my_paper", args=[own_contract.pk, "invoice"])).status_code == 404


def test_the_candidate_downloads_their_own_contract_and_no_one_elses(
    client, staff, candidate, other_candidate, own_contract, employer_contract
):
    client.force_login(staff)
    generate(client, own_contract)
    generate(client, employer_contract)
    client.force_login(candidate)
    response = client.get(reverse("contracts:my_paper", args=[own_contract.pk, "contract"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    page = client.get(reverse("contracts:mine")).content.decode()
    assert own_contract.number in page and reverse("contracts:my_paper", args=[own_contract.pk, "invoice"]) in page
    # The employer's contract lists other people: none of its employees downloads it.
    employee = employer_contract.lines.first().application.candidate
    client.force_login(employee)
    page = client.get(reverse("contracts:mine")).content.decode()
    assert employer_contract.number in page and "ООО «Автосервис Нева»" in page
    assert client.get(reverse("contracts:my_paper", args=[employer_contract.pk, "contract"])).status_code == 404
    client.force_login(other_candidate)
    assert client.get(reverse("contracts:my_paper", args=[own_contract.pk, "contract"])).status_code == 404
    assert client.get(reverse("contracts:my_paper", args=[own_contract.pk, "bogus"])).status_code == 404


@pytest.mark.parametrize("status", RenderStatus.values)
def test_the_pages_link_each_paper_exactly_when_allowed_contract_actions_allows_its_download(
    client, staff, candidate, own_contract, employer_contract, status
):
    """One rule, ``paper_downloadable``, behind both pages' links and ``paper_get`` (issue 15 item 4)."""
    client.force_login(staff)
    generate(client, own_contract)
    generate(client, employer_contract)
    ContractPaper.objects.filter(kind="invoice").update(status=status)
    expected = {"download_contract"} | ({"download_invoice"} if status == RenderStatus.RENDERED else set())
    links = {
        f"download_{kind}"
        for kind in ("contract", "invoice")
        if reverse("contracts:paper", args=[own_contract.pk, kind])
        in client.get(reverse("contracts:detail", args=[own_contract.pk])).content.decode()
    }
    assert links == expected
    assert expected <= selectors.allowed_contract_actions(own_contract, staff)
    client.force_login(candidate)
    response = client.get(reverse("contracts:mine"))
    (line,) = response.context["lines"]
    assert line.contract.actions == expected
    page = response.content.decode()
    links = {k for k in ("contract", "invoice") if reverse("contracts:my_paper", args=[own_contract.pk, k]) in page}
    assert {f"download_{k}" for k in links} == expected
    if status != RenderStatus.RENDERED:
        assert client.get(reverse("contracts:my_paper", args=[own_contract.pk, "invoice"])).status_code == 404
    # An employee listed on the employer's contract downloads nothing of it.
    employee = employer_contract.lines.first().application.candidate
    assert selectors.allowed_contract_actions(employer_contract, employee) == set()


def test_a_wrong_amount_on_the_page_is_refused_with_a_message(client, staff, own_contract):
    client.force_login(staff)
    url = reverse("contracts:action", args=[own_contract.pk])
    data = {"action": "payment", "paid_on": own_contract.date.isoformat(), "document_number": "5"}
    response = client.post(url, data | {"amount": str(PRICE * 2)}, follow=True)
    assert any(own_contract.number in m and str(PRICE) in m for m in messages_of(response))
    assert not Payment.objects.exists()
    response = client.post(url, data | {"amount": "abc"}, follow=True)
    assert response.status_code == 200 and not Payment.objects.exists()
    client.post(url, data | {"amount": str(PRICE)})
    own_contract.refresh_from_db()
    assert own_contract.status == ContractStatus.PAID


@pytest.mark.parametrize(
    ("inn", "kpp", "message"),
    [
        ("7801123456", "780101001", "This INN is not valid: its check digits do not match. Please check the number."),
        ("78011234", "780101001", "An INN has 10 digits (an organisation) or 12 digits (a person or an entrepreneur)."),
        ("7801123455", "7801", "A KPP has 9 characters: 4 digits, 2 digits or capital Latin letters, 3 digits."),
        ("7801123455", "", "An organisation with a 10-digit INN has a KPP."),
    ],
)
def test_a_payer_with_a_bad_inn_or_kpp_is_not_added(client, staff, inn, kpp, message):
    client.force_login(staff)
    data = {"kind": "organisation", "name": "ООО «Ромашка»", "inn": inn, "kpp": kpp, "address": "г. Санкт-Петербург"}
    response = client.post(reverse("contracts:payers"), data)
    assert response.status_code == 200
    assert ru(message) in " ".join(messages_of(response))
    assert not Payer.objects.filter(name="ООО «Ромашка»").exists()


def test_a_good_payer_is_added(client, staff):
    client.force_login(staff)
    data = {"kind": "organisation", "name": "ООО «Ромашка»", "inn": "7814001239", "kpp": "781401001", "address": "СПб"}
    assert client.post(reverse("contracts:payers"), data).status_code == 302
    assert Payer.objects.get(name="ООО «Ромашка»").inn == "7814001239"


def test_staff_make_one_contract_for_an_employers_employees_on_the_page(client, staff, employer, make_application):
    apps = [make_application(), make_application()]
    client.force_login(staff)
    data = {"applications": [a.pk for a in apps], "payer": employer.pk, "date": apps[0].decided_at.date().isoformat()}
    response = client.post(reverse("contracts:list"), data)
    contract = Contract.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("contracts:detail", args=[contract.pk])
    assert contract.amount == PRICE * 2 and contract.payer == employer


def test_a_statement_with_errors_answers_400_listing_them_and_records_nothing(client, staff, employer_contract):
    client.force_login(staff)
    bad = statement_bytes(payment_order(employer_contract, inn="7707083893"))
    response = client.post(reverse("contracts:statement"), {"file": SimpleUploadedFile("kl_to_1c.txt", bad)})
    assert response.status_code == 400
    assert "7707083893" in response.content.decode()
    assert not Payment.objects.exists()
    good = statement_bytes(payment_order(employer_contract))
    response = client.post(reverse("contracts:statement"), {"file": SimpleUploadedFile("kl_to_1c.txt", good)})
    assert response.status_code == 200 and Payment.objects.count() == 1
    response = client.post(reverse("contracts:statement"), {"file": SimpleUploadedFile("again.txt", good)})
    assert 'data-testid="imported-before"' in response.content.decode() and Payment.objects.count() == 1


def test_another_candidates_contract_is_not_found_for_anyone_but_staff(persona_client, own_contract):
    for persona in ("other_candidate", "expert"):
        client, _ = persona_client(persona)
        assert client.get(reverse("contracts:my_paper", args=[own_contract.pk, "contract"])).status_code in (403, 404)


def test_the_contract_list_costs_the_same_queries_for_one_contract_or_many(client, staff, employer, make_application):
    client.force_login(staff)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("contracts:list")).status_code == 200
        return len(ctx.captured_queries)

    services.contract_create(
        by=staff, payer=employer, applications=[make_application()], date=make_application().decided_at.date()
    )
    one = queries()
    for _ in range(4):
        services.contract_create(
            by=staff, payer=employer, applications=[make_application()], date=Contract.objects.first().date
        )
    assert queries() == one


def test_staff_e_mail_the_papers_to_an_employer_and_the_draft_becomes_sent(
    client, staff, employer_contract, mailoutbox
):
    client.force_login(staff)
    url = reverse("contracts:action", args=[employer_contract.pk])
    response = client.post(url, {"action": "email"}, follow=True)
    assert ru("Prepare the contract and the invoice first.") in messages_of(response) and mailoutbox == []
    generate(client, employer_contract)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(url, {"action": "email"})
    (mail,) = mailoutbox
    assert mail.to == ["buh@autoservice.test"] and employer_contract.number in mail.subject
    assert sorted(name for name, _content, _type in mail.attachments) == [
        f"contract-{employer_contract.number.replace('/', '-')}.pdf",
        f"invoice-{employer_contract.number.replace('/', '-')}.pdf",
    ]
    employer_contract.refresh_from_db()
    assert employer_contract.status == ContractStatus.SENT
