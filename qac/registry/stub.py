"""A stand-in for the register, for demos and tests only: it numbers what we exported.

It plays the register's part of step 5 (domain.md): for every exported record that
receives a number and whose document still awaits one, it makes up a number of the
register's shape, ``<qualification code>.<8-digit sequence>.<2-digit year>``, and writes
an answer file (docs/register-answer.md) that ``register_answer_import`` can apply.
It never runs under production settings: its numbers are not the register's.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from lxml import etree

from qac.certificates.models import IssuedDocument, NumberSource
from qac.exports import spreadsheet_safe_row
from standards.selectors import center_get

from .answers import CSV_COLUMNS, NUMBERED_TYPES
from .models import ExportRecord

BANNER = (
    "STAND-IN FOR THE REGISTER, NOT THE REGISTER: these registration numbers are made up "
    "for demos and tests and must never be given to real documents."
)


class StubRefused(Exception):
    """The stand-in does not run where its numbers could pass for the register's."""


def _refuse_in_production() -> None:
    if not settings.QAC_DEMO_DATA_ALLOWED:
        raise StubRefused("The stand-in for the register never runs under production settings.")


def _highest_sequence(code: str, year: str) -> int:
    """The highest sequence already used for ``code`` and ``year`` among documents (0 if none).

    Read from the documents themselves, so the stand-in needs no counter of its own. The
    sequence is fixed-width, so the largest number of the exact shape has the largest sequence.
    """
    pattern = rf"^{re.escape(code)}\.[0-9]{{8}}\.{year}$"
    highest = IssuedDocument.objects.filter(number__regex=pattern).aggregate(top=Max("number"))["top"]
    return int(highest.split(".")[-2]) if highest else 0


def stub_answer_rows(*, today: datetime.date | None = None) -> list[dict]:
    """One answer row per exported record that receives a number and whose document awaits it."""
    _refuse_in_production()
    today = today or timezone.localdate()
    year = f"{today:%y}"
    records = (
        ExportRecord.objects.filter(record_type__in=NUMBERED_TYPES, document__number_source=NumberSource.AWAITING)
        .order_by("document_id", "pk")
        .values_list("document_id", "record_type", "document__qualification__code")
    )
    next_sequence: dict[str, int] = {}
    rows, seen = [], set()
    for document_id, record_type, code in records:
        if document_id in seen:
            continue
        seen.add(document_id)
        if code not in next_sequence:
            next_sequence[code] = _highest_sequence(code, year) + 1
        number = f"{code}.{next_sequence[code]:08d}.{year}"
        next_sequence[code] += 1
        rows.append(
            {
                "record_id": document_id,
                "record_type": record_type,
                "registration_number": number,
                "issue_date": today,
                "register_url": f"{settings.QAC_REGISTER_STUB_URL}{number}",
            }
        )
    return rows


def answer_bytes(rows: list[dict], fmt: str = "csv") -> bytes:
    """``rows`` as an answer file: CSV (BOM, ``;``, CRLF, ДД.ММ.ГГГГ) or XML."""
    if fmt == "xml":
        center = center_get()
        root = etree.Element("registerAnswer", version="1.0", qac=center.register_number if center else "78.033")
        for row in rows:
            record = etree.SubElement(root, "record", id=str(row["record_id"]))
            for tag, value in (
                ("type", row["record_type"]),
                ("registrationNumber", row["registration_number"]),
                ("issueDate", row["issue_date"].isoformat()),
                ("registerUrl", row["register_url"]),
            ):
                etree.SubElement(record, tag).text = value
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    if fmt != "csv":
        raise ValueError(f"unknown format {fmt!r}")
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        # The stand-in writes what a register would; its cells cannot start a formula, but every CSV
        # the project writes goes through the same guard.
        writer.writerow(
            spreadsheet_safe_row(
                [
                    row["record_id"],
                    row["record_type"],
                    row["registration_number"],
                    row["issue_date"].strftime("%d.%m.%Y"),
                    row["register_url"],
                ]
            )
        )
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def write_stub_answer(out, fmt: str = "csv", *, today: datetime.date | None = None) -> int:
    """Write the stand-in's answer to the binary stream ``out``; returns the number of records."""
    rows = stub_answer_rows(today=today)
    out.write(answer_bytes(rows, fmt))
    return len(rows)
