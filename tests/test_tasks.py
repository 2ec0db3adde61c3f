"""qac.tasks.attempt: how a worker's job retries a disk hiccup and records any other failure on its row."""

import logging
from types import SimpleNamespace

import pytest

from qac.tasks import FAILED, attempt, records_failure


class Retry(Exception):
    pass


def task(retries: int, max_retries: int = 3):
    calls = []

    def retry(*, exc, countdown):
        calls.append((exc, countdown))
        return Retry()

    fake = SimpleNamespace(request=SimpleNamespace(retries=retries), max_retries=max_retries, retry=retry)
    fake.__module__ = "qac.council.tasks"
    return fake, calls


def broken(error):
    def job():
        raise error

    return job


def test_the_job_s_result_is_returned_and_nothing_is_failed():
    failed = []
    fake, retries = task(0)
    assert attempt(fake, lambda: "built", fail=failed.append, what="x") == "built"
    assert failed == [] and retries == []


@pytest.mark.parametrize(
    ("retries", "backoff", "cap", "countdown"), [(0, 30, None, 30), (2, 30, None, 120), (5, 10, 300, 300)]
)
def test_a_disk_hiccup_is_retried_with_backoff_until_the_retries_are_spent(retries, backoff, cap, countdown):
    failed = []
    fake, calls = task(retries, max_retries=6)
    error = OSError("disk")
    with pytest.raises(Retry):
        attempt(fake, broken(error), fail=failed.append, what="x", backoff=backoff, cap=cap)
    assert calls == [(error, countdown)]
    assert failed == []


def test_a_disk_hiccup_with_the_retries_spent_is_recorded_as_a_failure():
    failed = []
    fake, calls = task(3)
    error = OSError("disk")
    assert attempt(fake, broken(error), fail=failed.append, what="x") is FAILED
    assert failed == [error] and calls == []


def test_any_other_error_fails_at_once_and_is_logged_by_the_task_s_module(caplog):
    failed = []
    fake, calls = task(0)
    error = ValueError("no protocol")
    with caplog.at_level(logging.ERROR, logger="qac.council.tasks"):
        assert attempt(fake, broken(error), fail=failed.append, what="building package 7") is FAILED
    assert failed == [error] and calls == []
    assert [(r.name, r.getMessage()) for r in caplog.records] == [("qac.council.tasks", "building package 7 failed")]


def test_a_task_that_records_failure_on_its_row_answers_failed():
    failed = []

    @records_failure(lambda pk, error: failed.append((pk, error)), what="building package %s")
    def build(self, package_id):
        raise ValueError("no protocol")

    fake, calls = task(0)
    assert build(fake, 7) == "failed"
    assert failed == [(7, "ValueError: no protocol")] and calls == []


def test_a_task_that_records_failure_answers_what_its_work_returns():
    @records_failure(lambda pk, error: pytest.fail("nothing failed"), what="building package %s")
    def build(self, package_id):
        return f"ready {package_id}"

    assert build(task(0)[0], 7) == "ready 7"
