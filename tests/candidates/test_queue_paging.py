"""The staff queue pages by keyset (issue 14): next/previous cursors, no COUNT(*) of the whole table,
and a query count that does not grow with the data, whichever sort, filter, search or page."""

import base64
import datetime
import json
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from candidates import selectors
from candidates.models import Application
from candidates.models import ApplicationStatus as S
from candidates.selectors import queue as queue_selectors
from tests.candidates.test_views import QUEUE, listed, queued


@pytest.fixture
def staff_client(client, staff, settings):
    """Staff, reading English (the captions' wording is checked; Russian is the catalogue's business)."""
    client.force_login(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


SURNAMES = ["Алексеев", "Борисов", "Васильев", "Громов"]


def _many(count: int) -> list[Application]:
    """Applications with ties on every sort key: the same surnames, days and deadlines repeat."""
    today = timezone.localdate()
    statuses = [S.SUBMITTED, S.ACCEPTED, S.RESUBMITTED, S.REJECTED]
    return [
        queued(
            status=statuses[i % 4],
            registered=today - datetime.timedelta(days=i % 3),
            last_name=SURNAMES[i % len(SURNAMES)],
            first_name="Иван",
        )
        for i in range(count)
    ]


def _link(response, rel: str) -> str | None:
    match = re.search(rf'rel="{rel}" href="\?([^"]*)"', response.content.decode())
    return unescape(match.group(1)) if match else None


def _walk(client, params: str, rel: str) -> list[int]:
    seen, query = [], params
    for _ in range(50):
        response = client.get(f"{QUEUE}?{query}")
        seen.append(listed(response))
        query = _link(response, rel)
        if query is None:
            return seen
    raise AssertionError("the pager did not end")


@pytest.mark.parametrize("sort", list(selectors.SORTS))
def test_next_and_previous_walk_every_application_once_in_the_sort_order(staff_client, sort):
    _many(13)
    expected = list(selectors.application_queue(sort=sort).values_list("pk", flat=True))
    assert len(expected) == 13

    forward = _walk(staff_client, f"sort={sort}", "next")
    assert [pk for page in forward for pk in page] == expected

    # Back from the last page to the first, page by page, with the same rows on each.
    last = staff_client.get(f"{QUEUE}?sort={sort}&after=" + _cursor_before_last_page(sort, expected))
    pages_back = [listed(last)]
    query = _link(last, "prev")
    while query:
        response = staff_client.get(f"{QUEUE}?{query}")
        pages_back.append(listed(response))
        query = _link(response, "prev")
    assert [pk for page in reversed(pages_back) for pk in page] == expected


def _cursor_before_last_page(sort: str, expected: list[int]) -> str:
    keyset = selectors.SORTS[sort]
    row = keyset.annotate(Application.objects.filter(pk=expected[-2])).get()
    return keyset.encode(row)


@pytest.fixture(autouse=True)
def _small_pages(monkeypatch):
    """Five rows a page, so a handful of applications spans several pages."""
    original = queue_selectors.application_queue_page
    monkeypatch.setattr(
        queue_selectors, "application_queue_page", lambda queue, **kw: original(queue, **{**kw, "per_page": 5})
    )


def test_filters_and_search_survive_paging(staff_client):
    _many(16)
    pages = _walk(staff_client, "status=submitted&q=Алексеев", "next")
    rows = [pk for page in pages for pk in page]
    assert rows == list(selectors.application_queue(status=S.SUBMITTED, search="Алексеев").values_list("pk", flat=True))
    assert rows and Application.objects.filter(pk__in=rows, status=S.SUBMITTED).count() == len(rows)


def _token(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


FORGED = [
    "abc",
    "W10",
    "WyJ4Il0",
    "eyJhIjogMX0",
    "x" * 1000,
    "WzEsIDIsIDNd",
    _token(["2026-13-45", 1]),
    _token(["2026-01-01", 10**30]),
    _token(["2026-01-01", True]),
    _token([None, 1]),
]


@pytest.mark.parametrize("cursor", FORGED)
def test_a_broken_or_forged_cursor_shows_the_first_page(staff_client, cursor):
    apps = _many(3)
    for key in ("after", "before"):
        response = staff_client.get(f"{QUEUE}?{key}={cursor}")
        assert set(listed(response)) == {a.pk for a in apps}


def test_the_caption_counts_up_to_the_cap_and_says_more_beyond_it(staff_client, monkeypatch):
    _many(7)
    assert staff_client.get(QUEUE).context["count"] == 7
    monkeypatch.setattr(queue_selectors, "QUEUE_COUNT_CAP", 4)
    response = staff_client.get(QUEUE)
    assert response.context["count"] == 4 and response.context["count_capped"]
    assert "More than 4 applications" in response.content.decode()


def test_a_search_with_more_matches_than_a_page_is_not_counted(staff_client):
    _many(8)
    one_page = staff_client.get(QUEUE, {"q": "Алексеев"})
    assert one_page.context["count"] == len(listed(one_page)) == 2
    _many(16)
    with CaptureQueriesContext(connection) as ctx:
        response = staff_client.get(QUEUE, {"q": "Алексеев"})
    assert len(listed(response)) == 5 and response.context["count"] is None
    assert "More applications match than fit on a page" in response.content.decode()
    assert not any("COUNT(" in q["sql"] for q in ctx.captured_queries)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    assert not any("COUNT(*)" in q["sql"] and "LIMIT" not in q["sql"] for q in ctx.captured_queries), (
        "an unbounded COUNT(*)"
    )
    return len(ctx.captured_queries)


QUEUE_PAGES = [
    *(f"sort={s}" for s in selectors.SORTS),
    "status=submitted",
    "date=to_agree",
    "submitted_from=2020-01-01&submitted_to=2099-01-01",
    "q=Алексеев",
    "q=Алексеев Иван",
    "q=1234",
]


@pytest.mark.parametrize("params", QUEUE_PAGES)
def test_each_queue_page_issues_as_many_queries_for_40_applications_as_for_8(staff_client, params):
    _many(8)
    staff_client.get(f"{QUEUE}?{params}")  # warm-up: session, content types, translations
    first_small = _queries(staff_client, f"{QUEUE}?{params}")
    _many(32)
    first_large = _queries(staff_client, f"{QUEUE}?{params}")
    second = _link(staff_client.get(f"{QUEUE}?{params}"), "next")
    assert first_small == first_large
    if second:
        assert _queries(staff_client, f"{QUEUE}?{second}") == first_large
