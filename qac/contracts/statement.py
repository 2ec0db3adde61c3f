"""Reading a bank statement in the 1C exchange format (``1CClientBankExchange``, text in windows-1251).

Only what a payment needs is read (docs/contracts.md lists the subset): the header line,
``Key=Value`` lines, and the documents between ``СекцияДокумент=Платежное поручение`` and
``КонецДокумента``. Every problem is reported with its line number; nothing is half-read.
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

HEADER = "1CClientBankExchange"
PAYMENT_ORDER = "Платежное поручение"
REQUIRED = ("Номер", "Дата", "Сумма", "ПлательщикИНН", "НазначениеПлатежа")


@dataclass
class StatementRow:
    """One payment order of the statement, with the line its section starts on."""

    line: int
    number: str = ""
    date: datetime.date | None = None
    amount: Decimal | None = None
    payer_inn: str = ""
    payer_name: str = ""
    recipient_inn: str = ""
    recipient_account: str = ""
    purpose: str = ""
    fields: dict = field(default_factory=dict)


@dataclass
class ParsedStatement:
    rows: list[StatementRow]
    errors: list[str]


def decode(content: bytes) -> str | None:
    """The text of the file as 1C writes it (windows-1251); None when it is not text in that encoding."""
    try:
        text = content.decode("cp1251")
    except UnicodeDecodeError:
        return None
    return text.lstrip("\ufeff")


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.datetime.strptime(value.strip(), "%d.%m.%Y").date()
    except ValueError:
        return None


def _amount(value: str) -> Decimal | None:
    if not re.fullmatch(r"\d{1,10}(?:[.,]\d{1,2})?", value.strip()):
        return None
    try:
        return Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        return None


def _finish(row: StatementRow, errors: list[str]) -> None:
    missing = [key for key in REQUIRED if not row.fields.get(key, "").strip()]
    if missing:
        errors.append(
            _("Line %(line)s: the payment order lacks %(fields)s.") % {"line": row.line, "fields": ", ".join(missing)}
        )
        return
    row.number = row.fields["Номер"].strip()[:32]
    row.date = _date(row.fields.get("ДатаПоступило") or row.fields["Дата"])
    row.amount = _amount(row.fields["Сумма"])
    row.payer_inn = row.fields["ПлательщикИНН"].strip()
    row.payer_name = (row.fields.get("Плательщик1") or row.fields.get("Плательщик", "")).strip()
    row.recipient_inn = row.fields.get("ПолучательИНН", "").strip()
    row.recipient_account = (row.fields.get("ПолучательРасчСчет") or row.fields.get("ПолучательСчет", "")).strip()
    row.purpose = row.fields["НазначениеПлатежа"].strip()
    if row.date is None:
        errors.append(_("Line %(line)s: the date is not DD.MM.YYYY.") % {"line": row.line})
    if row.amount is None or row.amount <= 0:
        errors.append(_("Line %(line)s: the amount is not a sum of money.") % {"line": row.line})


def parse(text: str) -> ParsedStatement:
    """The payment orders of a statement and every error found, each naming its line."""
    lines = text.splitlines()
    errors: list[str] = []
    if not lines or lines[0].strip() != HEADER:
        return ParsedStatement([], [_("Line 1: the file does not start with 1CClientBankExchange.")])
    rows: list[StatementRow] = []
    current: StatementRow | None = None
    skipping = False  # inside a document of another kind (a bank order, a memorial order): not a payment to match
    for number, raw in enumerate(lines[1:], start=2):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("СекцияДокумент="):
            if current is not None or skipping:
                errors.append(_("Line %(line)s: a document starts before the previous one ended.") % {"line": number})
            kind = line.split("=", 1)[1].strip()
            current, skipping = (StatementRow(line=number), False) if kind == PAYMENT_ORDER else (None, True)
        elif line == "КонецДокумента":
            if current is None and not skipping:
                errors.append(_("Line %(line)s: КонецДокумента without its СекцияДокумент.") % {"line": number})
            if current is not None:
                _finish(current, errors)
                rows.append(current)
            current, skipping = None, False
        elif line in ("КонецФайла", "СекцияРасчСчет", "КонецРасчСчет"):
            continue
        elif "=" not in line:
            errors.append(
                _("Line %(line)s: expected «Key=Value», found «%(text)s».") % {"line": number, "text": line[:60]}
            )
        elif current is not None:
            key, value = line.split("=", 1)
            current.fields[key.strip()] = value
    if current is not None or skipping:
        errors.append(_("The last document is not closed by КонецДокумента."))
    return ParsedStatement(rows, errors)
