"""The certificates pages: the public verification, the holder's file, and the staff pages.

Every URL of ``qac/certificates/urls.py`` is walked by every persona; a refused request is
checked to change nothing. Query counts of the list pages must not grow with the rows.
"""

import datetime
import io
import re
import zipfile

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from candidates.models import CandidateProfile
from qac.certificates import render, services, verification
from qac.certificates.models import DocumentEvent, IssuedDocument, RenderStatus, Variant
from qac.certificates.selectors import allowed_document_actions
from qac.certificates.urls import urlpatterns
from tests.helpers.access import PERSONAS
from tests.helpers.certificates import (
    FAIL_THEORY,
    PASS,
    documents_state,
    issue,
    make_candidate,
    pdf_bytes,
)
from tests.helpers.exams import ru
from tests.helpers.legal import council_decide, register

pytestmark = pytest.mark.django_db

VERIFY = reverse("certificates:verify")


def status_of(response) -> str:
    match = re.search(r'data-status="(\w+)"', response.content.decode())
    return match.group(1) if match else ""


def status_block(response) -> str:
    html = response.content.decode()
    match = re.search(r'<div class="alert[^"]*" role="status".*?</div>', html, re.S)
    assert match, html
    return match.group(0)


def without_values(response) -> str:
    """The page without what differs between two requests by design: input values and CSRF tokens."""
    return re.sub(r'\svalue="[^"]*"', "", response.content.decode())


def check(client, number, issue_date, addr="198.51.100.7"):
    day = issue_date.isoformat() if isinstance(issue_date, datetime.date) else issue_date
    return client.get(VERIFY, {"number": number, "issue_date": day}, REMOTE_ADDR=addr)


def signed_path(document) -> str:
    return reverse("certificates:verify_signed", args=[verification.signed_token(document)])


# --- Public verification ------------------------------------------------------------------------------


def test_a_valid_certificate_is_confirmed_with_its_public_facts(client, certificate):
    response = check(client, certificate.number, certificate.issue_date)
    assert response.status_code == 200
    assert status_of(response) == "valid"
    html = response.content.decode()
    assert ru("The certificate is valid.") in html
    assert certificate.number in html
    assert certificate.holder_public_name in html
    assert certificate.qualification.name in html
    assert certificate.valid_until.strftime("%d.%m.%Y") in html
    assert "78.033" in html
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]


def test_an_expired_certificate_says_so(client, certificate):
    IssuedDocument.objects.filter(pk=certificate.pk).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    response = check(client, certificate.number, certificate.issue_date)
    assert status_of(response) == "expired"
    assert ru("The certificate has expired.") in response.content.decode()


def test_a_revoked_certificate_shows_the_date_and_the_reason(client, certificate, staff):
    on = timezone.localdate() - datetime.timedelta(days=3)
    services.certificate_revoke(document=certificate, by=staff, reason="Подложный диплом", revoked_on=on)
    response = check(client, certificate.number, certificate.issue_date)
    assert status_of(response) == "revoked"
    block = status_block(response)
    assert on.strftime("%d.%m.%Y") in block
    assert "Подложный диплом" in block


def test_a_wrong_number_and_a_wrong_date_give_the_same_not_found_page(client, certificate):
    wrong_date = check(client, certificate.number, certificate.issue_date - datetime.timedelta(days=1))
    wrong_number = check(client, certificate.number[:-4] + "9999" + certificate.number[-3:], certificate.issue_date)
    nothing = check(client, "00.00000.00.00000001.26", "2020-01-01")
    for response in (wrong_date, wrong_number, nothing):
        assert response.status_code == 200
        assert status_of(response) == "not_found"
        assert certificate.holder_last_name not in response.content.decode()
    assert status_block(wrong_date) == status_block(wrong_number) == status_block(nothing)
    assert ru("No certificate with this number and date of issue was found.") in status_block(wrong_date)
    assert without_values(wrong_date) == without_values(wrong_number)


def test_the_qr_link_opens_the_same_answer(client, certificate):
    assert render.verify_url(certificate).endswith(signed_path(certificate))
    by_link = client.get(signed_path(certificate))
    by_form = check(client, certificate.number, certificate.issue_date)
    assert by_link.status_code == 200
    assert status_of(by_link) == "valid"
    assert status_block(by_link) == status_block(by_form)


def test_a_forged_or_altered_link_is_not_found(client, certificate):
    token = verification.signed_token(certificate)
    forged = signing.dumps(
        {"n": certificate.number, "d": certificate.issue_date.isoformat()}, key="not-our-secret", salt=verification.SALT
    )
    other_salt = signing.dumps({"n": certificate.number, "d": certificate.issue_date.isoformat()}, salt="other")
    altered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for bad in (forged, other_salt, altered, "garbage", token.split(":")[0]):
        response = client.get(reverse("certificates:verify_signed", args=[bad]))
        assert response.status_code == 200
        assert status_of(response) == "not_found", bad
        assert certificate.number not in status_block(response)


def test_the_page_shows_surname_and_initials_and_no_personal_data(client, make_exam):
    holder = make_candidate(
        last_name="Кузнецова",
        first_name="Анастасия",
        patronymic="Святославовна",
        email="anastasia.k@example.test",
        phone="+7 911 765-43-21",
        id_doc_series="4017",
        id_doc_number="918273",
        date_of_birth=datetime.date(1988, 3, 9),
    )
    profile = CandidateProfile.objects.get(user=holder)
    built = make_exam([PASS], holders=[holder])
    (document,) = issue(built.results)

    for response in (check(client, document.number, document.issue_date), client.get(signed_path(document))):
        html = response.content.decode()
        assert status_of(response) == "valid"
        assert "Кузнецова А. С." in html
        for secret in (
            "Анастасия",
            "Святославовна",
            profile.snils,
            profile.snils_display,
            "4017",
            "918273",
            "09.03.1988",
            "1988-03-09",
            "anastasia.k@example.test",
            "+7 911 765-43-21",
            "765-43-21",
        ):
            assert secret not in html, secret


def test_too_many_lookups_from_one_address_are_refused_for_the_minute(client, certificate, settings, monkeypatch):
    settings.QAC_VERIFY_RATE_PER_MINUTE = 3
    # One fixed minute, so the window cannot roll over in the middle of the test.
    minute = timezone.now().replace(second=30)
    monkeypatch.setattr(verification, "timezone", type("Clock", (), {"now": staticmethod(lambda: minute)}))

    # The empty form is not a look-up.
    assert client.get(VERIFY, REMOTE_ADDR="203.0.113.5").status_code == 200
    for _ in range(2):
        assert check(client, certificate.number, certificate.issue_date, "203.0.113.5").status_code == 200
    assert client.get(signed_path(certificate), REMOTE_ADDR="203.0.113.5").status_code == 200, "the QR link counts too"

    refused = check(client, certificate.number, certificate.issue_date, "203.0.113.5")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    limited = (
        "Too many certificates were checked from your address in the last minute. Please wait a minute and try again."
    )
    assert ru(limited) in refused.content.decode()
    assert 'data-status="' not in refused.content.decode(), "no answer while limited"
    assert client.get(signed_path(certificate), REMOTE_ADDR="203.0.113.5").status_code == 429

    other = check(client, certificate.number, certificate.issue_date, "203.0.113.99")
    assert other.status_code == 200 and status_of(other) == "valid"

    # The next minute starts a new window.
    monkeypatch.setattr(
        verification,
        "timezone",
        type("Clock", (), {"now": staticmethod(lambda: minute + datetime.timedelta(minutes=1))}),
    )
    assert check(client, certificate.number, certificate.issue_date, "203.0.113.5").status_code == 200


# --- Every URL, every persona ---------------------------------------------------------------------------


def _urls(document, duplicate_request=0):
    session = document.result.enrolment.session.pk
    return {
        "duplicate_request": ("staff-post", reverse("certificates:duplicate_request", args=[duplicate_request])),
        "duplicate_file": ("staff", reverse("certificates:duplicate_file", args=[duplicate_request])),
        "verify": ("public", reverse("certificates:verify")),
        "verify_signed": ("public", signed_path(document)),
        "file": ("holder", reverse("certificates:file", args=[document.pk])),
        "list": ("staff", reverse("certificates:list")),
        "document": ("staff", reverse("certificates:document", args=[document.pk])),
        "session": ("staff", reverse("certificates:session", args=[session])),
        "progress": ("staff", reverse("certificates:progress", args=[session])),
        "session_zip": ("staff", reverse("certificates:session_zip", args=[session])),
        "action": ("staff-post", reverse("certificates:action", args=[document.pk])),
        "session_issue": ("staff-post", reverse("certificates:session_issue", args=[session])),
    }


def test_the_walk_covers_every_url_of_the_app(certificate):
    assert set(_urls(certificate)) == {p.name for p in urlpatterns}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    "name", ["verify", "verify_signed", "file", "list", "document", "session", "progress", "session_zip"]
)
def test_every_page_answers_only_those_allowed(request, persona_client, persona, name):
    # Only the file and the ZIP need a rendered PDF; the other pages skip the rendering.
    document = request.getfixturevalue("rendered_certificate" if name in ("file", "session_zip") else "certificate")
    kind, url = _urls(document)[name]
    client, user = persona_client(persona)
    before = documents_state()
    response = client.get(url)
    is_staff = persona in ("staff", "head")
    if kind == "public":
        assert response.status_code == 200
    elif kind == "holder":
        if persona == "candidate" or is_staff:
            assert response.status_code == 200
            assert response["Content-Type"] == "application/pdf"
            assert "private" in response["Cache-Control"]
            body = b"".join(response.streaming_content)
            assert body.startswith(b"%PDF") and body == pdf_bytes(document)
            assert document.number in response["Content-Disposition"]
        else:
            assert response.status_code == 404
    elif user is None:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif is_staff:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
    assert documents_state() == before


@pytest.mark.parametrize("persona", ["anonymous", "candidate", "other_candidate", "expert"])
def test_refused_posts_change_nothing(persona_client, persona, certificate, django_capture_on_commit_callbacks):
    urls = _urls(certificate)
    client, user = persona_client(persona)
    before = documents_state()
    posts = [
        (urls["action"][1], {"action": "revoke", "revoked_on": timezone.localdate().isoformat(), "reason": "Подлог"}),
        (urls["action"][1], {"action": "duplicate_request", "grounds": "loss", "received_on": "2026-01-01"}),
        (
            urls["action"][1],
            {"action": "deliver", "method": "post", "tracking_number": "1", "delivered_on": "2026-01-01"},
        ),
        (
            urls["action"][1],
            {"action": "extend", "valid_until": "2099-01-01", "reason": "Постановление"},
        ),
        (urls["session_issue"][1], {}),
    ]
    for url, data in posts:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data)
        if user is None:
            assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        else:
            assert response.status_code == 403
    assert documents_state() == before


def test_the_holder_cannot_fetch_another_holders_file_by_id(client, rendered_certificate, other_candidate, make_exam):
    other = make_exam([PASS], holders=[other_candidate])
    (theirs,) = issue(other.results, render=True)
    client.force_login(other_candidate)
    assert client.get(reverse("certificates:file", args=[rendered_certificate.pk])).status_code == 404
    response = client.get(reverse("certificates:file", args=[theirs.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes(theirs)


def test_a_file_not_rendered_yet_is_not_found_even_for_staff(client, certificate, staff):
    client.force_login(staff)
    assert client.get(reverse("certificates:file", args=[certificate.pk])).status_code == 404


@pytest.mark.parametrize("status", RenderStatus.values)
def test_the_holders_home_offers_the_pdf_exactly_when_the_file_view_serves_it(
    client, certificate, candidate, other_candidate, status
):
    """One rule, ``document_downloadable``, behind the home page's link and the file view (issue 15 item 4)."""
    IssuedDocument.objects.filter(pk=certificate.pk).update(render_status=status)
    certificate.refresh_from_db()
    allowed = status == RenderStatus.RENDERED
    assert allowed_document_actions(certificate, candidate) == ({"download"} if allowed else set())
    assert allowed_document_actions(certificate, other_candidate) == set()
    url = reverse("certificates:file", args=[certificate.pk])
    client.force_login(candidate)
    response = client.get(reverse("home"))
    (shown,) = response.context["my_documents"]
    assert shown.actions == ({"download"} if allowed else set())
    assert (f'href="{url}"' in response.content.decode()) is allowed
    if not allowed:
        assert client.get(url).status_code == 404


def test_actions_need_post(client, certificate, staff):
    client.force_login(staff)
    urls = _urls(certificate)
    before = documents_state()
    assert client.get(urls["action"][1], {"action": "revoke"}).status_code == 405
    assert client.get(urls["session_issue"][1]).status_code == 405
    assert documents_state() == before


# --- Staff pages --------------------------------------------------------------------------------------


def test_the_session_zip_streams_every_rendered_document(client, staff, make_exam):
    built = make_exam([PASS, FAIL_THEORY, PASS])
    documents = issue(built.results, render=True)
    IssuedDocument.objects.filter(pk=documents[2].pk).update(render_status=RenderStatus.FAILED)
    client.force_login(staff)
    response = client.get(reverse("certificates:session_zip", args=[built.session.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f'filename="session-{built.session.pk}-documents.zip"' in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    names = archive.namelist()
    assert len(names) == 2, "the failed one is left out"
    for document in documents[:2]:
        (name,) = [n for n in names if n.startswith(f"{document.holder_last_name}-{document.pk}-")]
        assert archive.read(name) == pdf_bytes(document)
        assert name.endswith(services.document_file_name(document))
    (certificate_name,) = [n for n in names if "-certificate-" in n]
    assert documents[0].number in certificate_name


def test_the_zip_of_a_session_with_nothing_rendered_is_not_found(client, staff, make_exam):
    built = make_exam([PASS])
    issue(built.results)
    client.force_login(staff)
    assert client.get(reverse("certificates:session_zip", args=[built.session.pk])).status_code == 404


def test_progress_counts_done_total_and_failures_with_reasons(client, staff, make_exam):
    built = make_exam([PASS, PASS, FAIL_THEORY])
    done, failed, _pending = issue(built.results)
    IssuedDocument.objects.filter(pk=done.pk).update(render_status=RenderStatus.RENDERED)
    IssuedDocument.objects.filter(pk=failed.pk).update(render_status=RenderStatus.FAILED, render_error="Boom: bad")
    client.force_login(staff)
    response = client.get(reverse("certificates:progress", args=[built.session.pk]))
    assert response.status_code == 200
    assert response.json() == {
        "total": 3,
        "done": 1,
        "failed": 1,
        "pending": 1,
        "failures": [{"pk": failed.pk, "holder_last_name": failed.holder_last_name, "render_error": "Boom: bad"}],
    }
    page = client.get(reverse("certificates:session", args=[built.session.pk])).content.decode()
    assert "Boom: bad" in page


def _post(client, document, **data):
    return client.post(reverse("certificates:action", args=[document.pk]), data)


def test_staff_revoke_from_the_document_page(client, staff, certificate):
    client.force_login(staff)
    on = timezone.localdate()
    response = _post(client, certificate, action="revoke", revoked_on=on.isoformat(), reason="Подлог")
    assert response.status_code == 302 and response["Location"] == reverse(
        "certificates:document", args=[certificate.pk]
    )
    certificate.refresh_from_db()
    assert certificate.revoked_on == on and certificate.revoked_reason == "Подлог"
    event = DocumentEvent.objects.get(action="revoked")
    assert event.by == staff and event.reason == "Подлог"
    page = client.get(reverse("certificates:document", args=[certificate.pk])).content.decode()
    assert "Подлог" in page and on.strftime("%d.%m.%Y") in page

    # Again: refused with the message, nothing changes.
    before = documents_state()
    response = _post(client, certificate, action="revoke", revoked_on=on.isoformat(), reason="Ещё раз")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert ru("This certificate was already revoked on %(date)s.", date=on.strftime("%d.%m.%Y")) in page
    assert documents_state() == before


REQUIRED = "This field is required."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "revoke", "revoked_on": "", "reason": "Подлог"}, REQUIRED),
        ({"action": "revoke", "revoked_on": "2020-01-01", "reason": ""}, REQUIRED),
        ({"action": "duplicate_request", "grounds": "", "received_on": "2026-01-01"}, REQUIRED),
        (
            {"action": "duplicate_request", "grounds": "name_change", "received_on": "2026-01-01"},
            "A change of name needs the new surname and name.",
        ),
        (
            {"action": "deliver", "method": "post", "delivered_on": "2026-01-01", "tracking_number": "190000"},
            "Only a document with its register number and a printed form is issued.",
        ),
        (
            {"action": "extend", "valid_until": "2000-01-01", "reason": "Постановление"},
            "The new date must be later than the current one.",
        ),
        ({"action": "extend", "valid_until": "2099-01-01", "reason": ""}, REQUIRED),
        ({"action": "retry"}, "Only a document whose rendering failed is retried."),
        ({"action": "delete"}, "Unknown action."),
        ({}, "Unknown action."),
    ],
    ids=lambda v: "-".join(f"{k}={x}" for k, x in v.items()) or "empty" if isinstance(v, dict) else "",
)
def test_a_refused_staff_action_says_why_and_changes_nothing(
    client, staff, certificate, data, message, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    before = documents_state()
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, certificate, **data)
    assert response.status_code == 302
    assert response["Location"] == reverse("certificates:document", args=[certificate.pk])
    shown = [str(m) for m in client.get(response["Location"]).context["messages"] if m.level_tag == "error"]
    assert len(shown) == 1 and ru(message) in shown[0], shown
    assert documents_state() == before


def test_staff_take_a_duplicate_from_application_to_handing_over_on_the_pages(
    client, head, rendered_certificate, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(head)
    original = rendered_certificate
    page = client.get(reverse("certificates:document", args=[original.pk])).content.decode()
    assert 'data-testid="duplicate-request"' in page and 'data-testid="deliver"' in page
    response = _post(
        client,
        original,
        action="duplicate_request",
        grounds="name_change",
        received_on=timezone.localdate().isoformat(),
        new_last_name="Смирнова",
        new_first_name="Анна",
        supporting_file=SimpleUploadedFile("marriage.pdf", b"%PDF-1.4 marriage"),
    )
    assert response["Location"] == reverse("certificates:document", args=[original.pk])
    request = original.duplicate_requests.get()
    assert request.grounds == "name_change" and request.received_by == head
    file_url = reverse("certificates:duplicate_file", args=[request.pk])
    assert b"".join(client.get(file_url).streaming_content) == b"%PDF-1.4 marriage"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("certificates:duplicate_request", args=[request.pk]),
            {"action": "issue", "version": request.version},
        )
    duplicate = IssuedDocument.objects.get(variant=Variant.DUPLICATE)
    assert response["Location"] == reverse("certificates:document", args=[duplicate.pk])
    assert duplicate.holder_full_name == "Смирнова Анна" and duplicate.number == ""
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="enter-number"' in page, "an unnumbered duplicate offers the number by hand"

    # The same form posted again (a second browser): refused, nothing new.
    before = documents_state()
    response = client.post(
        reverse("certificates:duplicate_request", args=[request.pk]),
        {"action": "issue", "version": request.version},
        follow=True,
    )
    assert ru("Someone else has handled this application in the meantime; nothing was applied.") in (
        response.content.decode()
    )
    assert documents_state() == before

    (duplicate,) = register([duplicate])
    with django_capture_on_commit_callbacks(execute=True):
        from qac.certificates.tasks import render_documents_task

        render_documents_task.delay([duplicate.pk])
        _post(
            client,
            duplicate,
            action="deliver",
            method="post",
            delivered_on=timezone.localdate().isoformat(),
            tracking_number="19000012345678",
        )
    duplicate.refresh_from_db()
    original.refresh_from_db()
    assert duplicate.delivered_on == timezone.localdate() and duplicate.tracking_number == "19000012345678"
    assert not original.is_current and original.withdrawn_on == timezone.localdate()

    new = duplicate.valid_until + datetime.timedelta(days=400)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, duplicate, action="extend", valid_until=new.isoformat(), reason="Постановление № 1")
    assert set(IssuedDocument.objects.values_list("valid_until", flat=True)) == {new}

    IssuedDocument.objects.filter(pk=duplicate.pk).update(render_status=RenderStatus.FAILED, render_error="x")
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, duplicate, action="retry")
    duplicate.refresh_from_db()
    assert duplicate.render_status == RenderStatus.RENDERED
    # The history of the certificate is on every paper's page.
    page = client.get(reverse("certificates:document", args=[original.pk])).content.decode()
    for text in ("duplicate_requested", "delivered", "Постановление № 1", "withdrawn"):
        assert text in page


@pytest.mark.parametrize("persona", ["anonymous", "candidate", "other_candidate", "expert"])
def test_only_staff_handle_applications_for_duplicates(persona_client, persona, rendered_certificate, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    request = services.duplicate_request_receive(
        original=rendered_certificate,
        by=staff,
        grounds="name_change",
        new_last_name="Смирнова",
        new_first_name="Анна",
        supporting_file=SimpleUploadedFile("m.pdf", b"%PDF-1.4"),
    )
    client, user = persona_client(persona)
    before = documents_state()
    for response in (
        client.get(reverse("certificates:duplicate_file", args=[request.pk])),
        client.post(reverse("certificates:duplicate_request", args=[request.pk]), {"action": "issue"}),
    ):
        if user is None:
            assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        else:
            assert response.status_code == 403
    assert documents_state() == before
    client.force_login(staff)
    assert client.get(reverse("certificates:duplicate_file", args=[request.pk + 1000])).status_code == 404


def test_staff_issue_again_from_the_session_page(client, staff, make_exam, django_capture_on_commit_callbacks):
    built = make_exam([PASS, FAIL_THEORY])
    council_decide(built.session, staff)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("certificates:session_issue", args=[built.session.pk]))
    assert response["Location"] == reverse("certificates:session", args=[built.session.pk])
    assert IssuedDocument.objects.filter(number_source="awaiting").count() == 2

    not_decided = make_exam([PASS])
    before = documents_state()
    response = client.post(reverse("certificates:session_issue", args=[not_decided.session.pk]), follow=True)
    shown = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert shown == [ru("Nothing is issued before the Council's decision is recorded.")]
    assert documents_state() == before


def test_staff_list_searches_by_number_and_surname_and_filters_by_status(client, staff, make_exam):
    holders = [make_candidate(last_name="Алексеев"), make_candidate(last_name="Борисов")]
    built = make_exam([PASS, PASS], holders=holders)
    first, second = issue(built.results)
    services.certificate_revoke(document=second, by=staff, reason="Подлог")
    client.force_login(staff)
    url = reverse("certificates:list")

    def listed(**params):
        html = client.get(url, params).content.decode()
        return {d.pk for d in (first, second) if reverse("certificates:document", args=[d.pk]) + '"' in html}

    assert listed() == {first.pk, second.pk}
    assert listed(q="Алексеев") == {first.pk}
    assert listed(q=second.number) == {second.pk}
    assert listed(status="revoked") == {second.pk}
    assert listed(status="rendered") == set()


# --- Query counts ----------------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_staff_pages_do_not_query_per_document(client, staff, make_exam, django_assert_num_queries):
    small = make_exam([PASS, FAIL_THEORY])
    issue(small.results)
    client.force_login(staff)
    list_url = reverse("certificates:list")
    small_url = reverse("certificates:session", args=[small.session.pk])
    list_two = _queries(client, list_url)
    session_two = _queries(client, small_url)

    big = make_exam([PASS] * 8 + [FAIL_THEORY] * 2)
    documents = issue(big.results)
    IssuedDocument.objects.filter(pk=documents[0].pk).update(render_status=RenderStatus.FAILED, render_error="x")
    assert IssuedDocument.objects.count() == 12

    with django_assert_num_queries(list_two):
        client.get(list_url)
    with django_assert_num_queries(session_two):
        response = client.get(reverse("certificates:session", args=[big.session.pk]))
    assert response.content.decode().count(reverse("certificates:document", args=[documents[0].pk])) == 1
    assert all(d.number in response.content.decode() for d in documents if d.number)
