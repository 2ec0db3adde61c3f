"""The dates the 725n forms print: «5 марта 2026 года» (App. 3 p.7-8), and the conclusion's «5» марта 2026 г."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import translation

from qac.certificates.templatetags.documents import ru_long_date, ru_quoted_day

GENITIVE = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]


@pytest.mark.parametrize("month, word", list(enumerate(GENITIVE, start=1)))
def test_every_month_is_written_as_its_genitive_word(month, word):
    assert ru_long_date(datetime.date(2026, month, 15)) == f"15 {word} 2026 года"


@pytest.mark.parametrize(
    "day, expected",
    [
        (datetime.date(2026, 3, 5), "5 марта 2026 года"),  # one digit, no leading zero
        (datetime.date(2026, 3, 1), "1 марта 2026 года"),
        (datetime.date(2029, 12, 31), "31 декабря 2029 года"),  # two digits
        (datetime.date(2030, 10, 10), "10 октября 2030 года"),
    ],
)
def test_day_has_one_or_two_digits_and_the_year_four_and_the_word_goda(day, expected):
    assert ru_long_date(day) == expected


def test_quoted_day_for_the_conclusions_period():
    assert ru_quoted_day(datetime.date(2026, 3, 4)) == "«4» марта 2026 г."
    assert ru_quoted_day(datetime.date(2026, 11, 25)) == "«25» ноября 2026 г."


def test_missing_date_prints_nothing():
    assert ru_long_date(None) == ""
    assert ru_quoted_day(None) == ""


def test_filter_is_russian_whatever_the_interface_language():
    template = Template("{% load documents %}{{ d|ru_long_date }}")
    with translation.override("en"):
        assert template.render(Context({"d": datetime.date(2026, 5, 9)})) == "9 мая 2026 года"
