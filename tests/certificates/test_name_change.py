"""A change of name after the certificate (issue 10 item 1; Order 725n App. 3 p.6, p.23).

The holder changes the surname in the profile with the marriage certificate attached; the change
request goes to the staff; approving it starts the duplicate procedure downstream (the certificates
app listens to ``identity_change_approved``), with the new names and the same supporting file. The
passed exam keeps the identity it was taken with, and the certificate already issued keeps its names.
"""

import pytest
from django.test import TestCase

from candidates import services as candidate_services
from candidates.models import (
    AccountMerge,
    ApplicantIdentity,
    CandidateProfile,
    ChangeRequestStatus,
    IdentityChangeRequest,
)
from qac.certificates import services
from qac.certificates.models import DuplicateGrounds, DuplicateRequest, DuplicateStatus, IssuedDocument
from tests.factories import CandidateProfileFactory, pdf_upload
from tests.helpers.certificates import PASS, issue, make_candidate

pytestmark = pytest.mark.django_db

PROFILE_FIELDS = ("date_of_birth", "snils", "id_doc_type", "id_doc_series", "id_doc_number")
PROFILE_FIELDS += ("id_doc_issued_by", "id_doc_issued_on", "phone", "address")


def change_profile(user, *, supporting_file=None, names=None, **profile_changes):
    """What the profile page does on a valid form: the current values with the changes."""
    profile = CandidateProfile.objects.get(user=user)
    current = {f: getattr(user, f) for f in ("last_name", "first_name", "patronymic")}
    return candidate_services.profile_save(
        user=user,
        names={**current, **(names or {})},
        profile_data={**{f: getattr(profile, f) for f in PROFILE_FIELDS}, **profile_changes},
        supporting_file=supporting_file,
    )


def approve(request, staff):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return candidate_services.change_request_approve(request=request, by=staff, note="Проверено")


@pytest.fixture
def holder():
    return make_candidate(last_name="Кузнецова", first_name="Анна", patronymic="Сергеевна")


def test_approving_a_change_of_name_starts_the_duplicate_procedure_with_the_supporting_file(make_exam, holder, staff):
    built = make_exam([PASS], holders=[holder])
    (certificate,) = issue(built.results, render=True)
    application = built.results[0].enrolment.application
    marriage = pdf_upload("marriage.pdf", size=700)
    marriage_bytes = marriage.read()
    marriage.seek(0)
    change_profile(holder, names={"last_name": "Смирнова"}, supporting_file=marriage)
    request = IdentityChangeRequest.objects.get(candidate=holder)
    assert list(request.applications.all()) == [application]
    assert not DuplicateRequest.objects.exists()  # nothing before the staff approve

    approve(request, staff)

    duplicate = DuplicateRequest.objects.get(original=certificate)
    assert (duplicate.grounds, duplicate.status, duplicate.change_request, duplicate.received_by) == (
        DuplicateGrounds.NAME_CHANGE,
        DuplicateStatus.RECEIVED,
        request,
        staff,
    )
    assert (duplicate.new_last_name, duplicate.new_first_name, duplicate.new_patronymic) == (
        "Смирнова",
        "Анна",
        "Сергеевна",
    )
    assert duplicate.supporting_name == "marriage.pdf"
    with duplicate.supporting_file.open("rb") as handle:
        assert handle.read() == marriage_bytes
    # The certificate issued and the exam's identity keep the name they were made with.
    certificate.refresh_from_db()
    assert certificate.holder_last_name == "Кузнецова"
    assert ApplicantIdentity.objects.get(application=application).last_name == "Кузнецова"
    # A second delivery of the task makes nothing more.
    assert services.duplicates_for_change_request(change_request_id=request.pk) == []
    assert DuplicateRequest.objects.count() == 1
    # The duplicate itself, once made, carries the new name.
    made = services.duplicate_request_issue(request=duplicate, by=staff)
    assert made.holder_last_name == "Смирнова"


def test_refusing_a_change_of_name_starts_nothing(make_exam, holder, staff):
    built = make_exam([PASS], holders=[holder])
    (certificate,) = issue(built.results, render=True)
    change_profile(holder, names={"last_name": "Смирнова"}, supporting_file=pdf_upload("marriage.pdf"))
    request = IdentityChangeRequest.objects.get(candidate=holder)
    with TestCase.captureOnCommitCallbacks(execute=True):
        candidate_services.change_request_refuse(request=request, by=staff, reason="Фамилия в копии другая")
    assert not DuplicateRequest.objects.exists()
    certificate.refresh_from_db()
    assert certificate.holder_last_name == "Кузнецова"


def test_a_certificate_not_issued_yet_gets_no_duplicate(make_exam, holder, staff):
    built = make_exam([PASS], holders=[holder])
    issue(built.results, number=False)  # awaiting the register's number: not issued, no duplicate possible
    change_profile(holder, names={"last_name": "Смирнова"}, supporting_file=pdf_upload("marriage.pdf"))
    request = IdentityChangeRequest.objects.get(candidate=holder)
    approve(request, staff)
    request.refresh_from_db()
    assert request.status == ChangeRequestStatus.APPROVED
    assert not DuplicateRequest.objects.exists()


def test_a_snils_added_after_the_exam_is_carried_into_the_identity_the_register_reads(make_exam, staff):
    holder = make_candidate(snils="")
    built = make_exam([PASS], holders=[holder])
    application = built.results[0].enrolment.application
    assert ApplicantIdentity.objects.get(application=application).snils == ""
    change_profile(holder, snils="11223344595", supporting_file=pdf_upload("snils.pdf"))
    request = IdentityChangeRequest.objects.get(candidate=holder)
    assert request.changed_fields == ["snils"]
    approve(request, staff)
    identity = ApplicantIdentity.objects.get(application=application)
    assert identity.snils == "11223344595" and identity.last_name == holder.last_name


def test_a_change_of_passport_after_the_exam_needs_no_request(make_exam, holder):
    built = make_exam([PASS], holders=[holder])
    issue(built.results, render=True)
    change_profile(holder, id_doc_number="654321")
    assert not IdentityChangeRequest.objects.exists()
    assert CandidateProfile.objects.get(user=holder).id_doc_number == "654321"


def test_a_merge_moves_the_issued_documents_to_the_kept_account(make_exam, holder, staff):
    built = make_exam([PASS], holders=[holder])
    (certificate,) = issue(built.results, render=True)
    kept = CandidateProfileFactory(snils="").user
    merge = candidate_services.accounts_merge(kept=kept, duplicate=holder, by=staff, reason="Один человек")
    assert IssuedDocument.objects.get(pk=certificate.pk).holder == kept
    assert AccountMerge.objects.get(pk=merge.pk).moved["issued_documents"] == 1
    # The kept account lacked the SNILS: it now has the merged one's, which no longer holds it.
    assert CandidateProfile.objects.get(user=holder).snils == ""
    assert (
        CandidateProfile.objects.get(user=kept).snils
        == ApplicantIdentity.objects.get(application=built.results[0].enrolment.application).snils
    )
