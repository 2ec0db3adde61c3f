"""Issuing, numbering, rendering bookkeeping, revocation, duplicates, corrections and extensions."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from qac.accounts.roles import Role, has_role, is_qac_staff
from qac.exams.models import Decision, Enrolment, EnrolmentStatus, ExamResult, ExamSession, SessionStatus

from .models import DocumentEvent, IssuedDocument, Kind, NumberCounter, RenderStatus, Variant


class DocumentError(Exception):
    """A request the rules do not allow; the message is shown to the user."""


def _series(code: str, issue_date: datetime.date) -> tuple[str, str]:
    suffix = settings.QAC_CERTIFICATE_NUMBER_SUFFIX.format(yy=f"{issue_date.year % 100:02d}", yyyy=issue_date.year)
    return f"{code}/{suffix}", suffix


def number_next(*, code: str, issue_date: datetime.date) -> str:
    """Take the next number of the series. Call inside the transaction that creates the document:
    the counter row stays locked until it commits, and a rollback gives the number back, so the
    series has no gaps and no repeats."""
    series, suffix = _series(code, issue_date)
    NumberCounter.objects.get_or_create(series=series)  # the row exists from the first number on
    counter = NumberCounter.objects.select_for_update().get(series=series)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return settings.QAC_CERTIFICATE_NUMBER_FORMAT.format(code=code, seq=counter.last_value, suffix=suffix)


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


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


def document_issue(*, result: ExamResult, by=None) -> IssuedDocument | None:
    """The original certificate (passed) or conclusion (failed, removed) for an approved result.

    Idempotent: a second call, or a concurrent one, returns the same row and
    takes no number. Absent candidates get no document.
    """
    kind = {Decision.PASSED: Kind.CERTIFICATE, Decision.FAILED: Kind.CONCLUSION, Decision.REMOVED: Kind.CONCLUSION}.get(
        result.decision
    )
    if kind is None:
        return None
    existing = IssuedDocument.objects.filter(result=result, kind=kind, variant=Variant.ORIGINAL).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            # The result row lock makes concurrent issuers for one result queue up here.
            locked = (
                ExamResult.objects.select_for_update()
                .select_related("enrolment__session__qualification", "enrolment__application__candidate")
                .get(pk=result.pk)
            )
            existing = IssuedDocument.objects.filter(result=locked, kind=kind, variant=Variant.ORIGINAL).first()
            if existing:
                return existing
            session = locked.enrolment.session
            if session.status != SessionStatus.RESULTS_APPROVED:
                raise DocumentError(_("Documents are issued only for approved results."))
            qualification = session.qualification
            holder = locked.enrolment.application.candidate
            today = timezone.localdate()
            document = IssuedDocument(
                kind=kind,
                result=locked,
                qualification=qualification,
                holder=holder,
                holder_last_name=holder.last_name,
                holder_first_name=holder.first_name,
                holder_patronymic=holder.patronymic,
                exam_date=_exam_date(locked),
                issue_date=today,
            )
            if kind == Kind.CERTIFICATE:
                document.number = number_next(code=qualification.code, issue_date=today)
                document.valid_until = add_years(today, qualification.validity_years)
            else:
                gaps = [{"kind": "topic", "text": t} for t in locked.failed_topics]
                gaps += [
                    {"kind": "criterion", "text": f"{c['task']}: {c['criterion']}"} for c in locked.failed_criteria
                ]
                if locked.decision == Decision.REMOVED:
                    gaps.append({"kind": "incident", "text": locked.incident_note})
                document.gaps = gaps
                document.recommendations = _recommendations(locked)
            document.save()
            DocumentEvent.objects.create(document=document, by=by, action="issued")
            return document
    except IntegrityError:
        # Another transaction created the original between our check and insert.
        return IssuedDocument.objects.get(result=result, kind=kind, variant=Variant.ORIGINAL)


def session_documents_issue(*, session_id: int, by=None) -> list[int]:
    """Issue every document of an approved session; returns the ids still waiting to be rendered."""
    session = ExamSession.objects.get(pk=session_id)
    if session.status != SessionStatus.RESULTS_APPROVED:
        raise DocumentError(_("Documents are issued only for approved results."))
    results = ExamResult.objects.filter(
        enrolment__session=session, enrolment__status=EnrolmentStatus.ENROLLED
    ).select_related("enrolment")
    for result in results:
        document_issue(result=result, by=by)
    return list(
        IssuedDocument.objects.filter(result__enrolment__session=session)
        .exclude(render_status=RenderStatus.RENDERED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def pending_results() -> list[ExamResult]:
    """Approved results lacking the original their decision calls for (also after a correction)."""
    approved = ExamResult.objects.filter(
        enrolment__session__status=SessionStatus.RESULTS_APPROVED, enrolment__status=EnrolmentStatus.ENROLLED
    ).select_related("enrolment")
    has = lambda kind: Exists(  # noqa: E731
        IssuedDocument.objects.filter(result=OuterRef("pk"), kind=kind, variant=Variant.ORIGINAL)
    )
    return list(
        approved.filter(
            (Q(decision=Decision.PASSED) & ~has(Kind.CERTIFICATE))
            | (Q(decision__in=[Decision.FAILED, Decision.REMOVED]) & ~has(Kind.CONCLUSION))
        )
    )


def render_retry(*, document: IssuedDocument, by) -> IssuedDocument:
    """Send a failed document back to the renderers."""
    if not is_qac_staff(by):
        raise DocumentError(_("Only the center's staff retry rendering."))
    with transaction.atomic():
        if not IssuedDocument.objects.filter(pk=document.pk, render_status=RenderStatus.FAILED).update(
            render_status=RenderStatus.PENDING, render_error=""
        ):
            raise DocumentError(_("Only a document whose rendering failed is retried."))
        DocumentEvent.objects.create(document=document, by=by, action="retry")
        pk = document.pk
        transaction.on_commit(lambda: _render_soon([pk]))
    document.refresh_from_db()
    return document


def session_issue_again(*, session: ExamSession, by) -> None:
    """Staff's button: issue what an approved session lacks and retry its failed renders."""
    if not is_qac_staff(by):
        raise DocumentError(_("Only the center's staff issue documents."))
    if session.status != SessionStatus.RESULTS_APPROVED:
        raise DocumentError(_("Documents are issued only for approved results."))
    failed = IssuedDocument.objects.filter(result__enrolment__session=session, render_status=RenderStatus.FAILED)
    DocumentEvent.objects.bulk_create([DocumentEvent(document=d, by=by, action="retry") for d in failed])
    failed.update(render_status=RenderStatus.PENDING, render_error="")
    from .tasks import issue_session_documents_task

    session_id = session.pk
    transaction.on_commit(lambda: issue_session_documents_task.delay(session_id))


# --- Acts on issued certificates -------------------------------------------------------------------


def _require(by, reason):
    if not is_qac_staff(by):
        raise DocumentError(_("Only the center's staff act on issued documents."))
    reason = (reason or "").strip()
    if not reason:
        raise DocumentError(_("Say why: the act is recorded with its reason."))
    return reason


def certificate_revoke(*, document: IssuedDocument, by, reason: str, revoked_on: datetime.date | None = None):
    reason = _require(by, reason)
    revoked_on = revoked_on or timezone.localdate()
    if revoked_on > timezone.localdate():
        raise DocumentError(_("A revocation date cannot be in the future."))
    with transaction.atomic():
        locked = IssuedDocument.objects.select_for_update().get(pk=document.pk)
        if locked.kind != Kind.CERTIFICATE:
            raise DocumentError(_("Only certificates are revoked."))
        if revoked_on < locked.issue_date:
            raise DocumentError(_("A certificate cannot be revoked before it was issued."))
        if locked.revoked_on:
            raise DocumentError(
                _("This certificate was already revoked on %(date)s.")
                % {"date": locked.revoked_on.strftime("%d.%m.%Y")}
            )
        # Revoking the number revokes every paper of it: the original, duplicates, corrections.
        family = IssuedDocument.objects.filter(number=locked.number, kind=Kind.CERTIFICATE)
        family.update(revoked_on=revoked_on, revoked_reason=reason)
        DocumentEvent.objects.create(
            document=locked, by=by, action="revoked", reason=reason, data={"on": revoked_on.isoformat()}
        )
    document.refresh_from_db()
    return document


def _reissue(*, original, by, reason, variant, **holder):
    with transaction.atomic():
        original = IssuedDocument.objects.select_for_update().get(pk=original.pk)
        if original.kind != Kind.CERTIFICATE:
            raise DocumentError(_("Duplicates and corrections are made of certificates."))
        if original.revoked_on:
            raise DocumentError(_("A revoked certificate is not reissued."))
        if not original.is_current:
            raise DocumentError(_("Reissue the current version of this certificate."))
        copy = IssuedDocument.objects.get(pk=original.pk)
        copy.pk = None
        copy.variant = variant
        copy.original = original.original or original
        copy.issue_date = timezone.localdate()
        copy.render_status, copy.render_error, copy.render_attempts = RenderStatus.PENDING, "", 0
        copy.file, copy.sha256, copy.size, copy.rendered_at = "", "", None, None
        copy.expiry_reminded_at = None
        for field, value in holder.items():
            setattr(copy, field, value)
        copy.save()
        if variant == Variant.CORRECTION:
            IssuedDocument.objects.filter(number=original.number, kind=Kind.CERTIFICATE).exclude(pk=copy.pk).update(
                is_current=False
            )
        else:
            IssuedDocument.objects.filter(pk=original.pk).update(is_current=False)
        DocumentEvent.objects.create(document=copy, by=by, action=variant, reason=reason, data={"from": original.pk})
        pk = copy.pk
        transaction.on_commit(lambda: _render_soon([pk]))
    return copy


def certificate_duplicate(*, original: IssuedDocument, by, reason: str) -> IssuedDocument:
    """A duplicate for a lost certificate: marked as such, linked to the original, the same number."""
    return _reissue(original=original, by=by, reason=_require(by, reason), variant=Variant.DUPLICATE)


def certificate_correct(
    *, original: IssuedDocument, by, reason: str, last_name: str, first_name: str, patronymic: str = ""
):
    """A corrected reissue after a change of name: the same number, the new name; the old paper is superseded."""
    reason = _require(by, reason)
    if not (last_name or "").strip() or not (first_name or "").strip():
        raise DocumentError(_("The surname and the name are required."))
    return _reissue(
        original=original,
        by=by,
        reason=reason,
        variant=Variant.CORRECTION,
        holder_last_name=last_name.strip(),
        holder_first_name=first_name.strip(),
        holder_patronymic=(patronymic or "").strip(),
    )


def certificate_extend(*, document: IssuedDocument, by, valid_until: datetime.date, reason: str) -> IssuedDocument:
    """Extend a validity date (the register has done so by decree), for every paper of the number."""
    reason = _require(by, reason)
    if not has_role(by, Role.HEAD) and not is_qac_staff(by):
        raise DocumentError(_("Only the center's staff act on issued documents."))
    with transaction.atomic():
        locked = IssuedDocument.objects.select_for_update().get(pk=document.pk)
        if locked.kind != Kind.CERTIFICATE or locked.revoked_on:
            raise DocumentError(_("Only a valid certificate's date can be extended."))
        if valid_until <= locked.valid_until:
            raise DocumentError(_("The new date must be later than the current one."))
        before = locked.valid_until
        IssuedDocument.objects.filter(number=locked.number, kind=Kind.CERTIFICATE).update(
            valid_until=valid_until, expiry_reminded_at=None, render_status=RenderStatus.PENDING
        )
        DocumentEvent.objects.create(
            document=locked,
            by=by,
            action="extended",
            reason=reason,
            data={"from": before.isoformat(), "to": valid_until.isoformat()},
        )
        ids = list(
            IssuedDocument.objects.filter(number=locked.number, kind=Kind.CERTIFICATE).values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: _render_soon(ids))
    document.refresh_from_db()
    return document


def _render_soon(ids):
    from .tasks import render_documents_task

    batch = settings.QAC_RENDER_BATCH_SIZE
    for start in range(0, len(ids), batch):
        render_documents_task.delay(ids[start : start + batch])


# --- Verification ----------------------------------------------------------------------------------------


def verification_lookup(*, number: str, issue_date: datetime.date) -> dict:
    """What the public may know about a certificate: a status and non-personal facts.

    A wrong number and a wrong date answer the same ``not_found``, so the
    page never tells which part was wrong.
    """
    document = (
        IssuedDocument.objects.filter(kind=Kind.CERTIFICATE, number=number.strip(), is_current=True)
        .select_related("qualification")
        .order_by("-id")
        .first()
    )
    if document is None:
        return {"status": "not_found"}
    issue_dates = set(
        IssuedDocument.objects.filter(kind=Kind.CERTIFICATE, number=document.number).values_list(
            "issue_date", flat=True
        )
    )
    if issue_date not in issue_dates:
        return {"status": "not_found"}
    today = timezone.localdate()
    if document.revoked_on:
        status = "revoked"
    elif document.valid_until and document.valid_until < today:
        status = "expired"
    else:
        status = "valid"
    return {"status": status, "document": document}


def enrolment_has_documents(enrolment: Enrolment) -> bool:
    return IssuedDocument.objects.filter(result__enrolment=enrolment).exists()
