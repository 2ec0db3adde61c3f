"""Keyset ("next/previous") paging: a page costs the same at row 25 and at row 50,000.

``OFFSET`` reads and throws away every row before the page, and a numbered
pager needs ``COUNT(*)`` over the whole result on every request. A keyset
page instead starts *after* the last row shown (its sort key, the cursor) and
reads ``per_page + 1`` rows down an index that matches the ordering, so the
cost depends on the page size only.

A :class:`Keyset` names the sort key: expressions (annotated as ``_k0``,
``_k1``, ...) that all sort in one direction and end with a unique column, so
``(k0, k1, ...) > cursor`` is a row comparison the index can seek to. Their
Python types turn the cursor, an opaque base64 token in the URL, back into
values. A cursor that does not parse is ``None``: the caller shows the first
page, never an error.
"""

import base64
import binascii
import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import F, QuerySet
from django.db.models.expressions import BaseExpression
from django.db.models.fields.tuple_lookups import (
    Tuple,
    TupleGreaterThan,
    TupleGreaterThanOrEqual,
    TupleLessThan,
    TupleLessThanOrEqual,
)
from django.db.models.functions import Coalesce

AFTER, BEFORE = "after", "before"
MAX_CURSOR_LENGTH = 400

_PARSERS: dict[type, Callable] = {
    int: int,
    str: str,
    datetime.date: datetime.date.fromisoformat,
    datetime.datetime: datetime.datetime.fromisoformat,
}


@dataclass(frozen=True)
class Keyset:
    """The sort key of one ordering: ``(expression or field path, Python type)`` pairs, all ascending
    or all descending, the last one unique."""

    keys: tuple[tuple[str | BaseExpression, type], ...]
    descending: bool = False
    # How many leading keys the redundant seek condition compares: the keys of one
    # index, when the sort key spans two tables (default: all but the last).
    seek_keys: int | None = None

    def names(self) -> list[str]:
        return [f"_k{i}" for i in range(len(self.keys))]

    def annotate(self, qs: QuerySet) -> QuerySet:
        return qs.annotate(**dict(zip(self.names(), self.expressions(), strict=True)))

    def expressions(self) -> list[BaseExpression]:
        return [F(expr) if isinstance(expr, str) else expr for expr, _t in self.keys]

    def unindexed(self) -> "Keyset":
        """The same order through expressions no index matches (``COALESCE(x, x)``), so the planner
        filters first and sorts what is left. For a narrow filter it cannot size (a search, a short
        date range): walking the sort index and dropping rows until 26 match can read most of it."""
        keys = tuple(
            (Coalesce(e, e) if t is not int else e + 0, t)
            for e, (_x, t) in zip(self.expressions(), self.keys, strict=True)
        )
        return Keyset(keys, descending=self.descending, seek_keys=self.seek_keys)

    def ordering(self, reverse: bool = False, *, annotated: bool = False) -> list:
        """ORDER BY terms, on the expressions themselves or (``annotated``) on their annotations."""
        descending = self.descending != reverse
        terms = [F(name) for name in self.names()] if annotated else self.expressions()
        return [t.desc() if descending else t.asc() for t in terms]

    def encode(self, row) -> str:
        values = [getattr(row, name) for name in self.names()]
        raw = json.dumps([v.isoformat() if hasattr(v, "isoformat") else v for v in values], ensure_ascii=False)
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def decode(self, token: str) -> list | None:
        if not token or len(token) > MAX_CURSOR_LENGTH:
            return None
        try:
            values = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            if not isinstance(values, list) or len(values) != len(self.keys):
                return None
            parsed = []
            for value, (_expr, kind) in zip(values, self.keys, strict=True):
                if not isinstance(value, int if kind is int else str) or isinstance(value, bool):
                    return None
                if kind is int and not -(2**63) <= value < 2**63:  # a database integer, or no cursor
                    return None
                parsed.append(_PARSERS[kind](value))
            return parsed
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            return None

    def _seek(self, qs: QuerySet, values: list, forward: bool) -> QuerySet:
        """Rows strictly past ``values`` in the direction of travel. The non-strict comparison on all
        keys but the last is redundant, but indexable where the strict one is not (keys on two tables)."""
        names = self.names()
        strict, loose = (TupleGreaterThan, TupleGreaterThanOrEqual)
        if forward == self.descending:
            strict, loose = (TupleLessThan, TupleLessThanOrEqual)
        seek = len(names) - 1 if self.seek_keys is None else self.seek_keys
        if seek:
            qs = qs.filter(loose(Tuple(*[F(n) for n in names[:seek]]), tuple(values[:seek])))
        return qs.filter(strict(Tuple(*[F(n) for n in names]), tuple(values)))


@dataclass
class KeysetPage:
    object_list: list
    has_next: bool
    has_previous: bool
    next_cursor: str = ""
    previous_cursor: str = ""

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


def keyset_page(
    qs: QuerySet, keyset: Keyset, *, after: str = "", before: str = "", per_page: int = 25, ids_first: bool = False
) -> KeysetPage:
    """One page of ``qs`` in ``keyset``'s order: the first, the one after cursor ``after``, or the one
    before cursor ``before``. ``per_page + 1`` rows are read to know whether there is more.

    ``ids_first``: find the page's ids without ``qs``'s select_related joins, then load those rows.
    When the rows are sorted after filtering, the database would otherwise join every match first.
    """
    annotated = keyset.annotate(qs)
    position = keyset.decode(before) if before else keyset.decode(after) if after else None
    backward = bool(before) and position is not None
    if position is not None:
        annotated = keyset._seek(annotated, position, forward=not backward)
    ordered = annotated.order_by(*keyset.ordering(reverse=backward, annotated=True))
    if ids_first:
        ids = list(ordered.values_list("pk", flat=True)[: per_page + 1])
        by_id = {row.pk: row for row in keyset.annotate(qs.filter(pk__in=ids))}
        rows = [by_id[pk] for pk in ids if pk in by_id]
    else:
        rows = list(ordered[: per_page + 1])
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backward:
        rows.reverse()
        has_next, has_previous = True, more
    else:
        has_next, has_previous = more, position is not None
    return KeysetPage(
        object_list=rows,
        has_next=has_next and bool(rows),
        has_previous=has_previous and bool(rows),
        next_cursor=keyset.encode(rows[-1]) if rows and has_next else "",
        previous_cursor=keyset.encode(rows[0]) if rows and has_previous else "",
    )
