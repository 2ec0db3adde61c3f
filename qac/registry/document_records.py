"""The documents' part of the registry export: which records are pending, what holds one back, how it is written.

``section()`` hands these to writer.write_export as one ``writer.Section``; services.py runs
the export (lock, files, the XSD check, the marks). Another kind of record (the appeals of
649n p.15) gets a module like this one and one more section in ``services.sections()``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from qac.certificates.models import NumberSource

from . import writer
from .models import RecordType
from .selectors import DOCUMENT_COLUMNS, pending_document_rows

CHUNK = 2000
COLUMNS = tuple(name for name, _lookup in DOCUMENT_COLUMNS)
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


def _checked(record_type: str, row: tuple, qac: str) -> tuple[int, bytes, bytes | None, str]:
    """A record the long way: the reasons that hold it back, or its XML element and CSV line (UTF-8)."""
    row = dict(zip(COLUMNS, row, strict=True))
    problems = _problems(record_type, row)
    if problems:
        return row["pk"], b"", None, "; ".join(problems)
    xml, cells = _record(record_type, row, qac)
    return row["pk"], xml.encode(), writer.csv_line(cells, TYPED_CELLS).encode(), ""


# What makes a record other than plain: a character that XML escapes, CSV quotes or the schema
# refuses, or a text a spreadsheet could take for a formula (one that begins with = + - @ ' or a
# space). The texts are searched at once, each after a character of the private use area.
# (Two searches: one pattern with both alternatives tries each at every character, 10x slower.)
_SPECIAL = re.compile('[\x00-\x1f&<>";\ufffe\uffff]')
_FORMULA_START = re.compile("\ue000[=+\\-@'\\s]")
_DECISIONS = frozenset(("passed", "failed", "removed"))
# The kinds written quickly; duplicates and revocations (a few a night) always go the long way.
_QUICK_TYPES = (RecordType.CERTIFICATE, RecordType.CONCLUSION, RecordType.CORRECTION)
_RECORD = b'<record id="%d">%s<surname>%s</surname><name>%s</name>%s<birthDate>%s</birthDate><snils>%s</snils>%s'
# Sessions remembered per record type (a night has a few hundred); past this many the memo starts again.
_SESSIONS = 4096


def _plain(*texts: str | None) -> bool:
    joined = "".join(f"\ue000{text}" for text in texts)
    return _SPECIAL.search(joined) is None and _FORMULA_START.search(joined) is None


def _session(record_type: str, qac: str, key: tuple) -> tuple[bytes, ...] | None:
    """The parts of a plain record that its session decides, in UTF-8; None when they are not plain.

    ``key``: exam date, qualification code, name and level, the chair's surname, name and
    patronymic, the exam decision, the Council's decision number and date.
    """
    exam, q_code, q_name, q_level, chair_last, chair_first, chair_patronymic, decision, council, decided_on = key
    if not (
        chair_last and q_level is not None and decision in _DECISIONS and len(q_name) <= 500 and len(chair_last) <= 500
    ) or not _plain(q_code, q_name, chair_last, chair_first, chair_patronymic, council):
        return None
    exam, decided_on = writer.DATES[exam], writer.DATES[decided_on]
    chair = _chair_name(chair_last, chair_first, chair_patronymic)
    element = f'<councilDecision number="{council}" date="{decided_on[0]}"/>' if council else ""
    parts = (
        f"<type>{record_type}</type><examDate>{exam[0]}</examDate><qualification><code>{q_code}</code>"
        f"<name>{q_name}</name><level>{q_level}</level></qualification><candidate>",
        f"</candidate><decision>{decision}</decision>{element}",
        f"<commissionChair>{chair}</commissionChair></record>",
        f"{qac};{record_type};",
        f"{exam[1]};{q_code};{q_name};{q_level};",
        f"{decision};{council or ''};{decided_on[1]};",
        f";;;{chair}\r\n",
    )
    return tuple(part.encode() for part in parts)


def _records(record_type: str, rows: Iterable[tuple], qac: str) -> Iterator[tuple[int, bytes, bytes | None, str]]:
    """(pk, XML element, CSV line, "") for each record written, (pk, b"", None, reasons) for one held back.

    Most records are plain: every check passes and no text needs escaping, quoting or a
    formula guard. Those are written from templates, as bytes (encoding whole slices of
    Cyrillic text cost more than formatting them), their session's part formatted once
    (``_session``); the bytes are those ``_checked`` (``_problems`` + ``_record``) gives,
    which every other record goes through (a test pins that the two agree).
    """
    if record_type not in _QUICK_TYPES or not _plain(qac):
        for row in rows:
            yield _checked(record_type, row, qac)
        return
    dates, sessions, special, formula = writer.DATE_BYTES, {}, _SPECIAL.search, _FORMULA_START.search
    snils_ok, number_ok, awaiting = _SNILS_RE.match, _NUMBER_RE.match, NumberSource.AWAITING
    for row in rows:
        (pk, number, exam, issue, valid, _revoked, _reason, last, first, patronymic, chair_last, chair_first,
         chair_patronymic, q_code, q_name, q_level, birth, snils, decision, decision_number, decided_on, original,
         source, _kind) = row  # fmt: skip
        key = (exam, q_code, q_name, q_level, chair_last, chair_first, chair_patronymic, decision, decision_number,
               decided_on)  # fmt: skip
        if (session := sessions.get(key, False)) is False:
            if len(sessions) >= _SESSIONS:
                sessions.clear()
            session = sessions[key] = _session(str(record_type), qac, key)
        texts = f"\ue000{last}\ue000{first}\ue000{patronymic}\ue000{number}\ue000{original}\ue000{snils}"
        if not (
            session and snils and birth and last and first and (decision_number or source != awaiting)
            and snils_ok(snils) and (not number or number_ok(number)) and (not original or number_ok(original))
            and not special(texts) and not formula(texts)
            and (len(texts) <= 500 or max(map(len, (last, first, patronymic or ""))) <= 500)
        ):  # fmt: skip
            yield _checked(record_type, row, qac)
            continue
        last, first, patronymic, number = last.encode(), first.encode(), (patronymic or "").encode(), number.encode()
        # format_snils: 11 digits (the match and the search for a line feed say so)
        snils = f"{snils[:3]}-{snils[3:6]}-{snils[6:9]} {snils[9:]}".encode()
        birth, issue, valid = dates[birth], dates[issue], dates[valid]
        xml = _RECORD % (
            pk, session[0], last, first, b"<patronymic>%s</patronymic>" % patronymic if patronymic else b"", birth[0],
            snils, session[1],
        )  # fmt: skip
        if number:
            xml += b"<certificateNumber>%s</certificateNumber>" % number
        if issue[0]:
            xml += b"<issueDate>%s</issueDate>" % issue[0]
        if valid[0]:
            xml += b"<validUntil>%s</validUntil>" % valid[0]
        line = b"%s%d;%s%s;%s;%s;%s;%s;%s%s;;%s;%s%s" % (
            session[3], pk, session[4], last, first, patronymic, birth[1], snils, session[5], number, issue[1],
            valid[1], session[6],
        )  # fmt: skip
        yield pk, xml + session[2], line, ""


TYPED_CELLS = tuple(CSV_COLUMNS.index(name) for name in TYPED_COLUMNS)


def section() -> writer.Section:
    """The certificates, conclusions, duplicates, corrections and revocations, in this order."""
    return writer.Section(
        name="documents",
        sources=pending_document_rows,
        records=lambda record_type, rows, qac: _records(record_type, rows, qac),
    )
