"""How many files an application holds, and requests holding NUL or invalid characters: 400, never 500."""

import pytest
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import reverse
from django.utils.html import escape

from candidates import services
from candidates.models import Application, ApplicationDocument, ApplicationStatus
from qac.middleware import RejectInvalidInputMiddleware
from tests.factories import pdf_upload

# Matched in English, the source language: the Russian catalogue is merged from /work/tr separately.
BAD_REQUEST_MESSAGE = "The request holds a character that is not allowed"


@pytest.fixture(autouse=True)
def english(client, settings):
    """The language switcher's choice: English pages, and English messages from the services."""
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def attach(application, required, name="doc.pdf"):
    return services.application_attach_document(
        application=application, required_document=required, uploaded_file=pdf_upload(name), by=application.candidate
    )


# --- How many files ---------------------------------------------------------------------------------


def test_one_required_document_takes_at_most_the_set_number_of_files(draft, settings):
    settings.QAC_APPLICATION_MAX_FILES_PER_DOCUMENT = 2
    first, second = draft.qualification.required_documents.all()[:2]
    attach(draft, first)
    attach(draft, first)
    with pytest.raises(services.ApplicationError, match="2") as refused:
        attach(draft, first)
    assert first.display_name in str(refused.value)
    assert draft.documents.filter(required_document=first).count() == 2
    # Another document still has its own places, and "other documents" count as one kind.
    attach(draft, second)
    attach(draft, None)
    attach(draft, None)
    with pytest.raises(services.ApplicationError):
        attach(draft, None)


def test_an_application_takes_at_most_the_set_number_of_files_in_all(draft, settings):
    settings.QAC_APPLICATION_MAX_FILES = 3
    documents = list(draft.qualification.required_documents.all()[:2])
    attach(draft, documents[0])
    attach(draft, documents[1])
    attach(draft, None)
    with pytest.raises(services.ApplicationError, match="3"):
        attach(draft, documents[0])
    assert ApplicationDocument.objects.filter(application=draft).count() == 3


def test_the_page_states_the_limits_and_shows_the_refusal_on_the_form(draft, client, settings, tmp_path):
    settings.QAC_APPLICATION_MAX_FILES_PER_DOCUMENT = 1
    settings.QAC_APPLICATION_MAX_FILES = 7
    required = draft.qualification.required_documents.first()
    attach(draft, required)
    client.force_login(draft.candidate)
    page = client.get(reverse("candidates:application", args=[draft.pk])).content.decode()
    assert "Up to 1 files for each document, 7 in all." in page

    response = client.post(
        reverse("candidates:application_upload", args=[draft.pk]),
        {"required_document": required.pk, "file": pdf_upload("again.pdf")},
    )
    assert response.status_code == 400
    assert escape(f"The application already holds 1 files for “{required.display_name}”, the most allowed.") in (
        response.content.decode()
    )
    assert draft.documents.count() == 1


# --- NUL and invalid characters -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["q=%00abc", "status=%00", "page=1%00", "sort=%00", "q%00=1"])
def test_a_nul_in_the_staff_queue_query_answers_400_with_the_reason(client, staff, query):
    client.force_login(staff)
    response = client.get(f"/staff/applications/?{query}")
    assert response.status_code == 400
    assert BAD_REQUEST_MESSAGE in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/accounts/password/reset/MQ%00/set-password/",
        "/signup/confirm/MQ%00/x%00/",
        "/verify/s/abc%00/",
        "/qualifications/31.00400.02%00/",
    ],
)
def test_a_nul_in_the_address_itself_never_answers_a_server_error(client, path):
    assert client.get(path).status_code < 500


@pytest.mark.django_db
def test_a_nul_in_the_login_form_answers_400_and_signs_nobody_in(client, candidate):
    response = client.post(reverse("login"), {"username": candidate.email + "\x00", "password": "x\x00"})
    assert response.status_code == 400
    assert BAD_REQUEST_MESSAGE in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_nul_in_an_application_note_answers_400_and_changes_nothing(draft, client):
    client.force_login(draft.candidate)
    response = client.post(reverse("candidates:application_withdraw", args=[draft.pk]), {"note": "ухожу\x00"})
    assert response.status_code == 400
    assert "note" in response.content.decode()
    assert Application.objects.get(pk=draft.pk).status == ApplicationStatus.DRAFT


def test_a_nul_in_the_staff_decision_answers_400_and_changes_nothing(submitted, client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("candidates:staff_application_action", args=[submitted.pk]),
        {"action": "reject", "text": "нет\x00", "version": submitted.version},
    )
    assert response.status_code == 400
    assert Application.objects.get(pk=submitted.pk).status == ApplicationStatus.SUBMITTED


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["\ud800", "a\udfffb", "\x00"])
def test_surrogates_and_nul_anywhere_in_the_values_are_refused(bad, rf: RequestFactory):
    middleware = RejectInvalidInputMiddleware(lambda request: pytest.fail("the view must not run"))
    request = rf.get("/")
    request.GET = QueryDict(mutable=True)
    request.GET.setlist("q", ["fine", bad])
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert middleware(request).status_code == 400


@pytest.mark.django_db
def test_ordinary_text_passes_through(client, staff):
    client.force_login(staff)
    assert client.get("/staff/applications/?q=Иванов%20%D0%81").status_code == 200
