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

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext as _

from qac.exams.models import Choice, Question

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

CODE_MAX = Question._meta.get_field("external_id").max_length
TOPIC_MAX = Question._meta.get_field("topic").max_length
OPTION_MAX = Choice._meta.get_field("text").max_length
_weight_validators = Question._meta.get_field("weight").validators
WEIGHT_MIN = next(v.limit_value for v in _weight_validators if isinstance(v, MinValueValidator))
WEIGHT_MAX = next(v.limit_value for v in _weight_validators if isinstance(v, MaxValueValidator))

WEIGHT_RANGE = {"min": WEIGHT_MIN, "max": WEIGHT_MAX}

YES = {"yes", "y", "да", "д", "true", "1", "+"}
NO = {"no", "n", "нет", "н", "false", "0", "-"}
# C0 controls except tab and line feed (carriage returns are folded into line feeds first):
# PostgreSQL refuses NUL, XLSX cannot hold the others, and none belongs in a question.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SHOWN_MAX = 40  # how much of a wrong value an error message repeats

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
class RawRow:
    """One row as read from the file, before any check. ``options`` pairs each value with its column's name."""

    row: int
    values: dict[str, Any]
    options: list[tuple[str, Any]] | None  # None: the reader already reported them as unreadable
    option_column: str  # where an error about the options as a whole is reported


@dataclass(frozen=True)
class QuestionRow:
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


class Refused(Exception):
    """The file as a whole cannot be read; the message says why."""
