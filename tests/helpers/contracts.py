"""What the contracts tests share: the price, an employer's INN, 1C statements and payment orders."""

from decimal import Decimal

from django.utils import timezone

from qac.contracts.models import Payer

PRICE = Decimal("12000.00")
EMPLOYER_INN = "7801123455"
EMPLOYER_KPP = "780101001"


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


def payers_count() -> int:
    return Payer.objects.count()
