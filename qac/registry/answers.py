"""The register's answer: the registration numbers it assigned to the records we exported.

Under Order 725n App. 3 p.5 the registration number is assigned by the register
when it enters the record. The answer comes back as a file in our own format
(docs/register-answer.md, CSV or XML with ``schema/register-answer-1.0.xsd``);
``register_answer_import`` applies it through ``certificates.document_register``.

- All or nothing per file: every row is checked and applied in one transaction;
  any error rolls the whole file back. The ``AnswerImport`` row (with every error,
  each naming its line and field) is written after the rollback, so staff see why.
- Importing the same file again changes nothing: ``document_register`` answers
  ``changed=False`` for a number the document already has; those rows are counted
  as "already numbered".
- One import at a time (see ``_lock``).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from qac.accounts.roles import is_qac_staff
from qac.certificates.models import IssuedDocument, NumberSource, Variant
from qac.certificates.services import DocumentError, document_register, register_number_valid, register_url_valid
from standards.selectors import center_get

from .models import AnswerImport, AnswerStatus, ExportLock, ExportRecord, RecordType

logger = logging.getLogger(__name__)

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "register-answer-1.0.xsd"
CSV_COLUMNS = ["record_id", "record_type", "registration_number", "issue_date", "register_url"]
# The same fields as the XML names them, so an error names the field the way the file does.
XML_FIELDS = {
    "record_id": "id",
    "record_type": "type",
    "registration_number": "registrationNumber",
    "issue_date": "issueDate",
    "register_url": "registerUrl",
}
# The record types the register numbers; a revocation (or a pre-register correction) gets no number.
NUMBERED_TYPES = (RecordType.CERTIFICATE, RecordType.CONCLUSION, RecordType.DUPLICATE)
ANSWER_LOCK = "register-answer"
MAX_ANSWER_BYTES = 20 * 1024 * 1024
# A refused file keeps this many errors; a file that is wrong throughout would otherwise fill the row.
MAX_ERRORS = 500

_DATE_RU = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class AnswerError(DocumentError):
    """A request the rules do not allow (not staff, a document never reported); the message is shown."""


@dataclass
class AnswerRow:
    line: int
    record_id: int
    record_type: str
    number: str
    issue_date: datetime.date
    register_url: str


@dataclass
class ParsedAnswer:
    fmt: str = ""
    rows: list[AnswerRow] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)


def _error(line: int | None, field_name: str | None, message: str) -> dict:
    return {"line": line, "field": field_name, "message": message}


def error_text(error: dict) -> str:
    """One error as a line of text: «Line 5, registration_number: ...»."""
    where = []
    if error.get("line"):
        where.append(_("Line %(line)s") % {"line": error["line"]})
    if error.get("field"):
        where.append(error["field"])
    return f"{', '.join(where)}: {error['message']}" if where else error["message"]


def parse_date(value: str) -> datetime.date | None:
    """``ДД.ММ.ГГГГ`` or ``YYYY-MM-DD``; anything else (or an impossible day) is None."""
    value = (value or "").strip()
    match = _DATE_RU.match(value)
    try:
        if match:
            return datetime.date(int(match[3]), int(match[2]), int(match[1]))
        match = _DATE_ISO.match(value)
        if match:
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return None


# --- Reading the file ---------------------------------------------------------------------------------


def parse_answer(data: bytes) -> ParsedAnswer:
    """Read an answer file (XML if it starts with ``<`` after a BOM and whitespace, otherwise CSV).

    Checks everything a file can say about itself: the structure, the header, each value's
    shape, numbers and records repeated within the file. The database is not consulted.
    """
    body = data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data
    stripped = body.lstrip()
    if not stripped:
        return ParsedAnswer(errors=[_error(None, None, _("The file is empty."))])
    if len(data) > MAX_ANSWER_BYTES:
        return ParsedAnswer(
            errors=[_error(None, None, _("The file is larger than %(mb)s MB.") % {"mb": MAX_ANSWER_BYTES >> 20})]
        )
    if stripped.startswith(b"<"):
        leading_lines = body[: len(body) - len(stripped)].count(b"\n")
        parsed, raw_rows = _read_xml(stripped, line_offset=leading_lines)
        names = XML_FIELDS
    else:
        parsed, raw_rows = _read_csv(body)
        names = {c: c for c in CSV_COLUMNS}
    if not parsed.errors:
        _check_rows(parsed, raw_rows, names)
    return parsed


def _read_csv(body: bytes) -> tuple[ParsedAnswer, list[dict]]:
    parsed = ParsedAnswer(fmt="csv")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        parsed.errors.append(_error(line, None, _("The file is not UTF-8 text.")))
        return parsed, []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    raw_rows: list[dict] = []
    header = None
    last_line = 0
    try:
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue  # blank lines (a trailing newline, an empty line between rows) say nothing
            cells = [c.strip() for c in cells]
            if header is None:
                header = cells
                problem = _header_problem(header)
                if problem:
                    parsed.errors.append(_error(line, problem[0], problem[1]))
                    return parsed, []
                continue
            if len(cells) != len(CSV_COLUMNS):
                parsed.errors.append(
                    _error(
                        line,
                        None,
                        _("Expected %(expected)s fields separated by «;», found %(found)s.")
                        % {"expected": len(CSV_COLUMNS), "found": len(cells)},
                    )
                )
                continue
            raw_rows.append({"line": line, **dict(zip(CSV_COLUMNS, cells, strict=True))})
    except csv.Error as exc:
        parsed.errors.append(
            _error(reader.line_num or None, None, _("The CSV cannot be read: %(error)s") % {"error": exc})
        )
        return parsed, []
    if header is None:
        parsed.errors.append(_error(None, None, _("The file is empty.")))
    elif not raw_rows and not parsed.errors:
        parsed.errors.append(_error(None, None, _("The file has no records.")))
    return parsed, raw_rows


def _header_problem(header: list[str]) -> tuple[str | None, str] | None:
    """None if the header is exactly the documented one; otherwise (the column to blame, one clear message)."""
    if header == CSV_COLUMNS:
        return None
    expected = ";".join(CSV_COLUMNS)
    missing = [c for c in CSV_COLUMNS if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    repeated = sorted({c for c in header if header.count(c) > 1})
    parts = []
    if missing:
        parts.append(_("missing column(s): %(columns)s") % {"columns": ", ".join(missing)})
    if unknown:
        parts.append(_("unknown column(s): %(columns)s") % {"columns": ", ".join(f"«{c}»" for c in unknown)})
    if repeated:
        parts.append(_("repeated column(s): %(columns)s") % {"columns": ", ".join(repeated)})
    if not parts:
        parts.append(_("the columns are in the wrong order"))
    if len(header) == 1 and "," in header[0]:
        parts.append(_("the separator is «;», not «,»"))
    blame = (missing or unknown or repeated or [None])[0]
    return blame, _("The header must be exactly «%(expected)s»: %(problems)s.") % {
        "expected": expected,
        "problems": "; ".join(parts),
    }


def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def _read_xml(body: bytes, *, line_offset: int) -> tuple[ParsedAnswer, list[dict]]:
    parsed = ParsedAnswer(fmt="xml")
    # No DTDs, no entities, no network: an answer file is data, never instructions to the parser.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        line = (exc.lineno or 0) + line_offset or None
        parsed.errors.append(_error(line, None, _("The XML cannot be read: %(error)s") % {"error": exc.msg}))
        return parsed, []
    tree = root.getroottree()
    if tree.docinfo.doctype:
        parsed.errors.append(_error(1 + line_offset, None, _("A DOCTYPE is not allowed in an answer file.")))
        return parsed, []
    schema = _schema()
    if not schema.validate(tree):
        for entry in schema.error_log:
            step = (entry.path or "").rstrip("/").rsplit("/", 1)[-1]
            parsed.errors.append(
                _error(
                    entry.line + line_offset,
                    re.sub(r"\[\d+\]$", "", step) or None,
                    _("The file does not match the schema: %(error)s") % {"error": entry.message},
                )
            )
        return parsed, []
    center = center_get()
    qac = center.register_number if center else None
    if qac and root.get("qac") != qac:
        parsed.errors.append(
            _error(
                root.sourceline + line_offset,
                "qac",
                _("The answer is for the center %(theirs)s, not for this center (%(ours)s).")
                % {"theirs": root.get("qac"), "ours": qac},
            )
        )
        return parsed, []
    raw_rows = [
        {
            "line": record.sourceline + line_offset,
            "record_id": record.get("id"),
            "record_type": record.findtext("type"),
            "registration_number": record.findtext("registrationNumber"),
            "issue_date": record.findtext("issueDate"),
            "register_url": record.findtext("registerUrl"),
        }
        for record in root.iterfind("record")
    ]
    return parsed, raw_rows


def _check_rows(parsed: ParsedAnswer, raw_rows: list[dict], names: dict[str, str]) -> None:
    """Each value's shape, then numbers and records repeated within the file (an error on every such row)."""
    for raw in raw_rows:
        row = _check_row(raw, names, parsed.errors)
        if row is not None:
            parsed.rows.append(row)
    _check_repeats(parsed, names)
    parsed.errors.sort(key=lambda e: e["line"] or 0)


def _check_row(raw: dict, names: dict[str, str], errors: list) -> AnswerRow | None:
    """One row's values, each checked (every wrong value is reported); the row, if all are right."""
    line = raw["line"]
    values = {key: (raw.get(key) or "").strip() for key in CSV_COLUMNS}
    found = len(errors)
    record_id = values["record_id"]
    if not record_id.isascii() or not record_id.isdigit() or int(record_id) == 0:
        errors.append(_error(line, names["record_id"], _("«%(value)s» is not a record id.") % {"value": record_id}))
    record_type = values["record_type"]
    if record_type not in NUMBERED_TYPES:
        if record_type in RecordType.values:
            message = _("A «%(type)s» record receives no registration number.") % {"type": record_type}
        else:
            message = _("«%(type)s» is not a record type; expected one of: %(types)s.") % {
                "type": record_type,
                "types": ", ".join(NUMBERED_TYPES),
            }
        errors.append(_error(line, names["record_type"], message))
    number = values["registration_number"]
    if not register_number_valid(number):
        message = _("«%(number)s» is not a registration number of the register's shape.") % {"number": number}
        errors.append(_error(line, names["registration_number"], message))
    issue_date = parse_date(values["issue_date"])
    if issue_date is None:
        message = _("«%(value)s» is not a date (ДД.ММ.ГГГГ or YYYY-MM-DD).") % {"value": values["issue_date"]}
        errors.append(_error(line, names["issue_date"], message))
    url = values["register_url"]
    if not register_url_valid(url):
        errors.append(
            _error(line, names["register_url"], _("«%(url)s» is not a link to a register record.") % {"url": url})
        )
    if len(errors) > found:
        return None
    return AnswerRow(
        line=line,
        record_id=int(record_id),
        record_type=record_type,
        number=number,
        issue_date=issue_date,
        register_url=url,
    )


def _check_repeats(parsed: ParsedAnswer, names: dict[str, str]) -> None:
    """A number or a record twice in one file: an error on each of its lines."""
    by_number, by_record = defaultdict(list), defaultdict(list)
    for row in parsed.rows:
        by_number[row.number].append(row.line)
        by_record[row.record_id].append(row.line)
    for row in parsed.rows:
        lines = by_number[row.number]
        if len(lines) > 1:
            parsed.errors.append(
                _error(
                    row.line,
                    names["registration_number"],
                    _("The number %(number)s appears more than once in the file (lines %(lines)s).")
                    % {"number": row.number, "lines": ", ".join(map(str, lines))},
                )
            )
        lines = by_record[row.record_id]
        if len(lines) > 1:
            parsed.errors.append(
                _error(
                    row.line,
                    names["record_id"],
                    _("Record %(id)s appears more than once in the file (lines %(lines)s).")
                    % {"id": row.record_id, "lines": ", ".join(map(str, lines))},
                )
            )


# --- Applying it --------------------------------------------------------------------------------------


def _lock() -> None:
    """Hold the ``register-answer`` lock row until the transaction ends.

    Every import, and every number entered by hand, takes this one row FOR UPDATE
    before it locks any document, and waits for it (no NOWAIT: an answer is short work,
    and the second file must still be applied or refused on its own merits). So two
    imports of the same file run one after the other, and the second finds every number
    already given (changed=False, "already numbered"): never applied twice. And because
    nobody holds a document lock while waiting for this row, and an import locks its
    documents in pk order, two imports cannot deadlock however their files are ordered.
    On SQLite ``select_for_update`` is a no-op, but the IMMEDIATE transactions of our
    settings serialise writers the same way.
    """
    ExportLock.objects.select_for_update().get(name=ANSWER_LOCK)


def _blame(document: IssuedDocument, row: AnswerRow) -> str:
    """Which field a refusal of ``document_register`` is about (for the error's label only)."""
    if document.number_source != NumberSource.AWAITING:
        return "registration_number"
    if (document.verdict_id is None and document.variant == Variant.ORIGINAL) or document.revoked_on:
        return "record_id"
    if row.issue_date < document.exam_date or row.issue_date > timezone.localdate():
        return "issue_date"
    return "registration_number"


def _apply(rows: list[AnswerRow], *, names: dict[str, str], by, source: str) -> tuple[list[dict], int, int]:
    """Number every row's document; returns (errors, numbered now, already numbered). Call under ``_lock``."""
    ids = {row.record_id for row in rows}
    exported: dict[int, set[str]] = defaultdict(set)
    for document_id, record_type in ExportRecord.objects.filter(
        document_id__in=ids, record_type__in=NUMBERED_TYPES
    ).values_list("document_id", "record_type"):
        exported[document_id].add(record_type)
    documents = IssuedDocument.objects.in_bulk(ids)
    errors: list[dict] = []
    numbered = already = 0
    # Documents in pk order, whatever the file's order: see ``_lock``.
    for row in sorted(rows, key=lambda r: r.record_id):
        types = exported.get(row.record_id)
        if not types:
            errors.append(
                _error(
                    row.line,
                    names["record_id"],
                    _("No record %(id)s was exported to the register.") % {"id": row.record_id},
                )
            )
            continue
        if row.record_type not in types:
            errors.append(
                _error(
                    row.line,
                    names["record_type"],
                    _("Record %(id)s was exported as «%(exported)s», not «%(type)s».")
                    % {"id": row.record_id, "exported": ", ".join(sorted(types)), "type": row.record_type},
                )
            )
            continue
        document = documents[row.record_id]
        try:
            _document, changed = document_register(
                document=document,
                number=row.number,
                issue_date=row.issue_date,
                register_url=row.register_url,
                by=by,
                source=source,
            )
        except DocumentError as exc:
            errors.append(_error(row.line, names[_blame(document, row)], str(exc)))
            continue
        if changed:
            numbered += 1
        else:
            already += 1
    errors.sort(key=lambda e: e["line"] or 0)
    return errors, numbered, already


def _clean_name(filename: str) -> str:
    name = re.split(r"[\\/]", filename or "")[-1].strip()
    return name[:255] or "answer"


def register_answer_import(*, data: bytes, filename: str, by=None) -> AnswerImport:
    """Apply one answer file, all or nothing; always returns the ``AnswerImport`` that says what happened.

    ``status`` is ``applied`` (``numbered`` new numbers, ``already_numbered`` rows that
    changed nothing) or ``refused`` (nothing changed; ``errors`` name line and field).
    """
    if by is not None and not is_qac_staff(by):
        raise AnswerError(_("Only the center's staff import the register's answers."))
    name = _clean_name(filename)
    digest = hashlib.sha256(data).hexdigest()
    parsed = parse_answer(data)
    names = XML_FIELDS if parsed.fmt == "xml" else {c: c for c in CSV_COLUMNS}
    record = AnswerImport(
        imported_by=by, file_name=name, sha256=digest, size=len(data), file_format=parsed.fmt, rows=len(parsed.rows)
    )
    errors = list(parsed.errors)
    if not errors:
        # The row exists before any import's transaction, so every import waits on the same row.
        ExportLock.objects.get_or_create(name=ANSWER_LOCK)
        try:
            with transaction.atomic():
                _lock()
                errors, numbered, already = _apply(parsed.rows, names=names, by=by, source=f"answer file {name}")
                if errors:
                    # Nothing of this file stays, and the renders it queued on commit are dropped with it.
                    transaction.set_rollback(True)
                else:
                    record.status = AnswerStatus.APPLIED
                    record.numbered, record.already_numbered = numbered, already
                    _store(record, data)
        except DatabaseError as exc:
            logger.exception("register answer %s: database error", name)
            errors = [_error(None, None, _("The database refused the import (%(error)s); try again.") % {"error": exc})]
    if errors:
        record.pk = None
        record.status = AnswerStatus.REFUSED
        record.numbered = record.already_numbered = 0
        record.errors = errors[:MAX_ERRORS]
        if len(errors) > MAX_ERRORS:
            record.errors.append(_error(None, None, _("… and %(n)s more errors.") % {"n": len(errors) - MAX_ERRORS}))
        _store(record, data)
        logger.warning("register answer %s refused: %s errors", name, len(errors))
    else:
        logger.info(
            "register answer %s applied: %s numbered, %s already numbered",
            name,
            record.numbered,
            record.already_numbered,
        )
    return record


def _store(record: AnswerImport, data: bytes) -> None:
    suffix = record.file_format or "bin"
    stored = None
    try:
        record.file.save(f"answer-{record.sha256[:16]}.{suffix}", ContentFile(data), save=False)
        stored = record.file.name
        record.save()
    except BaseException:
        if stored:
            record.file.storage.delete(stored)
        raise


def register_number_enter(*, document: IssuedDocument, number: str, issue_date: datetime.date, register_url: str, by):
    """Staff enter one registration number by hand (the register's record seen on its site).

    The same checks as a file: staff only, the document must have been exported as a record
    that receives a number, and ``document_register``'s rules. Returns ``(document, changed)``.
    """
    if not is_qac_staff(by):
        raise AnswerError(_("Only the center's staff enter registration numbers."))
    if not ExportRecord.objects.filter(document_id=document.pk, record_type__in=NUMBERED_TYPES).exists():
        raise AnswerError(
            _("Document %(id)s has not been exported to the register, so the register cannot have numbered it.")
            % {"id": document.pk}
        )
    ExportLock.objects.get_or_create(name=ANSWER_LOCK)
    with transaction.atomic():
        _lock()
        return document_register(
            document=document,
            number=number,
            issue_date=issue_date,
            register_url=register_url,
            by=by,
            source="entered by hand",
        )
