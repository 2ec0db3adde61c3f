"""A result corrected after approval moves everything downstream: the application's status, the Council's
verdict (a correction of the decision with the reason), and the documents (old revoked or withdrawn, new made
unnumbered for the register). Also the head's page of corrections."""

import pytest
from django.conf import settings
from django.test import TestCase
from django.utils import timezone

from candidates.models import ApplicationStatus
from qac.certificates.models import IssuedDocument, Kind, NumberSource
from qac.council.models import CouncilVerdict, DecisionStatus, Verdict
from qac.exams import services as exam_services
from qac.exams.models import Decision
from tests.helpers.certificates import FAIL_PRACTICAL, PASS, issue
from tests.helpers.legal import register


def correct(result, by, **changes):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return exam_services.result_correct(result=result, by=by, reason="Ошибка подсчёта баллов", **changes)


def test_a_pass_corrected_to_a_fail_revokes_the_numbered_certificate_and_makes_a_conclusion(
    make_exam, candidate, chair
):
    built = make_exam([PASS], holders=[candidate])
    (certificate,) = issue(built.results)
    result = built.results[0]
    assert certificate.number_source == NumberSource.REGISTER

    correct(result, chair, decision=Decision.FAILED, practical_percent=10)

    application = result.enrolment.application
    application.refresh_from_db()
    assert application.status == ApplicationStatus.FAILED
    verdict = CouncilVerdict.objects.get(result=result)
    assert verdict.verdict == Verdict.CONCLUSION and "Ошибка подсчёта баллов" in verdict.reason
    history = verdict.decision.history.order_by("pk").last()
    assert verdict.decision.status == DecisionStatus.CORRECTED
    assert history.changes["verdicts"] == {str(result.pk): [Verdict.CERTIFICATE, Verdict.CONCLUSION]}
    certificate.refresh_from_db()
    assert certificate.revoked_on == timezone.localdate() and "Ошибка подсчёта баллов" in certificate.revoked_reason
    conclusion = IssuedDocument.objects.get(result=result, kind=Kind.CONCLUSION)
    assert conclusion.number_source == NumberSource.AWAITING and conclusion.is_current
    assert conclusion.verdict == verdict

    # ... and it is numbered through the register like any other document.
    (numbered,) = register([conclusion])
    assert numbered.number_source == NumberSource.REGISTER


def test_a_fail_corrected_to_a_pass_withdraws_the_numbered_conclusion(make_exam, candidate, chair):
    built = make_exam([FAIL_PRACTICAL], holders=[candidate])
    (conclusion,) = issue(built.results)
    result = built.results[0]

    correct(result, chair, decision=Decision.PASSED, practical_percent=90)

    conclusion.refresh_from_db()
    assert not conclusion.is_current and conclusion.withdrawn_on == timezone.localdate()
    assert conclusion.events.filter(action="withdrawn").exists()
    certificate = IssuedDocument.objects.get(result=result, kind=Kind.CERTIFICATE)
    assert certificate.number_source == NumberSource.AWAITING and certificate.is_current
    result.enrolment.application.refresh_from_db()
    assert result.enrolment.application.status == ApplicationStatus.PASSED


def test_an_unnumbered_document_is_cancelled_not_revoked(make_exam, candidate, chair):
    built = make_exam([PASS], holders=[candidate])
    (certificate,) = issue(built.results, number=False)

    correct(built.results[0], chair, decision=Decision.FAILED)

    certificate.refresh_from_db()
    assert not certificate.is_current and certificate.revoked_on is None
    assert IssuedDocument.objects.filter(result=built.results[0], kind=Kind.CONCLUSION, is_current=True).exists()


def test_a_correction_before_the_council_decides_moves_the_application_only(make_exam, candidate, chair):
    built = make_exam([PASS], holders=[candidate])

    correct(built.results[0], chair, decision=Decision.FAILED)

    application = built.results[0].enrolment.application
    application.refresh_from_db()
    assert application.status == ApplicationStatus.FAILED
    assert not CouncilVerdict.objects.exists() and not IssuedDocument.objects.exists()


def test_a_correction_that_keeps_the_decision_changes_nothing_downstream(make_exam, candidate, chair):
    built = make_exam([PASS], holders=[candidate])
    (certificate,) = issue(built.results)
    verdict = CouncilVerdict.objects.get(result=built.results[0])

    correct(built.results[0], chair, practical_percent=95)

    certificate.refresh_from_db()
    assert certificate.revoked_on is None and certificate.is_current
    assert CouncilVerdict.objects.get(pk=verdict.pk).verdict == Verdict.CERTIFICATE
    assert verdict.decision.history.count() == 1


@pytest.mark.parametrize("persona,code", [("anonymous", 302), ("candidate", 403), ("expert", 403), ("staff", 403)])
def test_only_the_head_sees_the_corrections_page(persona_client, persona, code):
    client, _user = persona_client(persona)
    assert client.get("/staff/corrections/").status_code == code


def test_the_head_sees_each_correction_with_reason_and_before_after(make_exam, candidate, chair, head, client):
    built = make_exam([PASS], holders=[candidate])
    correct(built.results[0], chair, decision=Decision.FAILED, practical_percent=10)
    client.force_login(head)

    html = client.get("/staff/corrections/").content.decode()

    assert html.count('data-testid="correction-row"') == 1
    assert "Ошибка подсчёта баллов" in html
    assert candidate.get_full_name() in html
    assert "→ <strong>10</strong>" in html


def test_the_corrections_page_shows_what_followed_in_a_fixed_number_of_queries(
    make_exam, candidate, chair, head, client, django_assert_max_num_queries
):
    built = make_exam([PASS, PASS, PASS])
    issue(built.results)
    for result in built.results:
        correct(result, chair, decision=Decision.FAILED)
    client.force_login(head)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    with django_assert_max_num_queries(20):
        html = client.get("/staff/corrections/").content.decode()

    assert html.count('data-testid="correction-now"') == 3
    assert html.count("revoked") == 3
