"""Helpers the certificates tests share; the fixtures stay in tests/certificates/conftest.py."""

import datetime
import io
import itertools
from types import SimpleNamespace
from unittest import mock

from django.test import TestCase
from pypdf import PdfReader

from qac.accounts.roles import Role
from qac.certificates import services
from qac.certificates.models import DocumentEvent, IssuedDocument
from qac.exams import services as exam_services
from qac.exams.models import ExamResult, ExamSession, SessionStatus, TheoryAttempt
from tests.builders import admit
from tests.factories import CandidateProfileFactory, UserFactory
from tests.helpers.exams import (
    accepted_application,
    answer_all,
    criteria_of,
    fresh,
    plan_session,
)

PASS = "pass"


FAIL_THEORY = "fail_theory"


FAIL_PRACTICAL = "fail_practical"


REMOVED = "removed"


ABSENT = "absent"


INCIDENT = "Пользовался мобильным телефоном во время теоретического этапа"


# Sessions of one test must not overlap: the same commission sits on all of them.
_days = itertools.count(3)


def make_candidate(*, last_name=None, first_name="Иван", patronymic="Петрович", email=None, **profile):
    """A candidate user with a profile (``profile`` overrides the personal data)."""
    kwargs = {"first_name": first_name, "patronymic": patronymic}
    if last_name:
        kwargs["last_name"] = last_name
    if email:
        kwargs["email"] = email
    user = UserFactory(role=Role.CANDIDATE, **kwargs)
    CandidateProfileFactory(user=user, **profile)
    return user


def _score_all(enrolment, commission, first, second):
    c1, c2 = criteria_of(enrolment.session.qualification)
    for expert in commission:
        exam_services.practical_save_scores(
            enrolment=fresh(enrolment), expert=expert, scores={c1.pk: first, c2.pk: second}
        )


def exam(
    *,
    staff,
    commission,
    qualification,
    outcomes,
    holders=None,
    approve=True,
    days=None,
    passing_scores=(5, 5),
):
    """A session of ``qualification`` whose candidates end as ``outcomes`` say, built through the services.

    ``holders`` optionally gives the candidate users (one per outcome, None for a new one).
    With ``approve`` the chair approves it, but the work approval starts after commit
    (protocol, documents) does not run: the test runs what it pins.
    """
    chair, *members = commission
    holders = list(holders or [None] * len(outcomes))
    days = days if days is not None else next(_days)
    capacity = max(len(outcomes), 1)
    session = plan_session(
        by=staff, qualification=qualification, chair=chair, experts=members, days=days, capacity=capacity
    )
    applications = [
        accepted_application(candidate=holder or make_candidate(), qualification=qualification, staff=staff)
        for holder in holders
    ]
    enrolments = [fresh(e) for e in exam_services.enrol(session=session, applications=applications, by=staff)]
    exam_services.session_open(session=session, by=staff)
    for enrolment, outcome in zip(enrolments, outcomes, strict=True):
        if outcome == ABSENT:
            exam_services.mark_presence(enrolment=enrolment, by=staff, present=False)
        else:
            admit(enrolment, staff=staff)
    exam_services.session_start(session=session, by=staff)
    for enrolment, outcome in zip(enrolments, outcomes, strict=True):
        if outcome == ABSENT:
            continue
        if outcome == REMOVED:
            exam_services.result_set_special(enrolment=fresh(enrolment), by=staff, decision="removed", note=INCIDENT)
            continue
        if outcome == FAIL_THEORY:
            # The online test, so the failed topics are known.
            attempt = exam_services.theory_start(enrolment=fresh(enrolment), by=enrolment.application.candidate)
            answer_all(attempt, correctly=False)
            exam_services.theory_submit(attempt=TheoryAttempt.objects.get(pk=attempt.pk))
        else:
            exam_services.theory_record_paper(
                enrolment=fresh(enrolment), by=staff, percent=100, reason="Тест на бумаге"
            )
        _score_all(enrolment, commission, *((0, 0) if outcome == FAIL_PRACTICAL else passing_scores))
    exam_services.session_complete(session=session, by=staff)
    if approve:
        with mock.patch.object(exam_services.sessions, "_after_approval", lambda session_id: None):
            exam_services.session_approve(session=session, by=chair)
    session = ExamSession.objects.get(pk=session.pk)
    results = [ExamResult.objects.select_related("enrolment").get(enrolment=e) for e in enrolments]
    return SimpleNamespace(
        session=session,
        results=results,
        holders=[r.enrolment.application.candidate for r in results],
        enrolments=enrolments,
    )


def approve_and_issue(session, chair):
    """Approve as production does: the on-commit work (protocol, documents, their PDFs) runs eagerly."""
    assert session.status == SessionStatus.COMPLETED
    with TestCase.captureOnCommitCallbacks(execute=True):
        exam_services.session_approve(session=session, by=chair)
    session.refresh_from_db()
    return session


def issue(results, *, render=False, number=True, staff=None):
    """Issue the documents of ``results`` the legal way: package sent, the Council's natural verdicts,
    documents made, numbered by the register (``number``); optionally rendered (eager task)."""
    from qac.council.models import CouncilVerdict
    from tests.helpers.legal import council_decide, register

    sessions = {r.enrolment.session_id: r.enrolment.session for r in results}
    staff = staff or UserFactory(role=Role.STAFF)
    for session in sessions.values():
        if not CouncilVerdict.objects.filter(decision__session=session).exists():
            council_decide(session, staff)
    verdicts = CouncilVerdict.objects.filter(result__in=results).select_related("decision")
    by_result = {v.result_id: v for v in verdicts}
    documents = [services.document_issue(verdict=by_result[r.pk]) for r in results if r.pk in by_result]
    documents = [d for d in documents if d is not None]
    if number:
        documents = register([d for d in documents if d.number_source == "awaiting"]) + [
            d for d in documents if d.number_source != "awaiting"
        ]
        documents.sort(key=lambda d: d.pk)
    if render:
        from qac.certificates.tasks import render_documents_task

        render_documents_task([d.pk for d in documents])
        for d in documents:
            d.refresh_from_db()
    return documents


def pdf_bytes(document) -> bytes:
    document.refresh_from_db()
    with document.file.open("rb") as handle:
        return handle.read()


def pdf_pages(document) -> list[str]:
    """The text of each page of the document's stored PDF, whitespace folded."""
    reader = PdfReader(io.BytesIO(pdf_bytes(document)))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def documents_state() -> dict:
    """Every document row, event and counter: a refused act changes none of it."""
    return {
        "documents": list(
            IssuedDocument.objects.order_by("pk").values_list(
                "pk",
                "kind",
                "variant",
                "original",
                "is_current",
                "number",
                "holder_last_name",
                "holder_first_name",
                "holder_patronymic",
                "issue_date",
                "valid_until",
                "render_status",
                "render_error",
                "file",
                "sha256",
                "revoked_on",
                "revoked_reason",
                "expiry_reminded_at",
            )
        ),
        "events": list(DocumentEvent.objects.order_by("pk").values_list("pk", "document", "action", "by", "reason")),
    }


def expected_valid_until(issue_date: datetime.date, years: int) -> datetime.date:
    try:
        return issue_date.replace(year=issue_date.year + years)
    except ValueError:
        return issue_date.replace(year=issue_date.year + years, day=28)
