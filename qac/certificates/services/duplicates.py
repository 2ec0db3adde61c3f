"""Duplicates (Order 725n App. 3 II): the holder's application, its state machine, the duplicate it makes."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from candidates.models import CERTIFICATE_STATUSES, ChangeRequestStatus, IdentityChangeRequest
from qac.accounts.roles import is_qac_staff
from qac.statemachine import Machine, move

from ..models import (
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
from .common import DocumentError, staff_reason

STAFF = "staff"

DUPLICATE_TRANSITIONS: dict[tuple[str, str], str] = {
    ("", DuplicateStatus.RECEIVED): STAFF,
    (DuplicateStatus.RECEIVED, DuplicateStatus.ISSUED): STAFF,
    (DuplicateStatus.RECEIVED, DuplicateStatus.REFUSED): STAFF,
}

#: The pages name the moves of an application for a duplicate by their buttons.
DUPLICATE_ACTIONS = {DuplicateStatus.ISSUED: "issue", DuplicateStatus.REFUSED: "refuse"}

STALE = gettext_lazy("Someone else has handled this application in the meantime; nothing was applied.")

DUPLICATE = Machine(
    model=DuplicateRequest,
    history=DuplicateTransition,
    table=DUPLICATE_TRANSITIONS,
    error=DocumentError,
    refusal=gettext_lazy("An application for a duplicate that is «%(status)s» cannot become «%(to)s»."),
    stale=STALE,
)


def allowed_duplicate_actions(duplicate_request: DuplicateRequest, user) -> set[str]:
    """What ``user`` may do with an application for a duplicate now; the page shows exactly these buttons."""
    if not is_qac_staff(user):
        return set()
    return {DUPLICATE_ACTIONS[to] for to in DUPLICATE.moves_from(duplicate_request.status, STAFF)}


def _duplicate_move(
    *, request: DuplicateRequest, to: str, by, note: str = "", expected_version: int | None = None, **changes
) -> DuplicateRequest:
    """The one door for an application for a duplicate: the table, the row and its history in one transaction."""
    return move(
        DUPLICATE, request, to, by=by, actor=STAFF, note=note, expected_version=expected_version, changes=changes
    )[0]


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
    received_on = received_on or timezone.localdate()
    new_last_name, new_first_name = (new_last_name or "").strip(), (new_first_name or "").strip()
    _application_check(
        by=by,
        grounds=grounds,
        received_on=received_on,
        new_last_name=new_last_name,
        new_first_name=new_first_name,
        supporting_file=supporting_file,
    )
    with transaction.atomic():
        locked = IssuedDocument.objects.select_for_update().get(pk=original.pk)
        _duplicable_check(locked)
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
        _request_save(request, supporting_file=supporting_file)
        DuplicateTransition.objects.create(request=request, from_status="", to_status=DuplicateStatus.RECEIVED, by=by)
        DocumentEvent.objects.create(
            document=locked, by=by, action="duplicate_requested", reason=request.get_grounds_display()
        )
    return request


def _application_check(
    *, by, grounds: str, received_on: datetime.date, new_last_name: str, new_first_name: str, supporting_file
) -> None:
    """Refuse what the staff may not register, before anything is locked."""
    if not is_qac_staff(by):
        raise DocumentError(_("Only the center's staff register applications for duplicates."))
    if grounds not in DuplicateGrounds.values:
        raise DocumentError(_("Choose the grounds for the duplicate."))
    if received_on > timezone.localdate():
        raise DocumentError(_("The application cannot be received in the future."))
    if grounds == DuplicateGrounds.NAME_CHANGE:
        if not new_last_name or not new_first_name:
            raise DocumentError(_("A change of name needs the new surname and name."))
        if not supporting_file:
            raise DocumentError(_("A change of name needs a copy of the document that proves it (725n App. 3 p.23)."))


def _duplicable_check(locked: IssuedDocument) -> None:
    """Refuse a duplicate of anything but the current, issued paper of a valid certificate."""
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


def _request_save(request: DuplicateRequest, *, supporting_file) -> None:
    """Save the application with its supporting document; a concurrent one for the certificate is refused."""
    if supporting_file:
        request.supporting_name = getattr(supporting_file, "name", "")[:255]
        request.supporting_file.save("supporting", supporting_file, save=False)
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError as exc:
        raise DocumentError(_("An application for a duplicate of this certificate is already being handled.")) from exc


def duplicate_request_issue(*, request: DuplicateRequest, by, expected_version: int | None = None) -> IssuedDocument:
    """Make the duplicate: a document of its own that awaits its own register number (725n App. 3 p.20)."""
    if not is_qac_staff(by):
        raise DocumentError(_("Only the center's staff make duplicates."))
    with transaction.atomic():
        locked = DuplicateRequest.objects.select_for_update().get(pk=request.pk)
        if expected_version is not None and locked.version != expected_version:
            raise DocumentError(str(STALE))
        original = IssuedDocument.objects.select_for_update().get(pk=locked.original_id)
        if original.revoked_on:
            raise DocumentError(_("A revoked certificate has no duplicate."))
        copy = _duplicate_copy(original, request=locked)
        DocumentEvent.objects.create(
            document=copy,
            by=by,
            action="duplicate",
            reason=locked.get_grounds_display(),
            data={"from": original.pk, "request": locked.pk},
        )
        _duplicate_move(request=locked, to=DuplicateStatus.ISSUED, by=by, duplicate=copy)
    return copy


def _duplicate_copy(original: IssuedDocument, *, request: DuplicateRequest) -> IssuedDocument:
    """Save a fresh paper of ``original``: unnumbered, unrendered, undelivered, in the new name if it changed."""
    copy = IssuedDocument.objects.get(pk=original.pk)
    copy.pk = None
    copy.variant = Variant.DUPLICATE
    copy.original = original.original or original
    copy.number, copy.number_source, copy.register_url, copy.registered_at = "", NumberSource.AWAITING, "", None
    copy.issue_date, copy.issue_due_on = None, request.due_on
    copy.render_status, copy.render_error, copy.render_attempts = RenderStatus.PENDING, "", 0
    copy.file, copy.sha256, copy.size, copy.rendered_at = "", "", None, None
    copy.expiry_reminded_at = None
    copy.delivery_method, copy.delivered_on, copy.delivered_by = "", None, None
    copy.delivery_recipient, copy.tracking_number, copy.holder_notified_at = "", "", None
    copy.withdrawn_on, copy.is_current = None, True
    if request.grounds == DuplicateGrounds.NAME_CHANGE:
        copy.holder_last_name = request.new_last_name
        copy.holder_first_name = request.new_first_name
        copy.holder_patronymic = request.new_patronymic
    copy.save()
    return copy


def duplicate_request_refuse(
    *, request: DuplicateRequest, by, reason: str, expected_version: int | None = None
) -> DuplicateRequest:
    reason = staff_reason(by, reason)
    return _duplicate_move(
        request=request,
        to=DuplicateStatus.REFUSED,
        by=by,
        note=reason,
        expected_version=expected_version,
        refusal_reason=reason,
    )


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
