"""Template filters for the legal documents (Order 725n): Russian dates written as the forms require.

The PDFs are always in Russian whatever the interface language (725n App. 3 p.1),
so these filters never consult the active locale.
"""

import datetime

from django import template
from django.utils.safestring import mark_safe

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


@register.simple_tag(takes_context=True)
def field(context, name: str) -> str:
    """A variable field of a form: its value, or in a blank (``blank_lines`` set) a hidden placeholder per line.

    The blank is what stamp.py lays out once per batch; the placeholders mark where each
    document's own text goes and how many lines it takes there.
    """
    blank_lines = context.get("blank_lines")
    if blank_lines is None:
        return context["fields"][name]
    return mark_safe(  # noqa: S308 (fixed markup; the name comes from the template)
        "<br>".join(
            f'<span class="qac-field" data-field="{name}" data-line="{line}">Ж</span>'
            for line in range(blank_lines.get(name, 1))
        )
    )
