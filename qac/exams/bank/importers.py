"""The question bank as a file: export to CSV, XLSX or JSON, and import back.

The format, one question per row (CSV, XLSX) or per object (JSON):

=============  ==============================================================
``code``       the question's code in the bank; import matches questions by it
``topic``      the topic (the variant is spread evenly over topics)
``type``       ``single`` (exactly one correct answer) or ``multiple``
``weight``     points for a right answer, 1 to 10
``question``   the question's text (line breaks allowed)
``option_1``   the answer options, one per column, ``option_1`` to ``option_N``;
``option_2``   a question uses as many as it needs (at least two), leaving the
...            rest of its row empty. JSON: ``options``, a list of texts.
``correct``    the numbers of the correct options, e.g. ``2`` or ``1;3``
               (``;``, ``,`` or spaces between them). JSON: a list of numbers.
``active``     optional: ``yes`` (the default) or ``no``; JSON: true/false
=============  ==============================================================

One option per column rather than all options in one cell: a spreadsheet
shows each option in its own cell, ``correct`` counts the same columns the
reader sees, and an option may hold any text (a line break included).

CSV is UTF-8 (a BOM is accepted and written, so Excel recognises the
encoding), ``;``-separated on export as a Russian-locale spreadsheet
expects; import accepts ``;`` or ``,``. A text cell that a spreadsheet
would run as a formula (beginning with ``=``, ``+``, ``-`` or ``@``, also
after spaces) is written with a leading apostrophe, which import removes
again; in XLSX it is a text cell with Excel's quote prefix (``qac/exports.py``).

Import reads and checks the whole file before it writes anything. If any
row is wrong, nothing is saved and the report names every error with its
row and column (rows as a spreadsheet numbers them: the header is row 1;
in JSON, row N is the N-th object). Otherwise questions are created or
updated by code in one transaction; an updated question's options are
replaced only if they differ (answers hold option ids, so the options of a
question already answered in a test cannot change: that is an error too).
Questions that are not in the file are left as they are (set ``active``
to ``no`` to retire one). Cells are stripped of surrounding spaces and
line breaks become ``\n``, so export followed by import of the same file
changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from qac.exports import spreadsheet_safe_row, spreadsheet_unquote, xlsx_set_cell
from standards.models import ExamSpecification, Qualification

from ..models import Answer, Choice, Question, QuestionKind, TheoryAttempt

logger = logging.getLogger(__name__)

FORMATS = ("csv", "xlsx", "json")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
# An XLSX file is a zip archive: a small file can unpack to a huge one.
MAX_XLSX_UNPACKED_BYTES = 50 * 1024 * 1024

OPTION_PREFIX = "option_"
COLUMNS = ("code", "topic", "type", "weight", "question", "correct", "active")
REQUIRED_COLUMNS = ("code", "topic", "type", "weight", "question", "correct")
JSON_FIELDS = ("code", "topic", "type", "weight", "question", "options", "correct", "active")
EXPORT_MIN_OPTION_COLUMNS = 4  # an empty bank exports as a template with room for four options

_CODE_MAX = Question._meta.get_field("external_id").max_length
_TOPIC_MAX = Question._meta.get_field("topic").max_length
_OPTION_MAX = Choice._meta.get_field("text").max_length
_weight_validators = Question._meta.get_field("weight").validators
WEIGHT_MIN = next(v.limit_value for v in _weight_validators if isinstance(v, MinValueValidator))
WEIGHT_MAX = next(v.limit_value for v in _weight_validators if isinstance(v, MaxValueValidator))

_WEIGHT_RANGE = {"min": WEIGHT_MIN, "max": WEIGHT_MAX}

_YES = {"yes", "y", "да", "д", "true", "1", "+"}
_NO = {"no", "n", "нет", "н", "false", "0", "-"}
# C0 controls except tab and line feed (carriage returns are folded into line feeds first):
# PostgreSQL refuses NUL, XLSX cannot hold the others, and none belongs in a question.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SHOWN_MAX = 40  # how much of a wrong value an error message repeats


# --- The import report -----------------------------------------------------------------------


@dataclass(frozen=True)
class ImportIssue:
    """One thing wrong with an import file; ``row`` and ``column`` are None for the file as a whole."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is not None and self.column:
            return _("row %(row)s, column `%(column)s`: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        if self.row is not None:
            return _("row %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        if self.column:
            return _("column `%(column)s`: %(message)s") % {"column": self.column, "message": self.message}
        return self.message


@dataclass
class ImportReport:
    errors: list[ImportIssue] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class _RawRow:
    """One row as read from the file, before any check. ``options`` pairs each value with its column's name."""

    row: int
    values: dict[str, Any]
    options: list[tuple[str, Any]] | None  # None: the reader already reported them as unreadable
    option_column: str  # where an error about the options as a whole is reported


@dataclass(frozen=True)
class _QuestionRow:
    row: int
    code: str
    topic: str
    kind: str
    weight: int
    text: str
    options: tuple[str, ...]
    correct: frozenset[int]  # 1-based option numbers
    active: bool
    option_columns: tuple[str, ...]  # the column each option came from, for error messages

    def choice_tuples(self) -> list[tuple[str, bool]]:
        return [(text, n in self.correct) for n, text in enumerate(self.options, start=1)]


class _Refused(Exception):
    """The file as a whole cannot be read; the message says why."""


# --- Export ----------------------------------------------------------------------------------


def _bank_rows(qualification: Qualification) -> list[tuple[Question, list[Choice]]]:
    questions = Question.objects.filter(qualification=qualification).prefetch_related(
        Prefetch("choices", queryset=Choice.objects.order_by("position", "id"))
    )
    return [(q, list(q.choices.all())) for q in questions]


def _correct_numbers(choices: list[Choice]) -> list[int]:
    return [n for n, c in enumerate(choices, start=1) if c.is_correct]


def bank_export(*, qualification: Qualification, fmt: str) -> tuple[bytes, str, str]:
    """The qualification's whole bank (active and retired questions) as (content, content type, file name)."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}")
    rows = _bank_rows(qualification)
    stamp = timezone.localdate().strftime("%Y-%m-%d")
    filename = f"question-bank-{qualification.code}-{stamp}.{fmt}"
    if fmt == "json":
        payload = [
            {
                "code": q.external_id,
                "topic": q.topic,
                "type": q.kind,
                "weight": q.weight,
                "question": q.text,
                "options": [c.text for c in choices],
                "correct": _correct_numbers(choices),
                "active": q.is_active,
            }
            for q, choices in rows
        ]
        content = (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode()
        return content, CONTENT_TYPES[fmt], filename

    width = max([len(choices) for _q, choices in rows] or [EXPORT_MIN_OPTION_COLUMNS])
    header = [
        "code",
        "topic",
        "type",
        "weight",
        "question",
        *(f"{OPTION_PREFIX}{n}" for n in range(1, width + 1)),
        "correct",
        "active",
    ]
    table = []
    for q, choices in rows:
        options = [c.text for c in choices] + [""] * (width - len(choices))
        correct = ";".join(str(n) for n in _correct_numbers(choices))
        table.append(
            [q.external_id, q.topic, q.kind, q.weight, q.text, *options, correct, "yes" if q.is_active else "no"]
        )
    text_columns = {0, 1, 4, *range(5, 5 + width)}
    if fmt == "csv":
        out = io.StringIO(newline="")
        writer = csv.writer(out, delimiter=";")
        writer.writerow(header)
        for values in table:
            writer.writerow(spreadsheet_safe_row(values))
        return out.getvalue().encode("utf-8-sig"), CONTENT_TYPES[fmt], filename
    return _xlsx_bytes(qualification, header, table, text_columns), CONTENT_TYPES[fmt], filename


def _xlsx_bytes(qualification, header, table, text_columns) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = qualification.code
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, values in enumerate(table, start=2):
        for c, value in enumerate(values, start=1):
            if isinstance(value, str):
                # Import refuses control characters, so only text typed elsewhere (the admin) can hold
                # them; XLSX cannot store them at all.
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell = xlsx_set_cell(ws, row=r, column=c, value=value)
            if c - 1 in text_columns:
                cell.data_type = "s"  # never a formula, whatever the text begins with
                cell.alignment = wrap
    widths = {"code": 22, "topic": 28, "type": 10, "weight": 8, "question": 60, "correct": 10, "active": 8}
    for c, name in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(c)].width = widths.get(name, 30)
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- Reading a file --------------------------------------------------------------------------


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= _SHOWN_MAX else text[: _SHOWN_MAX - 1] + "…"


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Refused(
            _(
                "The file is not UTF-8 text (the byte at position %(position)s cannot be read). "
                "In a spreadsheet, save it as “CSV UTF-8”."
            )
            % {"position": exc.start + 1}
        ) from None
    if "\x00" in text:
        raise _Refused(_("The file holds binary data, not text."))
    if not text.strip():
        raise _Refused(_("The file is empty."))
    return text


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _column_name(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _read_table(records: list[list[Any]], *, unescape: bool) -> tuple[list[_RawRow], list[ImportIssue]]:
    """Rows of a CSV or XLSX file; the first record is the header, spreadsheet row numbers from 1."""
    issues: list[ImportIssue] = []
    if not records or all(_is_blank(v) for v in records[0]):
        raise _Refused(_("The first row must name the columns: %(columns)s.") % {"columns": _columns_hint()})
    header = [str(v).strip().lower() if not _is_blank(v) else "" for v in records[0]]
    if not any(name in COLUMNS or _option_number(name) for name in header):
        # Not a question bank at all: one message, not one per missing column.
        raise _Refused(_("The first row must name the columns: %(columns)s.") % {"columns": _columns_hint()})
    index: dict[str, int] = {}
    options: dict[int, int] = {}
    for i, name in enumerate(header):
        if not name:
            continue
        if name in index:
            issues.append(ImportIssue(1, name, _("the column appears twice.")))
            continue
        index[name] = i
        if number := _option_number(name):
            options[number] = i
        elif name not in COLUMNS:
            issues.append(
                ImportIssue(
                    1, _shown(name), _("unknown column; the columns are: %(columns)s.") % {"columns": _columns_hint()}
                )
            )
    for name in REQUIRED_COLUMNS:
        if name not in index:
            issues.append(ImportIssue(1, name, _("the column is missing.")))
    for n in range(1, max([*options, 2]) + 1):
        if n not in options:
            issues.append(ImportIssue(1, f"{OPTION_PREFIX}{n}", _("the column is missing.")))
    if issues:
        return [], issues

    option_columns = [(f"{OPTION_PREFIX}{n}", options[n]) for n in sorted(options)]

    def cell(record: list[Any], i: int | None) -> Any:
        if i is None or i >= len(record):
            return None
        value = record[i]
        return spreadsheet_unquote(value) if unescape and isinstance(value, str) else value

    rows: list[_RawRow] = []
    for number, record in enumerate(records[1:], start=2):
        if all(_is_blank(v) for v in record):
            continue  # spreadsheets leave empty rows behind
        for i, value in enumerate(record):
            if (i >= len(header) or not header[i]) and not _is_blank(value):
                issues.append(ImportIssue(number, _column_name(i), _("a value in a column without a name.")))
        rows.append(
            _RawRow(
                row=number,
                values={name: cell(record, index.get(name)) for name in COLUMNS},
                options=[(name, cell(record, i)) for name, i in option_columns],
                option_column=option_columns[0][0],
            )
        )
    return rows, issues


def _option_number(name: str) -> int | None:
    """n for a column named option_n (n from 1), else None."""
    number = name.removeprefix(OPTION_PREFIX)
    if name.startswith(OPTION_PREFIX) and number.isdigit() and int(number) >= 1:
        return int(number)
    return None


def _columns_hint() -> str:
    return "code, topic, type, weight, question, option_1 … option_N, correct, active"


def _read_csv(data: bytes) -> tuple[list[_RawRow], list[ImportIssue]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    # strict: an unclosed quote is an error, not the rest of the file swallowed into one cell
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise _Refused(
            _("The file is not a readable CSV table (line %(line)s: %(error)s).")
            % {"line": reader.line_num, "error": exc}
        ) from None
    return _read_table(records, unescape=True)


class _Formula:
    """A formula cell: import asks for the value instead."""


class _Date:
    """A cell the spreadsheet turned into a date or time."""


def _read_xlsx(data: bytes) -> tuple[list[_RawRow], list[ImportIssue]]:
    import datetime

    from openpyxl import load_workbook

    not_xlsx = _("The file is not an XLSX workbook (it cannot be opened as one).")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _Refused(not_xlsx) from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise _Refused(
            _("The workbook unpacks to %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(unpacked), "limit": filesizeformat(MAX_XLSX_UNPACKED_BYTES)}
        )
    records: list[list[Any]] = []
    filled = 0
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            for row in workbook.worksheets[0].iter_rows():
                record = []
                for cell in row:
                    v = cell.value
                    if getattr(cell, "data_type", None) == "f":
                        v = _Formula()
                    elif isinstance(v, datetime.date | datetime.time | datetime.timedelta):
                        v = _Date()
                    record.append(v)
                records.append(record)
                filled += any(not _is_blank(v) for v in record)
                if filled > MAX_IMPORT_ROWS + 1:
                    break  # the header and one row over the limit are enough to refuse the file
        finally:
            workbook.close()
    except Exception:  # openpyxl raises many kinds of errors on a damaged file; all mean "not a workbook"
        logger.info("unreadable XLSX import", exc_info=True)
        raise _Refused(not_xlsx) from None
    return _read_table(records, unescape=False)


def _read_json(data: bytes) -> tuple[list[_RawRow], list[ImportIssue]]:
    text = _decode(data)
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Refused(
            _("The file is not valid JSON (line %(line)s, position %(column)s: %(error)s).")
            % {"line": exc.lineno, "column": exc.colno, "error": exc.msg}
        ) from None
    except RecursionError:  # nesting deeper than any question bank needs
        raise _Refused(_("The file is not valid JSON.")) from None
    try:
        # "\ud800" is valid JSON but not storable text (nor printable in an error message).
        json.dumps(payload, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise _Refused(_("The file holds invalid characters (unpaired \\u escapes).")) from None
    if not isinstance(payload, list):
        raise _Refused(_("The JSON file must hold a list of questions, [ {…}, {…} ]."))
    rows: list[_RawRow] = []
    issues: list[ImportIssue] = []
    for number, item in enumerate(payload, start=1):
        if not isinstance(item, dict):
            issues.append(ImportIssue(number, None, _("each question must be an object with named fields.")))
            continue
        for key in item:
            if key not in JSON_FIELDS:
                issues.append(
                    ImportIssue(
                        number,
                        _shown(key),
                        _("unknown field; the fields are: %(fields)s.") % {"fields": ", ".join(JSON_FIELDS)},
                    )
                )
        options = item.get("options")
        if options is not None and not isinstance(options, list):
            issues.append(ImportIssue(number, "options", _("must be a list of answer texts.")))
        rows.append(
            _RawRow(
                row=number,
                values={name: item.get(name) for name in COLUMNS},
                options=[("options", v) for v in options or []] if isinstance(options, list | None) else None,
                option_column="options",
            )
        )
    return rows, issues


_READERS = {"csv": _read_csv, "xlsx": _read_xlsx, "json": _read_json}


# --- Checking each row -----------------------------------------------------------------------


def _as_text(value: Any) -> str | None:
    """A cell's text, or None when the cell holds something that is not text (a list, a date, a formula)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return None


def _not_text_message(value: Any) -> str:
    if isinstance(value, _Formula):
        return _("holds a formula; enter the value itself.")
    if isinstance(value, _Date):
        return _("the spreadsheet turned the value into a date; format the column as text and enter it again.")
    return _("must be text.")


class _RowChecker:
    def __init__(self, raw: _RawRow, issues: list[ImportIssue]):
        self.raw = raw
        self.issues = issues
        self.failed = False
        self.option_columns: tuple[str, ...] = ()

    def error(self, column: str, message: str) -> None:
        self.failed = True
        self.issues.append(ImportIssue(self.raw.row, column, message))

    def text(self, column: str, value: Any, *, max_length: int | None, one_line: bool = True) -> str:
        text = _as_text(value)
        if text is None:
            self.error(column, _not_text_message(value))
            return ""
        if not text:
            self.error(column, _("required; the cell is empty."))
        elif max_length and len(text) > max_length:
            self.error(
                column,
                _("%(length)s characters; the limit is %(limit)s.") % {"length": len(text), "limit": max_length},
            )
        elif _CONTROL_RE.search(text):
            self.error(column, _("holds control characters; remove them."))
        elif one_line and "\n" in text:
            self.error(column, _("must be on one line."))
        return text

    def kind(self, value: Any) -> str | None:
        text = _as_text(value)
        if text is None:
            self.error("type", _not_text_message(value))
            return None
        if text.lower() not in QuestionKind.values:
            self.error(
                "type",
                _("“%(value)s” is not a question type; write single or multiple.") % {"value": _shown(text)}
                if text
                else _("required: single or multiple."),
            )
            return None
        return text.lower()

    def weight(self, value: Any) -> int:
        text = _as_text(value)
        if text is None:
            self.error("weight", _not_text_message(value))
        elif not text:
            self.error("weight", _("required: a whole number from %(min)s to %(max)s.") % _WEIGHT_RANGE)
        elif not text.isdigit() or not WEIGHT_MIN <= int(text) <= WEIGHT_MAX:
            self.error(
                "weight",
                _("“%(value)s” is not a whole number from %(min)s to %(max)s.")
                % {**_WEIGHT_RANGE, "value": _shown(text)},
            )
        else:
            return int(text)
        return WEIGHT_MIN

    def options(self) -> list[str] | None:
        if self.raw.options is None:
            self.failed = True
            return None
        issues_before = len(self.issues)
        columns = [column for column, _value in self.raw.options]

        def where(n: int) -> tuple[str, str]:
            """The column of option n, and a prefix naming the option where the column does not (JSON)."""
            column = columns[n - 1]
            return column, "" if column.startswith(OPTION_PREFIX) else _("option %(n)s: ") % {"n": n}

        texts = []
        for n, (_column, value) in enumerate(self.raw.options, start=1):
            column, prefix = where(n)
            text = _as_text(value)
            if text is None:
                self.error(column, prefix + _not_text_message(value))
            elif len(text) > _OPTION_MAX:
                self.error(
                    column,
                    prefix
                    + _("%(length)s characters; the limit is %(limit)s.") % {"length": len(text), "limit": _OPTION_MAX},
                )
            elif _CONTROL_RE.search(text):
                self.error(column, prefix + _("holds control characters; remove them."))
            texts.append(text or "")
        while texts and not texts[-1]:
            texts.pop()  # the row's remaining option columns are simply unused
        first_seen: dict[str, int] = {}
        for n, text in enumerate(texts, start=1):
            column, prefix = where(n)
            if not text:
                self.error(column, prefix + _("empty, while a later option is filled in; leave no gaps."))
            elif text in first_seen:
                self.error(column, _("option %(n)s repeats option %(first)s.") % {"n": n, "first": first_seen[text]})
            first_seen.setdefault(text, n)
        if len(texts) < 2:
            self.error(self.raw.option_column, _("a question needs at least two answer options."))
        if len(self.issues) > issues_before:
            return None
        self.option_columns = tuple(columns[: len(texts)])
        return texts

    def correct(self, value: Any, *, kind: str | None, options: list[str] | None) -> frozenset[int]:
        numbers: list[int] = []
        if isinstance(value, list):
            for item in value:
                if isinstance(item, bool) or not isinstance(item, int):
                    self.error("correct", _("must be a list of option numbers, e.g. [1, 3]."))
                    return frozenset()
                numbers.append(item)
        elif isinstance(value, float) and not value.is_integer():
            self.error(
                "correct",
                _("“%(value)s” became a decimal number; separate option numbers with ';', e.g. 1;3.")
                % {"value": value},
            )
            return frozenset()
        else:
            text = _as_text(value)
            if text is None:
                self.error("correct", _not_text_message(value))
                return frozenset()
            tokens = [t for t in re.split(r"[;,\s]+", text) if t]
            bad = [t for t in tokens if not t.isdigit()]
            if bad:
                self.error(
                    "correct",
                    _("“%(value)s” is not a list of option numbers; write e.g. 2 or 1;3.") % {"value": _shown(text)},
                )
                return frozenset()
            numbers = [int(t) for t in tokens]
        if not numbers:
            self.error("correct", _("required: the number of the correct option, e.g. 2 or 1;3."))
            return frozenset()
        if len(set(numbers)) != len(numbers):
            self.error("correct", _("an option number is given twice."))
            return frozenset()
        if options is not None:
            outside = [n for n in numbers if not 1 <= n <= len(options)]
            if outside:
                self.error(
                    "correct",
                    _("option %(numbers)s does not exist; the question has %(count)s options.")
                    % {"numbers": ", ".join(map(str, outside)), "count": len(options)},
                )
                return frozenset()
        if kind == QuestionKind.SINGLE and len(numbers) != 1:
            self.error(
                "correct",
                _("a single-choice question has exactly one correct option; here %(count)s.") % {"count": len(numbers)},
            )
            return frozenset()
        return frozenset(numbers)

    def active(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = _as_text(value)
        if text == "":
            return True
        if text is not None and text.lower() in _YES:
            return True
        if text is not None and text.lower() in _NO:
            return False
        self.error("active", _("write yes or no (or leave it empty for yes)."))
        return True


def _check_row(raw: _RawRow, issues: list[ImportIssue]) -> _QuestionRow | None:
    check = _RowChecker(raw, issues)
    v = raw.values
    code = check.text("code", v["code"], max_length=_CODE_MAX)
    topic = check.text("topic", v["topic"], max_length=_TOPIC_MAX)
    kind = check.kind(v["type"])
    weight = check.weight(v["weight"])
    text = check.text("question", v["question"], max_length=None, one_line=False)
    options = check.options()
    correct = check.correct(v["correct"], kind=kind, options=options)
    active = check.active(v["active"])
    if check.failed:
        return None
    return _QuestionRow(raw.row, code, topic, kind, weight, text, tuple(options), correct, active, check.option_columns)


def _check_rows(raws: list[_RawRow], issues: list[ImportIssue]) -> list[_QuestionRow]:
    checked = []
    first_row: dict[str, int] = {}
    for raw in raws:
        row = _check_row(raw, issues)
        code = _as_text(raw.values["code"])
        if code:
            if code in first_row:
                issues.append(
                    ImportIssue(
                        raw.row,
                        "code",
                        _("the code %(code)s is already used in row %(first)s.")
                        % {"code": _shown(code), "first": first_row[code]},
                    )
                )
                continue
            first_row[code] = raw.row
        if row is not None:
            checked.append(row)
    return checked


# --- Import ----------------------------------------------------------------------------------


def bank_import(*, qualification: Qualification, data: bytes, fmt: str, by) -> ImportReport:
    """Check the whole file, then create or update its questions by code, all or nothing."""
    report = ImportReport()
    try:
        if fmt not in _READERS:
            raise _Refused(_("Choose a CSV, XLSX or JSON file."))
        if len(data) > MAX_IMPORT_BYTES:
            raise _Refused(
                _("The file is %(size)s; the limit is %(limit)s.")
                % {"size": filesizeformat(len(data)), "limit": filesizeformat(MAX_IMPORT_BYTES)}
            )
        if not data.strip():
            raise _Refused(_("The file is empty."))
        raws, issues = _READERS[fmt](data)
    except _Refused as exc:
        report.errors.append(ImportIssue(None, None, str(exc)))
        return report
    if len(raws) > MAX_IMPORT_ROWS:
        report.errors.append(
            ImportIssue(
                None,
                None,
                _("The file has %(count)s questions; one import takes at most %(limit)s.")
                % {"count": len(raws), "limit": MAX_IMPORT_ROWS},
            )
        )
        return report
    if not raws and not issues:
        report.errors.append(ImportIssue(None, None, _("The file holds no questions.")))
        return report
    rows = _check_rows(raws, issues)
    if issues:
        report.errors = issues
        return report
    with transaction.atomic():
        _save(qualification=qualification, rows=rows, report=report)
        if report.errors:
            transaction.set_rollback(True)
            report.created = report.updated = report.unchanged = 0
            return report
    logger.info(
        "question bank %s imported by user %s: %s created, %s updated, %s unchanged",
        qualification.code,
        getattr(by, "pk", None),
        report.created,
        report.updated,
        report.unchanged,
    )
    return report


_UPDATED_FIELDS = ("topic", "text", "kind", "weight", "is_active")


def _save(*, qualification: Qualification, rows: list[_QuestionRow], report: ImportReport) -> None:
    # One import of a bank at a time: a second one waits here, then sees the first one's questions.
    Qualification.objects.select_for_update().only("pk").get(pk=qualification.pk)
    existing = {
        q.external_id: q
        for q in Question.objects.filter(qualification=qualification).prefetch_related(
            Prefetch("choices", queryset=Choice.objects.order_by("position", "id"))
        )
    }
    new_rows, changed_fields, changed_choices = [], [], []
    for row in rows:
        question = existing.get(row.code)
        if question is None:
            new_rows.append(row)
            continue
        fields = {"topic": row.topic, "text": row.text, "kind": row.kind, "weight": row.weight, "is_active": row.active}
        differs = any(getattr(question, name) != value for name, value in fields.items())
        choices_differ = [(c.text, c.is_correct) for c in question.choices.all()] != row.choice_tuples()
        if differs:
            for name, value in fields.items():
                setattr(question, name, value)
            changed_fields.append(question)
        if choices_differ:
            changed_choices.append((question, row))
        if differs or choices_differ:
            report.updated += 1
        else:
            report.unchanged += 1

    _refuse_changes_to_questions_in_use(changed_choices, report)
    if report.errors:
        return

    created = Question.objects.bulk_create(
        [
            Question(
                qualification=qualification,
                external_id=row.code,
                topic=row.topic,
                text=row.text,
                kind=row.kind,
                weight=row.weight,
                is_active=row.active,
            )
            for row in new_rows
        ]
    )
    report.created = len(created)
    Question.objects.bulk_update(changed_fields, list(_UPDATED_FIELDS), batch_size=500)
    Choice.objects.filter(question__in=[q for q, _row in changed_choices]).delete()
    Choice.objects.bulk_create(
        [
            Choice(question=question, text=text, is_correct=is_correct, position=position)
            for question, row in [*zip(created, new_rows, strict=True), *changed_choices]
            for position, (text, is_correct) in enumerate(row.choice_tuples(), start=1)
        ]
    )


def _refuse_changes_to_questions_in_use(changed: list[tuple[Question, _QuestionRow]], report: ImportReport) -> None:
    """Answers hold the ids of the options the candidate chose: those options must not be replaced.

    A question already answered, or in a test under way, keeps its options
    and correct answers; the fix is a new question (a new code) and the
    old one set inactive.
    """
    if not changed:
        return
    ids = {q.pk for q, _row in changed}
    in_use = set(Answer.objects.filter(question_id__in=ids).values_list("question_id", flat=True).distinct())
    for question_ids in TheoryAttempt.objects.filter(submitted_at__isnull=True).values_list("question_ids", flat=True):
        in_use.update(ids.intersection(question_ids))
    for question, row in changed:
        if question.pk not in in_use:
            continue
        current = [c.text for c in question.choices.all()]
        column = "correct"
        for n, text in enumerate(row.options, start=1):
            if n > len(current) or current[n - 1] != text:
                column = row.option_columns[n - 1]
                break
        else:
            if len(current) > len(row.options):
                column = row.option_columns[-1]
        report.errors.append(
            ImportIssue(
                row.row,
                column,
                _(
                    "question %(code)s has been answered in a test, so its options and correct answers cannot "
                    "change; give the new version a new code and set this one inactive."
                )
                % {"code": question.external_id},
            )
        )


# --- Reads for the bank pages ----------------------------------------------------------------


@dataclass
class BankSummary:
    qualification: Qualification
    needed: int | None  # questions in one variant, from the exam specification
    topics: list[dict] = field(default_factory=list)  # {"topic", "total", "active"}
    total: int = 0
    active: int = 0
    demo: int = 0

    @property
    def is_demo(self) -> bool:
        return bool(self.total) and self.demo == self.total

    @property
    def has_demo(self) -> bool:
        return bool(self.demo)

    @property
    def short(self) -> bool:
        return self.needed is not None and self.active < self.needed


def _add_topic_counts(summaries: dict[int, BankSummary], questions: QuerySet[Question]) -> None:
    counts = (
        questions.values("qualification_id", "topic")
        .annotate(
            total=Count("id"),
            active=Count("id", filter=Q(is_active=True)),
            demo=Count("id", filter=Q(is_demo=True)),
        )
        .order_by("qualification_id", "topic")
    )
    for row in counts:
        summary = summaries[row["qualification_id"]]
        summary.topics.append({"topic": row["topic"], "total": row["total"], "active": row["active"]})
        summary.total += row["total"]
        summary.active += row["active"]
        summary.demo += row["demo"]


def _needed(qualification: Qualification) -> int | None:
    try:
        return qualification.exam_spec.theory_question_count
    except ExamSpecification.DoesNotExist:
        return None


def bank_overview() -> list[BankSummary]:
    """Every qualification with its bank's size per topic; two queries whatever the bank's size."""
    summaries = {
        q.pk: BankSummary(qualification=q, needed=_needed(q))
        for q in Qualification.objects.select_related("exam_spec").order_by("code")
    }
    _add_topic_counts(summaries, Question.objects.all())
    return list(summaries.values())


def bank_summary(*, qualification: Qualification) -> BankSummary:
    summary = BankSummary(qualification=qualification, needed=_needed(qualification))
    _add_topic_counts({qualification.pk: summary}, Question.objects.filter(qualification=qualification))
    return summary


def bank_questions(*, qualification: Qualification, topic: str = "") -> QuerySet[Question]:
    qs = Question.objects.filter(qualification=qualification)
    if topic:
        qs = qs.filter(topic=topic)
    return qs.order_by("topic", "external_id").prefetch_related(
        Prefetch("choices", queryset=Choice.objects.order_by("position", "id"))
    )
