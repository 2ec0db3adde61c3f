"""The registry page's answer upload, the list of imports, the file download and the by-hand number entry."""

import datetime

import pytest
from django.contrib.messages import constants
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qac.certificates import services as certificate_services
from qac.certificates.models import IssuedDocument, Kind, NumberSource
from qac.registry import forms as registry_forms
from qac.registry.models import AnswerImport, AnswerStatus
from tests.registry.answer_data import (
    csv_file,
    documents_state,
    make_document,
    make_qualification,
    number_for,
    row,
    today,
    url_for,
    xml_file,
    xml_record,
)

LIST = reverse("registry:batches")
UPLOAD = reverse("registry:answer_upload")
ENTER = reverse("registry:enter_number")
NOT_STAFF = ["candidate", "other_candidate", "expert"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def no_render(monkeypatch):
    monkeypatch.setattr(certificate_services.rendering, "render_soon", lambda ids: None)


@pytest.fixture
def docs(db, staff):
    qualification = make_qualification()
    return [
        make_document(qualification=qualification, staff=staff),
        make_document(qualification=qualification, staff=staff, kind=Kind.CONCLUSION),
    ]


def upload(data: bytes, name: str = "answer.csv"):
    return SimpleUploadedFile(name, data, content_type="text/csv")


def good_file(docs) -> bytes:
    return csv_file(*[row(d, number_for(d, i)) for i, d in enumerate(docs, start=1)])


def levels(response) -> list[int]:
    return [m.level for m in response.context["messages"]]


def state() -> dict:
    return {**documents_state(), "imports": list(AnswerImport.objects.values_list("pk", "status"))}


def test_staff_upload_an_answer_and_see_it_applied(client, staff, docs):
    client.force_login(staff)

    response = client.post(UPLOAD, {"file": upload(good_file(docs))}, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [(LIST + "#answers", 302)]
    assert levels(response) == [constants.SUCCESS]
    record = AnswerImport.objects.get()
    assert (record.status, record.numbered, record.imported_by) == (AnswerStatus.APPLIED, 2, staff)
    assert IssuedDocument.objects.filter(number_source=NumberSource.REGISTER).count() == 2
    page = response.content.decode()
    assert 'data-testid="answer-import"' in page and "answer.csv" in page
    assert reverse("registry:answer_file", args=[record.pk]) in page


def test_an_xml_answer_is_accepted_by_the_page_too(client, staff, docs):
    client.force_login(staff)
    data = xml_file(*[xml_record(d, number_for(d, i)) for i, d in enumerate(docs, start=1)])

    client.post(UPLOAD, {"file": upload(data, "answer.xml")})

    assert AnswerImport.objects.get().status == AnswerStatus.APPLIED


def test_an_upload_with_errors_changes_nothing_and_shows_every_error(client, staff, docs):
    client.force_login(staff)
    before = documents_state()
    data = csv_file(row(docs[0], number_for(docs[0], 1)), row(docs[1], "31.004.bad"))

    response = client.post(UPLOAD, {"file": upload(data)}, follow=True)

    assert response.status_code == 200
    assert levels(response) == [constants.ERROR]
    assert documents_state() == before
    record = AnswerImport.objects.get()
    assert record.status == AnswerStatus.REFUSED
    page = response.content.decode()
    assert 'data-testid="answer-errors"' in page
    assert "<code>registration_number</code>" in page and "31.004.bad" in page
    assert record.errors[0]["line"] == 3


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        b"<registerAnswer><record",
        b"record_id;record_type\n\x00\x00",
        b"record_id;record_type;registration_number;issue_date;register_url\n1;2;3;4;5;6;7",
    ],
    ids=["binary", "broken-xml", "nul-bytes", "too-many-fields"],
)
def test_junk_is_refused_with_a_message_never_a_500(client, staff, docs, data):
    client.force_login(staff)
    before = documents_state()

    response = client.post(UPLOAD, {"file": upload(data, "junk.bin")}, follow=True)

    assert response.status_code == 200
    assert levels(response) == [constants.ERROR]
    assert AnswerImport.objects.get().status == AnswerStatus.REFUSED
    assert documents_state() == before


def test_no_file_or_an_empty_file_is_a_message(client, staff, docs):
    client.force_login(staff)

    for payload in ({}, {"file": upload(b"", "empty.csv")}):
        response = client.post(UPLOAD, payload, follow=True)
        assert response.status_code == 200
        assert levels(response) == [constants.ERROR]
    assert not AnswerImport.objects.exists()


def test_a_file_over_the_limit_is_refused_before_reading(client, staff, docs, monkeypatch):
    monkeypatch.setattr(registry_forms, "MAX_ANSWER_BYTES", 100)
    client.force_login(staff)

    response = client.post(UPLOAD, {"file": upload(good_file(docs))}, follow=True)

    assert levels(response) == [constants.ERROR]
    assert not AnswerImport.objects.exists()
    assert not IssuedDocument.objects.filter(number_source=NumberSource.REGISTER).exists()


def test_staff_download_the_stored_answer_file(client, staff, docs):
    client.force_login(staff)
    data = good_file(docs)
    client.post(UPLOAD, {"file": upload(data)})
    record = AnswerImport.objects.get()

    response = client.get(reverse("registry:answer_file", args=[record.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response.headers["Cache-Control"] == "private, no-store"
    assert client.get(reverse("registry:answer_file", args=[record.pk + 1])).status_code == 404


def test_the_registry_page_shows_the_upload_form(client, staff, db):
    client.force_login(staff)

    page = client.get(LIST).content.decode()

    assert f'action="{UPLOAD}"' in page and 'enctype="multipart/form-data"' in page
    assert 'data-testid="register-answers"' in page


@pytest.mark.parametrize("persona", ["anonymous", *NOT_STAFF])
def test_only_staff_import_answers(persona_client, persona, docs):
    client, _user = persona_client(persona)
    before = state()

    response = client.post(UPLOAD, {"file": upload(good_file(docs))})

    assert response.status_code == (302 if persona == "anonymous" else 403)
    if persona == "anonymous":
        assert response.url.startswith(reverse("login"))
    assert state() == before


@pytest.mark.parametrize("persona", ["anonymous", *NOT_STAFF])
def test_only_staff_download_answer_files(persona_client, persona, docs, staff, client):
    client.force_login(staff)
    client.post(UPLOAD, {"file": upload(good_file(docs))})
    client.logout()
    record = AnswerImport.objects.get()
    client, _user = persona_client(persona)

    response = client.get(reverse("registry:answer_file", args=[record.pk]))

    assert response.status_code == (302 if persona == "anonymous" else 403)


# --- By hand ------------------------------------------------------------------------------------------


def entry(document, number=None, **overrides):
    number = number or number_for(document, 5)
    data = {
        "document": document.pk,
        "number": number,
        "issue_date": today().strftime("%d.%m.%Y"),
        "register_url": url_for(number),
    }
    data.update(overrides)
    return data


def test_staff_enter_a_number_by_hand(client, staff, docs):
    client.force_login(staff)

    response = client.post(ENTER, entry(docs[0]), follow=True)

    assert response.redirect_chain == [(LIST, 302)]
    assert levels(response) == [constants.SUCCESS]
    docs[0].refresh_from_db()
    assert docs[0].number == number_for(docs[0], 5) and docs[0].number_source == NumberSource.REGISTER


def test_a_number_by_hand_goes_back_to_a_local_next_only(client, staff, docs):
    client.force_login(staff)
    detail = "/staff/documents/1/"

    assert client.post(ENTER, {**entry(docs[0]), "next": detail}).url == detail
    assert client.post(ENTER, {**entry(docs[1]), "next": "https://evil.example/"}).url == LIST


@pytest.mark.parametrize(
    "overrides",
    [
        {"number": "12345"},
        {"issue_date": "31.02.2026"},
        {"issue_date": (datetime.date.today() + datetime.timedelta(days=3)).isoformat()},
        {"register_url": "ftp://x"},
        {"document": ""},
    ],
    ids=["number", "date", "future", "url", "no-document"],
)
def test_a_wrong_number_by_hand_is_a_message_and_changes_nothing(client, staff, docs, overrides):
    client.force_login(staff)
    before = documents_state()

    response = client.post(ENTER, {**entry(docs[0]), **overrides}, follow=True)

    assert response.status_code == 200
    assert constants.ERROR in levels(response)
    assert documents_state() == before


def test_a_number_by_hand_for_an_unknown_document_is_404(client, staff, docs):
    client.force_login(staff)

    assert client.post(ENTER, {**entry(docs[0]), "document": 999999}).status_code == 404


def test_entering_a_number_is_post_only(client, staff, db):
    client.force_login(staff)

    assert client.get(ENTER).status_code == 405


@pytest.mark.parametrize("persona", ["anonymous", *NOT_STAFF])
def test_only_staff_enter_numbers_by_hand(persona_client, persona, docs):
    client, _user = persona_client(persona)
    before = documents_state()

    response = client.post(ENTER, entry(docs[0]))

    assert response.status_code == (302 if persona == "anonymous" else 403)
    assert documents_state() == before
