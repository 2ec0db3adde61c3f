"""Reading the register's answer file: its structure, its header, each value's shape, repeats within it.

The format is ours (docs/register-answer.md): CSV, or XML with ``schema/register-answer-1.0.xsd``.
Nothing here consults the database beyond the center's own register number; ``answers`` applies
what this module read.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml import etree

from qac.certificates.services import register_number_valid, register_url_valid
from standards.selectors import center_get

from .models import RecordType

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
MAX_ANSWER_BYTES = 20 * 1024 * 1024

_DATE_RU = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


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


def answer_error(line: int | None, field_name: str | None, message: str) -> dict:
    """One error of an answer file: the line and field it is about (either may be None), and why."""
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


def parse_answer(data: bytes) -> ParsedAnswer:
    """Read an answer file (XML if it starts with ``<`` after a BOM and whitespace, otherwise CSV).

    Checks everything a file can say about itself: the structure, the header, each value's
    shape, numbers and records repeated within the file. The database is not consulted.
    """
    body = data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data
    stripped = body.lstrip()
    if not stripped:
        return ParsedAnswer(errors=[answer_error(None, None, _("The file is empty."))])
    if len(data) > MAX_ANSWER_BYTES:
        return ParsedAnswer(
            errors=[answer_error(None, None, _("The file is larger than %(mb)s MB.") % {"mb": MAX_ANSWER_BYTES >> 20})]
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
        parsed.errors.append(answer_error(line, None, _("The file is not UTF-8 text.")))
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
                    parsed.errors.append(answer_error(line, problem[0], problem[1]))
                    return parsed, []
                continue
            if len(cells) != len(CSV_COLUMNS):
                parsed.errors.append(
                    answer_error(
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
            answer_error(reader.line_num or None, None, _("The CSV cannot be read: %(error)s") % {"error": exc})
        )
        return parsed, []
    if header is None:
        parsed.errors.append(answer_error(None, None, _("The file is empty.")))
    elif not raw_rows and not parsed.errors:
        parsed.errors.append(answer_error(None, None, _("The file has no records.")))
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
        parsed.errors.append(answer_error(line, None, _("The XML cannot be read: %(error)s") % {"error": exc.msg}))
        return parsed, []
    tree = root.getroottree()
    if tree.docinfo.doctype:
        parsed.errors.append(answer_error(1 + line_offset, None, _("A DOCTYPE is not allowed in an answer file.")))
        return parsed, []
    schema = _schema()
    if not schema.validate(tree):
        for entry in schema.error_log:
            step = (entry.path or "").rstrip("/").rsplit("/", 1)[-1]
            parsed.errors.append(
                answer_error(
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
            answer_error(
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
        errors.append(
            answer_error(line, names["record_id"], _("«%(value)s» is not a record id.") % {"value": record_id})
        )
    record_type = values["record_type"]
    if record_type not in NUMBERED_TYPES:
        if record_type in RecordType.values:
            message = _("A «%(type)s» record receives no registration number.") % {"type": record_type}
        else:
            message = _("«%(type)s» is not a record type; expected one of: %(types)s.") % {
                "type": record_type,
                "types": ", ".join(NUMBERED_TYPES),
            }
        errors.append(answer_error(line, names["record_type"], message))
    number = values["registration_number"]
    if not register_number_valid(number):
        message = _("«%(number)s» is not a registration number of the register's shape.") % {"number": number}
        errors.append(answer_error(line, names["registration_number"], message))
    issue_date = parse_date(values["issue_date"])
    if issue_date is None:
        message = _("«%(value)s» is not a date (ДД.ММ.ГГГГ or YYYY-MM-DD).") % {"value": values["issue_date"]}
        errors.append(answer_error(line, names["issue_date"], message))
    url = values["register_url"]
    if not register_url_valid(url):
        errors.append(
            answer_error(line, names["register_url"], _("«%(url)s» is not a link to a register record.") % {"url": url})
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


#: A value that must be unique within one file, repeated: the error by the field repeated.
_REPEATED = {
    "registration_number": gettext_lazy("The number %(number)s appears more than once in the file (lines %(lines)s)."),
    "record_id": gettext_lazy("Record %(id)s appears more than once in the file (lines %(lines)s)."),
}


def _check_repeats(parsed: ParsedAnswer, names: dict[str, str]) -> None:
    """A number or a record twice in one file: an error on each of its lines."""
    by_number, by_record = defaultdict(list), defaultdict(list)
    for row in parsed.rows:
        by_number[row.number].append(row.line)
        by_record[row.record_id].append(row.line)
    for row in parsed.rows:
        for field_name, lines, values in (
            ("registration_number", by_number[row.number], {"number": row.number}),
            ("record_id", by_record[row.record_id], {"id": row.record_id}),
        ):
            if len(lines) > 1:
                message = _REPEATED[field_name] % {**values, "lines": ", ".join(map(str, lines))}
                parsed.errors.append(answer_error(row.line, names[field_name], message))
