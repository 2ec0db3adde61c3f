"""Issuing at the same moment, in real threads with their own connections.

On PostgreSQL the result row lock, the counter row lock and the partial unique index decide;
on SQLite, IMMEDIATE transactions serialise the writers. Either way: one document per result,
and a series of numbers with no gap and no repeat.
"""

import threading

import pytest
from django.db import connection

from qac.certificates import services
from qac.certificates.models import IssuedDocument, Kind, NumberCounter
from qac.exams.models import ExamResult
from tests.certificates.conftest import FAIL_THEORY, PASS

pytestmark = pytest.mark.usefixtures("committed_catalogue")


def run_at_once(*calls):
    """Start the calls together; return each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait(timeout=10)
            outcomes[i] = call()
        except Exception as exc:
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def issue_fresh(result_pk):
    return lambda: services.document_issue(result=ExamResult.objects.get(pk=result_pk))


def seq(number: str) -> int:
    return int(number.split(".")[-2])


def test_two_issuers_of_one_result_make_one_document_and_take_one_number(make_exam):
    built = make_exam([PASS])
    result = built.results[0]

    outcomes = run_at_once(issue_fresh(result.pk), issue_fresh(result.pk))

    assert all(isinstance(o, IssuedDocument) for o in outcomes), outcomes
    assert outcomes[0].pk == outcomes[1].pk and outcomes[0].number == outcomes[1].number
    assert IssuedDocument.objects.filter(result=result).count() == 1
    assert NumberCounter.objects.get().last_value == 1
    assert seq(outcomes[0].number) == 1
    assert IssuedDocument.objects.get().events.filter(action="issued").count() == 1


def test_issuers_of_many_results_share_one_series_without_gaps_or_repeats(make_exam):
    n = 6
    built = make_exam([PASS] * n)

    outcomes = run_at_once(*[issue_fresh(r.pk) for r in built.results])

    assert all(isinstance(o, IssuedDocument) for o in outcomes), outcomes
    numbers = list(IssuedDocument.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == n
    assert sorted(seq(x) for x in numbers) == list(range(1, n + 1))
    assert NumberCounter.objects.get().last_value == n


def test_two_deliveries_of_the_session_issue_task_at_once_issue_each_document_once(make_exam):
    built = make_exam([PASS, PASS, FAIL_THEORY, PASS])
    session_id = built.session.pk

    outcomes = run_at_once(*[lambda: services.session_documents_issue(session_id=session_id)] * 2)

    assert all(isinstance(o, list) for o in outcomes), outcomes
    assert sorted(outcomes[0]) == sorted(outcomes[1]) == sorted(IssuedDocument.objects.values_list("pk", flat=True))
    assert IssuedDocument.objects.count() == 4
    certificates = IssuedDocument.objects.filter(kind=Kind.CERTIFICATE)
    assert sorted(seq(x) for x in certificates.values_list("number", flat=True)) == [1, 2, 3]
    assert NumberCounter.objects.get().last_value == 3
