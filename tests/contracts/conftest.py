"""Fixtures for contracts: a qualification with a price, accepted applications, an employer, statements.

Enrolment waits for payment here, as in production (the test settings turn the rule off for the
rest of the suite, whose tests enrol to test other things).
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from qac.contracts import services
from qac.contracts.models import Payer, PayerKind
from standards.models import Fee
from tests.builders import accepted_application, approve_tools
from tests.factories import CandidateProfileFactory, ExamSpecificationFactory, UserFactory

PRICE = Decimal("12000.00")
EMPLOYER_INN = "7801123455"
EMPLOYER_KPP = "780101001"


def ru(msgid: str, **params) -> str:
    with translation.override("ru"):
        text = translation.gettext(msgid)
        return text % params if params else text


def statement_bytes(*documents: dict, header: str = "1CClientBankExchange") -> bytes:
    """A 1C exchange file in windows-1251 with the given payment orders (fields as 1C names them)."""
    lines = [header, "ВерсияФормата=1.03", "Кодировка=Windows", "Отправитель=Бухгалтерия", "ДатаНачала=01.12.2026"]
    lines += ["СекцияРасчСчет", "РасчСчет=40702810900000000001", "КонецРасчСчет"]
    for doc in documents:
        lines.append(f"СекцияДокумент={doc.pop('_kind', 'Платежное поручение')}")
        lines += [f"{k}={v}" for k, v in doc.items()]
        lines.append("КонецДокумента")
    lines.append("КонецФайла")
    return "\r\n".join(lines).encode("cp1251")


def payment_order(contract, *, number="101", amount=None, inn=EMPLOYER_INN, day=None, purpose=None) -> dict:
    day = day or timezone.localdate()
    return {
        "Номер": number,
        "Дата": f"{day:%d.%m.%Y}",
        "Сумма": f"{amount if amount is not None else contract.amount}",
        "ПлательщикИНН": inn,
        "Плательщик1": "ООО «Автосервис Нева»",
        "ПолучательИНН": "",
        "НазначениеПлатежа": purpose or f"Оплата по счету № {contract.number} от {contract.date:%d.%m.%Y}. Без НДС",
    }


@pytest.fixture(autouse=True)
def payment_rule(settings, tmp_path):
    settings.QAC_ENROLMENT_REQUIRES_PAYMENT = True
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def qualification(db):
    spec = ExamSpecificationFactory()
    approve_tools(spec)
    Fee.objects.create(
        qualification=spec.qualification, amount=PRICE, valid_from=timezone.localdate() - datetime.timedelta(days=30)
    )
    return spec.qualification


@pytest.fixture
def make_application(qualification, staff):
    def make(user=None):
        user = user or UserFactory(role="candidate")
        if not hasattr(user, "candidate_profile"):
            CandidateProfileFactory(user=user)
        return accepted_application(candidate=user, qualification=qualification, staff=staff)

    return make


@pytest.fixture
def application(make_application, candidate):
    return make_application(candidate)


@pytest.fixture
def employer(staff):
    return services.payer_create(
        by=staff,
        kind=PayerKind.ORGANISATION,
        name="ООО «Автосервис Нева»",
        inn=EMPLOYER_INN,
        kpp=EMPLOYER_KPP,
        address="г. Санкт-Петербург, ул. Заводская, д. 5",
        contact_person="Петрова А. А.",
        email="buh@autoservice.test",
    )


@pytest.fixture
def employer_contract(employer, make_application, staff):
    """One contract of the employer for three employees."""
    apps = [make_application() for _ in range(3)]
    return services.contract_create(
        by=staff, payer=employer, applications=apps, date=timezone.localdate(), inform_payer=True
    )


@pytest.fixture
def own_contract(application, staff):
    """The ``candidate`` persona pays for themself."""
    return services.contract_create(by=staff, applications=[application], date=timezone.localdate())


def payers_count() -> int:
    return Payer.objects.count()
