"""Issuing: the certificate or conclusion the Council's verdict calls for, made without a number."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from qac.accounts.roles import is_qac_staff
from qac.council.models import CouncilVerdict, Verdict
from qac.enqueue import enqueue
from qac.exams.models import Decision, ExamResult, ExamSession, SessionStatus

from ..models import DocumentEvent, IssuedDocument, Kind, NumberSource, RenderStatus, Variant
from .common import DocumentError


def _exam_date(result: ExamResult) -> datetime.date:
    return timezone.localdate(result.enrolment.session.starts_at)


def _recommendations(result: ExamResult) -> str:
    parts = []
    if result.theory_passed is False and result.failed_topics:
        parts.append(_("Study again: %(topics)s.") % {"topics": ", ".join(result.failed_topics)})
    if result.practical_passed is False and result.failed_criteria:
        parts.append(_("Practise: %(items)s.") % {"items": "; ".join(c["criterion"] for c in result.failed_criteria)})
    parts.append(_("You may apply for the exam again."))
    return " ".join(parts)


def verdict_kind(verdict) -> str | None:
    """The kind of document a verdict calls for; None for a re-exam."""
    return {Verdict.CERTIFICATE: Kind.CERTIFICATE, Verdict.CONCLUSION: Kind.CONCLUSION}.get(verdict.verdict)


def _gaps(result: ExamResult) -> list[dict]:
    gaps = [{"kind": "topic", "text": t} for t in result.failed_topics]
    gaps += [{"kind": "criterion", "text": f"{c['task']}: {c['criterion']}"} for c in result.failed_criteria]
    if result.decision == Decision.REMOVED:
        gaps.append({"kind": "incident", "text": result.incident_note})
    return gaps


def document_issue(*, verdict: CouncilVerdict, by=None) -> IssuedDocument | None:
    """The original certificate or conclusion the Council's verdict calls for, awaiting its register number.

    Nothing is numbered or rendered here: the registry export reports the
    document, the register's answer numbers it (``document_register``), and
    only then is it rendered. Idempotent: a second call, or a concurrent one,
    returns the same row. A re-exam verdict issues nothing.
    """
    kind = verdict_kind(verdict)
    if kind is None:
        return None
    existing = IssuedDocument.objects.filter(result_id=verdict.result_id, kind=kind, variant=Variant.ORIGINAL).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            # The result row lock makes concurrent issuers for one result queue up here.
            locked = _result_lock(verdict.result_id)
            existing = IssuedDocument.objects.filter(result=locked, kind=kind, variant=Variant.ORIGINAL).first()
            if existing:
                return _original_reinstate(existing, verdict=verdict, by=by)
            return _original_create(locked, kind=kind, verdict=verdict, by=by)
    except IntegrityError:
        # Another transaction created the original between our check and insert.
        return IssuedDocument.objects.get(result_id=verdict.result_id, kind=kind, variant=Variant.ORIGINAL)


def _result_lock(result_id: int) -> ExamResult:
    return (
        # Lock the result row only: the identity is on the nullable side of an outer join.
        ExamResult.objects.select_for_update(of=("self",))
        .select_related(
            "enrolment__session__qualification",
            "enrolment__application__candidate",
            "enrolment__application__identity",
        )
        .get(pk=result_id)
    )


def _original_reinstate(existing: IssuedDocument, *, verdict: CouncilVerdict, by) -> IssuedDocument:
    """The original the verdict calls for exists; an unnumbered one a corrected decision cancelled is current again."""
    if not existing.is_current and existing.number_source == NumberSource.AWAITING:
        # The Council's corrected decision calls for it again.
        IssuedDocument.objects.filter(pk=existing.pk).update(is_current=True, verdict=verdict)
        DocumentEvent.objects.create(document=existing, by=by, action="reinstated")
        existing.refresh_from_db()
    return existing


def _original_create(locked: ExamResult, *, kind: str, verdict: CouncilVerdict, by) -> IssuedDocument:
    """Make the unnumbered original of ``kind`` for the locked result, with its "issued" event."""
    session = locked.enrolment.session
    if session.status != SessionStatus.RESULTS_APPROVED:
        raise DocumentError(_("Documents are issued only for approved results."))
    application = locked.enrolment.application
    holder = application.candidate
    # The name as the application was submitted with it (725n App. 3 p.6), not the live profile.
    named = application.applicant
    exam_date = _exam_date(locked)
    document = IssuedDocument(
        kind=kind,
        result=locked,
        verdict=verdict,
        qualification=session.qualification,
        holder=holder,
        holder_last_name=named.last_name,
        holder_first_name=named.first_name,
        holder_patronymic=named.patronymic,
        exam_date=exam_date,
        issue_due_on=exam_date + datetime.timedelta(days=settings.QAC_DOCUMENTS_ISSUE_DAYS),
        number_source=NumberSource.AWAITING,
    )
    if kind == Kind.CONCLUSION:
        document.gaps = _gaps(locked)
        document.recommendations = _recommendations(locked)
    document.save()
    DocumentEvent.objects.create(
        document=document,
        by=by,
        action="issued",
        data={"decision": verdict.decision.number, "decided_on": verdict.decision.decided_on.isoformat()},
    )
    return document


def session_documents_issue(*, session_id: int, by=None) -> list[int]:
    """Create the documents the Council's decision on a session calls for; returns the ids still to render.

    Only documents that already carry their register number are rendered; the
    others wait for the register's answer.
    """
    session = ExamSession.objects.get(pk=session_id)
    if session.status != SessionStatus.RESULTS_APPROVED:
        raise DocumentError(_("Documents are issued only for approved results."))
    verdicts = list(CouncilVerdict.objects.filter(decision__session=session).select_related("decision"))
    if not verdicts:
        raise DocumentError(_("Nothing is issued before the Council's decision is recorded."))
    for verdict in verdicts:
        superseded_cancel(verdict=verdict, by=by)
        document_issue(verdict=verdict, by=by)
    return list(
        IssuedDocument.objects.filter(result__enrolment__session=session)
        .exclude(number_source=NumberSource.AWAITING)
        .exclude(render_status=RenderStatus.RENDERED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def superseded_cancel(*, verdict: CouncilVerdict, by=None) -> None:
    """A corrected decision changed the verdict: the unnumbered document of the old verdict is cancelled.

    (The council app refuses to change a verdict whose document is already numbered.)
    """
    kind = verdict_kind(verdict)
    stale = IssuedDocument.objects.filter(
        result_id=verdict.result_id, variant=Variant.ORIGINAL, number_source=NumberSource.AWAITING, is_current=True
    ).exclude(kind=kind)
    for document in stale:
        IssuedDocument.objects.filter(pk=document.pk).update(is_current=False)
        DocumentEvent.objects.create(
            document=document,
            by=by,
            action="cancelled",
            reason=_("The Council's decision was corrected."),
            data={"verdict": verdict.verdict},
        )


def pending_verdicts() -> list[CouncilVerdict]:
    """Council verdicts lacking the original document they call for (a lost message, a correction)."""
    has = lambda kind: Exists(  # noqa: E731
        IssuedDocument.objects.filter(result=OuterRef("result"), kind=kind, variant=Variant.ORIGINAL)
    )
    return list(
        CouncilVerdict.objects.filter(
            (Q(verdict=Verdict.CERTIFICATE) & ~has(Kind.CERTIFICATE))
            | (Q(verdict=Verdict.CONCLUSION) & ~has(Kind.CONCLUSION))
        ).select_related("decision")
    )


def session_issue_again(*, session: ExamSession, by) -> None:
    """Staff's button: make what the Council's decision still lacks and retry the failed renders."""
    if not is_qac_staff(by):
        raise DocumentError(_("Only the center's staff issue documents."))
    if not CouncilVerdict.objects.filter(decision__session=session).exists():
        raise DocumentError(_("Nothing is issued before the Council's decision is recorded."))
    failed = IssuedDocument.objects.filter(result__enrolment__session=session, render_status=RenderStatus.FAILED)
    DocumentEvent.objects.bulk_create([DocumentEvent(document=d, by=by, action="retry") for d in failed])
    failed.update(render_status=RenderStatus.PENDING, render_error="")
    enqueue("qac.certificates.tasks.issue_session_documents_task", session.pk)
