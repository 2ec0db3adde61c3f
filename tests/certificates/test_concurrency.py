"""Issuing, deciding and numbering at the same moment, in real threads with their own connections.

On PostgreSQL the row locks and the partial unique indexes decide; on SQLite, IMMEDIATE
transactions serialise the writers. Either way: one document per verdict, one decision per
session, and one document per register number.
"""

import pytest
from django.conf import settings
from django.utils import timezone

from qac.certificates import services
from qac.certificates.models import IssuedDocument, Kind, NumberSource
from qac.council import services as council_services
from qac.council.models import CouncilDecision, CouncilVerdict
from tests.helpers.certificates import FAIL_THEORY, PASS
from tests.helpers.legal import NATURAL, council_decide, package_sent
from tests.helpers.threads import run_at_once

pytestmark = pytest.mark.usefixtures("committed_catalogue")


def issue_fresh(verdict_pk):
    return lambda: services.document_issue(verdict=CouncilVerdict.objects.get(pk=verdict_pk))


def test_two_issuers_of_one_verdict_make_one_document(make_exam, staff):
    built = make_exam([PASS])
    decision = council_decide(built.session, staff)
    verdict = decision.verdicts.get()

    outcomes = run_at_once(issue_fresh(verdict.pk), issue_fresh(verdict.pk))

    assert all(isinstance(o, IssuedDocument) for o in outcomes), outcomes
    assert outcomes[0].pk == outcomes[1].pk
    assert IssuedDocument.objects.filter(result=built.results[0]).count() == 1
    document = IssuedDocument.objects.get()
    assert document.number == "" and document.number_source == NumberSource.AWAITING
    assert document.events.filter(action="issued").count() == 1


def test_two_deliveries_of_the_session_issue_task_at_once_issue_each_document_once(make_exam, staff):
    built = make_exam([PASS, PASS, FAIL_THEORY, PASS])
    council_decide(built.session, staff)
    session_id = built.session.pk

    outcomes = run_at_once(*[lambda: services.session_documents_issue(session_id=session_id)] * 2)

    assert all(isinstance(o, list) for o in outcomes), outcomes
    # Nothing is rendered before the register numbers it.
    assert outcomes[0] == outcomes[1] == []
    assert IssuedDocument.objects.count() == 4
    assert IssuedDocument.objects.filter(kind=Kind.CERTIFICATE).count() == 3


def test_a_decision_recorded_twice_from_two_browsers_is_recorded_once(make_exam, staff):
    built = make_exam([PASS, FAIL_THEORY])
    package_sent(built.session, staff)
    verdicts = {r.pk: (NATURAL[r.decision], "") for r in built.results}

    def record(number):
        return lambda: council_services.decision_record(
            session=built.session, by=staff, number=number, decided_on=timezone.localdate(), verdicts=verdicts
        )

    outcomes = run_at_once(record("1"), record("2"))

    decisions = [o for o in outcomes if isinstance(o, CouncilDecision)]
    errors = [o for o in outcomes if isinstance(o, council_services.CouncilError)]
    assert len(decisions) == 1 and len(errors) == 1, outcomes
    assert CouncilDecision.objects.count() == 1
    assert CouncilVerdict.objects.count() == 2


def test_one_register_number_given_to_two_documents_at_once_lands_on_one(make_exam, staff):
    built = make_exam([PASS, PASS])
    council_decide(built.session, staff)
    services.session_documents_issue(session_id=built.session.pk)
    first, second = IssuedDocument.objects.order_by("pk")
    number = f"{first.qualification.code}.00000042.26"

    def give(document):
        return lambda: services.document_register(
            document=document,
            number=number,
            issue_date=timezone.localdate(),
            register_url=settings.QAC_REGISTER_STUB_URL + number,
        )

    outcomes = run_at_once(give(first), give(second))

    assert sum(isinstance(o, tuple) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, services.DocumentError) for o in outcomes) == 1, outcomes
    assert IssuedDocument.objects.filter(number=number).count() == 1
