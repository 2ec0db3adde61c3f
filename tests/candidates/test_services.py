import pytest
from django.core import mail

from candidates import services
from candidates.models import Application, ApplicationDocument, ApplicationStatus, ApplicationTransition
from candidates.tasks import application_notify_task
from tests.factories import ApplicationFactory, CandidateProfileFactory, pdf_upload, png_upload
from tests.helpers.candidates import attach_mandatory, submit

S = ApplicationStatus
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_messages():
    """Match the services' messages in their source language (the Russian UI is tested in the views)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def test_every_transition_in_the_table_writes_a_history_row(application_in):
    app = application_in(S.RESUBMITTED)
    path = list(app.history.values_list("from_status", "to_status"))
    assert path == [
        ("", S.DRAFT),
        (S.DRAFT, S.SUBMITTED),
        (S.SUBMITTED, S.DOCUMENTS_REQUESTED),
        (S.DOCUMENTS_REQUESTED, S.RESUBMITTED),
    ]
    assert app.version == 4


def test_submit_registers_number_deadline_and_consent(submitted, settings):
    assert submitted.status == S.SUBMITTED
    assert submitted.number == f"{submitted.submitted_at.year}-{submitted.pk:06d}"
    assert (submitted.review_due_on - submitted.submitted_at.date()).days == settings.QAC_APPLICATION_REVIEW_DAYS
    assert submitted.consent_ip == "192.0.2.10"
    assert submitted.consent_text_version == settings.QAC_CONSENT_TEXT_VERSION
    assert submitted.consent_given_at and submitted.rules_accepted_at


def test_review_deadline_follows_the_setting(draft, settings):
    settings.QAC_APPLICATION_REVIEW_DAYS = 3
    app = submit(draft)
    assert (app.review_due_on - app.submitted_at.date()).days == 3


@pytest.mark.parametrize(
    ("consent", "message"),
    [
        (services.Consent(personal_data=False, exam_rules=True, ip=None), "consent"),
        (services.Consent(personal_data=True, exam_rules=False, ip=None), "consent"),
    ],
)
def test_submit_without_both_consents_is_refused(draft, consent, message):
    attach_mandatory(draft)
    with pytest.raises(services.ApplicationError, match=message):
        services.application_submit(application=draft, by=draft.candidate, consent=consent)
    draft.refresh_from_db()
    assert draft.status == S.DRAFT and draft.number is None


def test_submit_without_mandatory_documents_names_them(draft):
    with pytest.raises(services.ApplicationError) as exc:
        services.application_submit(application=draft, by=draft.candidate, consent=services.Consent(True, True, None))
    assert "Copy of the identity document" in str(exc.value)
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_submit_without_a_profile_is_refused(db, settings, tmp_path, make_user):
    from qac.accounts.roles import Role
    from standards.models import Qualification

    settings.MEDIA_ROOT = tmp_path
    user = make_user(Role.CANDIDATE)
    app = services.application_create(candidate=user, qualification=Qualification.objects.get(code="31.00700.01"))
    attach_mandatory(app)
    with pytest.raises(services.ApplicationError, match="profile"):
        services.application_submit(application=app, by=user, consent=services.Consent(True, True, None))


def test_only_the_owner_can_submit(draft, other_candidate):
    attach_mandatory(draft)
    with pytest.raises(services.IllegalTransition):
        services.application_submit(application=draft, by=other_candidate, consent=services.Consent(True, True, None))


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (S.DRAFT, "accept"),
        (S.ACCEPTED, "accept"),
        (S.REJECTED, "accept"),
        (S.WITHDRAWN, "request"),
        (S.DOCUMENTS_REQUESTED, "accept"),
        (S.ACCEPTED, "reject"),
    ],
)
def test_illegal_staff_moves_raise_a_clear_error_and_change_nothing(application_in, staff, status, action):
    app = application_in(status)
    before = (app.status, app.version, app.history.count())
    call = {
        "accept": lambda: services.application_accept(application=app, by=staff, expected_version=app.version),
        "reject": lambda: services.application_reject(
            application=app, by=staff, reason="x", expected_version=app.version
        ),
        "request": lambda: services.application_request_documents(
            application=app, by=staff, message="x", expected_version=app.version
        ),
    }[action]
    with pytest.raises(services.IllegalTransition, match="cannot become"):
        call()
    app.refresh_from_db()
    assert (app.status, app.version, app.history.count()) == before


@pytest.mark.parametrize("status", [S.REJECTED, S.WITHDRAWN])
def test_closed_applications_cannot_be_withdrawn(application_in, status):
    app = application_in(status)
    with pytest.raises(services.IllegalTransition):
        services.application_withdraw(application=app, by=app.candidate)


def test_candidates_cannot_make_staff_moves_and_staff_cannot_make_candidate_moves(submitted, staff):
    with pytest.raises(services.IllegalTransition):
        services.application_accept(application=submitted, by=submitted.candidate, expected_version=submitted.version)
    with pytest.raises(services.IllegalTransition):
        services.application_withdraw(application=submitted, by=staff)


def test_reject_needs_a_reason_and_request_needs_a_message(submitted, staff):
    with pytest.raises(services.ApplicationError, match="reason"):
        services.application_reject(application=submitted, by=staff, reason="  ", expected_version=submitted.version)
    with pytest.raises(services.ApplicationError):
        services.application_request_documents(
            application=submitted, by=staff, message="", expected_version=submitted.version
        )
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


def test_a_stale_version_loses_and_the_first_decision_stands(submitted, staff, head):
    seen = submitted.version
    services.application_accept(application=submitted, by=staff, expected_version=seen)
    with pytest.raises(services.StaleApplication, match="Someone else"):
        services.application_reject(application=submitted, by=head, reason="late", expected_version=seen)
    submitted.refresh_from_db()
    assert submitted.status == S.ACCEPTED
    assert submitted.history.filter(to_status__in=[S.ACCEPTED, S.REJECTED]).count() == 1


def test_one_open_application_per_qualification_and_a_new_one_after_closing(submitted):
    with pytest.raises(services.ApplicationError, match="already have an open application"):
        services.application_create(candidate=submitted.candidate, qualification=submitted.qualification)
    assert Application.objects.filter(candidate=submitted.candidate).count() == 1
    services.application_withdraw(application=submitted, by=submitted.candidate)
    again = services.application_create(candidate=submitted.candidate, qualification=submitted.qualification)
    assert again.status == S.DRAFT


def test_the_database_itself_refuses_a_second_open_application(submitted):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(candidate=submitted.candidate, qualification=submitted.qualification)


def test_inactive_qualification_takes_no_applications(db):
    from standards.models import Qualification

    q = Qualification.objects.get(code="31.00400.03")
    q.is_active = False
    q.save()
    with pytest.raises(services.ApplicationError):
        services.application_create(candidate=CandidateProfileFactory().user, qualification=q)


def test_resubmit_needs_a_new_document(application_in):
    app = application_in(S.DOCUMENTS_REQUESTED)
    with pytest.raises(services.ApplicationError, match="Upload"):
        services.application_resubmit(application=app, by=app.candidate)
    app.refresh_from_db()
    assert app.status == S.DOCUMENTS_REQUESTED


@pytest.mark.parametrize(
    ("upload", "reason"),
    [
        ("exe_as_pdf", "content"),
        ("empty", "empty"),
        ("oversize", "limit"),
        ("exe_name", "not a PDF"),
        ("png_as_pdf", "content"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(draft, upload, reason, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = {
        "exe_as_pdf": SimpleUploadedFile("passport.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 100),
        "empty": SimpleUploadedFile("passport.pdf", b""),
        "oversize": pdf_upload("big.pdf", size=10 * 1024 * 1024 + 1),
        "exe_name": SimpleUploadedFile("setup.exe", b"%PDF-1.4 pretending"),
        "png_as_pdf": SimpleUploadedFile("scan.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 50),
    }
    with pytest.raises(services.ApplicationError, match=reason):
        services.application_attach_document(
            application=draft,
            required_document=draft.qualification.required_documents.first(),
            uploaded_file=files[upload],
            by=draft.candidate,
        )
    assert not ApplicationDocument.objects.exists()
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_good_uploads_are_stored_under_a_generated_name_with_their_hash(draft, tmp_path):
    import hashlib

    upload = png_upload("Мой паспорт.png")
    body = upload.read()
    upload.seek(0)
    doc = services.application_attach_document(
        application=draft,
        required_document=draft.qualification.required_documents.first(),
        uploaded_file=upload,
        by=draft.candidate,
    )
    assert doc.content_type == "image/png"
    assert doc.sha256 == hashlib.sha256(body).hexdigest()
    assert doc.original_name == "Мой паспорт.png"
    assert "паспорт" not in doc.file.name and doc.file.name.startswith("applications/")
    assert (tmp_path / doc.file.name).read_bytes() == body


def test_a_document_type_of_another_qualification_is_refused(draft):
    from standards.models import RequiredDocument

    foreign = RequiredDocument.objects.exclude(qualification=draft.qualification).first()
    with pytest.raises(services.ApplicationError):
        services.application_attach_document(
            application=draft, required_document=foreign, uploaded_file=pdf_upload(), by=draft.candidate
        )


def test_no_uploads_once_submitted(submitted):
    with pytest.raises(services.ApplicationError):
        services.application_attach_document(
            application=submitted,
            required_document=None,
            uploaded_file=pdf_upload(),
            by=submitted.candidate,
        )


def test_each_transition_mails_the_candidate_after_commit(draft, staff, django_capture_on_commit_callbacks):
    attach_mandatory(draft)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        app = services.application_submit(
            application=draft, by=draft.candidate, consent=services.Consent(True, True, None)
        )
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [draft.candidate.email]
    assert app.number in mail.outbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        services.application_reject(
            application=app, by=staff, reason="Недостаточно опыта", expected_version=app.version
        )
    assert len(mail.outbox) == 2
    assert "Недостаточно опыта" in mail.outbox[1].body


def test_nothing_is_mailed_when_the_transaction_rolls_back(draft, django_capture_on_commit_callbacks):
    from django.db import transaction

    attach_mandatory(draft)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                services.application_submit(
                    application=draft, by=draft.candidate, consent=services.Consent(True, True, None)
                )
                raise RuntimeError("something later failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert mail.outbox == []
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_a_redelivered_notification_sends_nothing_twice(submitted):
    transition = submitted.history.get(to_status=S.SUBMITTED)
    assert application_notify_task(transition.pk) == "sent"
    assert application_notify_task(transition.pk) == "already sent"
    assert len(mail.outbox) == 1
    transition.refresh_from_db()
    assert transition.notified_at is not None


def test_a_failed_send_releases_the_claim_for_the_retry(submitted, monkeypatch):
    transition = submitted.history.get(to_status=S.SUBMITTED)

    def broken(*args, **kwargs):
        raise ConnectionError("smtp down")

    monkeypatch.setattr("candidates.tasks.send_mail", broken)
    with pytest.raises(ConnectionError):
        application_notify_task.run(transition.pk)
    assert ApplicationTransition.objects.get(pk=transition.pk).notified_at is None
    monkeypatch.undo()
    assert application_notify_task(transition.pk) == "sent"


def test_email_confirmation_link_activates_once(db):
    user = services.candidate_signup(
        email="New@Example.test", password="a-long-pass-2026", last_name="Новиков", first_name="Пётр"
    )
    assert user.email == "new@example.test" and not user.is_active
    uid, token = services.confirmation_link_parts(user)
    assert services.candidate_confirm_email(uidb64=uid, token="bad-token") is None
    assert services.candidate_confirm_email(uidb64=uid, token=token) == user
    assert services.candidate_confirm_email(uidb64=uid, token=token) is None, "a used link does not work again"
    assert services.candidate_confirm_email(uidb64="!!", token=token) is None


def test_application_factory_builds_a_draft_with_a_profile(db):
    app = ApplicationFactory()
    assert app.status == S.DRAFT and app.candidate.candidate_profile
