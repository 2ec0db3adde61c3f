"""The identity kept with an application is captured at submission and again at a resubmission."""

import pytest

from candidates import services
from candidates.models import ApplicantIdentity, CandidateProfile
from tests.factories import pdf_upload

pytestmark = pytest.mark.django_db


def test_submission_captures_the_identity_a_draft_has_none(draft, submitted):
    identity = ApplicantIdentity.objects.get(application=submitted)
    profile = CandidateProfile.objects.get(user=submitted.candidate)
    assert identity.snils == profile.snils and identity.get_full_name() == submitted.candidate.get_full_name()
    assert submitted.applicant == identity


def test_a_resubmission_takes_the_corrected_data_while_still_under_review(submitted, staff):
    application = submitted
    first = ApplicantIdentity.objects.get(application=application)
    application = services.application_request_documents(
        application=application, by=staff, message="Паспорт нечитаем", expected_version=application.version
    )
    CandidateProfile.objects.filter(user=application.candidate).update(id_doc_number="123123")
    services.application_attach_document(
        application=application,
        required_document=application.qualification.required_documents.first(),
        uploaded_file=pdf_upload("b.pdf"),
        by=application.candidate,
    )
    services.application_resubmit(application=application, by=application.candidate)
    again = ApplicantIdentity.objects.get(application=application)
    assert again.pk == first.pk and again.id_doc_number == "123123"


def test_an_accepted_application_keeps_its_identity_when_the_profile_changes(application_in):
    accepted = application_in("accepted")
    before = ApplicantIdentity.objects.get(application=accepted).id_doc_number
    CandidateProfile.objects.filter(user=accepted.candidate).update(id_doc_number="777777")
    accepted.refresh_from_db()
    assert accepted.applicant.id_doc_number == before
