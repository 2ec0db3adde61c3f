"""The retention tests' clock: today moved forward, as the nightly job would see it."""

import datetime

from django.utils import timezone

from qac.retention.selectors import years_after


def shifted(years: int, days: int = 1) -> datetime.date:
    """Today moved forward: the clock the nightly job would see in ``years`` years."""
    return years_after(timezone.localdate(), years) + datetime.timedelta(days=days)
