"""The colour of an application's status badge, decided in one place for every page that shows one."""

from django import template

register = template.Library()

STATUS_BADGES = {
    "accepted": "text-bg-success",
    "passed": "text-bg-success",
    "failed": "text-bg-danger",
    "scheduled": "text-bg-info",
    "absent": "text-bg-secondary",
    "rejected": "text-bg-danger",
    "documents_requested": "text-bg-warning",
    "withdrawn": "text-bg-secondary",
    "draft": "text-bg-light border",
}


@register.filter
def status_badge(status: str) -> str:
    """The Bootstrap classes of the badge for ``status``."""
    return STATUS_BADGES.get(status, "text-bg-primary")
