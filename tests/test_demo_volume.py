"""Bulk demo data (``seed_demo --volume``): written fast, but as valid as the services would leave it.

On SQLite this runs the ``bulk_create`` path; CI's PostgreSQL pass runs the ``COPY`` path.
"""

import re
from collections import Counter

import pytest
from django.contrib.auth import get_user_model

from candidates.models import ApplicantIdentity, Application, ApplicationTransition, CandidateProfile
from candidates.validators import validate_snils
from qac.accounts.roles import Role, has_role
from qac.certificates.models import DocumentEvent, IssuedDocument, NumberSource
from qac.council.models import CouncilDecision, CouncilPackage, CouncilVerdict, Verdict
from qac.demo import seed as demo
from qac.exams.models import CommissionMember, ExamResult, ExamSession

pytestmark = pytest.mark.django_db

VOLUME = f"@{demo.VOLUME_EMAIL_DOMAIN}"


@pytest.fixture
def volume():
    demo.seed_accounts(password="volume-test-password")
    assert demo.seed_volume(60, password="volume-test-password", batch_size=25) == 60
    return Application.objects.filter(candidate__email__endswith=VOLUME)


def test_every_bulk_candidate_is_a_candidate_with_a_valid_profile_and_one_registered_application(volume):
    users = get_user_model().objects.filter(email__endswith=VOLUME)
    assert users.count() == 60 and volume.count() == 60
    for user in users:
        assert has_role(user, Role.CANDIDATE) and user.check_password("volume-test-password")
        validate_snils(user.candidate_profile.snils)
    assert CandidateProfile.objects.filter(user__in=users).values("snils").distinct().count() == 60
    for application in volume.select_related("identity", "candidate"):
        assert application.number == f"V{application.submitted_at.year}-{application.pk:07d}"
        assert re.fullmatch(r"V\d{4}-\d{7}", application.number)
        assert application.identity.last_name == application.candidate.last_name
        assert application.identity.snils == application.candidate.candidate_profile.snils
        awaiting = application.status in ("submitted", "resubmitted")
        assert (application.review_due_on is not None) == awaiting
        history = ApplicationTransition.objects.get(application=application)
        assert (history.from_status, history.to_status) == ("draft", application.status)
    assert ApplicantIdentity.objects.filter(application__in=volume).count() == 60


def test_a_second_run_adds_only_what_is_missing(volume):
    assert demo.seed_volume(60, password="x") == 0
    assert demo.seed_volume(70, password="x") == 10
    assert volume.count() == 70
    numbers = list(volume.values_list("number", flat=True))
    assert len(set(numbers)) == 70


def test_exams_give_every_accepted_application_a_result_a_verdict_and_its_document(volume):
    accepted = set(volume.filter(status="accepted").values_list("pk", flat=True))
    assert accepted, "the seed makes about one application in five accepted"
    assert demo.seed_volume_exams(batch_size=4) == len(accepted)

    results = ExamResult.objects.filter(enrolment__application__in=accepted).select_related("enrolment")
    assert results.count() == len(accepted)
    sessions = ExamSession.objects.filter(enrolments__application__in=accepted).distinct()
    per_qualification = Counter(volume.filter(pk__in=accepted).values_list("qualification_id", flat=True))
    assert sessions.count() == sum(-(-n // 4) for n in per_qualification.values())
    for session in sessions:
        assert CommissionMember.objects.filter(session=session).count() == 3
        assert CommissionMember.objects.filter(session=session, is_chair=True).count() == 1
        assert CouncilPackage.objects.filter(session=session).count() == 1
        assert CouncilDecision.objects.filter(session=session).count() == 1
    for result in results:
        application = Application.objects.get(pk=result.enrolment.application_id)
        assert application.status == result.decision
        verdict = CouncilVerdict.objects.get(result=result)
        assert verdict.verdict == (Verdict.CERTIFICATE if result.decision == "passed" else Verdict.CONCLUSION)
        document = IssuedDocument.objects.get(result=result)
        assert document.verdict_id == verdict.pk and document.number_source == NumberSource.AWAITING
        assert document.holder_id == application.candidate_id
        assert document.holder_last_name == application.candidate.last_name
        assert DocumentEvent.objects.filter(document=document, action="issued").count() == 1
    assert demo.seed_volume_exams(batch_size=4) == 0
