"""Question texts a spreadsheet would run as formulas: neutralised in the bank's CSV and XLSX exports."""

import csv
import io

import openpyxl
import pytest

from qac.exams.bank import exporters
from qac.exams.bank import services as bank_services
from qac.exports import looks_like_formula
from tests.exams.test_bank import add_question, snapshot
from tests.test_exports import ATTACKS


@pytest.fixture
def attack_bank(db):
    from standards.models import Qualification

    qual = Qualification.objects.get(code="31.00400.02")
    add_question(qual, "X-1", text=ATTACKS[0], topic=ATTACKS[1], options=(ATTACKS[2], ATTACKS[3], "  =1+1"))
    return qual


def test_question_bank_csv_neutralises_every_formula_and_imports_back_exactly(attack_bank, staff):
    from tests.factories import QualificationFactory

    data, _type, _name = exporters.bank_export(qualification=attack_bank, fmt="csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    row = dict(zip(rows[0], rows[1], strict=False))
    assert row["question"] == "'" + ATTACKS[0]
    assert row["topic"] == "'+cmd"
    assert [row["option_1"], row["option_2"], row["option_3"]] == ["'-1+1", "'@SUM(1)", "'  =1+1"]
    assert not any(looks_like_formula(cell) for r in rows for cell in r)

    target = QualificationFactory()
    report = bank_services.bank_import(qualification=target, data=data, fmt="csv", by=staff)
    assert report.ok, report.errors
    # Import strips the cell, as it always does; everything else comes back exactly.
    assert snapshot(target)[0][1:5] == snapshot(attack_bank)[0][1:5]


def test_question_bank_xlsx_keeps_formulas_as_quote_prefixed_text_cells(attack_bank):
    data, _type, _name = exporters.bank_export(qualification=attack_bank, fmt="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    cells = dict(zip(header, next(sheet.iter_rows(min_row=2)), strict=False))
    for column, text in (("question", ATTACKS[0]), ("topic", "+cmd"), ("option_1", "-1+1"), ("option_2", "@SUM(1)")):
        assert cells[column].value == text  # exact for a workbook reader
        assert cells[column].data_type == "s"  # a text cell, never a formula
        assert cells[column].quotePrefix  # and Excel keeps it text when someone edits it
    assert cells["weight"].value == 1 and cells["weight"].data_type == "n"
    assert not cells["code"].quotePrefix
