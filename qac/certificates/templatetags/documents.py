"""Template filters for the legal documents (Order 725n): Russian dates written as the forms require.

The PDFs are always in Russian whatever the interface language (725n App. 3 p.1),
so these filters never consult the active locale.
"""

import datetime

from django import template

register = template.Library()

# Genitive month names: «5 марта», not «5 март».
MONTHS_GENITIVE = (
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
)


@register.filter
def ru_long_date(value: datetime.date | None) -> str:
    """«5 марта 2026 года»: day without a leading zero, month as a word, four-digit year (725n App. 3 p.7-8)."""
    if not value:
        return ""
    return f"{value.day} {MONTHS_GENITIVE[value.month - 1]} {value.year:04d} года"


@register.filter
def ru_quoted_day(value: datetime.date | None) -> str:
    """«5» марта 2026 г.: the conclusion's period as its form lays it out (725n App. 4)."""
    if not value:
        return ""
    return f"«{value.day}» {MONTHS_GENITIVE[value.month - 1]} {value.year:04d} г."
