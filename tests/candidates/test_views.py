"""The candidates app through its pages: who may open what, and what each request changes.

Services and selectors have their own tests (``test_services.py``); here every
request goes through the URL, the decorators, the forms and the templates, and
each test asserts the status code *and* the effect on the database, the files
and the outbox (or that there was none).

Messages are compared with the catalogue's translation of the source text,
so the tests hold whether or not a message has its Russian translation yet.
"""

import datetime
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import HttpRequest
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from candidates import services
from candidates.models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationTransition,
    CandidateProfile,
    PersonalDataAccess,
)
from candidates.uploads import MAX_UPLOAD_BYTES
from qac.accounts.roles import Role, has_role
from standards.models import Qualification
from tests.factories import (
    DEFAULT_PASSWORD,
    ApplicationFactory,
    CandidateProfileFactory,
    UserFactory,
    pdf_upload,
    png_upload,
)
from tests.helpers.access import PERSONAS
from tests.helpers.candidates import attach_mandatory, submit

S = ApplicationStatus
pytestmark = pytest.mark.django_db

XSS = "<script>alert('x')</script>"
CONSENTS = {"consent_personal_data": "on", "accept_exam_rules": "on"}


# --- Helpers --------------------------------------------------------------------------------------


def ru(msgid: str, **params) -> str:
    """The text a Russian visitor sees for ``msgid``, formatted as the code formats it."""
    with translation.override("ru"):
        text = translation.gettext(msgid)
        return text % {k: str(v) for k, v in params.items()} if params else text


def label(status: str) -> str:
    with translation.override("ru"):
        return str(ApplicationStatus(status).label)


def flashed(response) -> list[tuple[str, str]]:
    """The messages a view queued: (level tag, text)."""
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def errors(form, field: str) -> list[str]:
    with translation.override("ru"):
        return [str(m) for e in form.errors.as_data().get(field, []) for m in e.messages]


def error_codes(form, field: str) -> list[str | None]:
    return [e.code for e in form.errors.as_data().get(field, [])]


def assert_sent_to_login(response, url: str) -> None:
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(reverse("login") + "?next=")
    assert unquote(location.split("?next=", 1)[1]) == url


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def state(application: Application) -> dict:
    """Everything a refused request must leave alone."""
    application.refresh_from_db()
    return {
        "status": application.status,
        "version": application.version,
        "number": application.number,
        "documents": ApplicationDocument.objects.count(),
        "history": ApplicationTransition.objects.count(),
        "applications": Application.objects.count(),
        "audit": PersonalDataAccess.objects.count(),
        "mail": len(mail.outbox),
        "files": len(stored_files(Path(django_settings.MEDIA_ROOT))),
    }


def staff_url(application) -> str:
    return reverse("candidates:staff_application", args=[application.pk])


def action_url(application) -> str:
    return reverse("candidates:staff_application_action", args=[application.pk])


def detail_url(application) -> str:
    return reverse("candidates:application", args=[application.pk])


@pytest.fixture
def draft(db, settings, tmp_path, candidate):
    """A draft of the ``candidate`` fixture user, who has a profile: persona tests log in as its owner.

    Overrides ``draft`` of tests/candidates/conftest.py, so ``submitted`` and
    ``application_in`` build on this one too.
    """
    settings.MEDIA_ROOT = tmp_path
    CandidateProfileFactory(user=candidate)
    return ApplicationFactory(candidate=candidate)


@pytest.fixture
def owner(client, candidate):
    client.force_login(candidate)
    return client


@pytest.fixture
def owner_client(candidate):
    """A second browser, for tests where staff and the candidate act in turn."""
    c = Client()
    c.force_login(candidate)
    return c


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def qualification(code: str = "31.00400.02") -> Qualification:
    return Qualification.objects.get(code=code)


# --- 1. Permission matrix -------------------------------------------------------------------------

CANDIDATE_PAGES = ["candidates:dashboard", "candidates:profile", "candidates:application_new"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", CANDIDATE_PAGES)
def test_candidate_pages_answer_candidates_send_anonymous_to_log_in_and_refuse_other_roles(
    persona_client, persona, name, draft
):
    client, _user = persona_client(persona)
    url = reverse(name)
    before = state(draft)
    response = client.get(url)
    expected = {"anonymous": 302, "candidate": 200, "other_candidate": 200, "expert": 403, "staff": 403, "head": 403}
    if persona == "anonymous":
        assert_sent_to_login(response, url)
    else:
        assert response.status_code == expected[persona]
    assert state(draft) == before


@pytest.mark.parametrize("persona", ["candidate", "other_candidate"])
def test_the_dashboard_lists_only_the_candidates_own_applications(persona_client, persona, draft):
    client, _user = persona_client(persona)
    html = client.get(reverse("candidates:dashboard")).content.decode()
    assert (detail_url(draft) in html) is (persona == "candidate")


def _prepare_owner_action(action: str, application_in, candidate):
    """An application in the state where the owner's ``action`` succeeds, and the request to make."""
    if action == "detail":
        app = application_in(S.DRAFT)
        return app, "get", detail_url(app), lambda: None
    if action == "upload":
        app = application_in(S.DRAFT)
        required = app.qualification.required_documents.first()
        url = reverse("candidates:application_upload", args=[app.pk])
        return app, "post", url, lambda: {"required_document": required.pk, "file": pdf_upload()}
    if action == "submit":
        app = application_in(S.DRAFT)
        attach_mandatory(app)
        return app, "post", reverse("candidates:application_submit", args=[app.pk]), lambda: dict(CONSENTS)
    if action == "resubmit":
        app = application_in(S.DOCUMENTS_REQUESTED)
        services.application_attach_document(
            application=app, required_document=None, uploaded_file=pdf_upload("more.pdf"), by=candidate
        )
        return app, "post", reverse("candidates:application_resubmit", args=[app.pk]), lambda: {"note": "Готово"}
    app = application_in(S.SUBMITTED)
    return app, "post", reverse("candidates:application_withdraw", args=[app.pk]), lambda: {"note": ""}


# What the owner's successful request does to the application.
OWNER_EFFECT = {
    "detail": (200, S.DRAFT, 0),
    "upload": (302, S.DRAFT, 1),
    "submit": (302, S.SUBMITTED, 0),
    "resubmit": (302, S.RESUBMITTED, 0),
    "withdraw": (302, S.WITHDRAWN, 0),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", list(OWNER_EFFECT))
def test_an_application_is_opened_and_changed_by_its_owner_only(
    persona_client, persona, action, application_in, candidate
):
    """Anonymous: log in; another candidate: 404 as if it did not exist; other roles: 403; nothing changes."""
    app, method, url, data = _prepare_owner_action(action, application_in, candidate)
    client, _user = persona_client(persona)
    before = state(app)
    response = getattr(client, method)(url, data()) if method == "post" else client.get(url)
    if persona == "candidate":
        code, status, new_documents = OWNER_EFFECT[action]
        assert response.status_code == code
        if code == 302:
            assert response["Location"] == detail_url(app)
        after = state(app)
        assert after["status"] == status
        assert after["documents"] == before["documents"] + new_documents
        assert after["history"] == before["history"] + (status != before["status"])
        return
    if persona == "anonymous":
        assert_sent_to_login(response, url)
    elif persona == "other_candidate":
        assert response.status_code == 404
    else:
        assert response.status_code == 403
    assert state(app) == before


@pytest.mark.parametrize(
    ("persona", "code", "audited"),
    [
        ("anonymous", 404, False),
        ("candidate", 200, False),
        ("other_candidate", 404, False),
        ("expert", 404, False),
        ("staff", 200, True),
        ("head", 200, True),
    ],
)
def test_a_document_file_is_served_to_its_candidate_and_staff_only(persona_client, persona, code, audited, submitted):
    document = submitted.documents.first()
    client, user = persona_client(persona)
    before = state(submitted)
    response = client.get(reverse("candidates:document", args=[document.pk]))
    assert response.status_code == code
    if code == 200:
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
    after = state(submitted)
    if audited:
        assert after == {**before, "audit": before["audit"] + 1}
        row = PersonalDataAccess.objects.get()
        assert (row.viewer, row.candidate, row.what, row.document) == (
            user,
            submitted.candidate,
            PersonalDataAccess.What.DOCUMENT,
            document,
        )
    else:
        assert after == before


@pytest.mark.parametrize("persona", ["staff", "head"])
def test_a_draft_stays_private_to_its_candidate_until_submitted(persona_client, persona, draft):
    """Before submission the candidate has not consented to processing: staff see neither page nor files."""
    attach_mandatory(draft)
    client, _user = persona_client(persona)
    before = state(draft)
    assert client.get(reverse("candidates:staff_application", args=[draft.pk])).status_code == 404
    assert client.get(reverse("candidates:document", args=[draft.documents.first().pk])).status_code == 404
    assert state(draft) == before


@pytest.mark.parametrize("persona", ["staff", "head"])
def test_a_draft_withdrawn_without_submission_stays_private_too(persona_client, persona, draft):
    """Withdrawing a draft registers nothing: it has no number and no date, and staff never see it
    (before, the queue listed it as «None» with no registration date)."""
    attach_mandatory(draft)
    services.application_withdraw(application=draft, by=draft.candidate)
    client, _user = persona_client(persona)
    queue = client.get(reverse("candidates:staff_queue") + "?status=withdrawn")
    assert queue.status_code == 200
    assert reverse("candidates:staff_application", args=[draft.pk]) not in queue.content.decode()
    assert ">None<" not in queue.content.decode()
    assert client.get(reverse("candidates:staff_application", args=[draft.pk])).status_code == 404
    assert client.get(reverse("candidates:document", args=[draft.documents.first().pk])).status_code == 404


STAFF_ONLY = {"anonymous": None, "candidate": 403, "other_candidate": 403, "expert": 403, "staff": 200, "head": 200}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_staff_queue_is_for_qac_staff_only(persona_client, persona, submitted):
    client, _user = persona_client(persona)
    url = reverse("candidates:staff_queue")
    before = state(submitted)
    response = client.get(url)
    if persona == "anonymous":
        assert_sent_to_login(response, url)
    else:
        assert response.status_code == STAFF_ONLY[persona]
    if response.status_code == 200:
        assert staff_url(submitted) in response.content.decode()
    assert state(submitted) == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_staff_application_page_is_for_qac_staff_only_and_audited(persona_client, persona, submitted):
    client, user = persona_client(persona)
    url = staff_url(submitted)
    before = state(submitted)
    response = client.get(url)
    if persona == "anonymous":
        assert_sent_to_login(response, url)
    else:
        assert response.status_code == STAFF_ONLY[persona]
    if response.status_code == 200:
        assert state(submitted) == {**before, "audit": before["audit"] + 1}
        assert PersonalDataAccess.objects.filter(
            viewer=user, candidate=submitted.candidate, what=PersonalDataAccess.What.PROFILE, application=submitted
        ).exists()
    else:
        assert state(submitted) == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_qac_staff_can_decide_on_an_application(persona_client, persona, submitted):
    client, user = persona_client(persona)
    url = action_url(submitted)
    before = state(submitted)
    response = client.post(url, {"action": "accept", "version": submitted.version, "text": ""})
    if persona in ("staff", "head"):
        assert response.status_code == 302
        assert response["Location"] == staff_url(submitted)
        submitted.refresh_from_db()
        assert submitted.status == S.ACCEPTED
        assert submitted.history.last().by == user
        return
    if persona == "anonymous":
        assert_sent_to_login(response, url)
    else:
        assert response.status_code == 403
    assert state(submitted) == before


@pytest.mark.parametrize(
    "url",
    [
        "/me/applications/999999/",
        "/documents/999999/",
        "/staff/applications/999999/",
        "/me/applications/99999999999999999999999/",
        "/staff/applications/99999999999999999999999/",
    ],
)
def test_missing_or_out_of_range_ids_answer_404(client, candidate, staff, url):
    client.force_login(staff if url.startswith("/staff/") else candidate)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "name", ["candidates:application_upload", "candidates:application_submit", "candidates:application_withdraw"]
)
def test_candidate_actions_refuse_get_and_change_nothing(owner, draft, name):
    before = state(draft)
    assert owner.get(reverse(name, args=[draft.pk])).status_code == 405
    assert state(draft) == before


def test_the_staff_action_refuses_get_and_changes_nothing(staff_client, submitted):
    before = state(submitted)
    assert staff_client.get(action_url(submitted)).status_code == 405
    assert state(submitted) == before


# --- 2. Sign-up ---------------------------------------------------------------------------------------

SIGNUP = {
    "last_name": "Петрова",
    "first_name": "Анна",
    "patronymic": "Сергеевна",
    "email": "Anna.Petrova@Example.test",
    "password1": "Zx9-unique-Passphrase",
    "password2": "Zx9-unique-Passphrase",
}


def _confirmation_path(body: str) -> str:
    match = re.search(r"https?://\S+/signup/confirm/\S+/", body)
    assert match, body
    return urlsplit(match.group(0)).path


def test_signup_creates_an_inactive_candidate_and_mails_one_confirmation_link(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("candidates:signup"), SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == reverse("candidates:signup_done")
    user = get_user_model().objects.get(email="anna.petrova@example.test")
    assert not user.is_active
    assert has_role(user, Role.CANDIDATE)
    assert (user.last_name, user.first_name, user.patronymic) == ("Петрова", "Анна", "Сергеевна")
    assert user.check_password(SIGNUP["password1"])
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    uidb64, token = services.confirmation_link_parts(user)
    assert _confirmation_path(mail.outbox[0].body) == reverse("candidates:signup_confirm", args=[uidb64, token])
    # django-axes needs the request of a login attempt (its lockout counts per address).
    assert not client.login(request=HttpRequest(), email=user.email, password=SIGNUP["password1"]), (
        "inactive until confirmed"
    )


def test_the_confirmation_link_activates_the_account_once(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("candidates:signup"), SIGNUP)
    path = _confirmation_path(mail.outbox[0].body)

    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert flashed(response) == [("success", ru("Your e-mail is confirmed. Log in to fill in your profile and apply."))]
    user = get_user_model().objects.get(email="anna.petrova@example.test")
    assert user.is_active
    assert client.login(request=HttpRequest(), email=user.email, password=SIGNUP["password1"])
    client.logout()

    again = client.get(path)
    assert again.status_code == 400
    assert "candidates/signup_invalid.html" in [t.name for t in again.templates]
    user.refresh_from_db()
    assert user.is_active


@pytest.mark.parametrize(
    "path",
    [
        "/signup/confirm/not-base64/whatever/",
        "/signup/confirm/YWJj/whatever/",  # "abc": not a number
        "/signup/confirm/OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ/whatever/",  # a number beyond any id
    ],
)
def test_a_malformed_confirmation_link_answers_400_and_activates_nothing(client, path):
    inactive = UserFactory(role=Role.CANDIDATE, is_active=False)
    response = client.get(path)
    assert response.status_code == 400
    inactive.refresh_from_db()
    assert not inactive.is_active


def test_a_confirmation_link_with_another_users_token_activates_nobody(client):
    alice = UserFactory(role=Role.CANDIDATE, is_active=False)
    bob = UserFactory(role=Role.CANDIDATE, is_active=False)
    uidb64, _token = services.confirmation_link_parts(alice)
    _uid, bobs_token = services.confirmation_link_parts(bob)
    response = client.get(reverse("candidates:signup_confirm", args=[uidb64, bobs_token]))
    assert response.status_code == 400
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert not alice.is_active and not bob.is_active


@pytest.mark.parametrize("email", ["taken@example.test", "TAKEN@Example.TEST", "Taken@example.test"])
def test_signup_with_a_taken_email_answers_as_for_a_new_one_and_mails_the_owner(
    client, email, django_capture_on_commit_callbacks
):
    """No account enumeration: a taken address (in any case) gets the page a new one gets; the owner is told."""
    owner = UserFactory(email="taken@example.test", role=Role.CANDIDATE, last_login=timezone.now())
    users = get_user_model().objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        fresh = client.post(reverse("candidates:signup"), {**SIGNUP, "email": "fresh@example.test"})
        taken = client.post(reverse("candidates:signup"), {**SIGNUP, "email": email})
    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"] == reverse("candidates:signup_done")
    assert get_user_model().objects.count() == users + 1
    owner.refresh_from_db()
    assert owner.check_password(DEFAULT_PASSWORD) and (owner.last_name, owner.first_name) != ("Петрова", "Анна")
    to_owner = [m for m in mail.outbox if m.to == [owner.email]]
    assert len(to_owner) == 1
    assert to_owner[0].subject == ru("Someone tried to sign up with your address")
    assert reverse("login") in to_owner[0].body and reverse("password_reset") in to_owner[0].body
    assert "/signup/confirm/" not in to_owner[0].body


def test_signup_again_with_an_unconfirmed_address_sends_its_confirmation_link_again(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("candidates:signup"), SIGNUP)
        again = client.post(
            reverse("candidates:signup"), {**SIGNUP, "password1": "Other-pass-2026!", "password2": "Other-pass-2026!"}
        )
    assert again.status_code == 302 and again["Location"] == reverse("candidates:signup_done")
    user = get_user_model().objects.get(email="anna.petrova@example.test")
    assert user.check_password(SIGNUP["password1"]), "the second sign-up changes nothing"
    assert [m.to for m in mail.outbox] == [[user.email], [user.email]]
    assert _confirmation_path(mail.outbox[1].body)


def test_signup_with_mismatching_passwords_is_refused(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("candidates:signup"), {**SIGNUP, "password2": "Zx9-other-Passphrase"})
    assert response.status_code == 200
    assert errors(response.context["form"], "password2") == [ru("The two passwords differ.")]
    assert not get_user_model().objects.filter(email__iexact=SIGNUP["email"]).exists()
    assert mail.outbox == []


def test_signup_with_a_weak_password_is_refused(client):
    response = client.post(reverse("candidates:signup"), {**SIGNUP, "password1": "123", "password2": "123"})
    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    assert not get_user_model().objects.filter(email__iexact=SIGNUP["email"]).exists()


def test_html_in_a_name_is_stored_as_typed_and_shown_escaped(client, staff, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("candidates:signup"), {**SIGNUP, "last_name": XSS, "first_name": "<b>Анна</b>"})
    client.get(_confirmation_path(mail.outbox[0].body))
    user = get_user_model().objects.get(email="anna.petrova@example.test")
    assert (user.last_name, user.first_name) == (XSS, "<b>Анна</b>")

    client.force_login(user)
    html = client.get(reverse("candidates:profile")).content.decode()
    assert XSS not in html and "<b>Анна" not in html
    assert escape(XSS) in html

    CandidateProfileFactory(user=user)
    app = submit(ApplicationFactory(candidate=user))
    client.force_login(staff)
    for url in (reverse("candidates:staff_queue"), staff_url(app)):
        html = client.get(url).content.decode()
        assert XSS not in html and "<b>Анна" not in html
        assert escape(XSS) in html


def test_a_logged_in_user_is_sent_home_from_signup_and_nothing_is_created(client, candidate):
    client.force_login(candidate)
    users = get_user_model().objects.count()
    response = client.post(reverse("candidates:signup"), {**SIGNUP, "email": "new@example.test"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert get_user_model().objects.count() == users


# --- 3. Profile ---------------------------------------------------------------------------------------


def profile_form(**overrides) -> dict:
    data = {
        "last_name": "Сидоров",
        "first_name": "Пётр",
        "patronymic": "Ильич",
        "date_of_birth": "1990-05-17",
        "snils": "11223344595",
        "id_doc_type": "passport_ru",
        "id_doc_series": "40 12",
        "id_doc_number": "123456",
        "id_doc_issued_by": "ГУ МВД России по г. Санкт-Петербургу",
        "id_doc_issued_on": "2015-06-10",
        "phone": "+7 921 000-00-00",
        "address": "г. Санкт-Петербург, ул. Заводская, д. 1",
        "education-TOTAL_FORMS": "0",
        "education-INITIAL_FORMS": "0",
        "education-MIN_NUM_FORMS": "0",
        "education-MAX_NUM_FORMS": "10",
        "experience-TOTAL_FORMS": "0",
        "experience-INITIAL_FORMS": "0",
        "experience-MIN_NUM_FORMS": "0",
        "experience-MAX_NUM_FORMS": "20",
    }
    data.update(overrides)
    return data


def _years_ago(years: int, days: int = 0) -> str:
    """The date ``years`` ago (28 February for a 29 February), shifted back by ``days``."""
    today = timezone.localdate()
    try:
        then = today.replace(year=today.year - years)
    except ValueError:
        then = today.replace(year=today.year - years, day=28)
    return (then - datetime.timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"snils": "11223344596"},
            "snils",
            lambda: ru("This SNILS is not valid: its check digits do not match. Please check the number."),
        ),
        (
            {"snils": "112-233-445"},
            "snils",
            lambda: ru("SNILS has 11 digits, e.g. 112-233-445 95."),
        ),
        (
            {"id_doc_series": "40A2"},
            "id_doc_series",
            lambda: ru("Russian passport: series of 4 digits, number of 6 digits."),
        ),
        (
            {"id_doc_number": "12345"},
            "id_doc_number",
            lambda: ru("Russian passport: series of 4 digits, number of 6 digits."),
        ),
        (
            lambda: {"date_of_birth": (timezone.localdate() + datetime.timedelta(days=30)).isoformat()},
            "date_of_birth",
            lambda: ru("This date is in the future."),
        ),
        (
            lambda: {"date_of_birth": _years_ago(16, days=-1), "id_doc_issued_on": _years_ago(1)},
            "date_of_birth",
            lambda: ru("An applicant must be at least %(age)s years old.", age=16),
        ),
        (
            {"date_of_birth": "1990-05-17", "id_doc_issued_on": "1989-01-01"},
            "id_doc_issued_on",
            lambda: ru("The document cannot be issued before the date of birth."),
        ),
        (
            {"phone": "12-34"},
            "phone",
            lambda: ru("Enter a phone number of 10 to 15 digits, e.g. +7 812 123-45-67."),
        ),
    ],
    ids=[
        "snils-checksum",
        "snils-short",
        "passport-series",
        "passport-number",
        "born-in-future",
        "younger-than-16",
        "issued-before-birth",
        "phone",
    ],
)
def test_an_invalid_profile_shows_the_message_on_its_field_and_saves_nothing(
    owner, candidate, overrides, field, message
):
    if callable(overrides):  # dates relative to today are computed when the test runs
        overrides = overrides()
    response = owner.post(reverse("candidates:profile"), profile_form(**overrides))
    assert response.status_code == 200
    assert message() in errors(response.context["form"], field)
    assert escape(message()) in response.content.decode()
    assert not CandidateProfile.objects.filter(user=candidate).exists()
    candidate.refresh_from_db()
    assert candidate.last_name != "Сидоров"


def test_a_sixteen_year_old_may_register_a_profile(owner, candidate):
    response = owner.post(
        reverse("candidates:profile"),
        profile_form(date_of_birth=_years_ago(16), id_doc_issued_on=_years_ago(1)),
    )
    assert response.status_code == 302
    assert CandidateProfile.objects.filter(user=candidate).exists()


def test_a_valid_profile_with_education_and_experience_is_saved(owner, candidate):
    data = profile_form(
        **{
            "education-TOTAL_FORMS": "1",
            "education-0-level": "higher",
            "education-0-institution": "СПбПУ Петра Великого",
            "education-0-specialty": "Автомобили и автомобильное хозяйство",
            "education-0-document_number": "107804 0012345",
            "education-0-completed_on": "2012-06-30",
            "experience-TOTAL_FORMS": "1",
            "experience-0-employer": "ООО «Автосервис»",
            "experience-0-position": "Автомеханик",
            "experience-0-started_on": "2012-09-01",
            "experience-0-ended_on": "",
        }
    )
    response = owner.post(reverse("candidates:profile"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("candidates:dashboard")
    assert flashed(response) == [("success", ru("Your profile is saved."))]
    profile = CandidateProfile.objects.get(user=candidate)
    assert profile.snils == "11223344595"
    assert (profile.id_doc_series, profile.id_doc_number) == ("4012", "123456")
    assert profile.date_of_birth == datetime.date(1990, 5, 17)
    assert [(e.level, e.institution) for e in profile.education.all()] == [("higher", "СПбПУ Петра Великого")]
    assert [(w.employer, w.position, w.ended_on) for w in profile.experience.all()] == [
        ("ООО «Автосервис»", "Автомеханик", None)
    ]
    candidate.refresh_from_db()
    assert (candidate.last_name, candidate.first_name, candidate.patronymic) == ("Сидоров", "Пётр", "Ильич")


def test_work_experience_ending_before_it_starts_is_refused(owner, candidate):
    data = profile_form(
        **{
            "experience-TOTAL_FORMS": "1",
            "experience-0-employer": "ООО «Автосервис»",
            "experience-0-position": "Автомеханик",
            "experience-0-started_on": "2015-09-01",
            "experience-0-ended_on": "2014-09-01",
        }
    )
    response = owner.post(reverse("candidates:profile"), data)
    assert response.status_code == 200
    assert ru("The end date is before the start date.") in errors(response.context["experience"][0], "ended_on")
    assert not CandidateProfile.objects.filter(user=candidate).exists()


def test_a_tampered_formset_management_form_is_refused_without_an_error_page(owner, candidate):
    data = profile_form()
    del data["education-TOTAL_FORMS"]
    response = owner.post(reverse("candidates:profile"), data)
    assert response.status_code == 200
    assert response.context["education"].non_form_errors()
    assert not CandidateProfile.objects.filter(user=candidate).exists()


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/me/applications/new/", "/me/applications/new/"),
        ("https://evil.example/phish", "/me/applications/"),
        ("//evil.example/phish", "/me/applications/"),
    ],
)
def test_after_saving_the_profile_only_a_local_next_url_is_followed(owner, next_url, expected):
    response = owner.post(reverse("candidates:profile") + "?next=" + next_url, profile_form())
    assert response.status_code == 302
    assert response["Location"] == expected


def test_editing_a_profile_updates_it_in_place(owner, candidate):
    owner.post(reverse("candidates:profile"), profile_form())
    response = owner.post(reverse("candidates:profile"), profile_form(phone="+7 812 123-45-67"))
    assert response.status_code == 302
    assert CandidateProfile.objects.filter(user=candidate).count() == 1
    assert CandidateProfile.objects.get(user=candidate).phone == "+7 812 123-45-67"


# --- 4. Applications ---------------------------------------------------------------------------------


def test_the_new_application_page_preselects_the_qualification_from_the_link(owner):
    q = qualification()
    response = owner.get(reverse("candidates:application_new") + f"?qualification={q.code}")
    assert response.status_code == 200
    assert response.context["form"].initial["qualification"] == q
    assert Application.objects.count() == 0


def test_a_candidate_opens_a_draft_for_an_active_qualification(owner, candidate):
    q = qualification()
    response = owner.post(reverse("candidates:application_new"), {"qualification": q.pk, "notify_by": "email"})
    app = Application.objects.get(candidate=candidate)
    assert response.status_code == 302
    assert response["Location"] == detail_url(app)
    assert (app.qualification, app.status, app.number) == (q, S.DRAFT, None)
    assert list(app.history.values_list("from_status", "to_status", "by")) == [("", S.DRAFT, candidate.pk)]


def test_a_second_open_application_for_the_same_qualification_is_refused_on_the_form(owner, candidate, submitted):
    response = owner.post(
        reverse("candidates:application_new"), {"qualification": submitted.qualification_id, "notify_by": "email"}
    )
    assert response.status_code == 200
    message = ru("You already have an open application for this qualification.")
    assert errors(response.context["form"], "qualification") == [message]
    assert escape(message) in response.content.decode()
    assert Application.objects.filter(candidate=candidate).count() == 1


def test_a_double_submitted_new_application_form_opens_one_draft(owner, candidate):
    data = {"qualification": qualification().pk, "notify_by": "email"}
    first = owner.post(reverse("candidates:application_new"), data)
    second = owner.post(reverse("candidates:application_new"), data)
    assert first.status_code == 302
    assert second.status_code == 200
    assert errors(second.context["form"], "qualification") == [
        ru("You already have an open application for this qualification.")
    ]
    assert Application.objects.filter(candidate=candidate).count() == 1
    assert ApplicationTransition.objects.count() == 1


def test_after_withdrawing_a_new_application_for_the_same_qualification_is_allowed(owner, candidate):
    q = qualification()
    owner.post(reverse("candidates:application_new"), {"qualification": q.pk, "notify_by": "email"})
    first = Application.objects.get(candidate=candidate)
    assert owner.post(reverse("candidates:application_withdraw", args=[first.pk])).status_code == 302
    response = owner.post(reverse("candidates:application_new"), {"qualification": q.pk, "notify_by": "email"})
    assert response.status_code == 302
    statuses = dict(Application.objects.filter(candidate=candidate).values_list("pk", "status"))
    assert len(statuses) == 2
    assert statuses[first.pk] == S.WITHDRAWN
    assert sorted(statuses.values()) == sorted([S.WITHDRAWN, S.DRAFT])


def test_an_inactive_qualification_cannot_be_chosen(owner, candidate):
    q = qualification("31.00400.03")
    q.is_active = False
    q.save(update_fields=["is_active"])
    response = owner.post(reverse("candidates:application_new"), {"qualification": q.pk, "notify_by": "email"})
    assert response.status_code == 200
    assert error_codes(response.context["form"], "qualification") == ["invalid_choice"]
    assert not Application.objects.filter(candidate=candidate).exists()


def _upload_url(app) -> str:
    return reverse("candidates:application_upload", args=[app.pk])


BAD_UPLOADS = {
    "renamed-executable": (
        lambda: SimpleUploadedFile("passport.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00" + b"\0" * 200),
        "content",
    ),
    "oversize": (lambda: pdf_upload("passport.pdf", size=MAX_UPLOAD_BYTES + 1), "too_large"),
    "empty": (lambda: SimpleUploadedFile("passport.pdf", b""), "empty"),
    "exe-name": (lambda: SimpleUploadedFile("setup.exe", b"%PDF-1.4\n" + b"0" * 200), "extension"),
    "png-named-jpeg": (lambda: png_upload("scan.jpg"), "content"),
}


@pytest.mark.parametrize("kind", list(BAD_UPLOADS))
def test_a_bad_upload_answers_400_with_the_reason_and_stores_nothing(owner, draft, media, kind):
    make_file, code = BAD_UPLOADS[kind]
    required = draft.qualification.required_documents.first()
    before = state(draft)
    response = owner.post(_upload_url(draft), {"required_document": required.pk, "file": make_file()})
    assert response.status_code == 400
    form = response.context["upload_form"]
    assert error_codes(form, "file") == [code]
    html = response.content.decode()
    for message in errors(form, "file"):
        assert escape(message) in html
    assert state(draft) == before
    assert not draft.documents.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("make_file", "content_type", "suffix"),
    [(lambda: pdf_upload("Паспорт скан.PDF"), "application/pdf", ".pdf"), (png_upload, "image/png", ".png")],
    ids=["pdf", "png"],
)
def test_a_pdf_or_png_is_attached_under_a_generated_name(owner, draft, media, make_file, content_type, suffix):
    required = draft.qualification.required_documents.first()
    upload = make_file()
    response = owner.post(_upload_url(draft), {"required_document": required.pk, "file": upload})
    assert response.status_code == 302
    assert response["Location"] == detail_url(draft)
    assert flashed(response) == [("success", ru("The document is attached."))]
    document = draft.documents.get()
    assert (document.required_document, document.content_type, document.original_name) == (
        required,
        content_type,
        upload.name,
    )
    assert document.uploaded_by == draft.candidate
    files = stored_files(media)
    assert len(files) == 1
    assert files[0].suffix == suffix
    assert upload.name.rsplit(".", 1)[0] not in files[0].name


def test_a_document_type_of_another_qualification_is_refused(owner, draft, media):
    foreign = qualification("31.00400.03").required_documents.first()
    response = owner.post(_upload_url(draft), {"required_document": foreign.pk, "file": pdf_upload()})
    assert response.status_code == 400
    assert error_codes(response.context["upload_form"], "required_document") == ["invalid_choice"]
    assert not draft.documents.exists()
    assert stored_files(media) == []


def test_no_upload_once_the_application_is_submitted(owner, submitted, media):
    before = state(submitted)
    required = submitted.qualification.required_documents.first()
    response = owner.post(_upload_url(submitted), {"required_document": required.pk, "file": pdf_upload()})
    assert response.status_code == 400
    assert errors(response.context["upload_form"], "file") == [
        ru("Documents can be added only to a draft or when the center asks for them.")
    ]
    assert state(submitted) == before


def _submit_url(app) -> str:
    return reverse("candidates:application_submit", args=[app.pk])


@pytest.mark.parametrize(
    "data", [{}, {"consent_personal_data": "on"}, {"accept_exam_rules": "on"}], ids=["none", "no-rules", "no-pd"]
)
def test_submitting_without_both_consents_answers_400_and_keeps_the_draft(owner, draft, data):
    attach_mandatory(draft)
    before = state(draft)
    response = owner.post(_submit_url(draft), data)
    assert response.status_code == 400
    form = response.context["submit_form"]
    for field in ("consent_personal_data", "accept_exam_rules"):
        assert error_codes(form, field) == ([] if field in data else ["required"])
    assert escape(str(form.fields["consent_personal_data"].error_messages["required"])) in response.content.decode()
    assert state(draft) == before
    assert draft.status == S.DRAFT and draft.consent_given_at is None


def test_submitting_without_a_profile_redirects_with_an_error_and_keeps_the_draft(client, candidate, media):
    app = ApplicationFactory(candidate=candidate)  # no CandidateProfile
    attach_mandatory(app)
    client.force_login(candidate)
    before = state(app)
    response = client.post(_submit_url(app), CONSENTS)
    assert response.status_code == 302
    assert response["Location"] == detail_url(app)
    assert flashed(response) == [("error", ru("Fill in your profile before submitting the application."))]
    assert state(app) == before


def test_submitting_without_the_mandatory_documents_names_them_and_keeps_the_draft(owner, draft):
    before = state(draft)
    response = owner.post(_submit_url(draft), CONSENTS)
    assert response.status_code == 302
    assert response["Location"] == detail_url(draft)
    with translation.override("ru"):
        names = "; ".join(d.display_name for d in services.missing_documents(draft))
    assert flashed(response) == [("error", ru("Attach the mandatory documents first: %(docs)s.", docs=names))]
    assert state(draft) == before


def test_a_complete_application_is_registered_with_number_deadline_and_consent(
    owner, draft, candidate, settings, django_capture_on_commit_callbacks
):
    attach_mandatory(draft)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(
            _submit_url(draft), CONSENTS, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1"
        )
    assert response.status_code == 302
    assert response["Location"] == detail_url(draft)
    assert [level for level, _text in flashed(response)] == ["success"]
    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED
    today = timezone.localdate()
    assert draft.number == f"{today.year}-{draft.pk:06d}"
    assert draft.review_due_on == today + datetime.timedelta(days=settings.QAC_APPLICATION_REVIEW_DAYS)
    assert draft.consent_ip == "203.0.113.7", "the address comes from REMOTE_ADDR, never from a client header"
    assert draft.consent_text_version == settings.QAC_CONSENT_TEXT_VERSION
    assert draft.consent_given_at and draft.rules_accepted_at and draft.submitted_at
    assert draft.history.last().to_status == S.SUBMITTED and draft.history.last().by == candidate
    assert [m.to for m in mail.outbox] == [[candidate.email]]
    assert draft.number in mail.outbox[0].subject


def test_submitting_twice_keeps_the_first_registration(owner, draft):
    attach_mandatory(draft)
    owner.post(_submit_url(draft), CONSENTS, follow=True)  # following the redirect shows its message
    draft.refresh_from_db()
    before = state(draft)
    response = owner.post(_submit_url(draft), CONSENTS)
    assert response.status_code == 302
    assert flashed(response) == [
        (
            "error",
            ru(
                "An application that is «%(status)s» cannot become «%(to)s».",
                status=label(S.SUBMITTED),
                to=label(S.SUBMITTED),
            ),
        )
    ]
    assert state(draft) == before


def test_the_candidate_withdraws_an_application_with_a_note(
    owner, application_in, candidate, django_capture_on_commit_callbacks
):
    app = application_in(S.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(reverse("candidates:application_withdraw", args=[app.pk]), {"note": "  Передумал  "})
    assert response.status_code == 302
    assert response["Location"] == detail_url(app)
    app.refresh_from_db()
    assert app.status == S.WITHDRAWN
    assert app.decided_at is not None and app.review_due_on is None
    last = app.history.last()
    assert (last.from_status, last.to_status, last.by, last.note) == (S.SUBMITTED, S.WITHDRAWN, candidate, "Передумал")
    assert [m.to for m in mail.outbox] == [[candidate.email]]


@pytest.mark.parametrize("status", [S.WITHDRAWN, S.REJECTED])
def test_a_closed_application_cannot_be_withdrawn(owner, application_in, status):
    app = application_in(status)
    before = state(app)
    response = owner.post(reverse("candidates:application_withdraw", args=[app.pk]))
    assert response.status_code == 302
    assert flashed(response) == [
        (
            "error",
            ru(
                "An application that is «%(status)s» cannot become «%(to)s».",
                status=label(status),
                to=label(S.WITHDRAWN),
            ),
        )
    ]
    assert state(app) == before


def test_resubmitting_without_a_new_document_is_refused(owner, application_in):
    app = application_in(S.DOCUMENTS_REQUESTED)
    before = state(app)
    response = owner.post(reverse("candidates:application_resubmit", args=[app.pk]), {"note": "Вот"})
    assert response.status_code == 302
    assert flashed(response) == [("error", ru("Upload the documents the center asked for before resubmitting."))]
    assert state(app) == before


def test_the_candidate_uploads_the_requested_document_and_resubmits(
    owner, application_in, candidate, settings, django_capture_on_commit_callbacks
):
    app = application_in(S.DOCUMENTS_REQUESTED)
    required = app.qualification.required_documents.first()
    page = owner.get(detail_url(app))
    assert {"upload", "resubmit"} <= page.context["actions"]
    assert owner.post(_upload_url(app), {"required_document": required.pk, "file": pdf_upload()}).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(reverse("candidates:application_resubmit", args=[app.pk]), {"note": "Диплом приложен"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == S.RESUBMITTED
    assert app.review_due_on == timezone.localdate() + datetime.timedelta(days=settings.QAC_APPLICATION_REVIEW_DAYS)
    assert app.history.last().note == "Диплом приложен"
    assert [m.to for m in mail.outbox] == [[candidate.email]]


def test_the_candidate_sees_the_file_of_their_own_document_without_an_audit_row(owner, draft):
    attach_mandatory(draft)
    document = draft.documents.first()
    response = owner.get(reverse("candidates:document", args=[document.pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body == Path(document.file.path).read_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f"inline; filename=document-{document.pk}.pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert not PersonalDataAccess.objects.exists()


def test_a_document_is_downloaded_as_an_attachment_on_request(owner, draft):
    attach_mandatory(draft)
    document = draft.documents.first()
    response = owner.get(reverse("candidates:document", args=[document.pk]) + "?download=1")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")  # reading to the end closes the file
    assert response["Content-Disposition"] == f"attachment; filename=document-{document.pk}.pdf"


def test_a_document_whose_file_is_gone_answers_404(owner, draft):
    attach_mandatory(draft)
    document = draft.documents.first()
    Path(document.file.path).unlink()
    assert owner.get(reverse("candidates:document", args=[document.pk])).status_code == 404


# --- 5. Staff queue --------------------------------------------------------------------------------

QUEUE = reverse("candidates:staff_queue")


def queued(
    *,
    status: str = S.SUBMITTED,
    registered: datetime.date | None = None,
    due: datetime.date | str | None = "auto",
    code: str = "31.00400.02",
    profile: bool = True,
    **user_fields,
) -> Application:
    """A registered application straight from the factories: the queue only reads these fields."""
    user = UserFactory(role=Role.CANDIDATE, **user_fields)
    if profile:
        CandidateProfileFactory(user=user)
    registered = registered or timezone.localdate()
    at = timezone.make_aware(datetime.datetime.combine(registered, datetime.time(12)))
    if due == "auto":
        due = registered + datetime.timedelta(days=10) if status in (S.SUBMITTED, S.RESUBMITTED) else None
    app = ApplicationFactory(
        candidate=user,
        qualification=qualification(code),
        status=status,
        submitted_at=at if status != S.DRAFT else None,
        review_due_on=due,
    )
    if status != S.DRAFT:
        app.number = f"{registered.year}-{app.pk:06d}"
        app.save(update_fields=["number"])
    return app


def listed(response) -> list[int]:
    assert response.status_code == 200
    return [a.pk for a, _left, _overdue in response.context["rows"]]


def test_the_queue_filters_by_status(staff_client):
    submitted, accepted, rejected = queued(), queued(status=S.ACCEPTED), queued(status=S.REJECTED)
    assert listed(staff_client.get(QUEUE, {"status": S.ACCEPTED})) == [accepted.pk]
    assert listed(staff_client.get(QUEUE, {"status": S.REJECTED})) == [rejected.pk]
    assert set(listed(staff_client.get(QUEUE))) == {submitted.pk, accepted.pk, rejected.pk}


def test_the_queue_filters_by_qualification(staff_client):
    mine, other = queued(code="31.00400.02"), queued(code="31.00400.03")
    assert listed(staff_client.get(QUEUE, {"qualification": other.qualification_id})) == [other.pk]
    assert listed(staff_client.get(QUEUE, {"qualification": mine.qualification_id})) == [mine.pk]


def test_the_queue_filters_by_registration_dates_inclusively(staff_client):
    today = timezone.localdate()
    old, middle, recent = (queued(registered=today - datetime.timedelta(days=d)) for d in (30, 20, 10))
    day = (today - datetime.timedelta(days=20)).isoformat()
    assert listed(staff_client.get(QUEUE, {"submitted_from": day, "submitted_to": day})) == [middle.pk]
    assert set(listed(staff_client.get(QUEUE, {"submitted_from": day}))) == {middle.pk, recent.pk}
    assert set(listed(staff_client.get(QUEUE, {"submitted_to": day}))) == {old.pk, middle.pk}


def test_the_queue_finds_by_surname(staff_client):
    smirnova, _other = queued(last_name="Смирнова"), queued(last_name="Кузнецов")
    assert listed(staff_client.get(QUEUE, {"q": "Смирнова"})) == [smirnova.pk]
    assert listed(staff_client.get(QUEUE, {"q": "Смир"})) == [smirnova.pk]
    assert listed(staff_client.get(QUEUE, {"q": "  Смирнова  "})) == [smirnova.pk]


@pytest.mark.parametrize("q", ["смирнова", "СМИРНОВА", "смирнова иван"])
def test_the_queue_finds_a_cyrillic_surname_in_any_case(staff_client, q):
    smirnova, _other = queued(last_name="Смирнова", first_name="Иван"), queued(last_name="Кузнецов")
    assert listed(staff_client.get(QUEUE, {"q": q})) == [smirnova.pk]


def test_the_queue_finds_by_full_snils_with_dashes(staff_client):
    wanted, _other = queued(), queued()
    snils = wanted.candidate.candidate_profile.snils_display
    assert re.fullmatch(r"\d{3}-\d{3}-\d{3} \d{2}", snils)
    assert listed(staff_client.get(QUEUE, {"q": snils})) == [wanted.pk]


def test_the_queue_finds_by_email_in_any_case(staff_client):
    wanted, _other = queued(email="wanted@example.test"), queued()
    assert listed(staff_client.get(QUEUE, {"q": "Wanted@Example.TEST"})) == [wanted.pk]


def test_the_queue_finds_by_application_number(staff_client):
    wanted, _other = queued(), queued()
    assert listed(staff_client.get(QUEUE, {"q": wanted.number})) == [wanted.pk]


def test_drafts_are_never_listed_in_the_queue(staff_client):
    registered = queued()
    draft = queued(status=S.DRAFT, last_name="Черновиков")
    assert listed(staff_client.get(QUEUE)) == [registered.pk]
    assert listed(staff_client.get(QUEUE, {"q": "Черновиков"})) == []
    assert draft.pk not in listed(staff_client.get(QUEUE, {"status": S.DRAFT}))
    assert staff_url(draft) not in staff_client.get(QUEUE).content.decode()


@pytest.mark.parametrize(
    ("sort", "descending"),
    [
        ("due", False),
        ("-due", True),
        ("submitted", False),
        ("-submitted", True),
        ("number", False),
        ("-number", True),
        ("name", False),
        ("-name", True),
        ("", False),  # the default: the nearest deadline first
        ("bogus", False),
        ("-id; DROP TABLE candidates_application", False),
    ],
)
def test_the_queue_sorts_by_each_column_and_falls_back_to_the_deadline(staff_client, sort, descending):
    today = timezone.localdate()
    apps = [
        queued(last_name=name, registered=today - datetime.timedelta(days=days))
        for name, days in (("Алексеев", 3), ("Борисов", 2), ("Васильев", 1))
    ]
    expected = [a.pk for a in apps]
    response = staff_client.get(QUEUE, {"sort": sort})
    assert listed(response) == (expected[::-1] if descending else expected)
    assert Application.objects.count() == 3


@pytest.mark.parametrize("page", ["abc", "0", "-1", "2", "9999", "1.5", "", "99999999999999999999999"])
def test_an_odd_page_number_shows_a_page_not_an_error(staff_client, page):
    apps = [queued() for _ in range(3)]
    assert set(listed(staff_client.get(QUEUE, {"page": page}))) == {a.pk for a in apps}


@pytest.mark.parametrize(
    "params",
    [
        {"submitted_from": "2026-13-45"},
        {"submitted_to": "yesterday"},
        {"qualification": "abc"},
        {"qualification": "99999999999999999999999"},
        {"status": "no-such-status"},
        {"q": "x" * 101},
    ],
)
def test_an_invalid_filter_shows_its_error_not_an_error_page(staff_client, params):
    app = queued()
    response = staff_client.get(QUEUE, params)
    assert response.status_code == 200
    form = response.context["form"]
    field = next(iter(params))
    assert form.errors[field]
    assert escape(form.errors[field][0]) in response.content.decode()
    assert app.pk in listed(response)


def _row_classes(html: str) -> dict[int, str]:
    rows = re.findall(r'<tr( class="[^"]*")?>\s*<td><a href="/staff/applications/(\d+)/">', html)
    return {int(pk): cls for cls, pk in rows}


def test_overdue_rows_are_marked_as_danger_and_near_deadlines_as_warning(staff_client):
    today = timezone.localdate()
    overdue = queued(due=today - datetime.timedelta(days=3))
    soon = queued(due=today + datetime.timedelta(days=1))
    calm = queued(due=today + datetime.timedelta(days=8))
    decided = queued(status=S.ACCEPTED)
    response = staff_client.get(QUEUE)
    classes = _row_classes(response.content.decode())
    assert classes == {
        overdue.pk: ' class="table-danger"',
        soon.pk: ' class="table-warning"',
        calm.pk: "",
        decided.pk: "",
    }
    overdue_by = {a.pk: o for a, _left, o in response.context["rows"]}
    assert overdue_by == {overdue.pk: 3, soon.pk: None, calm.pk: None, decided.pk: None}


def test_the_queue_masks_snils_and_the_detail_page_shows_it_in_full(staff_client):
    app = queued()
    profile = app.candidate.candidate_profile
    html = staff_client.get(QUEUE).content.decode()
    assert profile.snils not in html and profile.snils_display not in html
    assert profile.snils_masked in html
    detail = staff_client.get(staff_url(app)).content.decode()
    assert profile.snils_display in detail


def test_the_queue_writes_no_audit_row_but_the_detail_page_and_a_document_do(staff_client, staff, submitted):
    staff_client.get(QUEUE)
    assert not PersonalDataAccess.objects.exists()

    staff_client.get(staff_url(submitted))
    document = submitted.documents.first()
    response = staff_client.get(reverse("candidates:document", args=[document.pk]))
    assert b"".join(response.streaming_content).startswith(b"%PDF-")  # reading to the end closes the file
    rows = list(PersonalDataAccess.objects.order_by("id").values_list("viewer", "candidate", "what", "document"))
    assert rows == [
        (staff.pk, submitted.candidate_id, PersonalDataAccess.What.PROFILE, None),
        (staff.pk, submitted.candidate_id, PersonalDataAccess.What.DOCUMENT, document.pk),
    ]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_queue_issues_as_many_queries_for_30_applications_as_for_5(staff_client):
    today = timezone.localdate()
    for i in range(5):
        queued(registered=today - datetime.timedelta(days=i), profile=i % 2 == 0)
    staff_client.get(QUEUE)  # warm-up: session, content types, translations
    with_5 = _queries(staff_client, QUEUE)
    for i in range(25):
        queued(status=[S.SUBMITTED, S.ACCEPTED, S.RESUBMITTED][i % 3], profile=i % 2 == 0)
    with_30 = _queries(staff_client, QUEUE)
    assert with_5 == with_30
    assert len(staff_client.get(QUEUE).context["rows"]) == 25


def test_the_staff_application_page_issues_as_many_queries_for_4_documents_as_for_1(
    staff_client, staff, draft, application_in
):
    """Measured on one application under review as the candidate adds documents to it."""
    # No document is mandatory here, so the application is registered with none
    # and the first one arrives after the center asks for it.
    draft.qualification.required_documents.update(is_mandatory=False)
    app = application_in(S.DOCUMENTS_REQUESTED)
    assert not app.documents.exists()
    profile = app.candidate.candidate_profile
    profile.education.create(level="higher", institution="СПбПУ", completed_on=datetime.date(2012, 6, 30))
    profile.experience.create(employer="ООО «Автосервис»", position="Механик", started_on=datetime.date(2012, 9, 1))

    def attach(required, upload):
        services.application_attach_document(
            application=app, required_document=required, uploaded_file=upload, by=app.candidate
        )

    attach(None, pdf_upload())
    staff_client.get(staff_url(app))  # warm-up
    with_1 = _queries(staff_client, staff_url(app))
    for required in app.qualification.required_documents.all()[:2]:
        attach(required, pdf_upload())
    attach(None, png_upload())
    assert app.documents.count() == 4
    assert _queries(staff_client, staff_url(app)) == with_1


# --- 6. Staff actions ----------------------------------------------------------------------------------


def test_staff_accept_an_application_and_the_candidate_is_mailed(
    staff_client, staff, submitted, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            action_url(submitted), {"action": "accept", "version": submitted.version, "text": "Ждём на экзамене"}
        )
    assert response.status_code == 302
    assert response["Location"] == staff_url(submitted)
    due = submitted.review_due_on
    submitted.refresh_from_db()
    # The review deadline stays: by it the exam date is agreed (Decree 1204 p.9).
    assert submitted.status == S.ACCEPTED and submitted.decided_at is not None and submitted.review_due_on == due
    assert flashed(response) == [
        ("success", ru("Application %(number)s: %(status)s.", number=submitted.number, status=label(S.ACCEPTED)))
    ]
    last = submitted.history.last()
    assert (last.from_status, last.to_status, last.by, last.note) == (
        S.SUBMITTED,
        S.ACCEPTED,
        staff,
        "Ждём на экзамене",
    )
    assert [m.to for m in mail.outbox] == [[submitted.candidate.email]]
    assert "Ждём на экзамене" in mail.outbox[0].body


def test_staff_request_documents_with_a_message_the_candidate_receives(
    staff_client, submitted, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            action_url(submitted),
            {"action": "request_documents", "version": submitted.version, "text": "  Нужен диплом  "},
        )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == S.DOCUMENTS_REQUESTED
    assert submitted.staff_message == "Нужен диплом" and submitted.review_due_on is None
    assert [m.to for m in mail.outbox] == [[submitted.candidate.email]]
    assert "Нужен диплом" in mail.outbox[0].body


def test_staff_reject_with_a_reason_the_candidate_receives(staff_client, submitted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            action_url(submitted), {"action": "reject", "version": submitted.version, "text": "Нет опыта работы"}
        )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == S.REJECTED
    assert submitted.rejection_reason == "Нет опыта работы" and submitted.decided_at is not None
    assert [m.to for m in mail.outbox] == [[submitted.candidate.email]]
    assert "Нет опыта работы" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("action", "message"),
    [("reject", "A refusal must state its reason."), ("request_documents", "Say which documents are needed.")],
)
@pytest.mark.parametrize("text", ["", "   \n  "])
def test_a_refusal_without_reason_or_a_request_without_message_answers_400(
    staff_client, submitted, action, message, text, django_capture_on_commit_callbacks
):
    before = state(submitted)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            action_url(submitted), {"action": action, "version": submitted.version, "text": text}
        )
    assert response.status_code == 400
    assert errors(response.context["form"], "text") == [ru(message)]
    assert escape(ru(message)) in response.content.decode()
    # Nothing changes but the audit log: the page showed the full profile again.
    assert state(submitted) == {**before, "audit": before["audit"] + 1}


@pytest.mark.parametrize(
    "data",
    [
        {"action": "approve_everything", "version": "2"},
        {"action": "accept", "version": "abc"},
        {"action": "accept", "version": "0"},
        {"action": "accept"},
    ],
)
def test_a_malformed_staff_action_answers_400_and_changes_nothing(staff_client, submitted, data):
    before = state(submitted)
    response = staff_client.post(action_url(submitted), data)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert state(submitted) == {**before, "audit": before["audit"] + 1}


def test_a_stale_decision_is_refused_with_a_warning_and_the_first_decision_stands(
    client, staff, head, submitted, django_capture_on_commit_callbacks
):
    """Two staff members open the same page; the head accepts first, then the staff member's refusal is stale."""
    first = Client()
    first.force_login(head)
    client.force_login(staff)
    page = client.get(staff_url(submitted)).content.decode()
    seen_version = int(re.search(r'name="version" value="(\d+)"', page).group(1))
    assert seen_version == submitted.version
    with django_capture_on_commit_callbacks(execute=True):
        accepted = first.post(action_url(submitted), {"action": "accept", "version": seen_version, "text": ""})
        late = client.post(action_url(submitted), {"action": "reject", "version": seen_version, "text": "Нет опыта"})
    assert accepted.status_code == 302
    assert late.status_code == 302
    assert late["Location"] == staff_url(submitted)
    assert flashed(late) == [
        (
            "warning",
            ru(
                "Someone else has changed this application in the meantime (it is now «%(status)s"
                "»). Nothing was applied: look at its current state and act again if still needed.",
                status=label(S.ACCEPTED),
            ),
        )
    ]
    submitted.refresh_from_db()
    assert submitted.status == S.ACCEPTED and submitted.rejection_reason == ""
    assert submitted.history.filter(to_status=S.ACCEPTED).count() == 1
    assert submitted.history.get(to_status=S.ACCEPTED).by == head
    assert not submitted.history.filter(to_status=S.REJECTED).exists()
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("status", "action", "text"),
    [
        (S.ACCEPTED, "accept", ""),
        (S.ACCEPTED, "reject", "Передумали"),
        (S.REJECTED, "accept", ""),
        (S.WITHDRAWN, "request_documents", "Нужен диплом"),
        (S.DOCUMENTS_REQUESTED, "accept", ""),
    ],
)
def test_an_illegal_decision_shows_an_error_and_changes_nothing(
    staff_client, application_in, status, action, text, django_capture_on_commit_callbacks
):
    app = application_in(status)
    before = state(app)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(action_url(app), {"action": action, "version": app.version, "text": text})
    assert response.status_code == 302
    assert response["Location"] == staff_url(app)
    to = {"accept": S.ACCEPTED, "reject": S.REJECTED, "request_documents": S.DOCUMENTS_REQUESTED}[action]
    assert flashed(response) == [
        (
            "error",
            ru(
                "An application that is «%(status)s» cannot become «%(to)s».",
                status=label(status),
                to=label(to),
            ),
        )
    ]
    assert state(app) == before


def test_the_staff_page_offers_only_the_decisions_the_status_allows(staff_client, application_in):
    app = application_in(S.ACCEPTED)
    response = staff_client.get(staff_url(app))
    assert not {"accept", "request_documents", "reject"} & response.context["actions"]
    assert action_url(app) not in response.content.decode()


# --- 7. Escaping -----------------------------------------------------------------------------------


def _assert_escaped(html: str, payload: str = XSS) -> None:
    assert payload not in html
    assert escape(payload) in html


def test_a_staff_message_with_html_is_shown_escaped_to_the_candidate(staff_client, owner_client, submitted):
    response = staff_client.post(
        action_url(submitted), {"action": "request_documents", "version": submitted.version, "text": XSS}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.staff_message == XSS, "stored as typed"
    html = owner_client.get(detail_url(submitted)).content.decode()
    _assert_escaped(html)
    assert html.count(escape(XSS)) == 2, "in the request banner and in the history"


def test_a_rejection_reason_with_html_is_shown_escaped_to_the_candidate(staff_client, owner_client, submitted):
    staff_client.post(action_url(submitted), {"action": "reject", "version": submitted.version, "text": XSS})
    submitted.refresh_from_db()
    assert submitted.rejection_reason == XSS
    _assert_escaped(owner_client.get(detail_url(submitted)).content.decode())


def test_a_candidate_note_with_html_is_shown_escaped_to_candidate_and_staff(staff_client, owner_client, submitted):
    response = owner_client.post(reverse("candidates:application_withdraw", args=[submitted.pk]), {"note": XSS})
    assert response.status_code == 302
    assert submitted.history.last().note == XSS
    _assert_escaped(owner_client.get(detail_url(submitted)).content.decode())
    _assert_escaped(staff_client.get(staff_url(submitted)).content.decode())


def test_a_file_name_with_html_is_shown_escaped_to_candidate_and_staff(owner_client, staff_client, application_in):
    app = application_in(S.DOCUMENTS_REQUESTED)
    name = '<img src=x onerror="alert(1)">.pdf'
    required = app.qualification.required_documents.first()
    response = owner_client.post(_upload_url(app), {"required_document": required.pk, "file": pdf_upload(name)})
    assert response.status_code == 302
    assert app.documents.filter(original_name=name).count() == 1
    _assert_escaped(owner_client.get(detail_url(app)).content.decode(), name)
    _assert_escaped(staff_client.get(staff_url(app)).content.decode(), name)


def test_a_path_in_a_file_name_never_reaches_the_file_system(owner, draft, media):
    required = draft.qualification.required_documents.first()
    response = owner.post(_upload_url(draft), {"required_document": required.pk, "file": pdf_upload("../../x.pdf")})
    assert response.status_code == 302
    document = draft.documents.get()
    assert document.original_name == "x.pdf"
    assert [p.parent for p in stored_files(media)] == [media / "applications"]
    assert re.fullmatch(r"applications/[0-9a-f]{32}\.pdf", document.file.name)


def test_a_search_term_with_html_is_echoed_escaped_in_the_queue(staff_client):
    queued()
    html = staff_client.get(QUEUE, {"q": '"><script>alert(1)</script>'}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert escape('"><script>alert(1)</script>') in html


@pytest.mark.parametrize("typed", ["112-233-445 95", "112 233 445 95", " 11223344595 "])
def test_snils_typed_with_dashes_or_spaces_is_saved_as_eleven_digits(owner, candidate, typed):
    response = owner.post(reverse("candidates:profile"), profile_form(snils=typed))
    assert response.status_code == 302
    assert CandidateProfile.objects.get(user=candidate).snils == "11223344595"


def test_a_dashed_snils_with_a_wrong_checksum_gets_the_checksum_message(owner, candidate):
    response = owner.post(reverse("candidates:profile"), profile_form(snils="112-233-445 96"))
    assert response.status_code == 200
    assert ru("This SNILS is not valid: its check digits do not match. Please check the number.") in errors(
        response.context["form"], "snils"
    )
    assert not CandidateProfile.objects.filter(user=candidate).exists()


def test_an_overlong_signup_email_is_refused_on_the_form_not_with_a_500(client):
    email = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".test"
    data = {
        "last_name": "Петров",
        "first_name": "Иван",
        "email": email,
        "password1": "a-long-pass-2026!",
        "password2": "a-long-pass-2026!",
    }
    response = client.post(reverse("candidates:signup"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not get_user_model().objects.filter(last_name="Петров").exists()


def test_a_signup_race_on_one_address_keeps_one_account_and_no_500(db, monkeypatch):
    """The second of two racing sign-ups meets the database's unique index; it ends like any taken address."""
    from candidates import services as svc

    first = svc.candidate_signup(email="race@example.test", password="a-long-pass-2026", last_name="A", first_name="B")
    # Both requests passed the "is it taken?" look-up before either wrote.
    real_filter = get_user_model().objects.filter
    looks = iter([None])

    class Raced:
        def __init__(self, qs):
            self.qs = qs

        def first(self):
            return next(looks, self.qs.first())

    monkeypatch.setattr(get_user_model().objects, "filter", lambda *a, **kw: Raced(real_filter(*a, **kw)))
    second = svc.candidate_signup(email="race@example.test", password="a-long-pass-2026", last_name="C", first_name="D")
    monkeypatch.undo()
    assert first is not None and second is None
    assert get_user_model().objects.filter(email="race@example.test").count() == 1


@pytest.mark.parametrize("url_name", ["candidates:application_withdraw", "candidates:application_resubmit"])
def test_an_overlong_candidate_note_stops_the_action_with_a_message(owner, url_name, application_in):
    app = application_in(ApplicationStatus.DOCUMENTS_REQUESTED)
    before = state(app)
    response = owner.post(reverse(url_name, args=[app.pk]), {"note": "x" * 2001})
    assert response.status_code == 302
    assert flashed(response) and flashed(response)[0][0] == "error"
    assert state(app) == before


def test_one_bad_filter_does_not_drop_the_valid_ones(staff_client):
    accepted = queued(status=ApplicationStatus.ACCEPTED)
    _submitted = queued()
    response = staff_client.get(QUEUE, {"status": ApplicationStatus.ACCEPTED, "submitted_from": "garbage"})
    assert response.status_code == 200
    assert response.context["form"].errors["submitted_from"]
    assert listed(response) == [accepted.pk]


def test_a_refused_staff_action_that_shows_the_profile_again_is_audited(staff_client, staff, submitted):
    before = PersonalDataAccess.objects.count()
    response = staff_client.post(
        reverse("candidates:staff_application_action", args=[submitted.pk]),
        {"action": "reject", "version": submitted.version, "text": ""},
    )
    assert response.status_code == 400
    assert PersonalDataAccess.objects.count() == before + 1
    assert PersonalDataAccess.objects.latest("at").viewer == staff
