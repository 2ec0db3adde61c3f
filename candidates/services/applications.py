"""The application's state machine and the moves the candidate and the staff make.

The application's life is an explicit state machine: ``TRANSITIONS`` says
which moves exist and who may make them; ``_transition`` is the one place
that makes a move (through ``qac.statemachine.move``: under a row lock, with
a history row), with the call owed and the notification queued for after
the commit. The moves the exams app and the Council make are in ``exam_moves``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qac.accounts.roles import is_qac_staff
from qac.enqueue import enqueue
from qac.statemachine import Machine, move
from standards.models import Qualification, RequiredDocument

from ..models import (
    IDENTITY_PROFILE_FIELDS,
    IDENTITY_USER_FIELDS,
    ApplicantIdentity,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationTransition,
    CallTask,
    CandidateProfile,
    NotifyBy,
)
from ..uploads import inspect_upload
from .accounts import profile_missing
from .calls import call_task_add
from .rules import CANDIDATE, COUNCIL, EXAMS, STAFF, ApplicationError, IllegalTransition, StaleApplication

S = ApplicationStatus

# (from, to) -> who may make the move.
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.DRAFT, S.SUBMITTED): CANDIDATE,
    (S.SUBMITTED, S.DOCUMENTS_REQUESTED): STAFF,
    (S.SUBMITTED, S.ACCEPTED): STAFF,
    (S.SUBMITTED, S.REJECTED): STAFF,
    (S.DOCUMENTS_REQUESTED, S.RESUBMITTED): CANDIDATE,
    (S.RESUBMITTED, S.DOCUMENTS_REQUESTED): STAFF,
    (S.RESUBMITTED, S.ACCEPTED): STAFF,
    (S.RESUBMITTED, S.REJECTED): STAFF,
    # A candidate may withdraw until the exam issue schedules the application.
    (S.DRAFT, S.WITHDRAWN): CANDIDATE,
    (S.SUBMITTED, S.WITHDRAWN): CANDIDATE,
    (S.DOCUMENTS_REQUESTED, S.WITHDRAWN): CANDIDATE,
    (S.RESUBMITTED, S.WITHDRAWN): CANDIDATE,
    (S.ACCEPTED, S.WITHDRAWN): CANDIDATE,
    # Moves made by the exams app, through ``exam_moves``.
    (S.ACCEPTED, S.SCHEDULED): EXAMS,
    (S.SCHEDULED, S.ACCEPTED): EXAMS,
    (S.SCHEDULED, S.PASSED): EXAMS,
    (S.SCHEDULED, S.FAILED): EXAMS,
    (S.SCHEDULED, S.ABSENT): EXAMS,
    # The Council did not recognise the result (Decree 1204 p.16): the candidate sits the exam again.
    # A move of its own actor, so the review page never offers it as "accept".
    (S.PASSED, S.ACCEPTED): COUNCIL,
    (S.FAILED, S.ACCEPTED): COUNCIL,
    # The same for a satisfied appeal whose remedy is a new exam (Order 701n), also after an absence.
    (S.ABSENT, S.ACCEPTED): COUNCIL,
    # An approved result corrected later (by the chair or the head, or on appeal): the outcome follows it.
    (S.PASSED, S.FAILED): EXAMS,
    (S.PASSED, S.ABSENT): EXAMS,
    (S.FAILED, S.PASSED): EXAMS,
    (S.FAILED, S.ABSENT): EXAMS,
    (S.ABSENT, S.PASSED): EXAMS,
    (S.ABSENT, S.FAILED): EXAMS,
}
# Where the candidate may still add documents.
UPLOAD_STATUSES = (S.DRAFT, S.DOCUMENTS_REQUESTED)


APPLICATION = Machine(
    model=Application,
    history=ApplicationTransition,
    table=TRANSITIONS,
    error=IllegalTransition,
    refusal=gettext_lazy("An application that is «%(status)s» cannot become «%(to)s»."),
    stale=gettext_lazy(
        "Someone else has changed this application in the meantime (it is now «%(status)s"
        "»). Nothing was applied: look at its current state and act again if still needed."
    ),
    stale_error=StaleApplication,
)


def allowed_moves(application: Application, *, actor: str) -> set[str]:
    return APPLICATION.moves_from(application.status, actor)


def exam_date_open(application: Application) -> bool:
    """Whether an exam date may be agreed for ``application``: the table lets the exams app schedule it."""
    return S.SCHEDULED in APPLICATION.moves_from(application.status, EXAMS)


# The buttons of each move, by who makes it.
MOVE_ACTIONS = {
    STAFF: {S.ACCEPTED: "accept", S.DOCUMENTS_REQUESTED: "request_documents", S.REJECTED: "reject"},
    CANDIDATE: {S.SUBMITTED: "submit", S.RESUBMITTED: "resubmit", S.WITHDRAWN: "withdraw"},
}


def allowed_application_actions(application: Application, *, actor: str) -> set[str]:
    """The buttons and forms ``actor``'s page of ``application`` shows; the services decide again on submit.

    The moves come from ``TRANSITIONS``; the other actions use the rule their service checks.
    """
    actions = {MOVE_ACTIONS[actor][to] for to in allowed_moves(application, actor=actor) if to in MOVE_ACTIONS[actor]}
    if actor == STAFF:
        if exam_date_open(application):
            actions.add("offer_dates")
        return actions
    if application.status == S.DRAFT:
        # A draft is deleted, not withdrawn: it was never registered. Its contact details are still its own.
        actions = (actions - {"withdraw"}) | {"delete", "edit_contact"}
    if application.status in UPLOAD_STATUSES:
        actions.add("upload")
    if exam_date_open(application) and application.date_offered_at:
        actions.add("choose_date")
    return actions


def review_due_date(start: datetime.datetime) -> datetime.date:
    """The review deadline: N calendar days from registration (Decree No. 1204)."""
    return timezone.localdate(start) + datetime.timedelta(days=settings.QAC_APPLICATION_REVIEW_DAYS)


def _transition(
    *,
    application: Application,
    to: str,
    by,
    actor: str,
    note: str = "",
    expected_version: int | None = None,
    changes: dict | None = None,
) -> Application:
    """Move an application to ``to``; the single door for its status changes.

    The call owed and the notification are part of the move's transaction: a move refused or
    rolled back leaves neither behind.
    """
    with transaction.atomic():
        locked, transition = move(
            APPLICATION,
            application,
            to,
            by=by,
            actor=actor,
            note=note,
            expected_version=expected_version,
            changes=changes,
        )
        # The candidate's own moves need no call: they know what they did; the e-mail is the record.
        if actor != CANDIDATE:
            call_task_add(application=locked, event=CallTask.Event.STATUS, transition=transition)
        enqueue("candidates.tasks.application_notify_task", transition.pk)
    application.refresh_from_db()
    return application


# --- Applications ----------------------------------------------------------------------


def _check_contact(*, candidate, notify_by: str) -> None:
    if notify_by not in NotifyBy.values:
        raise ApplicationError(_("Choose how the center should tell you: by e-mail or by phone."))
    if notify_by == NotifyBy.PHONE and not CandidateProfile.objects.filter(user=candidate).exclude(phone="").exists():
        raise ApplicationError(_("To be told by phone, add your phone number to your profile first."))


def application_create(
    *, candidate, qualification: Qualification, notify_by: str = NotifyBy.EMAIL, postal_address: str = ""
) -> Application:
    """Open a draft; refuses a second open application for the same qualification.

    ``notify_by`` and ``postal_address`` are the Order 706n form's choices: how to
    tell the candidate, and where to post the documents (blank: collected in person).
    """
    if not qualification.is_active:
        raise ApplicationError(_("The center does not accept applications for this qualification now."))
    _check_contact(candidate=candidate, notify_by=notify_by)
    try:
        with transaction.atomic():
            application = Application.objects.create(
                candidate=candidate,
                qualification=qualification,
                notify_by=notify_by,
                postal_address=(postal_address or "").strip()[:500],
            )
            ApplicationTransition.objects.create(
                application=application, from_status="", to_status=S.DRAFT, by=candidate
            )
    except IntegrityError:
        # The partial unique index is the real guard: two tabs submitting at once meet here.
        raise ApplicationError(_("You already have an open application for this qualification.")) from None
    return application


def application_contact_set(*, application: Application, by, notify_by: str, postal_address: str = "") -> Application:
    """Change how to tell the candidate and where to post the documents, while the application is a draft.

    Once submitted they are part of the registered application (the 706n form the Council receives).
    """
    if application.candidate_id != by.pk:
        raise IllegalTransition(_("Only the candidate can change their application."))
    _check_contact(candidate=by, notify_by=notify_by)
    updated = Application.objects.filter(pk=application.pk, status=S.DRAFT).update(
        notify_by=notify_by, postal_address=(postal_address or "").strip()[:500]
    )
    if not updated:
        raise ApplicationError(_("How to tell you and where to post the documents can be changed only in a draft."))
    application.refresh_from_db()
    return application


def application_attach_document(
    *, application: Application, required_document: RequiredDocument | None, uploaded_file, by
) -> ApplicationDocument:
    if application.status not in UPLOAD_STATUSES:
        raise ApplicationError(_("Documents can be added only to a draft or when the center asks for them."))
    if required_document is not None and required_document.qualification_id != application.qualification_id:
        raise ApplicationError(_("This document type does not belong to the application's qualification."))
    try:
        content_type, sha256 = inspect_upload(uploaded_file)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages)) from None
    with transaction.atomic():
        # The application's row is the lock: two uploads at once cannot both take the last place.
        Application.objects.select_for_update().filter(pk=application.pk).first()
        _check_file_limits(application, required_document)
        return ApplicationDocument.objects.create(
            application=application,
            required_document=required_document,
            file=uploaded_file,
            original_name=(uploaded_file.name or "")[:255],
            content_type=content_type,
            size=uploaded_file.size,
            sha256=sha256,
            uploaded_by=by,
        )


def _check_file_limits(application: Application, required_document: RequiredDocument | None) -> None:
    """An application holds a bounded number of files, per required document and in all (settings)."""
    documents = ApplicationDocument.objects.filter(application=application)
    per_document = settings.QAC_APPLICATION_MAX_FILES_PER_DOCUMENT
    if documents.filter(required_document=required_document).count() >= per_document:
        name = required_document.display_name if required_document else _("Other document")
        raise ApplicationError(
            _("The application already holds %(limit)s files for “%(document)s”, the most allowed.")
            % {"limit": per_document, "document": name}
        )
    if documents.count() >= settings.QAC_APPLICATION_MAX_FILES:
        raise ApplicationError(
            _("The application already holds %(limit)s files, the most allowed.")
            % {"limit": settings.QAC_APPLICATION_MAX_FILES}
        )


def missing_documents(application: Application) -> list[RequiredDocument]:
    present = set(application.documents.values_list("required_document_id", flat=True))
    return [d for d in application.qualification.required_documents.all() if d.is_mandatory and d.pk not in present]


@dataclass(frozen=True)
class Consent:
    personal_data: bool
    exam_rules: bool
    ip: str | None


def application_submit(*, application: Application, by, consent: Consent) -> Application:
    """Register a draft: needs a complete profile, every mandatory document and both consents."""
    if application.candidate_id != by.pk:
        raise IllegalTransition(_("Only the candidate can submit their application."))
    if not (consent.personal_data and consent.exam_rules):
        raise ApplicationError(_("To submit, consent to the processing of personal data and agree to the exam rules."))
    if profile_missing(by):
        raise ApplicationError(_("Fill in your profile before submitting the application."))
    missing = missing_documents(application)
    if missing:
        raise ApplicationError(
            _("Attach the mandatory documents first: %(docs)s.") % {"docs": "; ".join(d.display_name for d in missing)}
        )
    now = timezone.now()
    with transaction.atomic():
        submitted = _transition(
            application=application,
            to=S.SUBMITTED,
            by=by,
            actor=CANDIDATE,
            changes={
                "submitted_at": now,
                "review_due_on": review_due_date(now),
                "consent_text_version": settings.QAC_CONSENT_TEXT_VERSION,
                "consent_given_at": now,
                "consent_ip": consent.ip,
                "rules_accepted_at": now,
                # The registration number: the year of registration and the row id.
                "number": application.number or f"{timezone.localdate(now).year}-{application.pk:06d}",
            },
        )
        identity_capture(application=submitted)
    return submitted


def application_resubmit(*, application: Application, by, note: str = "") -> Application:
    if application.candidate_id != by.pk:
        raise IllegalTransition(_("Only the candidate can resubmit their application."))
    last_request = application.history.filter(to_status=S.DOCUMENTS_REQUESTED).order_by("-at", "-id").first()
    if last_request and not application.documents.filter(uploaded_at__gt=last_request.at).exists():
        raise ApplicationError(_("Upload the documents the center asked for before resubmitting."))
    with transaction.atomic():
        resubmitted = _transition(
            application=application,
            to=S.RESUBMITTED,
            by=by,
            actor=CANDIDATE,
            note=note.strip(),
            changes={"review_due_on": review_due_date(timezone.now())},
        )
        # Still under review: what the candidate corrected on request is what is reviewed.
        identity_capture(application=resubmitted)
    return resubmitted


def identity_capture(*, application: Application) -> ApplicantIdentity:
    """Keep the personal data the application is submitted with; downstream reads this copy only."""
    user = application.candidate
    profile = CandidateProfile.objects.get(user=user)
    values = {f: getattr(profile, f) for f in IDENTITY_PROFILE_FIELDS}
    values.update({f: getattr(user, f) or "" for f in IDENTITY_USER_FIELDS})
    values["captured_at"] = timezone.now()
    identity, _created = ApplicantIdentity.objects.update_or_create(application=application, defaults=values)
    return identity


def application_draft_delete(*, application: Application, by) -> None:
    """The candidate throws away their own draft: the row and its uploaded files go.

    A draft was never registered and its data never consented to be processed, so nothing of it is kept;
    a registered application is withdrawn instead and stays on record.
    """
    with transaction.atomic():
        locked = Application.objects.select_for_update().filter(pk=application.pk).first()
        if locked is None or locked.candidate_id != by.pk:
            raise ApplicationError(_("Only the candidate can delete their draft."))
        if locked.status != S.DRAFT:
            raise ApplicationError(_("Only a draft can be deleted; a submitted application can be withdrawn."))
        files = [(d.file.storage, d.file.name) for d in locked.documents.all() if d.file]
        locked.delete()
        # The files go once the rows are gone for good: a rolled-back delete keeps them.
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in files])


def application_withdraw(*, application: Application, by, note: str = "") -> Application:
    if application.candidate_id != by.pk:
        raise IllegalTransition(_("Only the candidate can withdraw their application."))
    return _transition(
        application=application,
        to=S.WITHDRAWN,
        by=by,
        actor=CANDIDATE,
        note=note.strip(),
        changes={"review_due_on": None, "decided_at": timezone.now()},
    )


def _review(
    *,
    application: Application,
    by,
    to: str,
    note: str,
    expected_version: int,
    note_required: str = "",
    note_field: str = "",
    **changes,
) -> Application:
    """A staff member's decision on an application under review, with the note the candidate reads.

    ``note_required`` is the refusal when the note is blank; ``note_field`` keeps the note on the application too.
    """
    if not is_qac_staff(by):
        raise IllegalTransition(_("Only the center's staff can review applications."))
    note = (note or "").strip()
    if note_required and not note:
        raise ApplicationError(note_required)
    if note_field:
        changes[note_field] = note
    return _transition(
        application=application,
        to=to,
        by=by,
        actor=STAFF,
        note=note,
        expected_version=expected_version,
        changes=changes,
    )


def application_request_documents(*, application: Application, by, message: str, expected_version: int):
    return _review(
        application=application,
        by=by,
        to=S.DOCUMENTS_REQUESTED,
        note=message,
        expected_version=expected_version,
        note_required=_("Say which documents are needed: the candidate sees this message."),
        note_field="staff_message",
        review_due_on=None,
    )


def application_accept(*, application: Application, by, expected_version: int, note: str = ""):
    return _review(
        application=application,
        by=by,
        to=S.ACCEPTED,
        note=note,
        expected_version=expected_version,
        # The review deadline stays: by it the center also agrees the exam date (1204 p.9).
        decided_at=timezone.now(),
    )


def application_reject(*, application: Application, by, reason: str, expected_version: int):
    return _review(
        application=application,
        by=by,
        to=S.REJECTED,
        note=reason,
        expected_version=expected_version,
        note_required=_("A refusal must state its reason: the candidate may appeal against it."),
        note_field="rejection_reason",
        decided_at=timezone.now(),
        review_due_on=None,
    )
