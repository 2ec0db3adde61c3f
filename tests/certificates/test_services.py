"""The certificates services: issuing on approval, numbering, the PDF's content, and the acts on
issued certificates (revocation, duplicate, corrected reissue, extension).

Refused requests are checked to leave every document, event and counter as it was
(``documents_state()``); work queued after commit runs inside
``django_capture_on_commit_callbacks(execute=True)`` with Celery eager (the test settings).
"""

import datetime
import hashlib
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.utils import timezone

from qac.certificates import selectors, services
from qac.certificates.models import DocumentEvent, IssuedDocument, Kind, NumberSource, RenderStatus, Variant
from qac.certificates.tasks import render_documents_task
from qac.certificates.templatetags.documents import ru_long_date
from qac.exams.models import Decision
from standards.selectors import center_get
from tests.helpers.certificates import (
    ABSENT,
    FAIL_PRACTICAL,
    FAIL_THEORY,
    INCIDENT,
    PASS,
    REMOVED,
    approve_and_issue,
    documents_state,
    issue,
    make_candidate,
    pdf_bytes,
    pdf_pages,
)
from tests.helpers.exams import ru
from tests.helpers.legal import council_decide, register

pytestmark = pytest.mark.django_db

HEADING = "СВИДЕТЕЛЬСТВО О КВАЛИФИКАЦИИ"


def number_re(code: str) -> re.Pattern:
    yy = f"{timezone.localdate().year % 100:02d}"
    return re.compile(rf"^{re.escape(code)}\.(\d{{8}})\.{yy}$")


def seq(number: str) -> int:
    return int(number.split(".")[-2])


class FixedClock:
    """A services module's ``timezone`` with "today" fixed; everything else is Django's."""

    def __init__(self, today: datetime.date):
        self.today = today

    def localdate(self, value=None):
        return self.today if value is None else timezone.localdate(value)

    def now(self):
        return timezone.now()


# --- Issue on the Council's decision ---------------------------------------------------------------


def decide_and_issue(session, staff, **kwargs):
    """The Council decides; its on-commit work (the documents) runs as in production."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        decision = council_decide(session, staff, **kwargs)
    return decision


def test_approval_alone_issues_nothing_the_council_decision_issues_unnumbered_documents(
    make_exam, chair, staff, qualification
):
    built = make_exam([PASS, FAIL_THEORY, FAIL_PRACTICAL, REMOVED, ABSENT], approve=False)
    passed, failed_theory, failed_practical, removed, absent = built.results
    assert [r.decision for r in built.results] == [
        Decision.PASSED,
        Decision.FAILED,
        Decision.FAILED,
        Decision.REMOVED,
        Decision.ABSENT,
    ]

    approve_and_issue(built.session, chair)
    assert not IssuedDocument.objects.exists(), "nothing is issued before the Council decides"

    decision = decide_and_issue(built.session, staff)
    assert IssuedDocument.objects.count() == 4
    assert not IssuedDocument.objects.filter(result=absent).exists()
    certificate = IssuedDocument.objects.get(result=passed)
    assert certificate.kind == Kind.CERTIFICATE and certificate.variant == Variant.ORIGINAL
    assert certificate.verdict.decision == decision
    # No number of our own, no date, no PDF: the register numbers it first.
    assert certificate.number == "" and certificate.number_source == NumberSource.AWAITING
    assert certificate.issue_date is None and certificate.valid_until is None
    assert certificate.render_status == RenderStatus.PENDING and not certificate.file
    exam_day = timezone.localdate(built.session.ends_at)
    assert certificate.issue_due_on == exam_day + datetime.timedelta(days=30)
    assert certificate.holder_full_name == built.holders[0].get_full_name()
    assert certificate.gaps == [] and certificate.recommendations == ""

    theory = IssuedDocument.objects.get(result=failed_theory)
    assert theory.kind == Kind.CONCLUSION and theory.number == "" and theory.valid_until is None
    assert theory.gaps and {g["kind"] for g in theory.gaps} == {"topic"}
    assert [g["text"] for g in theory.gaps] == failed_theory.failed_topics
    assert ru("Study again: %(topics)s.", topics=", ".join(failed_theory.failed_topics)) in theory.recommendations

    practical = IssuedDocument.objects.get(result=failed_practical)
    assert practical.kind == Kind.CONCLUSION
    assert [g["text"] for g in practical.gaps] == [
        "Диагностика двигателя: Подготовка рабочего места",
        "Диагностика двигателя: Выполнение диагностики",
    ]
    assert {g["kind"] for g in practical.gaps} == {"criterion"}
    assert ru("Practise: %(items)s.", items="Подготовка рабочего места; Выполнение диагностики") in (
        practical.recommendations
    )

    incident = IssuedDocument.objects.get(result=removed)
    assert incident.kind == Kind.CONCLUSION
    assert incident.gaps == [{"kind": "incident", "text": INCIDENT}]
    assert ru("You may apply for the exam again.") in incident.recommendations
    for document in IssuedDocument.objects.all():
        assert list(document.events.values_list("action", flat=True)) == ["issued"]


def test_the_register_number_makes_the_document_renderable_and_it_is_rendered_once(
    make_exam, staff, qualification, django_capture_on_commit_callbacks
):
    built = make_exam([PASS, FAIL_THEORY])
    decide_and_issue(built.session, staff)
    certificate, conclusion = IssuedDocument.objects.order_by("pk")
    today = timezone.localdate()
    number = f"{qualification.code}.00000017.{today.year % 100:02d}"

    with django_capture_on_commit_callbacks(execute=True):
        _numbered, changed = services.document_register(
            document=certificate,
            number=number,
            issue_date=today,
            register_url=f"https://register.invalid/records/{number}",
            by=staff,
            source="by hand",
        )
    assert changed
    certificate.refresh_from_db()
    assert certificate.number == number and certificate.number_source == NumberSource.REGISTER
    assert certificate.register_url == f"https://register.invalid/records/{number}"
    assert certificate.issue_date == today
    assert certificate.valid_until == services.add_years(today, qualification.validity_years)
    assert certificate.render_status == RenderStatus.RENDERED
    pdf = pdf_bytes(certificate)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == certificate.sha256
    assert certificate.size == len(pdf) and certificate.rendered_at is not None
    assert list(certificate.events.values_list("action", flat=True)) == ["issued", "numbered", "rendered"]
    event = certificate.events.get(action="numbered")
    assert event.by == staff and event.data["number"] == number and event.data["source"] == "by hand"
    # The conclusion still waits for its number: never rendered meanwhile.
    conclusion.refresh_from_db()
    assert conclusion.render_status == RenderStatus.PENDING and not conclusion.file
    render_documents_task.delay([conclusion.pk])
    conclusion.refresh_from_db()
    assert conclusion.render_status == RenderStatus.PENDING and not conclusion.file

    # The same number again changes nothing; another number for it is refused.
    snapshot = documents_state()
    _again, changed = services.document_register(
        document=certificate, number=number, issue_date=today, register_url=certificate.register_url
    )
    assert not changed and documents_state() == snapshot
    with pytest.raises(services.DocumentError):
        services.document_register(
            document=certificate,
            number=f"{qualification.code}.00000018.{today.year % 100:02d}",
            issue_date=today,
            register_url=certificate.register_url,
        )
    # A number another document holds is refused.
    with pytest.raises(services.DocumentError) as exc:
        services.document_register(
            document=conclusion, number=number, issue_date=today, register_url=certificate.register_url
        )
    assert str(exc.value) == ru(
        "The number %(number)s belongs to another document (%(id)s).", number=number, id=certificate.pk
    )
    assert documents_state() == snapshot


@pytest.mark.parametrize(
    ("number", "url", "day_offset"),
    [
        ("31-00400-02-17", "https://register.invalid/records/1", 0),
        ("", "https://register.invalid/records/1", 0),
        ("{code}.00000017.26", "javascript:alert(1)", 0),
        ("{code}.00000017.26", "", 0),
        ("{code}.00000017.26", "https://register.invalid/records/1", 1),
    ],
)
def test_a_malformed_number_link_or_date_is_refused_and_changes_nothing(
    make_exam, staff, qualification, number, url, day_offset
):
    built = make_exam([PASS])
    decide_and_issue(built.session, staff)
    document = IssuedDocument.objects.get()
    before = documents_state()
    with pytest.raises(services.DocumentError):
        services.document_register(
            document=document,
            number=number.format(code=qualification.code),
            issue_date=timezone.localdate() + datetime.timedelta(days=day_offset),
            register_url=url,
        )
    assert documents_state() == before


def test_the_number_pattern_is_a_setting(settings, make_exam, staff):
    settings.QAC_REGISTER_NUMBER_PATTERN = r"^Р-\d{4}$"
    built = make_exam([PASS])
    decide_and_issue(built.session, staff)
    document = IssuedDocument.objects.get()
    services.document_register(
        document=document, number="Р-0042", issue_date=timezone.localdate(), register_url="https://r.invalid/1"
    )
    document.refresh_from_db()
    assert document.number == "Р-0042"


def test_documents_are_issued_only_for_a_recorded_council_decision(make_exam, staff):
    built = make_exam([PASS], approve=False)
    before = documents_state()
    with pytest.raises(services.DocumentError) as exc:
        services.session_documents_issue(session_id=built.session.pk)
    assert str(exc.value) == ru("Documents are issued only for approved results.")
    approved = make_exam([PASS])
    with pytest.raises(services.DocumentError) as exc:
        services.session_documents_issue(session_id=approved.session.pk)
    assert str(exc.value) == ru("Nothing is issued before the Council's decision is recorded.")
    assert documents_state() == before


def test_issuing_twice_returns_the_same_document(make_exam, staff):
    built = make_exam([PASS])
    decision = council_decide(built.session, staff)
    verdict = decision.verdicts.get()
    first = services.document_issue(verdict=verdict)
    again = services.document_issue(verdict=verdict)
    assert again.pk == first.pk
    assert IssuedDocument.objects.count() == 1
    assert list(first.events.values_list("action", flat=True)) == ["issued"]


def test_a_reexam_verdict_issues_nothing_and_reopens_the_application(make_exam, staff):
    from candidates.models import ApplicationStatus

    built = make_exam([PASS, FAIL_THEORY])
    passed, failed = built.results
    decide_and_issue(
        built.session, staff, verdicts={passed.pk: ("reexam", "Нарушена процедура: видеозапись отсутствует")}
    )
    assert list(IssuedDocument.objects.values_list("result", flat=True)) == [failed.pk]
    application = passed.enrolment.application
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
    assert "видеозапись отсутствует" in application.history.latest("at").note


def test_issue_command_for_a_session_needs_the_council_decision_and_runs_once(
    make_exam, staff, django_capture_on_commit_callbacks
):
    built = make_exam([PASS, FAIL_PRACTICAL, ABSENT])
    with pytest.raises(CommandError) as exc:
        call_command("issue_certificates", "--session", str(built.session.pk))
    assert "no Council decision" in str(exc.value)
    assert not IssuedDocument.objects.exists()

    council_decide(built.session, staff)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("issue_certificates", "--session", str(built.session.pk))
    documents = list(IssuedDocument.objects.order_by("pk"))
    assert [d.kind for d in documents] == [Kind.CERTIFICATE, Kind.CONCLUSION]
    assert all(d.render_status == RenderStatus.PENDING and d.number == "" for d in documents)
    snapshot = documents_state()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("issue_certificates", "--session", str(built.session.pk))
    assert documents_state() == snapshot, "no second document and nothing rendered without a number"


def test_issue_command_pending_issues_missing_documents_and_renders_exactly_the_numbered(
    make_exam, staff, django_capture_on_commit_callbacks, capsys
):
    done = make_exam([PASS])
    issue(done.results, render=True)
    waiting = make_exam([PASS, FAIL_THEORY])
    council_decide(waiting.session, staff)  # decided, but the documents' task never ran
    numbered_not_rendered = make_exam([PASS])
    (lost,) = issue(numbered_not_rendered.results)  # numbered; its render message was lost
    not_decided = make_exam([PASS])

    with django_capture_on_commit_callbacks(execute=True):
        call_command("issue_certificates", "--pending")
    out = capsys.readouterr().out
    assert f"session {waiting.session.pk}: queued" in out
    assert "1 numbered document(s) queued for rendering" in out
    assert IssuedDocument.objects.filter(result__in=waiting.results).count() == 2
    assert not IssuedDocument.objects.filter(result__in=not_decided.results).exists()
    assert IssuedDocument.objects.filter(result__in=done.results).count() == 1
    lost.refresh_from_db()
    assert lost.render_status == RenderStatus.RENDERED
    # Exactly the numbered are rendered; the newly issued wait for the register.
    assert set(IssuedDocument.objects.filter(render_status=RenderStatus.RENDERED).values_list("pk", flat=True)) == set(
        IssuedDocument.objects.exclude(number_source=NumberSource.AWAITING).values_list("pk", flat=True)
    )
    snapshot = documents_state()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("issue_certificates", "--pending")
    assert "Nothing to issue." in capsys.readouterr().out
    assert documents_state() == snapshot


def test_issue_command_refuses_an_unknown_or_unapproved_session(make_exam):
    built = make_exam([PASS], approve=False)
    before = documents_state()
    with pytest.raises(CommandError, match="No exam session"):
        call_command("issue_certificates", "--session", "999999")
    with pytest.raises(CommandError) as exc:
        call_command("issue_certificates", "--session", str(built.session.pk))
    assert "has no approved results" in str(exc.value)
    assert documents_state() == before


def test_a_failed_issue_leaves_no_document(make_exam, staff, monkeypatch):
    built = make_exam([PASS, PASS])
    decision = council_decide(built.session, staff)
    first_verdict, second_verdict = decision.verdicts.order_by("pk")

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(DocumentEvent.objects, "create", broken)
    with pytest.raises(RuntimeError):
        services.document_issue(verdict=first_verdict)
    monkeypatch.undo()
    assert not IssuedDocument.objects.exists()
    assert services.document_issue(verdict=first_verdict) is not None
    assert services.document_issue(verdict=second_verdict) is not None
    assert IssuedDocument.objects.count() == 2


def test_rendering_again_never_changes_the_number_or_the_dates(
    rendered_certificate, staff, django_capture_on_commit_callbacks
):
    document = rendered_certificate
    fixed = (document.number, document.issue_date, document.valid_until, document.exam_date)

    # A failed render sent back by staff.
    IssuedDocument.objects.filter(pk=document.pk).update(render_status=RenderStatus.FAILED, render_error="x")
    with django_capture_on_commit_callbacks(execute=True):
        services.render_retry(document=document, by=staff)
    document.refresh_from_db()
    assert document.render_status == RenderStatus.RENDERED
    assert (document.number, document.issue_date, document.valid_until, document.exam_date) == fixed

    # A document put back to pending (as an extension does) and rendered by the task.
    IssuedDocument.objects.filter(pk=document.pk).update(render_status=RenderStatus.PENDING)
    render_documents_task.delay([document.pk])
    document.refresh_from_db()
    assert document.render_status == RenderStatus.RENDERED
    assert (document.number, document.issue_date, document.valid_until, document.exam_date) == fixed
    assert document.number in pdf_pages(document)[0]
    assert hashlib.sha256(pdf_bytes(document)).hexdigest() == document.sha256
    assert document.events.filter(action="rendered").count() == 3
    # Each render replaced the previous file: one file remains.
    assert len(_files(document)) == 1


def _files(document):
    import pathlib

    return [p for p in pathlib.Path(document.file.storage.path("documents")).iterdir() if p.is_file()]


# --- Content -----------------------------------------------------------------------------------------


def test_the_certificate_carries_the_register_number_dates_and_names_it_was_given(make_exam, qualification):
    """The rendered form through the real path (the form itself: tests/certificates_725n/)."""
    holder = make_candidate(last_name="Кузнецова", first_name="Анна", patronymic="Сергеевна")
    qualification.validity_years = 5
    qualification.save()
    built = make_exam([PASS], holders=[holder])
    (document,) = issue(built.results, render=True)

    front, appendix = pdf_pages(document)
    center = center_get()
    assert HEADING in front
    assert f"Регистрационный номер {document.number}" in front
    assert "Кузнецова" in front and "Анна Сергеевна" in front
    assert qualification.name in front
    assert document.valid_until == services.add_years(document.issue_date, 5)
    assert f"Дата выдачи: {ru_long_date(document.issue_date)}" in front
    assert ru_long_date(document.valid_until) in front
    assert center.register_number in front
    assert center.council_name in front

    assert document.number in appendix
    assert qualification.code in appendix
    assert qualification.standard.code in appendix


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (datetime.date(2026, 5, 14), 3, datetime.date(2029, 5, 14)),
        (datetime.date(2028, 2, 29), 3, datetime.date(2031, 2, 28)),
        (datetime.date(2028, 2, 29), 4, datetime.date(2032, 2, 29)),
        (datetime.date(2026, 12, 31), 5, datetime.date(2031, 12, 31)),
    ],
)
def test_add_years_keeps_the_day_and_turns_29_february_into_28(day, years, expected):
    assert services.add_years(day, years) == expected


def test_a_certificate_issued_on_29_february_is_valid_until_28_february(make_exam, qualification, monkeypatch):
    built = make_exam([PASS])
    (document,) = issue(built.results, number=False)
    monkeypatch.setattr(services.numbering, "timezone", FixedClock(datetime.date(2028, 2, 29)))
    document, _changed = services.document_register(
        document=document,
        number=f"{qualification.code}.00000001.28",
        issue_date=datetime.date(2028, 2, 29),
        register_url="https://register.invalid/records/1",
    )
    assert document.issue_date == datetime.date(2028, 2, 29)
    assert document.valid_until == datetime.date(2031, 2, 28)


# --- Revocation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["candidate", "other_candidate", "expert"])
def test_only_staff_revoke(request, certificate, persona):
    before = documents_state()
    with pytest.raises(services.DocumentError) as exc:
        services.certificate_revoke(document=certificate, by=request.getfixturevalue(persona), reason="Подлог")
    assert str(exc.value) == ru("Only the center's staff act on issued documents.")
    assert documents_state() == before


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_revocation_needs_a_reason(certificate, staff, reason):
    before = documents_state()
    with pytest.raises(services.DocumentError) as exc:
        services.certificate_revoke(document=certificate, by=staff, reason=reason)
    assert str(exc.value) == ru("Say why: the act is recorded with its reason.")
    assert documents_state() == before


def test_a_revocation_cannot_be_dated_in_the_future(certificate, staff):
    before = documents_state()
    with pytest.raises(services.DocumentError) as exc:
        services.certificate_revoke(
            document=certificate,
            by=staff,
            reason="Подлог",
            revoked_on=timezone.localdate() + datetime.timedelta(days=1),
        )
    assert str(exc.value) == ru("A revocation date cannot be in the future.")
    assert documents_state() == before


@pytest.mark.parametrize("persona", ["staff", "head"])
def test_revoking_records_who_when_and_why_and_shows_on_verification(request, certificate, persona):
    by = request.getfixturevalue(persona)
    on = timezone.localdate() - datetime.timedelta(days=2)
    services.certificate_revoke(document=certificate, by=by, reason="Подложные документы об образовании", revoked_on=on)
    certificate.refresh_from_db()
    assert certificate.revoked_on == on
    assert certificate.revoked_reason == "Подложные документы об образовании"
    event = certificate.events.get(action="revoked")
    assert (event.by, event.reason, event.data) == (by, "Подложные документы об образовании", {"on": on.isoformat()})

    answer = selectors.verification_lookup(number=certificate.number, issue_date=certificate.issue_date)
    assert answer["status"] == "revoked"
    assert answer["document"].revoked_on == on


def test_revoking_twice_is_refused_with_the_first_date(certificate, staff, head):
    on = timezone.localdate() - datetime.timedelta(days=1)
    services.certificate_revoke(document=certificate, by=staff, reason="Подлог", revoked_on=on)
    before = documents_state()
    with pytest.raises(services.DocumentError) as exc:
        services.certificate_revoke(document=certificate, by=head, reason="Ещё раз")
    assert str(exc.value) == ru("This certificate was already revoked on %(date)s.", date=on.strftime("%d.%m.%Y"))
    assert documents_state() == before


def test_a_conclusion_is_not_revoked(make_exam, staff):
    built = make_exam([FAIL_PRACTICAL])
    (conclusion,) = issue(built.results)
    before = documents_state()
    with pytest.raises(services.DocumentError) as exc:
        services.certificate_revoke(document=conclusion, by=staff, reason="Ошибка")
    assert str(exc.value) == ru("Only certificates are revoked.")
    assert documents_state() == before


# --- Duplicates (725n App. 3 II) -------------------------------------------------------------------


def receive(original, staff, grounds="loss", **kwargs):
    return services.duplicate_request_receive(original=original, by=staff, grounds=grounds, **kwargs)


def make_duplicate(original, staff, grounds="loss", **kwargs):
    """Application received, duplicate made, numbered by the register and rendered."""
    request = receive(original, staff, grounds=grounds, **kwargs)
    with TestCase.captureOnCommitCallbacks(execute=True):
        duplicate = services.duplicate_request_issue(request=request, by=staff)
        (duplicate,) = register([duplicate])
    duplicate.refresh_from_db()
    return request, duplicate


def test_a_duplicate_has_its_own_register_number_and_date_and_replaces_the_paper_once_handed_over(
    rendered_certificate, staff
):
    original = rendered_certificate
    request = receive(original, staff, statement="Свидетельство утеряно при переезде")
    assert request.status == "received"
    assert request.due_on == request.received_on + datetime.timedelta(days=15)

    with TestCase.captureOnCommitCallbacks(execute=True):
        duplicate = services.duplicate_request_issue(request=request, by=staff)
    request.refresh_from_db()
    assert request.status == "issued" and request.duplicate == duplicate
    assert list(request.history.values_list("to_status", flat=True)) == ["received", "issued"]
    # Awaiting its own number: not rendered yet, the original still current.
    assert duplicate.variant == Variant.DUPLICATE and duplicate.original == original
    assert duplicate.number == "" and duplicate.number_source == NumberSource.AWAITING
    assert duplicate.render_status == RenderStatus.PENDING
    assert duplicate.valid_until == original.valid_until
    assert duplicate.issue_due_on == request.due_on

    with TestCase.captureOnCommitCallbacks(execute=True):
        (duplicate,) = register([duplicate])
    duplicate.refresh_from_db()
    original.refresh_from_db()
    assert duplicate.number and duplicate.number != original.number
    assert duplicate.valid_until == original.valid_until, "a duplicate keeps the certificate's validity"
    assert duplicate.render_status == RenderStatus.RENDERED
    assert duplicate.file.name != original.file.name
    assert original.is_current, "the old paper stays current until the duplicate is handed over"

    services.document_deliver(
        document=duplicate, by=staff, method="handed", delivered_on=timezone.localdate(), recipient="лично"
    )
    original.refresh_from_db()
    assert not original.is_current and original.withdrawn_on == timezone.localdate()
    assert original.events.filter(action="withdrawn").exists()
    # The register's check: the duplicate by its own number and date; the old paper says it was replaced.
    answer = selectors.verification_lookup(number=duplicate.number, issue_date=duplicate.issue_date)
    assert answer["status"] == "valid" and answer["document"] == duplicate
    answer = selectors.verification_lookup(number=original.number, issue_date=original.issue_date)
    assert answer["status"] == "replaced"


def test_a_change_of_name_needs_the_new_name_and_the_supporting_document(rendered_certificate, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    original = rendered_certificate
    before = documents_state()
    with pytest.raises(services.DocumentError) as exc:
        receive(original, staff, grounds="name_change", new_last_name="Смирнова", new_first_name="Анна")
    assert str(exc.value) == ru("A change of name needs a copy of the document that proves it (725n App. 3 p.23).")
    with pytest.raises(services.DocumentError):
        receive(original, staff, grounds="name_change", supporting_file=SimpleUploadedFile("m.pdf", b"%PDF-1.4"))
    assert documents_state() == before

    _request, duplicate = make_duplicate(
        original,
        staff,
        grounds="name_change",
        new_last_name="Смирнова",
        new_first_name="Анна",
        new_patronymic="Сергеевна",
        supporting_file=SimpleUploadedFile("marriage.pdf", b"%PDF-1.4 marriage certificate"),
    )
    assert duplicate.holder_full_name == "Смирнова Анна Сергеевна"
    assert _request.supporting_file.read() == b"%PDF-1.4 marriage certificate"


@pytest.mark.parametrize("persona", ["candidate", "expert"])
def test_only_staff_register_and_make_duplicates(request, rendered_certificate, persona):
    by = request.getfixturevalue(persona)
    before = documents_state()
    with pytest.raises(services.DocumentError):
        receive(rendered_certificate, by)
    assert documents_state() == before


def test_no_duplicate_for_a_revoked_certificate_nor_twice_at_once(rendered_certificate, staff):
    receive(rendered_certificate, staff)
    before = documents_state()
    with pytest.raises(services.DocumentError) as exc:
        receive(rendered_certificate, staff)
    assert str(exc.value) == ru("An application for a duplicate of this certificate is already being handled.")
    assert documents_state() == before

    services.certificate_revoke(document=rendered_certificate, by=staff, reason="Подлог")
    before = documents_state()
    request = rendered_certificate.duplicate_requests.get()
    with pytest.raises(services.DocumentError) as exc:
        services.duplicate_request_issue(request=request, by=staff)
    assert str(exc.value) == ru("A revoked certificate has no duplicate.")
    services.duplicate_request_refuse(request=request, by=staff, reason="Свидетельство аннулировано")
    with pytest.raises(services.DocumentError) as exc:
        receive(rendered_certificate, staff)
    assert str(exc.value) == ru("A revoked certificate has no duplicate.")


def test_a_handled_application_cannot_be_handled_again(rendered_certificate, staff):
    request, _duplicate = make_duplicate(rendered_certificate, staff)
    with pytest.raises(services.DocumentError):
        services.duplicate_request_issue(request=request, by=staff)
    with pytest.raises(services.DocumentError):
        services.duplicate_request_refuse(request=request, by=staff, reason="Поздно")
    assert IssuedDocument.objects.filter(variant=Variant.DUPLICATE).count() == 1


# --- Delivery ------------------------------------------------------------------------------------------


def test_delivery_by_registered_mail_records_the_tracking_number_and_tells_the_holder(
    rendered_certificate, staff, mailoutbox
):
    document = rendered_certificate
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.document_deliver(
            document=document,
            by=staff,
            method="post",
            delivered_on=timezone.localdate(),
            tracking_number="19000012345678",
        )
    document.refresh_from_db()
    assert (document.delivery_method, document.tracking_number, document.delivered_by) == (
        "post",
        "19000012345678",
        staff,
    )
    assert document.holder_notified_at is not None
    (mail,) = mailoutbox
    assert mail.to == [document.holder.email]
    assert "19000012345678" in mail.body and document.number in mail.subject
    before = documents_state()
    with pytest.raises(services.DocumentError):
        services.document_deliver(
            document=document, by=staff, method="handed", delivered_on=timezone.localdate(), recipient="x"
        )
    assert documents_state() == before


@pytest.mark.parametrize(
    ("method", "kwargs", "message"),
    [
        ("post", {}, "Registered mail needs its tracking number."),
        ("handed", {}, "Say who received the document (the holder or their representative)."),
        ("pigeon", {}, "Say how the document was issued."),
        ("handed", {"recipient": "лично", "days": 1}, "The date of issue cannot be in the future."),
    ],
)
def test_a_delivery_needs_its_particulars(rendered_certificate, staff, method, kwargs, message):
    days = kwargs.pop("days", 0)
    before = documents_state()
    with pytest.raises(services.DocumentError) as exc:
        services.document_deliver(
            document=rendered_certificate,
            by=staff,
            method=method,
            delivered_on=timezone.localdate() + datetime.timedelta(days=days),
            **kwargs,
        )
    assert str(exc.value) == ru(message)
    assert documents_state() == before


def test_a_document_without_its_number_is_not_delivered(make_exam, staff):
    built = make_exam([PASS])
    (document,) = issue(built.results, number=False)
    with pytest.raises(services.DocumentError) as exc:
        services.document_deliver(
            document=document, by=staff, method="handed", delivered_on=timezone.localdate(), recipient="лично"
        )
    assert str(exc.value) == ru("Only a document with its register number and a printed form is issued.")


# --- Extension ----------------------------------------------------------------------------------------


def test_extending_moves_the_date_of_every_paper_of_the_number_and_rerenders_them(
    rendered_certificate, staff, head, django_capture_on_commit_callbacks
):
    original = rendered_certificate
    _request, duplicate = make_duplicate(original, staff)
    old = original.valid_until
    new = old + datetime.timedelta(days=365)

    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_extend(
            document=duplicate, by=head, valid_until=new, reason="Постановление Правительства № 1"
        )
    for paper in (original, duplicate):
        paper.refresh_from_db()
        assert paper.valid_until == new
        assert paper.render_status == RenderStatus.RENDERED
        assert paper.number in pdf_pages(paper)[0]
    event = DocumentEvent.objects.get(action="extended")
    assert event.document == duplicate and event.by == head
    assert event.reason == "Постановление Правительства № 1"
    assert event.data == {"from": old.isoformat(), "to": new.isoformat()}


@pytest.mark.parametrize(
    ("days", "reason", "message"),
    [
        (0, "Постановление", "The new date must be later than the current one."),
        (-30, "Постановление", "The new date must be later than the current one."),
        (365, "", "Say why: the act is recorded with its reason."),
    ],
)
def test_an_extension_needs_a_later_date_and_a_reason(certificate, staff, days, reason, message):
    before = documents_state()
    with pytest.raises(services.DocumentError) as exc:
        services.certificate_extend(
            document=certificate,
            by=staff,
            valid_until=certificate.valid_until + datetime.timedelta(days=days),
            reason=reason,
        )
    assert str(exc.value) == ru(message)
    assert documents_state() == before


@pytest.mark.parametrize("persona", ["candidate", "expert"])
def test_only_staff_extend(request, certificate, persona):
    before = documents_state()
    with pytest.raises(services.DocumentError):
        services.certificate_extend(
            document=certificate,
            by=request.getfixturevalue(persona),
            valid_until=certificate.valid_until + datetime.timedelta(days=365),
            reason="Постановление",
        )
    assert documents_state() == before


def test_a_revoked_certificate_is_not_extended(certificate, staff):
    services.certificate_revoke(document=certificate, by=staff, reason="Подлог")
    before = documents_state()
    with pytest.raises(services.DocumentError) as exc:
        services.certificate_extend(
            document=certificate,
            by=staff,
            valid_until=certificate.valid_until + datetime.timedelta(days=365),
            reason="Постановление",
        )
    assert str(exc.value) == ru("Only a valid certificate's date can be extended.")
    assert documents_state() == before


# --- Verification look-up ------------------------------------------------------------------------------


def test_lookup_answers_valid_expired_and_not_found(certificate):
    number, day = certificate.number, certificate.issue_date
    assert selectors.verification_lookup(number=number, issue_date=day)["status"] == "valid"
    assert selectors.verification_lookup(number=f"  {number} ", issue_date=day)["status"] == "valid"
    assert selectors.verification_lookup(number=number, issue_date=day - datetime.timedelta(days=1)) == {
        "status": "not_found"
    }
    assert selectors.verification_lookup(number=number[:-1] + "9", issue_date=day) == {"status": "not_found"}
    IssuedDocument.objects.filter(pk=certificate.pk).update(valid_until=timezone.localdate() - datetime.timedelta(1))
    assert selectors.verification_lookup(number=number, issue_date=day)["status"] == "expired"


def test_each_file_of_a_batch_holds_only_its_own_document(make_exam):
    """Rendered together, split apart: no file carries another holder's name, number or QR code."""
    import io

    from pypdf import PdfReader

    built = make_exam([PASS, PASS, PASS])
    documents = issue(built.results, render=True)
    assert len(documents) == 3
    for document in documents:
        reader = PdfReader(io.BytesIO(pdf_bytes(document)))
        images = set()
        for page in reader.pages:
            xobjects = page.get("/Resources", {}).get("/XObject", {}) or {}
            images.update(name for name, ref in xobjects.items() if ref.get_object().get("/Subtype") == "/Image")
        assert len(images) == 1, "its own QR code, nothing else"
        text = " ".join(page.extract_text() for page in reader.pages)
        for other in documents:
            if other.pk != document.pk:
                assert other.number not in text and other.holder_last_name not in text


def test_allowed_duplicate_actions_follow_the_one_table(rendered_certificate, staff, candidate):
    """The page's issue/refuse buttons come from DUPLICATE_TRANSITIONS: only a received application, only staff."""
    duplicate_request = receive(rendered_certificate, staff)
    assert services.allowed_duplicate_actions(duplicate_request, staff) == {"issue", "refuse"}
    assert services.allowed_duplicate_actions(duplicate_request, candidate) == set()
    refused = services.duplicate_request_refuse(request=duplicate_request, by=staff, reason="Не подтверждено")
    assert services.allowed_duplicate_actions(refused, staff) == set()
