"""The sum in words on contracts and invoices: declined numerals and currency, kopecks as two digits."""

from decimal import Decimal

import pytest

from qac.contracts.words import rubles_in_words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("1", "Один рубль 00 копеек"),
        ("2", "Два рубля 00 копеек"),
        ("5", "Пять рублей 00 копеек"),
        ("21", "Двадцать один рубль 00 копеек"),
        ("12000", "Двенадцать тысяч рублей 00 копеек"),
        ("1234.56", "Одна тысяча двести тридцать четыре рубля 56 копеек"),
        ("102000.05", "Сто две тысячи рублей 05 копеек"),
        ("2000000", "Два миллиона рублей 00 копеек"),
        ("0.50", "Ноль рублей 50 копеек"),
        ("99.995", "Сто рублей 00 копеек"),
    ],
)
def test_a_sum_in_russian_words(amount, words):
    assert rubles_in_words(Decimal(amount)) == words


def test_a_negative_sum_is_refused():
    with pytest.raises(ValueError):
        rubles_in_words(Decimal("-1"))
