"""Identity frozen at submission (issue 10 item 1; Decree 1204 p.7, Order 725n App. 3 p.6).

Found by a tester: a candidate changed surname, name, SNILS and date of birth in her profile
after the exam, and the certificate and the registry export carried the new data. Now the
application keeps the personal data it was submitted with, and everything downstream
reads that copy: the staff review page, the protocol, the Council's package, the registry
export and the issued documents.
"""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from candidates.models import ApplicantIdentity, CandidateProfile
from qac.certificates.models import IssuedDocument
from qac.exams.selectors import protocol_context
from qac.registry import services as registry_services
from tests.helpers.certificates import PASS, issue, make_candidate

pytestmark = pytest.mark.django_db

SUBMITTED = {"last_name": "Кузнецова", "first_name": "Анна", "patronymic": "Сергеевна"}


def change_everything(user):
    """What the tester did after the exam: a new name, SNILS, date of birth and passport."""
    get_user_model().objects.filter(pk=user.pk).update(last_name="Смирнова", first_name="Жанна", patronymic="")
    CandidateProfile.objects.filter(user=user).update(
        snils="11223344595", date_of_birth=datetime.date(1999, 9, 9), id_doc_number="999999"
    )


def test_submission_keeps_the_personal_data_and_a_later_profile_edit_changes_nothing_downstream(
    make_exam, staff, media, settings
):
    holder = make_candidate(**SUBMITTED)
    profile = CandidateProfile.objects.get(user=holder)
    built = make_exam([PASS], holders=[holder])
    application = built.results[0].enrolment.application
    identity = ApplicantIdentity.objects.get(application=application)
    assert (identity.last_name, identity.first_name, identity.patronymic) == tuple(SUBMITTED.values())
    assert (identity.snils, identity.date_of_birth, identity.id_doc_number) == (
        profile.snils,
        profile.date_of_birth,
        profile.id_doc_number,
    )

    change_everything(holder)

    # The protocol, the certificate and the registry export read the submitted copy.
    context = protocol_context(built.session.__class__.objects.get(pk=built.session.pk))
    names = [e.application.applicant.get_full_name() for e in context["enrolments"]]
    assert names == ["Кузнецова Анна Сергеевна"]
    (document,) = issue(built.results, number=False)
    assert document.holder_full_name == "Кузнецова Анна Сергеевна"
    outcome = registry_services.registry_export(trigger="test", dry_run=True, output_dir=str(media / "out"))
    with open(outcome.paths[0], encoding="utf-8") as handle:
        xml = handle.read()
    assert "Кузнецова" in xml and "Смирнова" not in xml
    assert profile.date_of_birth.isoformat() in xml and "1999-09-09" not in xml
    assert f"{profile.snils[:3]}-{profile.snils[3:6]}" in xml and "112-233-445" not in xml


def test_the_staff_page_shows_the_data_as_submitted_and_says_what_changed_since(client, staff, make_exam):
    holder = make_candidate(**SUBMITTED)
    built = make_exam([PASS], holders=[holder], approve=False)
    application = built.results[0].enrolment.application
    change_everything(holder)
    client.force_login(staff)
    page = client.get(reverse("candidates:staff_application", args=[application.pk])).content.decode()
    # The candidate's data block shows the submitted name (the history still names the account as it is now).
    assert '<dd class="col-sm-7">Кузнецова Анна Сергеевна</dd>' in page
    assert 'data-testid="identity-as-submitted"' in page
    assert 'data-testid="identity-changed"' in page


def test_documents_already_issued_keep_their_names_whatever_the_account_says(make_exam, staff):
    holder = make_candidate(**SUBMITTED)
    built = make_exam([PASS], holders=[holder])
    (document,) = issue(built.results)
    change_everything(holder)
    document.refresh_from_db()
    assert IssuedDocument.objects.get(pk=document.pk).holder_full_name == "Кузнецова Анна Сергеевна"


def test_the_councils_page_names_the_candidate_as_submitted(client, make_exam, staff):
    from tests.helpers.legal import package_sent

    holder = make_candidate(**SUBMITTED)
    built = make_exam([PASS], holders=[holder])
    package_sent(built.session, staff)
    change_everything(holder)
    client.force_login(staff)
    page = client.get(reverse("council:session", args=[built.session.pk])).content.decode()
    assert "Кузнецова Анна Сергеевна" in page and "Смирнова Жанна" not in page
