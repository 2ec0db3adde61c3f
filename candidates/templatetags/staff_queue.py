"""The staff queue's table rows and filter options, each printed by one tag.

The queue is the page staff open most, 25 rows a page: printing each row's dozen cells, and each
filter's options, through template variables cost more CPU than the rest of the page. The row
values are computed once in ``candidates.selectors.queue.queue_rows``; here they are only escaped
into the markup a template loop would print (templates/candidates/staff/queue.html).
"""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()

ROW = (
    "<tr{}>"
    '<td><a href="{}">{}</a></td>'
    '<td>{}<div class="small text-muted">{}</div></td>'
    '<td class="text-nowrap">{}</td>'
    '<td class="qualification-code">{}</td>'
    '<td><span class="badge {}" data-status="{}">{}</span>{}</td>'
    "<td>{}</td>"
    "<td>{}</td>"
    "</tr>"
)


@register.simple_tag
def queue_rows(rows):
    """``<tr>`` per ``QueueRow``: the deadline colour, the number linked to the application, name and
    e-mail, masked SNILS, qualification, status badge (with where the exam date stands for an accepted
    application), registration date and the days left (in bold when overdue)."""
    return format_html_join("\n", ROW, (_cells(row) for row in rows))


def _cells(row) -> tuple:
    return (
        format_html(' class="{}"', row.row_class) if row.row_class else "",
        row.url,
        row.number,
        row.name,
        row.email,
        row.snils or "—",
        row.qualification_code,
        row.badge,
        row.status,
        row.status_label,
        format_html('<div class="small text-muted">{}</div>', row.date_note) if row.date_note else "",
        row.submitted,
        format_html("<strong>{}</strong>", row.left_text) if row.overdue else row.left_text,
    )


@register.simple_tag
def select_options(choices, current):
    """``<option>`` per (value, label) of ``choices``, the one equal to ``current`` selected."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((v, " selected" if v == current else "", label) for v, label in choices),
    )
