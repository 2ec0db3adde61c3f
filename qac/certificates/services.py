"""Issuing, numbering, rendering bookkeeping, revocation, duplicates, corrections and extensions."""

from __future__ import annotations

import datetime
import hashlib
import re

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import CERTIFICATE_STATUSES, CallTask, ChangeRequestStatus, IdentityChangeRequest
from candidates.services import call_task_add
from qac.accounts.roles import Role, has_role, is_qac_staff
from qac.council.models import CouncilVerdict, Verdict
from qac.enqueue import enqueue
from qac.exams.models import Decision, ExamResult, ExamSession, SessionStatus

from .models import (
    DeliveryMethod,
    DocumentEvent,
    DuplicateGrounds,
    DuplicateRequest,
    DuplicateStatus,
    DuplicateTransition,
    IssuedDocument,
    Kind,
    NumberSource,
    RenderStatus,
    Variant,
)


class DocumentError(Exception):
    """A request the rules do not allow; the message is shown to the user."""


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


def _verdict_kind(verdict) -> str | None:
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
    kind = _verdict_kind(verdict)
    if kind is None:
        return None
    existing = IssuedDocument.objects.filter(result_id=verdict.result_id, kind=kind, variant=Variant.ORIGINAL).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            # The result row lock makes concurrent issuers for one result queue up here.
            locked = (
                # Lock the result row only: the identity is on the nullable side of an outer join.
                ExamResult.objects.select_for_update(of=("self",))
                .select_related(
                    "enrolment__session__qualification",
                    "enrolment__application__candidate",
                    "enrolment__application__identity",
                )
                .get(pk=verdict.result_id)
            )
            existing = IssuedDocument.objects.filter(result=locked, kind=kind, variant=Variant.ORIGINAL).first()
            if existing:
                if not existing.is_current and existing.number_source == NumberSource.AWAITING:
                    # The Council's corrected decision calls for it again.
                    IssuedDocument.objects.filter(pk=existing.pk).update(is_current=True, verdict=verdict)
                    DocumentEvent.objects.create(document=existing, by=by, action="reinstated")
                    existing.refresh_from_db()
                return existing
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
    except IntegrityError:
        # Another transaction created the original between our check and insert.
        return IssuedDocument.objects.get(result_id=verdict.result_id, kind=kind, variant=Variant.ORIGINAL)


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
        _cancel_superseded(verdict=verdict, by=by)
        document_issue(verdict=verdict, by=by)
    return list(
        IssuedDocument.objects.filter(result__enrolment__session=session)
        .exclude(number_source=NumberSource.AWAITING)
        .exclude(render_status=RenderStatus.RENDERED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _cancel_superseded(*, verdict: CouncilVerdict, by=None) -> None:
    """A corrected decision changed the verdict: the unnumbered document of the old verdict is cancelled.

    (The council app refuses to change a verdict whose document is already numbered.)
    """
    kind = _verdict_kind(verdict)
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


def numbered_unrendered_ids() -> list[int]:
    """Documents that have their register number but no PDF yet (a lost message, a restored backup)."""
    return list(
        IssuedDocument.objects.filter(render_status=RenderStatus.PENDING)
        .exclude(number_source=NumberSource.AWAITING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def register_number_valid(number: str) -> bool:
    return bool(re.fullmatch(settings.QAC_REGISTER_NUMBER_PATTERN, number or ""))


def register_url_valid(url: str) -> bool:
    if not re.match(r"^https?://[^\s/]+\S*$", url or ""):
        return False
    prefixes = settings.QAC_REGISTER_URL_PREFIXES
    return not prefixes or any(url.startswith(p) for p in prefixes)


def document_register(
    *,
    document: IssuedDocument,
    number: str,
    issue_date: datetime.date,
    register_url: str,
    by=None,
    source: str = "",
) -> tuple[IssuedDocument, bool]:
    """Give a document the registration number the register assigned it (Order 725n App. 3 p.5).

    Returns ``(document, changed)``. The same number again changes nothing
    (an answer file imported twice); another number for a numbered document,
    or a number another document holds, is refused. The document is rendered
    after the commit. ``source`` says where the number came from (a file, by hand).
    """
    number = (number or "").strip()
    register_url = (register_url or "").strip()
    if not register_number_valid(number):
        raise DocumentError(
            _("«%(number)s» is not a registration number of the register's shape.") % {"number": number}
        )
    if not register_url_valid(register_url):
        raise DocumentError(_("«%(url)s» is not a link to a register record.") % {"url": register_url})
    with transaction.atomic():
        locked = IssuedDocument.objects.select_for_update().get(pk=document.pk)
        if locked.number_source == NumberSource.REGISTER:
            if locked.number == number and locked.issue_date == issue_date and locked.register_url == register_url:
                return locked, False
            raise DocumentError(
                _("Document %(id)s already has the registration number %(number)s; it is never changed.")
                % {"id": locked.pk, "number": locked.number}
            )
        if locked.number_source == NumberSource.LOCAL:
            raise DocumentError(
                _("Document %(id)s was numbered before register numbering (%(number)s).")
                % {"id": locked.pk, "number": locked.number}
            )
        if locked.verdict_id is None and locked.variant == Variant.ORIGINAL:
            raise DocumentError(_("Document %(id)s has no Council decision.") % {"id": locked.pk})
        if locked.revoked_on:
            raise DocumentError(_("Document %(id)s is revoked.") % {"id": locked.pk})
        if not locked.is_current:
            raise DocumentError(_("Document %(id)s was cancelled by a corrected Council decision.") % {"id": locked.pk})
        holder = IssuedDocument.objects.filter(number=number).exclude(pk=locked.pk).first()
        if holder is not None:
            raise DocumentError(
                _("The number %(number)s belongs to another document (%(id)s).") % {"number": number, "id": holder.pk}
            )
        if issue_date < locked.exam_date or issue_date > timezone.localdate():
            raise DocumentError(
                _("The issue date %(date)s is before the exam or in the future.")
                % {"date": issue_date.strftime("%d.%m.%Y")}
            )
        locked.number = number
        locked.number_source = NumberSource.REGISTER
        locked.register_url = register_url
        locked.registered_at = timezone.now()
        locked.issue_date = issue_date
        if locked.kind == Kind.CERTIFICATE and locked.variant == Variant.ORIGINAL:
            locked.valid_until = add_years(issue_date, locked.qualification.validity_years)
        locked.render_status, locked.render_error = RenderStatus.PENDING, ""
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError as exc:
            raise DocumentError(_("The number %(number)s belongs to another document.") % {"number": number}) from exc
        DocumentEvent.objects.create(
            document=locked,
            by=by,
            action="numbered",
            data={"number": number, "issue_date": issue_date.isoformat(), "url": register_url, "source": source},
        )
        pk = locked.pk
        transaction.on_commit(lambda: render_soon([pk]))
    return locked, True


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
        transaction.on_commit(lambda: render_soon([pk]))
    document.refresh_from_db()
    return document


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


# --- Acts on issued certificates -------------------------------------------------------------------


def _family(document: IssuedDocument):
    """Every paper of one certificate: the original and its duplicates (and legacy corrections)."""
    root = document.original_id or document.pk
    return IssuedDocument.objects.filter(Q(pk=root) | Q(original_id=root), kind=Kind.CERTIFICATE)


def _require(by, reason):
    if not is_qac_staff(by):
        raise DocumentError(_("Only the center's staff act on issued documents."))
    reason = (reason or "").strip()
    if not reason:
        raise DocumentError(_("Say why: the act is recorded with its reason."))
    return reason


def certificate_revoke(*, document: IssuedDocument, by, reason: str, revoked_on: datetime.date | None = None):
    reason = _require(by, reason)
    _revoke(document=document, by=by, reason=reason, revoked_on=revoked_on)
    document.refresh_from_db()
    return document


def _revoke(*, document: IssuedDocument, by, reason: str, revoked_on: datetime.date | None = None) -> None:
    """Revoke a numbered certificate and every paper of it; the caller has checked who asks and why."""
    revoked_on = revoked_on or timezone.localdate()
    if revoked_on > timezone.localdate():
        raise DocumentError(_("A revocation date cannot be in the future."))
    with transaction.atomic():
        locked = IssuedDocument.objects.select_for_update().get(pk=document.pk)
        if locked.kind != Kind.CERTIFICATE:
            raise DocumentError(_("Only certificates are revoked."))
        if not locked.is_numbered:
            raise DocumentError(
                _("This certificate is not in the register yet: correct the Council's decision instead.")
            )
        if revoked_on < locked.issue_date:
            raise DocumentError(_("A certificate cannot be revoked before it was issued."))
        if locked.revoked_on:
            raise DocumentError(
                _("This certificate was already revoked on %(date)s.")
                % {"date": locked.revoked_on.strftime("%d.%m.%Y")}
            )
        # Revoking the number revokes every paper of it: the original, duplicates, corrections.
        family = _family(locked)
        family.update(revoked_on=revoked_on, revoked_reason=reason)
        DocumentEvent.objects.create(
            document=locked, by=by, action="revoked", reason=reason, data={"on": revoked_on.isoformat()}
        )


def documents_follow_verdict(*, verdict_id: int, reason: str, by=None) -> IssuedDocument | None:
    """A verdict changed because its exam result was corrected after approval: the documents follow.

    The old document is taken out of use: a numbered certificate is revoked
    (every paper of it), a numbered conclusion withdrawn, an unnumbered one
    cancelled. The document the new verdict calls for is made unnumbered and
    then numbered through the register like every other. Safe to run twice.
    """
    verdict = CouncilVerdict.objects.select_related("decision").get(pk=verdict_id)
    kind = _verdict_kind(verdict)
    with transaction.atomic():
        stale = IssuedDocument.objects.filter(result_id=verdict.result_id, variant=Variant.ORIGINAL, is_current=True)
        for document in stale.exclude(kind=kind).exclude(number_source=NumberSource.AWAITING):
            if document.kind == Kind.CERTIFICATE:
                if not document.revoked_on:
                    _revoke(document=document, by=by, reason=reason)
            else:
                IssuedDocument.objects.filter(pk=document.pk).update(
                    is_current=False, withdrawn_on=timezone.localdate()
                )
                DocumentEvent.objects.create(document=document, by=by, action="withdrawn", reason=reason)
        _cancel_superseded(verdict=verdict, by=by)
        return document_issue(verdict=verdict, by=by)


# --- Duplicates (Order 725n App. 3 II) --------------------------------------------------------------

DUPLICATE_TRANSITIONS: dict[tuple[str, str], str] = {
    ("", DuplicateStatus.RECEIVED): "staff",
    (DuplicateStatus.RECEIVED, DuplicateStatus.ISSUED): "staff",
    (DuplicateStatus.RECEIVED, DuplicateStatus.REFUSED): "staff",
}

#: The pages name the moves of an application for a duplicate by their buttons.
DUPLICATE_ACTIONS = {DuplicateStatus.ISSUED: "issue", DuplicateStatus.REFUSED: "refuse"}


def allowed_duplicate_actions(duplicate_request: DuplicateRequest, user) -> set[str]:
    """What ``user`` may do with an application for a duplicate now; the page shows exactly these buttons."""
    return {
        DUPLICATE_ACTIONS[to]
        for (frm, to), who in DUPLICATE_TRANSITIONS.items()
        if frm == duplicate_request.status and who == "staff" and is_qac_staff(user)
    }


def _duplicate_move(*, request: DuplicateRequest, to: str, by, note: str = "", **changes) -> DuplicateRequest:
    """The one door for an application for a duplicate: the table, the row and its history in one transaction."""
    with transaction.atomic():
        locked = DuplicateRequest.objects.select_for_update().get(pk=request.pk)
        if (locked.status, to) not in DUPLICATE_TRANSITIONS:
            raise DocumentError(
                _("An application for a duplicate that is «%(status)s» cannot become «%(to)s».")
                % {"status": locked.get_status_display(), "to": DuplicateStatus(to).label}
            )
        frm = locked.status
        locked.status = to
        locked.version += 1
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.save()
        DuplicateTransition.objects.create(request=locked, from_status=frm, to_status=to, by=by, note=note)
    return locked


def duplicate_request_receive(
    *,
    original: IssuedDocument,
    by,
    grounds: str,
    received_on: datetime.date | None = None,
    statement: str = "",
    new_last_name: str = "",
    new_first_name: str = "",
    new_patronymic: str = "",
    supporting_file=None,
    change_request=None,
) -> DuplicateRequest:
    """Register the holder's application for a duplicate; the 15-day deadline starts from its receipt."""
    if not is_qac_staff(by):
        raise DocumentError(_("Only the center's staff register applications for duplicates."))
    if grounds not in DuplicateGrounds.values:
        raise DocumentError(_("Choose the grounds for the duplicate."))
    received_on = received_on or timezone.localdate()
    if received_on > timezone.localdate():
        raise DocumentError(_("The application cannot be received in the future."))
    new_last_name, new_first_name = (new_last_name or "").strip(), (new_first_name or "").strip()
    if grounds == DuplicateGrounds.NAME_CHANGE:
        if not new_last_name or not new_first_name:
            raise DocumentError(_("A change of name needs the new surname and name."))
        if not supporting_file:
            raise DocumentError(_("A change of name needs a copy of the document that proves it (725n App. 3 p.23)."))
    with transaction.atomic():
        locked = IssuedDocument.objects.select_for_update().get(pk=original.pk)
        if locked.kind != Kind.CERTIFICATE:
            raise DocumentError(_("Duplicates are made of certificates."))
        if locked.revoked_on:
            raise DocumentError(_("A revoked certificate has no duplicate."))
        if not locked.is_current:
            raise DocumentError(_("Apply for a duplicate of the current paper of this certificate."))
        if not locked.is_numbered or locked.render_status != RenderStatus.RENDERED:
            raise DocumentError(_("This certificate has not been issued yet."))
        if DuplicateRequest.objects.filter(original=locked, status=DuplicateStatus.RECEIVED).exists():
            raise DocumentError(_("An application for a duplicate of this certificate is already being handled."))
        request = DuplicateRequest(
            original=locked,
            grounds=grounds,
            received_on=received_on,
            due_on=received_on + datetime.timedelta(days=settings.QAC_DUPLICATE_DAYS),
            statement=(statement or "").strip(),
            new_last_name=new_last_name,
            new_first_name=new_first_name,
            new_patronymic=(new_patronymic or "").strip(),
            received_by=by,
            change_request=change_request,
        )
        if supporting_file:
            request.supporting_name = getattr(supporting_file, "name", "")[:255]
            request.supporting_file.save("supporting", supporting_file, save=False)
        try:
            with transaction.atomic():
                request.save()
        except IntegrityError as exc:
            raise DocumentError(
                _("An application for a duplicate of this certificate is already being handled.")
            ) from exc
        DuplicateTransition.objects.create(request=request, from_status="", to_status=DuplicateStatus.RECEIVED, by=by)
        DocumentEvent.objects.create(
            document=locked, by=by, action="duplicate_requested", reason=request.get_grounds_display()
        )
    return request


def duplicate_request_issue(*, request: DuplicateRequest, by, expected_version: int | None = None) -> IssuedDocument:
    """Make the duplicate: a document of its own that awaits its own register number (725n App. 3 p.20)."""
    if not is_qac_staff(by):
        raise DocumentError(_("Only the center's staff make duplicates."))
    with transaction.atomic():
        locked = DuplicateRequest.objects.select_for_update().get(pk=request.pk)
        if expected_version is not None and locked.version != expected_version:
            raise DocumentError(_("Someone else has handled this application in the meantime; nothing was applied."))
        original = IssuedDocument.objects.select_for_update().get(pk=locked.original_id)
        if original.revoked_on:
            raise DocumentError(_("A revoked certificate has no duplicate."))
        copy = IssuedDocument.objects.get(pk=original.pk)
        copy.pk = None
        copy.variant = Variant.DUPLICATE
        copy.original = original.original or original
        copy.number, copy.number_source, copy.register_url, copy.registered_at = "", NumberSource.AWAITING, "", None
        copy.issue_date, copy.issue_due_on = None, locked.due_on
        copy.render_status, copy.render_error, copy.render_attempts = RenderStatus.PENDING, "", 0
        copy.file, copy.sha256, copy.size, copy.rendered_at = "", "", None, None
        copy.expiry_reminded_at = None
        copy.delivery_method, copy.delivered_on, copy.delivered_by = "", None, None
        copy.delivery_recipient, copy.tracking_number, copy.holder_notified_at = "", "", None
        copy.withdrawn_on, copy.is_current = None, True
        if locked.grounds == DuplicateGrounds.NAME_CHANGE:
            copy.holder_last_name = locked.new_last_name
            copy.holder_first_name = locked.new_first_name
            copy.holder_patronymic = locked.new_patronymic
        copy.save()
        DocumentEvent.objects.create(
            document=copy,
            by=by,
            action="duplicate",
            reason=locked.get_grounds_display(),
            data={"from": original.pk, "request": locked.pk},
        )
        _duplicate_move(request=locked, to=DuplicateStatus.ISSUED, by=by, duplicate=copy)
    return copy


def duplicate_request_refuse(
    *, request: DuplicateRequest, by, reason: str, expected_version: int | None = None
) -> DuplicateRequest:
    reason = _require(by, reason)
    if expected_version is not None and request.version != expected_version:
        raise DocumentError(_("Someone else has handled this application in the meantime; nothing was applied."))
    return _duplicate_move(request=request, to=DuplicateStatus.REFUSED, by=by, note=reason, refusal_reason=reason)


# --- Delivery (Decree 1204 p.17) ---------------------------------------------------------------------


def document_deliver(
    *,
    document: IssuedDocument,
    by,
    method: str,
    delivered_on: datetime.date,
    recipient: str = "",
    tracking_number: str = "",
) -> IssuedDocument:
    """Record how the document reached the holder: handed over, or posted by registered mail; tell the holder."""
    if not is_qac_staff(by):
        raise DocumentError(_("Only the center's staff issue documents."))
    if method not in DeliveryMethod.values:
        raise DocumentError(_("Say how the document was issued."))
    tracking_number = (tracking_number or "").strip()
    recipient = (recipient or "").strip()
    if method == DeliveryMethod.POST and not tracking_number:
        raise DocumentError(_("Registered mail needs its tracking number."))
    if method == DeliveryMethod.HANDED and not recipient:
        raise DocumentError(_("Say who received the document (the holder or their representative)."))
    if delivered_on > timezone.localdate():
        raise DocumentError(_("The date of issue cannot be in the future."))
    with transaction.atomic():
        locked = IssuedDocument.objects.select_for_update().get(pk=document.pk)
        if locked.render_status != RenderStatus.RENDERED or not locked.is_numbered:
            raise DocumentError(_("Only a document with its register number and a printed form is issued."))
        if locked.revoked_on or not locked.is_current:
            raise DocumentError(_("This document is no longer valid and is not issued."))
        if locked.delivered_on:
            raise DocumentError(
                _("This document was already issued on %(date)s.") % {"date": locked.delivered_on.strftime("%d.%m.%Y")}
            )
        if locked.issue_date and delivered_on < locked.issue_date:
            raise DocumentError(_("A document cannot be issued before its date of issue."))
        locked.delivery_method, locked.delivered_on, locked.delivered_by = method, delivered_on, by
        locked.delivery_recipient, locked.tracking_number = recipient[:255], tracking_number[:64]
        locked.save(
            update_fields=["delivery_method", "delivered_on", "delivered_by", "delivery_recipient", "tracking_number"]
        )
        DocumentEvent.objects.create(
            document=locked,
            by=by,
            action="delivered",
            data={
                "method": method,
                "on": delivered_on.isoformat(),
                "recipient": recipient,
                "tracking": tracking_number,
            },
        )
        if locked.variant == Variant.DUPLICATE and locked.original_id:
            # The paper the duplicate replaces is taken back (725n App. 3 p.26) and no longer current.
            replaced = IssuedDocument.objects.filter(
                Q(pk=locked.original_id) | Q(original_id=locked.original_id), is_current=True
            ).exclude(pk=locked.pk)
            for old in replaced:
                DocumentEvent.objects.create(document=old, by=by, action="withdrawn", data={"duplicate": locked.pk})
            replaced.update(is_current=False, withdrawn_on=delivered_on)
        call_task_add(
            application=locked.result.enrolment.application,
            event=CallTask.Event.DOCUMENT,
            detail=f"{locked.get_delivery_method_display()}, {delivered_on:%d.%m.%Y}",
        )
        enqueue("qac.certificates.tasks.notify_holder_task", locked.pk)
        # Where the contract says so, the payer gets a copy too (Decree 1204 p.18).
        enqueue("qac.certificates.tasks.notify_payer_task", locked.pk)
    return locked


def holder_notified(*, document: IssuedDocument) -> bool:
    """Claim the holder's notice of issue (True once), so a redelivered task never mails twice."""
    return bool(
        IssuedDocument.objects.filter(pk=document.pk, holder_notified_at__isnull=True).update(
            holder_notified_at=timezone.now()
        )
    )


def holder_notice_release(*, document: IssuedDocument) -> None:
    IssuedDocument.objects.filter(pk=document.pk).update(holder_notified_at=None)


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
        _family(locked).update(valid_until=valid_until, expiry_reminded_at=None, render_status=RenderStatus.PENDING)
        DocumentEvent.objects.create(
            document=locked,
            by=by,
            action="extended",
            reason=reason,
            data={"from": before.isoformat(), "to": valid_until.isoformat()},
        )
        ids = list(_family(locked).exclude(number_source=NumberSource.AWAITING).values_list("pk", flat=True))
        transaction.on_commit(lambda: render_soon(ids))
    document.refresh_from_db()
    return document


def render_soon(ids):
    """Queue the rendering of ``ids`` in batches, at once: callers run after their commit."""
    batch = settings.QAC_RENDER_BATCH_SIZE
    for start in range(0, len(ids), batch):
        enqueue("qac.certificates.tasks.render_documents_task", ids[start : start + batch], on_commit=False)


# --- Rendering bookkeeping (called by the workers) ------------------------------------------------


def render_claim(*, document_ids: list[int]) -> list[IssuedDocument]:
    """The listed documents that still need rendering and have their number, with one more attempt counted."""
    todo = list(
        IssuedDocument.objects.filter(pk__in=document_ids, render_status=RenderStatus.PENDING)
        .exclude(number_source=NumberSource.AWAITING)
        .select_related("qualification__standard", "result__enrolment__session")
        .order_by("pk")
    )
    if todo:
        IssuedDocument.objects.filter(pk__in=[d.pk for d in todo]).update(render_attempts=F("render_attempts") + 1)
    return todo


def render_fail(*, document: IssuedDocument, error: Exception) -> None:
    """pending -> failed, with the reason staff see."""
    with transaction.atomic():
        if IssuedDocument.objects.filter(pk=document.pk, render_status=RenderStatus.PENDING).update(
            render_status=RenderStatus.FAILED, render_error=f"{type(error).__name__}: {error}"[:2000]
        ):
            DocumentEvent.objects.create(document=document, action="render_failed", reason=str(error)[:2000])


def document_file_name(document: IssuedDocument) -> str:
    """The one name a document's PDF goes by: stored, downloaded and zipped."""
    kind = "certificate" if document.kind == Kind.CERTIFICATE else "conclusion"
    if document.variant == Variant.DUPLICATE:
        kind = f"{kind}-duplicate"
    return f"{kind}-{document.number or document.pk}.pdf"


def render_store(*, document: IssuedDocument, pdf: bytes) -> None:
    """pending -> rendered: the PDF stored with its SHA-256. A second delivery finds it rendered and stops."""
    with transaction.atomic():
        locked = IssuedDocument.objects.select_for_update().get(pk=document.pk)
        if locked.render_status == RenderStatus.RENDERED:
            return  # another delivery got here first
        old = locked.file.name if locked.file else None
        locked.file.save(f"{locked.pk}-{document_file_name(locked)}", ContentFile(pdf), save=False)
        locked.sha256 = hashlib.sha256(pdf).hexdigest()
        locked.size = len(pdf)
        locked.render_status = RenderStatus.RENDERED
        locked.render_error = ""
        locked.rendered_at = timezone.now()
        locked.save(update_fields=["file", "sha256", "size", "render_status", "render_error", "rendered_at"])
        DocumentEvent.objects.create(document=locked, action="rendered", data={"sha256": locked.sha256})
    if old and old != locked.file.name:
        locked.file.storage.delete(old)


def expiry_reminder_claim(*, document: IssuedDocument) -> bool:
    """Claim a reminder before sending it, so two runs never mail twice."""
    return bool(
        IssuedDocument.objects.filter(pk=document.pk, expiry_reminded_at__isnull=True).update(
            expiry_reminded_at=timezone.now()
        )
    )


def expiry_reminder_release(*, document: IssuedDocument) -> None:
    IssuedDocument.objects.filter(pk=document.pk).update(expiry_reminded_at=None)


# --- Verification ----------------------------------------------------------------------------------------


# --- A change of name approved in the holder's profile (candidates' change request) ----------------


def duplicates_for_change_request(*, change_request_id: int) -> list[DuplicateRequest]:
    """Start the duplicate procedure for each issued certificate of an approved change of name.

    The holder told the center of the change with the supporting document (the change
    request); its approval by the staff registers the application for a duplicate on the
    grounds of a change of name (725n App. 3 p.23), received on the day of approval, by the
    staff member who approved. Idempotent: a certificate that already has an application
    from this change request is skipped. A certificate not issued yet (awaiting its register
    number or its printed form) cannot have a duplicate; it is left for the staff, whose
    change request page lists it.
    """
    change = IdentityChangeRequest.objects.select_related("decided_by").filter(pk=change_request_id).first()
    if change is None or change.status != ChangeRequestStatus.APPROVED or not change.changes_name:
        return []
    certificates = IssuedDocument.objects.filter(
        kind=Kind.CERTIFICATE,
        is_current=True,
        revoked_on__isnull=True,
        number_source__in=[NumberSource.REGISTER, NumberSource.LOCAL],
        render_status=RenderStatus.RENDERED,
        result__enrolment__application__in=change.applications.filter(status__in=CERTIFICATE_STATUSES),
    ).order_by("pk")
    made = []
    for certificate in certificates:
        if DuplicateRequest.objects.filter(original=certificate, change_request=change).exists():
            continue
        if DuplicateRequest.objects.filter(original=certificate, status=DuplicateStatus.RECEIVED).exists():
            continue  # one is being handled: the staff fold the change into it
        with change.supporting_file.open("rb") as handle:
            try:
                duplicate = duplicate_request_receive(
                    original=certificate,
                    by=change.decided_by,
                    grounds=DuplicateGrounds.NAME_CHANGE,
                    received_on=timezone.localdate(change.decided_at),
                    statement=_("Change of name approved on the holder's change request no. %(pk)s.")
                    % {"pk": change.pk},
                    new_last_name=change.after.get("last_name", ""),
                    new_first_name=change.after.get("first_name", ""),
                    new_patronymic=change.after.get("patronymic", ""),
                    supporting_file=File(handle, name=change.supporting_name),
                    change_request=change,
                )
            except DocumentError:
                # Raced with a revocation or another application: the rules of the duplicate decide, not us.
                continue
        made.append(duplicate)
    return made


def holder_merge(*, kept_id: int, duplicate_id: int) -> dict:
    """Two accounts of one person became one: their issued documents follow the kept account."""
    return {"issued_documents": IssuedDocument.objects.filter(holder_id=duplicate_id).update(holder_id=kept_id)}
