"""The staff to-do board: what is due, from every app, most urgent first.

Each app offers a selector ``board_items(*, today: datetime.date) -> list[dict]`` in its
``selectors.py``, listed by dotted path in ``settings.QAC_BOARD_SOURCES``. Each item is a dict::

    {"key": str,              # unique, e.g. "council.packages"
     "label": str,            # translated, what to do
     "count": int,            # how many records wait
     "due": date | None,      # the earliest legal due date among them; None: no legal deadline
     "url": str}              # the list filtered to exactly those records

A source answers in a constant number of aggregate queries, whatever the number of rows, so the
board stays cheap at 100,000 applications. This module adds the days left and the state, and sorts.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.module_loading import import_string

# Most urgent first; an item with nothing waiting goes last.
STATES = ("overdue", "soon", "ok", "none")


def sources() -> list[Callable[..., list[dict]]]:
    return [import_string(path) for path in settings.QAC_BOARD_SOURCES]


def with_state(item: dict, *, today: datetime.date) -> dict:
    """The item with ``days_left`` (negative when past, None without a deadline) and ``state``."""
    due = item["due"] if item["count"] else None
    days_left = (due - today).days if due else None
    if not item["count"]:
        state = "none"
    elif days_left is None or days_left > settings.QAC_DEADLINE_WARN_DAYS:
        state = "ok"
    elif days_left < 0:
        state = "overdue"
    else:
        state = "soon"
    return {
        **item,
        "due": due,
        "days_left": days_left,
        "days_over": -days_left if state == "overdue" else 0,
        "state": state,
    }


def board(*, today: datetime.date) -> list[dict]:
    """Every source's items with their state, sorted by urgency: overdue, due soon, the rest; within a
    state the earliest due date first (no deadline after any date), then the larger count."""
    return _sorted([with_state(item, today=today) for source in sources() for item in source(today=today)])


def _sorted(items: list[dict]) -> list[dict]:
    far = datetime.date.max
    return sorted(items, key=lambda i: (STATES.index(i["state"]), i["due"] or far, -i["count"], i["key"]))


def board_counted(*, today: datetime.date) -> tuple[list[dict], datetime.datetime]:
    """``board`` as the staff home shows it, with the moment it was counted.

    The sources count tens of thousands of rows at 100k applications; every member of staff opens
    the home page many times a day, so the counts are kept for ``QAC_BOARD_CACHE_SECONDS`` (one
    minute by default, 0 to count on every request) and the page says when they were counted.
    The states are recomputed from the cached counts on every request, so a deadline turns
    overdue at midnight whatever the cache holds.
    """
    seconds = settings.QAC_BOARD_CACHE_SECONDS
    key = f"qac:board:{today.isoformat()}"
    counted = cache.get(key) if seconds else None
    if counted is None:
        counted = ([item for source in sources() for item in source(today=today)], timezone.now())
        if seconds:
            cache.set(key, counted, seconds)
    items, as_of = counted
    return _sorted([with_state(item, today=today) for item in items]), as_of
