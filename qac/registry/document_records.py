"""The documents' part of the registry export: which records are pending, what holds one back, how it is written.

``section()`` hands these to writer.write_export as one ``writer.Section``; services.py runs
the export (lock, files, the XSD check, the marks). Another kind of record (the appeals of
649n p.15) gets a module like this one and one more section in ``services.sections()``.
"""

from __future__ import annotations

import functools
import re

from django.db.models import F, FilteredRelation, Q
from django.utils.translation import gettext as _

from qac.certificates.models import NumberSource

from . import writer
from .models import RecordType
from .selectors import pending_querysets

CHUNK = 2000
CSV_COLUMNS = [
    "qac",
    "record_type",
    "record_id",
    "exam_date",
    "qualification_code",
    "qualification_name",
    "qualification_level",
    "surname",
    "name",
    "patronymic",
    "birth_date",
    "snils",
    "decision",
    "council_decision_number",
    "council_decision_date",
    "certificate_number",
    "original_number",
    "issue_date",
    "valid_until",
    "revocation_date",
    "revocation_reason",
    "commission_chair",
]
# Columns people type (names, reasons, numbers staff enter): kept from running as spreadsheet formulas.
# The others are dates, digits the problems check validated, or fixed words.
TYPED_COLUMNS = (
    "qac",
    "qualification_code",
    "qualification_name",
    "surname",
    "name",
    "patronymic",
    "council_decision_number",
    "revocation_reason",
    "commission_chair",
)


def _rows(qs):
    # The chair in one join (a filtered relation), not three correlated subqueries per row.
    return (
        qs.annotate(
            chair=FilteredRelation(
                "result__enrolment__session__commission",
                condition=Q(result__enrolment__session__commission__is_chair=True),
            ),
            chair_last=F("chair__expert__last_name"),
            chair_first=F("chair__expert__first_name"),
            chair_patronymic=F("chair__expert__patronymic"),
            q_code=F("qualification__code"),
            q_name=F("qualification__name"),
            q_level=F("qualification__level"),
            # The personal data the application was submitted with, never the live profile.
            birth_date=F("result__enrolment__application__identity__date_of_birth"),
            snils=F("result__enrolment__application__identity__snils"),
            decision=F("result__decision"),
            decision_number=F("verdict__decision__number"),
            decision_date=F("verdict__decision__decided_on"),
            original_number=F("original__number"),
        )
        .values(
            "pk",
            "kind",
            "number",
            "exam_date",
            "issue_date",
            "valid_until",
            "revoked_on",
            "revoked_reason",
            "holder_last_name",
            "holder_first_name",
            "holder_patronymic",
            "chair_last",
            "chair_first",
            "chair_patronymic",
            "q_code",
            "q_name",
            "q_level",
            "birth_date",
            "snils",
            "decision",
            "decision_number",
            "decision_date",
            "original_number",
            "number_source",
        )
        .order_by("pk")
        .iterator(chunk_size=CHUNK)
    )


# The schema's own rules, checked per record while writing, so one bad value
# holds back its record instead of failing the whole night's batch.
_SNILS_RE = re.compile(r"^\d{11}$")
_NUMBER_RE = re.compile(r"^\d{2}\.\d{3}00\.\d{2}\.\d{8}\.\d{2}$")
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TEXT_FIELDS = ("holder_last_name", "holder_first_name", "holder_patronymic", "q_name", "chair_last")


def _problems(record_type: str, row: dict) -> list[str]:
    """Why a record would break the schema; such a record is held back with the reason, not the batch."""
    problems = []
    if not row["snils"]:
        problems.append(
            _("no SNILS in the application: the register requires it (the candidate adds it in the profile)")
        )
    elif not _SNILS_RE.match(row["snils"]):
        problems.append(_("the SNILS is not 11 digits"))
    for key in ("number", "original_number"):
        if row[key] and not _NUMBER_RE.match(row[key]):
            problems.append(_("the certificate number does not have the register's shape"))
    fields = (*_TEXT_FIELDS, "revoked_reason") if record_type == RecordType.REVOCATION else _TEXT_FIELDS
    values = [row.get(name) or "" for name in fields]
    # One search over all the texts for the usual record; the reasons only for the rare one that needs them.
    if _XML_FORBIDDEN.search("".join(values)) or max(map(len, values)) > 500:
        for name, value in zip(fields, values, strict=True):
            if len(value) > 500:
                problems.append(_("%(field)s is longer than 500 characters") % {"field": name})
            if _XML_FORBIDDEN.search(value):
                problems.append(_("%(field)s contains control characters") % {"field": name})
    if not row["birth_date"]:
        problems.append(_("no date of birth in the application"))
    if not row["chair_last"]:
        problems.append(_("the session has no commission chair"))
    if not row["holder_last_name"] or not row["holder_first_name"]:
        problems.append(_("the holder's surname or name is empty"))
    if (
        row["number_source"] == NumberSource.AWAITING
        and not row["decision_number"]
        and record_type != RecordType.DUPLICATE
    ):
        problems.append(_("the Council has not decided"))
    if record_type == RecordType.DUPLICATE and not row["original_number"]:
        problems.append(_("the original certificate has no number"))
    if record_type == RecordType.REVOCATION and not row["number"]:
        problems.append(_("the certificate has no number"))
    if row["decision"] not in ("passed", "failed", "removed"):
        problems.append(_("the exam decision is missing"))
    return problems


def _chair(row) -> str:
    return _chair_name(row["chair_last"], row["chair_first"], row["chair_patronymic"])


@functools.lru_cache(maxsize=1024)
def _chair_name(last: str | None, first: str | None, patronymic: str | None) -> str:
    """ "Экспертов Б. И.": a session's chair is the same for each of its records, so it is formatted once."""
    initials = " ".join(f"{p[0]}." for p in (first, patronymic) if p)
    return f"{last} {initials}".strip()


def _record(record_type: str, row: dict, qac: str) -> tuple[str, list]:
    """A document's record: the XML element as text (byte for byte what lxml wrote) and its CSV cells."""
    chair, snils, number = _chair(row), writer.snils(row["snils"]), row["number"]
    exam_date, birth_date = row["exam_date"], row["birth_date"]
    issue_date, valid_until, decided_on = row["issue_date"], row["valid_until"], row["decision_date"]
    duplicate, revocation = record_type == RecordType.DUPLICATE, record_type == RecordType.REVOCATION
    original = row["original_number"] if duplicate else ""
    t, a = writer.text, writer.attr
    xml = [
        f'<record id="{row["pk"]}"><type>{record_type}</type><examDate>{writer.iso(exam_date)}</examDate>'
        f"<qualification><code>{t(row['q_code'])}</code><name>{t(row['q_name'])}</name>"
        f"<level>{row['q_level']}</level></qualification>"
        f"<candidate><surname>{t(row['holder_last_name'])}</surname><name>{t(row['holder_first_name'])}</name>"
    ]
    if row["holder_patronymic"]:
        xml.append(f"<patronymic>{t(row['holder_patronymic'])}</patronymic>")
    xml.append(f"<birthDate>{writer.iso(birth_date)}</birthDate><snils>{t(snils)}</snils></candidate>")
    xml.append(f"<decision>{t(row['decision'])}</decision>")
    if row["decision_number"]:
        xml.append(f'<councilDecision number="{a(row["decision_number"])}" date="{writer.iso(decided_on)}"/>')
    if number:
        xml.append(f"<certificateNumber>{t(number)}</certificateNumber>")
    if original:
        xml.append(f"<originalNumber>{t(original)}</originalNumber>")
    if issue_date:
        xml.append(f"<issueDate>{writer.iso(issue_date)}</issueDate>")
    if valid_until:
        xml.append(f"<validUntil>{writer.iso(valid_until)}</validUntil>")
    if revocation:
        xml.append(f"<revocationDate>{writer.iso(row['revoked_on'])}</revocationDate>")
        xml.append(f"<revocationReason>{t(row['revoked_reason'] or '-')}</revocationReason>")
    xml.append(f"<commissionChair>{t(chair)}</commissionChair></record>")
    cells = [
        qac,
        record_type,
        row["pk"],
        writer.ru(exam_date),
        row["q_code"],
        row["q_name"],
        row["q_level"],
        row["holder_last_name"],
        row["holder_first_name"],
        row["holder_patronymic"],
        writer.ru(birth_date),
        snils,
        row["decision"],
        row["decision_number"] or "",
        writer.ru(decided_on),
        number,
        original,
        writer.ru(issue_date),
        writer.ru(valid_until),
        writer.ru(row["revoked_on"]) if revocation else "",
        row["revoked_reason"] if revocation else "",
        chair,
    ]
    return "".join(xml), cells


def _document_sources():
    return [(record_type, _rows(qs)) for record_type, qs in pending_querysets()]


def section() -> writer.Section:
    """The certificates, conclusions, duplicates, corrections and revocations, in this order."""
    return writer.Section(
        name="documents",
        sources=_document_sources,
        problems=lambda record_type, row: _problems(record_type, row),
        record=lambda record_type, row, qac: _record(record_type, row, qac),
        typed_cells=tuple(CSV_COLUMNS.index(name) for name in TYPED_COLUMNS),
    )
