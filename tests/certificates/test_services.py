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
from django.db import transaction
from django.utils import timezone

from qac.certificates import services
from qac.certificates.models import DocumentEvent, IssuedDocument, Kind, NumberCounter, RenderStatus, Variant
from qac.certificates.tasks import render_documents_task
from qac.exams.models import Decision
from standards.selectors import center_get
from tests.certificates.conftest import (
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
from tests.exams.conftest import make_qualification, ru

pytestmark = pytest.mark.django_db

HEADING = "СВИДЕТЕЛЬСТВО О КВАЛИФИКАЦИИ"


def number_re(code: str) -> re.Pattern:
    yy = f"{timezone.localdate().year % 100:02d}"
    return re.compile(rf"^{re.escape(code)}\.(\d{{8}})\.{yy}$")


def seq(number: str) -> int:
    return int(number.split(".")[-2])


class FixedClock:
    """``services.timezone`` with "today" fixed; everything else is Django's."""

    def __init__(self, today: datetime.date):
        self.today = today

    def localdate(self, value=None):
        return self.today if value is None else timezone.localdate(value)

    def now(self):
        return timezone.now()


# --- Issue on approval ----------------------------------------------------------------------------


def test_approval_issues_a_certificate_per_pass_a_conclusion_per_failure_and_nothing_for_the_absent(
    make_exam, chair, qualification
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

    assert IssuedDocument.objects.count() == 4
    assert not IssuedDocument.objects.filter(result=absent).exists()
    certificate = IssuedDocument.objects.get(result=passed)
    assert certificate.kind == Kind.CERTIFICATE and certificate.variant == Variant.ORIGINAL
    assert number_re(qualification.code).match(certificate.number)
    assert seq(certificate.number) == 1
    assert certificate.issue_date == timezone.localdate()
    assert certificate.valid_until == services.add_years(certificate.issue_date, qualification.validity_years)
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
        assert document.render_status == RenderStatus.RENDERED, document.render_error
        pdf = pdf_bytes(document)
        assert pdf.startswith(b"%PDF")
        assert hashlib.sha256(pdf).hexdigest() == document.sha256
        assert document.size == len(pdf)
        assert document.rendered_at is not None
        assert list(document.events.values_list("action", flat=True)) == ["issued", "rendered"]
    assert NumberCounter.objects.get().last_value == 1


def test_conclusions_name_the_gaps_and_the_recommendations(make_exam, chair):
    built = make_exam([FAIL_THEORY, REMOVED], approve=False)
    approve_and_issue(built.session, chair)
    theory, removed = (IssuedDocument.objects.get(result=r) for r in built.results)

    (page,) = pdf_pages(theory)
    assert "ЗАКЛЮЧЕНИЕ" in page
    assert HEADING not in page
    assert theory.holder_full_name in page
    for topic in built.results[0].failed_topics:
        assert topic in page
    assert ru("Study again: %(topics)s.", topics=", ".join(built.results[0].failed_topics)) in page

    (page,) = pdf_pages(removed)
    assert "ЗАКЛЮЧЕНИЕ" in page and INCIDENT in page


def test_documents_are_issued_only_for_approved_results(make_exam):
    built = make_exam([PASS], approve=False)
    before = documents_state()
    with pytest.raises(services.DocumentError) as exc:
        services.document_issue(result=built.results[0])
    assert str(exc.value) == ru("Documents are issued only for approved results.")
    with pytest.raises(services.DocumentError):
        services.session_documents_issue(session_id=built.session.pk)
    assert documents_state() == before


def test_issuing_twice_returns_the_same_document_and_takes_no_number(make_exam):
    built = make_exam([PASS])
    first = services.document_issue(result=built.results[0])
    again = services.document_issue(result=built.results[0])
    assert again.pk == first.pk and again.number == first.number
    assert IssuedDocument.objects.count() == 1
    assert NumberCounter.objects.get().last_value == 1
    assert list(first.events.values_list("action", flat=True)) == ["issued"]


def test_issue_command_for_a_session_runs_the_approval_pipeline_once(make_exam, django_capture_on_commit_callbacks):
    built = make_exam([PASS, FAIL_PRACTICAL, ABSENT])
    assert not IssuedDocument.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("issue_certificates", "--session", str(built.session.pk))
    documents = list(IssuedDocument.objects.order_by("pk"))
    assert [d.kind for d in documents] == [Kind.CERTIFICATE, Kind.CONCLUSION]
    assert all(d.render_status == RenderStatus.RENDERED for d in documents)
    snapshot = documents_state()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("issue_certificates", "--session", str(built.session.pk))
    assert documents_state() == snapshot, "no second document, no new number, no new render"
    assert NumberCounter.objects.get().last_value == 1


def test_issue_command_pending_issues_every_approved_result_without_documents(
    make_exam, django_capture_on_commit_callbacks, capsys
):
    done = make_exam([PASS])
    issue(done.results, render=True)
    waiting = make_exam([PASS, FAIL_THEORY])
    not_approved = make_exam([PASS], approve=False)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("issue_certificates", "--pending")
    assert f"session {waiting.session.pk}: queued" in capsys.readouterr().out
    assert IssuedDocument.objects.filter(result__in=waiting.results).count() == 2
    assert not IssuedDocument.objects.filter(result__in=not_approved.results).exists()
    assert IssuedDocument.objects.filter(result__in=done.results).count() == 1
    assert not IssuedDocument.objects.exclude(render_status=RenderStatus.RENDERED).exists()
    numbers = sorted(seq(n) for n in IssuedDocument.objects.exclude(number="").values_list("number", flat=True))
    assert numbers == [1, 2]
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


# --- Numbering ---------------------------------------------------------------------------------------


def test_the_number_is_the_qualification_code_an_eight_digit_sequence_and_the_year():
    day = datetime.date(2026, 5, 14)
    assert services.number_next(code="31.00400.02", issue_date=day) == "31.00400.02.00000001.26"
    assert services.number_next(code="31.00400.02", issue_date=day) == "31.00400.02.00000002.26"
    # Each qualification and each year is a series of its own.
    assert services.number_next(code="31.00400.04", issue_date=day) == "31.00400.04.00000001.26"
    assert services.number_next(code="31.00400.02", issue_date=datetime.date(2027, 1, 1)) == "31.00400.02.00000001.27"
    assert dict(NumberCounter.objects.values_list("series", "last_value")) == {
        "31.00400.02/26": 2,
        "31.00400.04/26": 1,
        "31.00400.02/27": 1,
    }


def test_the_number_format_and_suffix_come_from_the_settings(settings, make_exam, qualification):
    settings.QAC_CERTIFICATE_NUMBER_FORMAT = "{code}-{seq:05d}/{suffix}"
    settings.QAC_CERTIFICATE_NUMBER_SUFFIX = "Q{yyyy}"
    day = datetime.date(2026, 5, 14)
    assert services.number_next(code="31.00400.02", issue_date=day) == "31.00400.02-00001/Q2026"

    built = make_exam([PASS])
    (document,) = issue(built.results)
    assert document.number == f"{qualification.code}-00001/Q{timezone.localdate().year}"


def test_numbers_run_per_qualification_in_order_without_gaps(make_exam, qualification):
    built = make_exam([PASS, FAIL_THEORY, PASS, PASS])
    other_qualification = make_qualification()
    other = make_exam([PASS, PASS], qualification=other_qualification)

    issue(built.results)
    issue(other.results)

    ours = list(
        IssuedDocument.objects.filter(qualification=qualification, kind=Kind.CERTIFICATE)
        .order_by("pk")
        .values_list("number", flat=True)
    )
    theirs = list(
        IssuedDocument.objects.filter(qualification=other_qualification).order_by("pk").values_list("number", flat=True)
    )
    assert [seq(n) for n in ours] == [1, 2, 3]
    assert all(number_re(qualification.code).match(n) for n in ours)
    assert [seq(n) for n in theirs] == [1, 2]
    assert all(n.startswith(other_qualification.code + ".") for n in theirs)


def test_a_rolled_back_transaction_gives_its_number_back():
    day = datetime.date(2026, 5, 14)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert services.number_next(code="31.00400.02", issue_date=day) == "31.00400.02.00000001.26"
        raise RuntimeError("the document could not be saved")
    assert services.number_next(code="31.00400.02", issue_date=day) == "31.00400.02.00000001.26"


def test_a_failed_issue_leaves_no_document_and_no_gap(make_exam, monkeypatch):
    built = make_exam([PASS, PASS])

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(DocumentEvent.objects, "create", broken)
    with pytest.raises(RuntimeError):
        services.document_issue(result=built.results[0])
    monkeypatch.undo()
    assert not IssuedDocument.objects.exists()

    second = services.document_issue(result=built.results[1])
    first = services.document_issue(result=built.results[0])
    assert (seq(second.number), seq(first.number)) == (1, 2)


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
    assert NumberCounter.objects.get().last_value == 1
    assert document.events.filter(action="rendered").count() == 3
    # Each render replaced the previous file: one file remains.
    assert len(_files(document)) == 1


def _files(document):
    import pathlib

    return [p for p in pathlib.Path(document.file.storage.path("documents")).iterdir() if p.is_file()]


# --- Content -----------------------------------------------------------------------------------------


def test_the_certificate_says_what_the_order_requires(make_exam, qualification):
    holder = make_candidate(last_name="Кузнецова", first_name="Анна", patronymic="Сергеевна")
    qualification.validity_years = 5
    qualification.save()
    built = make_exam([PASS], holders=[holder])
    (document,) = issue(built.results, render=True)

    front, appendix = pdf_pages(document)
    center = center_get()
    assert center.register_number == "78.033"
    assert HEADING in front
    assert document.number in front
    assert "Кузнецова Анна Сергеевна" in front
    assert qualification.name in front
    assert document.issue_date.strftime("%d.%m.%Y") in front
    valid_until = services.add_years(document.issue_date, 5)
    assert document.valid_until == valid_until
    assert valid_until.strftime("%d.%m.%Y") in front
    assert "78.033" in front
    assert center.council_name.upper() in front.upper()

    assert ru("Appendix to the certificate of qualification") in appendix
    assert document.number in appendix
    assert "Кузнецова Анна Сергеевна" in appendix
    assert qualification.code in appendix
    assert qualification.standard.code in appendix
    assert qualification.standard.name in appendix
    assert "78.033" in appendix
    assert "/verify/s/" in appendix


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
    monkeypatch.setattr(services, "timezone", FixedClock(datetime.date(2028, 2, 29)))
    (document,) = issue(built.results, render=True)
    assert document.issue_date == datetime.date(2028, 2, 29)
    assert document.valid_until == datetime.date(2031, 2, 28)
    assert document.number.endswith(".00000001.28")
    front = pdf_pages(document)[0]
    assert "29.02.2028" in front and "28.02.2031" in front


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

    answer = services.verification_lookup(number=certificate.number, issue_date=certificate.issue_date)
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


# --- Duplicates and corrections ----------------------------------------------------------------------


def test_a_duplicate_is_marked_linked_keeps_the_number_and_has_its_own_pdf(
    rendered_certificate, staff, django_capture_on_commit_callbacks
):
    original = rendered_certificate
    with django_capture_on_commit_callbacks(execute=True):
        duplicate = services.certificate_duplicate(original=original, by=staff, reason="Утрата оригинала")
    duplicate.refresh_from_db()
    original.refresh_from_db()

    assert duplicate.pk != original.pk
    assert duplicate.variant == Variant.DUPLICATE
    assert duplicate.original == original
    assert duplicate.number == original.number
    assert duplicate.valid_until == original.valid_until
    assert duplicate.holder_full_name == original.holder_full_name
    assert duplicate.is_current and not original.is_current
    assert duplicate.render_status == RenderStatus.RENDERED
    assert duplicate.file.name != original.file.name
    assert duplicate.sha256 == hashlib.sha256(pdf_bytes(duplicate)).hexdigest()
    front = pdf_pages(duplicate)[0]
    assert ru("DUPLICATE") in front
    assert original.number in front
    assert ru("DUPLICATE") not in pdf_pages(original)[0]

    event = duplicate.events.get(action="duplicate")
    assert (event.by, event.reason, event.data) == (staff, "Утрата оригинала", {"from": original.pk})
    # The register's check still answers for the number, by either paper's date.
    answer = services.verification_lookup(number=original.number, issue_date=original.issue_date)
    assert answer["status"] == "valid" and answer["document"] == duplicate
    assert NumberCounter.objects.get().last_value == 1


@pytest.mark.parametrize("persona", ["candidate", "expert"])
def test_only_staff_issue_duplicates_and_corrections(request, certificate, persona):
    by = request.getfixturevalue(persona)
    before = documents_state()
    with pytest.raises(services.DocumentError):
        services.certificate_duplicate(original=certificate, by=by, reason="Утрата")
    with pytest.raises(services.DocumentError):
        services.certificate_correct(
            original=certificate, by=by, reason="Смена фамилии", last_name="Новая", first_name="Анна"
        )
    assert documents_state() == before


def test_a_duplicate_or_correction_needs_a_reason_and_a_correction_a_name(certificate, staff):
    before = documents_state()
    with pytest.raises(services.DocumentError):
        services.certificate_duplicate(original=certificate, by=staff, reason=" ")
    with pytest.raises(services.DocumentError):
        services.certificate_correct(original=certificate, by=staff, reason="", last_name="Новая", first_name="Анна")
    with pytest.raises(services.DocumentError) as exc:
        services.certificate_correct(
            original=certificate, by=staff, reason="Смена фамилии", last_name=" ", first_name=""
        )
    assert str(exc.value) == ru("The surname and the name are required.")
    assert documents_state() == before


def test_a_corrected_reissue_carries_the_new_name_and_the_number_and_supersedes_the_old_papers(
    rendered_certificate, staff, django_capture_on_commit_callbacks
):
    original = rendered_certificate
    with django_capture_on_commit_callbacks(execute=True):
        duplicate = services.certificate_duplicate(original=original, by=staff, reason="Утрата")
        corrected = services.certificate_correct(
            original=duplicate,
            by=staff,
            reason="Смена фамилии после брака",
            last_name="Смирнова",
            first_name="Анна",
            patronymic="Сергеевна",
        )
    corrected.refresh_from_db()
    assert corrected.variant == Variant.CORRECTION
    assert corrected.original == original, "every paper links to the first one"
    assert corrected.number == original.number
    assert corrected.holder_full_name == "Смирнова Анна Сергеевна"
    assert corrected.is_current
    assert not IssuedDocument.objects.filter(number=original.number, is_current=True).exclude(pk=corrected.pk).exists()
    front = pdf_pages(corrected)[0]
    assert "Смирнова Анна Сергеевна" in front and original.number in front
    assert ru("Reissued with corrections") in front

    answer = services.verification_lookup(number=original.number, issue_date=original.issue_date)
    assert answer["status"] == "valid"
    assert answer["document"] == corrected
    assert answer["document"].holder_public_name == "Смирнова А. С."
    event = corrected.events.get(action="correction")
    assert (event.by, event.reason, event.data) == (staff, "Смена фамилии после брака", {"from": duplicate.pk})

    # The superseded paper is not reissued again; a revoked certificate is not reissued at all.
    before = documents_state()
    with pytest.raises(services.DocumentError) as exc:
        services.certificate_duplicate(original=IssuedDocument.objects.get(pk=original.pk), by=staff, reason="x")
    assert str(exc.value) == ru("Reissue the current version of this certificate.")
    assert documents_state() == before
    services.certificate_revoke(document=corrected, by=staff, reason="Подлог")
    before = documents_state()
    with pytest.raises(services.DocumentError) as exc:
        services.certificate_duplicate(original=corrected, by=staff, reason="Утрата")
    assert str(exc.value) == ru("A revoked certificate is not reissued.")
    assert documents_state() == before
    assert set(IssuedDocument.objects.values_list("revoked_on", flat=True)) == {timezone.localdate()}


# --- Extension ----------------------------------------------------------------------------------------


def test_extending_moves_the_date_of_every_paper_of_the_number_and_rerenders_them(
    rendered_certificate, staff, head, django_capture_on_commit_callbacks
):
    original = rendered_certificate
    with django_capture_on_commit_callbacks(execute=True):
        duplicate = services.certificate_duplicate(original=original, by=staff, reason="Утрата")
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
        assert new.strftime("%d.%m.%Y") in pdf_pages(paper)[0]
        assert paper.number == original.number
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
    assert services.verification_lookup(number=number, issue_date=day)["status"] == "valid"
    assert services.verification_lookup(number=f"  {number} ", issue_date=day)["status"] == "valid"
    assert services.verification_lookup(number=number, issue_date=day - datetime.timedelta(days=1)) == {
        "status": "not_found"
    }
    assert services.verification_lookup(number=number[:-1] + "9", issue_date=day) == {"status": "not_found"}
    IssuedDocument.objects.filter(pk=certificate.pk).update(valid_until=timezone.localdate() - datetime.timedelta(1))
    assert services.verification_lookup(number=number, issue_date=day)["status"] == "expired"


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
