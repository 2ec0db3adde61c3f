"""Demo contracts: an employer that paid for several employees (through a 1C bank statement), another whose
invoice is unpaid, and the archive candidates' own paid contracts so the demo's enrolments pass the payment rule.

Called from ``qac.demo``; each step is idempotent like the rest of the demo.
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from candidates.models import Application
from qac.contracts import render, selectors, services
from qac.contracts.models import BankDetails, Contract, Payer, PayerKind
from standards.models import Fee, Qualification

PAID_EMPLOYER = {
    "kind": PayerKind.ORGANISATION,
    "name": "АО «СеверТрансАвто»",
    "inn": "7814001239",
    "kpp": "781401001",
    "address": "197374, г. Санкт-Петербург, ул. Савушкина, д. 100",
    "contact_person": "Морозова Ирина Петровна, начальник отдела кадров",
    "email": "hr@severtransavto.example",
    "phone": "+7 812 300-00-01",
}
UNPAID_EMPLOYER = {
    "kind": PayerKind.ORGANISATION,
    "name": "ООО «Автосервис Нева»",
    "inn": "7801123455",
    "kpp": "780101001",
    "address": "199178, г. Санкт-Петербург, 5-я линия В.О., д. 40",
    "contact_person": "Гусев Олег Андреевич, директор",
    "email": "office@autoservice-neva.example",
    "phone": "+7 812 300-00-02",
}
# Example bank details (to be replaced by the head in the admin): a test account, not a real one.
BANK = {
    "inn": "7842007779",
    "kpp": "784201001",
    "account": "40703810900000000001",
    "bank_name": "ПАО «Пример-Банк», г. Санкт-Петербург",
    "bik": "044030001",
    "correspondent_account": "30101810100000000001",
    "vat_note": "Без НДС (упрощённая система налогообложения)",
}


# An example price where the catalogue has none in force (the shipped examples are loaded by a migration,
# which a test database flushed between tests no longer has).
DEMO_PRICE = Decimal("14500.00")


def _ensure_prices() -> None:
    since = datetime.date(timezone.localdate().year, 1, 1)
    for qualification in Qualification.objects.filter(is_active=True):
        if selectors.fee_on(qualification_id=qualification.pk, on=timezone.localdate()) is None:
            Fee.objects.get_or_create(
                qualification=qualification, valid_from=since, defaults={"amount": DEMO_PRICE, "is_example": True}
            )


def _staff():
    return get_user_model().objects.get(email="staff@qac.local")


def _application(email: str, status: str) -> Application | None:
    return Application.objects.filter(candidate__email=email, status=status).order_by("pk").first()


def _render(contract: Contract) -> None:
    """The worker's steps, called here so the demo does not wait for a worker."""
    for paper in services.render_claim(contract_id=contract.pk):
        services.render_store(paper=paper, pdf=render.render_paper(paper))


def _statement(contract: Contract, payer: dict) -> bytes:
    today = timezone.localdate()
    lines = [
        "1CClientBankExchange",
        "ВерсияФормата=1.03",
        "Кодировка=Windows",
        f"ДатаНачала={today:%d.%m.%Y}",
        "СекцияДокумент=Платежное поручение",
        "Номер=418",
        f"Дата={today:%d.%m.%Y}",
        f"Сумма={contract.amount}",
        f"ПлательщикИНН={payer['inn']}",
        f"Плательщик1={payer['name']}",
        f"ПолучательИНН={BANK['inn']}",
        f"НазначениеПлатежа=Оплата по счёту № {contract.number} от {contract.date:%d.%m.%Y}. Без НДС",
        "КонецДокумента",
        "КонецФайла",
    ]
    return "\r\n".join(lines).encode("cp1251")


def _employer_contract(fields: dict, applications: list, *, staff) -> Contract | None:
    applications = [a for a in applications if a is not None]
    if not applications or Payer.objects.filter(inn=fields["inn"]).exists():
        return None
    payer = services.payer_create(by=staff, **fields)
    contract = services.contract_create(
        by=staff, payer=payer, applications=applications, date=timezone.localdate(), inform_payer=True
    )
    services.papers_request(contract=contract, by=staff)
    _render(contract)
    return services.contract_send(contract=contract, by=staff)


def seed_contracts() -> int:
    """Before the exams: candidate1 (enrolled later) and candidate4 sent by a paying employer; two others unpaid."""
    staff = _staff()
    _ensure_prices()
    if not BankDetails.objects.exists():
        BankDetails.objects.create(**BANK)
    paid = _employer_contract(
        PAID_EMPLOYER,
        [_application("candidate1@qac.local", "accepted"), _application("candidate4@qac.local", "resubmitted")],
        staff=staff,
    )
    if paid is not None:
        services.statement_import(content=_statement(paid, PAID_EMPLOYER), file_name="kl_to_1c.txt", by=staff)
    _employer_contract(
        UNPAID_EMPLOYER,
        [_application("candidate2@qac.local", "submitted"), _application("candidate5@qac.local", "submitted")],
        staff=staff,
    )
    return Contract.objects.count()


def pay_for(*, application: Application, staff) -> None:
    """The candidate's own contract, paid at the desk: the demo's sessions enrol only paid applications."""
    if selectors.live_lines().filter(application=application).exists():
        return
    contract = services.contract_create(by=staff, applications=[application], date=timezone.localdate())
    services.payment_record(
        contract=contract,
        by=staff,
        paid_on=timezone.localdate(),
        amount=contract.amount,
        document_number=f"К-{contract.pk}",
    )
