"""A sum of money in Russian words, as invoices and contracts print it: «Пятнадцать тысяч рублей 00 копеек».

num2words declines the numerals and the currency (одна тысяча, две тысячи, рубль / рубля / рублей);
the kopecks stay as two digits, as Russian accounting papers write them.
"""

from decimal import ROUND_HALF_UP, Decimal

from num2words import num2words


def rubles_in_words(amount: Decimal) -> str:
    amount = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if amount < 0:
        raise ValueError("a sum to pay is never negative")
    text = num2words(amount, lang="ru", to="currency", currency="RUB", cents=False, separator="")
    return text[:1].upper() + text[1:]
