"""Read an import file into raw rows; what cannot be read at all is refused with the reason."""

from __future__ import annotations

import csv
import datetime
import io
import json
import logging
import zipfile
from typing import Any

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from qac.exports import spreadsheet_unquote

from . import formats
from .formats import (
    COLUMNS,
    JSON_FIELDS,
    OPTION_PREFIX,
    REQUIRED_COLUMNS,
    SHOWN_MAX,
    ImportIssue,
    RawRow,
    Refused,
)

logger = logging.getLogger(__name__)


# --- Reading a file --------------------------------------------------------------------------


def shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= SHOWN_MAX else text[: SHOWN_MAX - 1] + "…"


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Refused(
            _(
                "The file is not UTF-8 text (the byte at position %(position)s cannot be read). "
                "In a spreadsheet, save it as “CSV UTF-8”."
            )
            % {"position": exc.start + 1}
        ) from None
    if "\x00" in text:
        raise Refused(_("The file holds binary data, not text."))
    if not text.strip():
        raise Refused(_("The file is empty."))
    return text


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _column_name(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _read_table(records: list[list[Any]], *, unescape: bool) -> tuple[list[RawRow], list[ImportIssue]]:
    """Rows of a CSV or XLSX file; the first record is the header, spreadsheet row numbers from 1."""
    issues: list[ImportIssue] = []
    if not records or all(_is_blank(v) for v in records[0]):
        raise Refused(_("The first row must name the columns: %(columns)s.") % {"columns": _columns_hint()})
    header = [str(v).strip().lower() if not _is_blank(v) else "" for v in records[0]]
    if not any(name in COLUMNS or _option_number(name) for name in header):
        # Not a question bank at all: one message, not one per missing column.
        raise Refused(_("The first row must name the columns: %(columns)s.") % {"columns": _columns_hint()})
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
                    1, shown(name), _("unknown column; the columns are: %(columns)s.") % {"columns": _columns_hint()}
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

    rows: list[RawRow] = []
    for number, record in enumerate(records[1:], start=2):
        if all(_is_blank(v) for v in record):
            continue  # spreadsheets leave empty rows behind
        for i, value in enumerate(record):
            if (i >= len(header) or not header[i]) and not _is_blank(value):
                issues.append(ImportIssue(number, _column_name(i), _("a value in a column without a name.")))
        rows.append(
            RawRow(
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


def _read_csv(data: bytes) -> tuple[list[RawRow], list[ImportIssue]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    # strict: an unclosed quote is an error, not the rest of the file swallowed into one cell
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise Refused(
            _("The file is not a readable CSV table (line %(line)s: %(error)s).")
            % {"line": reader.line_num, "error": exc}
        ) from None
    return _read_table(records, unescape=True)


class XlsxFormula:
    """A formula cell: import asks for the value instead."""


class XlsxDate:
    """A cell the spreadsheet turned into a date or time."""


def _read_xlsx(data: bytes) -> tuple[list[RawRow], list[ImportIssue]]:
    from openpyxl import load_workbook

    not_xlsx = _("The file is not an XLSX workbook (it cannot be opened as one).")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise Refused(not_xlsx) from None
    if unpacked > formats.MAX_XLSX_UNPACKED_BYTES:
        raise Refused(
            _("The workbook unpacks to %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(unpacked), "limit": filesizeformat(formats.MAX_XLSX_UNPACKED_BYTES)}
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
                        v = XlsxFormula()
                    elif isinstance(v, datetime.date | datetime.time | datetime.timedelta):
                        v = XlsxDate()
                    record.append(v)
                records.append(record)
                filled += any(not _is_blank(v) for v in record)
                if filled > formats.MAX_IMPORT_ROWS + 1:
                    break  # the header and one row over the limit are enough to refuse the file
        finally:
            workbook.close()
    except Exception:  # openpyxl raises many kinds of errors on a damaged file; all mean "not a workbook"
        logger.info("unreadable XLSX import", exc_info=True)
        raise Refused(not_xlsx) from None
    return _read_table(records, unescape=False)


def _read_json(data: bytes) -> tuple[list[RawRow], list[ImportIssue]]:
    text = _decode(data)
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Refused(
            _("The file is not valid JSON (line %(line)s, position %(column)s: %(error)s).")
            % {"line": exc.lineno, "column": exc.colno, "error": exc.msg}
        ) from None
    except RecursionError:  # nesting deeper than any question bank needs
        raise Refused(_("The file is not valid JSON.")) from None
    try:
        # "\ud800" is valid JSON but not storable text (nor printable in an error message).
        json.dumps(payload, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise Refused(_("The file holds invalid characters (unpaired \\u escapes).")) from None
    if not isinstance(payload, list):
        raise Refused(_("The JSON file must hold a list of questions, [ {…}, {…} ]."))
    rows: list[RawRow] = []
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
                        shown(key),
                        _("unknown field; the fields are: %(fields)s.") % {"fields": ", ".join(JSON_FIELDS)},
                    )
                )
        options = item.get("options")
        if options is not None and not isinstance(options, list):
            issues.append(ImportIssue(number, "options", _("must be a list of answer texts.")))
        rows.append(
            RawRow(
                row=number,
                values={name: item.get(name) for name in COLUMNS},
                options=[("options", v) for v in options or []] if isinstance(options, list | None) else None,
                option_column="options",
            )
        )
    return rows, issues


READERS = {"csv": _read_csv, "xlsx": _read_xlsx, "json": _read_json}
