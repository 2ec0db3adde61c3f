"""Export a qualification's bank as CSV, XLSX or JSON (the format is described in ``formats.py``)."""

from __future__ import annotations

import csv
import io
import json

from django.db.models import Prefetch
from django.utils import timezone

from qac.exams.models import Choice, Question
from qac.exports import spreadsheet_safe_row, xlsx_set_cell
from standards.models import Qualification

from .formats import CONTENT_TYPES, EXPORT_MIN_OPTION_COLUMNS, FORMATS, OPTION_PREFIX

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
