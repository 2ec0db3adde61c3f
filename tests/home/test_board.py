"""The staff to-do board (qac/board.py): sources from settings, days left and state, urgency order, links to
exactly the records counted, and a query count that does not grow with the data."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from candidates.models import Application, ApplicationStatus
from qac import board
from standards.models import Qualification
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 1)


def item(count=1, due=None, key="x"):
    return {"key": key, "label": key, "count": count, "due": due, "url": "/"}


@pytest.mark.parametrize(
    ("count", "due_in", "state", "days_left"),
    [
        (3, -2, "overdue", -2),
        (3, 0, "soon", 0),
        (3, 3, "soon", 3),
        (3, 4, "ok", 4),
        (3, None, "ok", None),
        (0, -5, "none", None),  # nothing waiting: no deadline to miss
    ],
)
def test_each_item_gets_its_days_left_and_state(settings, count, due_in, state, days_left):
    settings.QAC_DEADLINE_WARN_DAYS = 3
    due = TODAY + datetime.timedelta(days=due_in) if due_in is not None else None
    shown = board.with_state(item(count, due), today=TODAY)
    assert (shown["state"], shown["days_left"]) == (state, days_left)
    assert shown["days_over"] == (2 if state == "overdue" else 0)


def test_the_board_sorts_by_urgency_then_due_date(settings):
    settings.QAC_BOARD_SOURCES = ["tests.home.test_board.fake_source"]
    keys = [i["key"] for i in board.board(today=TODAY)]
    assert keys == ["late2", "late1", "soon", "later", "no_deadline", "empty"]


def fake_source(*, today):
    def d(**kwargs):
        return today + datetime.timedelta(**kwargs)

    return [
        item(0, None, "empty"),
        item(5, d(days=20), "later"),
        item(2, None, "no_deadline"),
        item(1, d(days=1), "soon"),
        item(1, d(days=-1), "late1"),
        item(9, d(days=-4), "late2"),
    ]


def test_every_source_keeps_the_contract():
    """Other helpers add sources with exactly this shape: a key, a translated label, a count, a date or None, a URL."""
    items = [i for source in board.sources() for i in source(today=TODAY)]
    assert len({i["key"] for i in items}) == len(items) >= 12
    for i in items:
        assert set(i) == {"key", "label", "count", "due", "url"}
        assert isinstance(i["label"], str) and i["label"]
        assert isinstance(i["count"], int)
        assert i["due"] is None or isinstance(i["due"], datetime.date)
        assert i["url"].startswith("/")


def _submitted(n, due):
    q = Qualification.objects.get(code="31.00400.02")
    for _ in range(n):
        a = ApplicationFactory(qualification=q)
        Application.objects.filter(pk=a.pk).update(
            status=ApplicationStatus.SUBMITTED,
            submitted_at=timezone.now(),
            review_due_on=due,
            number=f"V2026-{a.pk:06d}",
        )


def _board_queries():
    with CaptureQueriesContext(connection) as ctx:
        board.board(today=timezone.localdate())
    return len(ctx.captured_queries)


def test_the_board_costs_the_same_few_queries_whatever_the_data(settings, django_assert_max_num_queries):
    empty = _board_queries()
    _submitted(30, timezone.localdate() - datetime.timedelta(days=1))
    # A few aggregate queries per source (at most four), however many rows they count.
    with django_assert_max_num_queries(4 * len(settings.QAC_BOARD_SOURCES)):
        items = board.board(today=timezone.localdate())
    assert _board_queries() == empty
    review = next(i for i in items if i["key"] == "candidates.review")
    assert (review["count"], review["state"], review["days_over"]) == (30, "overdue", 1)


def test_applications_to_review_link_to_exactly_those(client, staff):
    _submitted(2, timezone.localdate() + datetime.timedelta(days=5))
    accepted = ApplicationFactory()
    Application.objects.filter(pk=accepted.pk).update(
        status=ApplicationStatus.ACCEPTED, submitted_at=timezone.now(), number="V2026-999999"
    )
    client.force_login(staff)
    home = client.get(reverse("home"))
    review = next(i for i in home.context["board"] if i["key"] == "candidates.review")
    assert review["count"] == 2 and review["state"] == "ok"
    page = client.get(review["url"])
    assert page.status_code == 200
    assert len(page.context["rows"]) == 2
    assert "V2026-999999" not in page.content.decode()
    assert 'data-testid="board-candidates.review"' in home.content.decode()


def test_session_todo_filters_list_what_the_board_counts(client, staff):
    client.force_login(staff)
    for todo in ("open", "close", "bogus"):
        assert client.get(reverse("exams:sessions"), {"todo": todo}).status_code == 200
    assert client.get(reverse("registry:batches"), {"status": "failed"}).status_code == 200
    assert client.get(reverse("registry:batches"), {"status": "nonsense"}).status_code == 200


@pytest.mark.parametrize("persona", ["candidate", "expert"])
def test_only_staff_see_the_board(persona, persona_client):
    client, _user = persona_client(persona)
    assert client.get(reverse("home")).context.get("board") is None


def test_the_homes_counts_are_kept_a_minute_and_say_when(settings, client, staff):
    """At 100k applications the sources count tens of thousands of rows: the home counts once a minute
    (QAC_BOARD_CACHE_SECONDS) and says when; states are recomputed from the kept counts."""
    settings.QAC_BOARD_CACHE_SECONDS = 60
    settings.QAC_BOARD_SOURCES = ["tests.home.test_board.counting_source"]
    today = timezone.localdate()
    cache.delete(f"qac:board:{today.isoformat()}")
    COUNTED.clear()
    first, as_of = board.board_counted(today=today)
    again, as_of_again = board.board_counted(today=today)
    assert len(COUNTED) == 1, "within the minute the counts come from the cache"
    assert (again, as_of_again) == (first, as_of)
    later, _ = board.board_counted(today=today + datetime.timedelta(days=10))
    assert later[0]["state"] == "overdue", "a new day counts afresh"
    client.force_login(staff)
    response = client.get("/")
    assert f"{timezone.localtime(as_of).strftime('%H:%M')}" in response.content.decode()
    cache.delete(f"qac:board:{today.isoformat()}")


COUNTED: list[datetime.date] = []


def counting_source(*, today):
    COUNTED.append(today)
    return [item(2, timezone.localdate() + datetime.timedelta(days=5), key="counted")]
