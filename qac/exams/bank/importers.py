"""Check each row of an import file; the whole file is checked before anything is written."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from qac.exams.models import QuestionKind

from .formats import (
    CODE_MAX,
    CONTROL_RE,
    NO,
    OPTION_MAX,
    OPTION_PREFIX,
    TOPIC_MAX,
    WEIGHT_MAX,
    WEIGHT_MIN,
    WEIGHT_RANGE,
    YES,
    ImportIssue,
    QuestionRow,
    RawRow,
)
from .readers import XlsxDate, XlsxFormula, shown

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
    if isinstance(value, XlsxFormula):
        return _("holds a formula; enter the value itself.")
    if isinstance(value, XlsxDate):
        return _("the spreadsheet turned the value into a date; format the column as text and enter it again.")
    return _("must be text.")


class _RowChecker:
    def __init__(self, raw: RawRow, issues: list[ImportIssue]):
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
        elif CONTROL_RE.search(text):
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
                _("“%(value)s” is not a question type; write single or multiple.") % {"value": shown(text)}
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
            self.error("weight", _("required: a whole number from %(min)s to %(max)s.") % WEIGHT_RANGE)
        elif not text.isdigit() or not WEIGHT_MIN <= int(text) <= WEIGHT_MAX:
            self.error(
                "weight",
                _("“%(value)s” is not a whole number from %(min)s to %(max)s.")
                % {**WEIGHT_RANGE, "value": shown(text)},
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
            elif len(text) > OPTION_MAX:
                self.error(
                    column,
                    prefix
                    + _("%(length)s characters; the limit is %(limit)s.") % {"length": len(text), "limit": OPTION_MAX},
                )
            elif CONTROL_RE.search(text):
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
                    _("“%(value)s” is not a list of option numbers; write e.g. 2 or 1;3.") % {"value": shown(text)},
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
        if text is not None and text.lower() in YES:
            return True
        if text is not None and text.lower() in NO:
            return False
        self.error("active", _("write yes or no (or leave it empty for yes)."))
        return True


def _check_row(raw: RawRow, issues: list[ImportIssue]) -> QuestionRow | None:
    check = _RowChecker(raw, issues)
    v = raw.values
    code = check.text("code", v["code"], max_length=CODE_MAX)
    topic = check.text("topic", v["topic"], max_length=TOPIC_MAX)
    kind = check.kind(v["type"])
    weight = check.weight(v["weight"])
    text = check.text("question", v["question"], max_length=None, one_line=False)
    options = check.options()
    correct = check.correct(v["correct"], kind=kind, options=options)
    active = check.active(v["active"])
    if check.failed:
        return None
    return QuestionRow(raw.row, code, topic, kind, weight, text, tuple(options), correct, active, check.option_columns)


def check_rows(raws: list[RawRow], issues: list[ImportIssue]) -> list[QuestionRow]:
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
                        % {"code": shown(code), "first": first_row[code]},
                    )
                )
                continue
            first_row[code] = raw.row
        if row is not None:
            checked.append(row)
    return checked
