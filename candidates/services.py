"""Every state change of candidates and their applications.

The application's life is an explicit state machine: ``TRANSITIONS`` says
which moves exist and who may make them; ``_transition`` is the one place
that makes a move, under a row lock, with a history row and a notification
queued for after the commit.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from qac.accounts.roles import Role, assign_role, has_role, is_qac_staff
from qac.accounts.throttle import over_limit
from qac.enqueue import enqueue
from standards.models import Qualification, RequiredDocument

from .models import (
    CHANGE_REQUEST_FIELDS,
    IDENTITY_OPEN_STATUSES,
    IDENTITY_PROFILE_FIELDS,
    IDENTITY_USER_FIELDS,
    OPEN_STATUSES,
    REGISTER_STATUSES,
    AccountMerge,
    ApplicantIdentity,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationTransition,
    CallTask,
    CandidateProfile,
    ChangeRequestStatus,
    IdentityChangeRequest,
    IdentityChangeTransition,
    NotifyBy,
    PersonalDataAccess,
)
from .selectors import identity_bound_applications, identity_snapshot
from .signals import accounts_merged, identity_change_approved
from .uploads import inspect_upload

S = ApplicationStatus
CANDIDATE, STAFF, COUNCIL = "candidate", "staff", "council"
# The moves the exams app makes (enrolment, its cancellation, the outcome) have their own actor, so the
# review page never offers them: "accept" on a scheduled application would leave its enrolment behind.
EXAMS = "exams"

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
    # Moves made by the exams app, through the functions at the end of this module.
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


class ApplicationError(Exception):
    """A request the rules do not allow; the message is shown to the user as it is."""


class IllegalTransition(ApplicationError):
    pass


class StaleApplication(ApplicationError):
    """Someone else changed the application after the user loaded the page."""


def allowed_moves(application: Application, *, actor: str) -> set[str]:
    return {to for (frm, to), who in TRANSITIONS.items() if frm == application.status and who == actor}


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
    """Move an application to ``to`` under a row lock; the single door for status changes."""
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if expected_version is not None and locked.version != expected_version:
            raise StaleApplication(
                _(
                    "Someone else has changed this application in the meantime (it is now «%(status)s"
                    "»). Nothing was applied: look at its current state and act again if still needed."
                )
                % {"status": locked.get_status_display()}
            )
        who = TRANSITIONS.get((locked.status, to))
        if who is None or who != actor:
            raise IllegalTransition(
                _("An application that is «%(status)s» cannot become «%(to)s».")
                % {"status": locked.get_status_display(), "to": ApplicationStatus(to).label}
            )
        from_status = locked.status
        locked.status = to
        locked.version += 1
        for field, value in (changes or {}).items():
            setattr(locked, field, value)
        locked.save()
        transition = ApplicationTransition.objects.create(
            application=locked, from_status=from_status, to_status=to, by=by, note=note
        )
        # The candidate's own moves need no call: they know what they did; the e-mail is the record.
        if actor != CANDIDATE:
            call_task_add(application=locked, event=CallTask.Event.STATUS, transition=transition)
        enqueue("candidates.tasks.application_notify_task", transition.pk)
    application.refresh_from_db()
    return application


# --- Accounts and profiles ---------------------------------------------------------------


class _EmailConfirmationTokens(PasswordResetTokenGenerator):
    # A salt of its own, so a sign-up link can never serve as a password-reset link.
    key_salt = "qac.candidates.email-confirmation"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.is_active}{timestamp}{user.email}"


email_confirmation_tokens = _EmailConfirmationTokens()


def candidate_signup(*, email: str, password: str, last_name: str, first_name: str, patronymic: str = ""):
    """Create an inactive candidate account and send the confirmation link after commit.

    The sign-up page must not tell whether an address has an account (OWASP
    ASVS: no account enumeration), so a taken address gets the same answer as
    a new one; instead its owner is told by e-mail that someone tried to
    sign up with it (an unconfirmed account gets its confirmation link again).
    Returns the new user, or None when the address was taken.
    """
    User = get_user_model()
    email = email.strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=email,
                    password=password,
                    last_name=last_name,
                    first_name=first_name,
                    patronymic=patronymic,
                    is_active=False,
                )
                assign_role(user, Role.CANDIDATE)
                enqueue("candidates.tasks.send_confirmation_email_task", user.pk)
            return user
        except IntegrityError:
            # Two sign-ups with one address raced past the check; the database kept the first.
            existing = User.objects.filter(email__iexact=email).first()
            if existing is None:
                raise
    else:
        # Hash the password all the same, so a taken address answers as slowly as a new one.
        make_password(password)
    signup_taken_notify(user=existing)
    return None


def signup_taken_notify(*, user) -> None:
    """Tell the owner of an address that someone tried to sign up with it (at most a few mails an hour)."""
    if over_limit("signup-taken-mail", user.email, limit=SIGNUP_TAKEN_MAILS_PER_HOUR, period=3600):
        return
    enqueue("candidates.tasks.signup_taken_notify_task", user.pk)


#: Mails to one address about sign-ups with it, per hour: enough to tell the owner, too few to flood them.
SIGNUP_TAKEN_MAILS_PER_HOUR = 3


def confirmation_link_parts(user) -> tuple[str, str]:
    return urlsafe_base64_encode(force_bytes(user.pk)), email_confirmation_tokens.make_token(user)


def candidate_confirm_email(*, uidb64: str, token: str):
    """Activate the account the link was made for; None if the link is invalid or used."""
    User = get_user_model()
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    if user.is_active or not email_confirmation_tokens.check_token(user, token):
        return None
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


class SnilsTaken(ApplicationError):
    pass


def snils_taken_message() -> str:
    # Says nothing about the other account: whose it is is personal data too.
    return _(
        "This SNILS is already in another account. One person has one account: if the other account is yours, "
        "ask the center to merge the two."
    )


def profile_save(
    *,
    user,
    names: dict,
    profile_data: dict,
    education_formset=None,
    experience_formset=None,
    supporting_file=None,
):
    """Save the candidate's names, profile and (optionally) the education and experience formsets together.

    The profile changes at once: it is the candidate's own data. A change of identity data
    while an application under way or a certificate holds the old data also opens (or amends)
    an identity change request for the staff, with ``supporting_file`` as its proof; the
    applications keep their submitted copy until the staff approve. A SNILS already in
    another account is refused (``SnilsTaken``), also when two saves race: the partial
    unique constraint decides and its ``IntegrityError`` becomes the same message.
    """
    snils = profile_data.get("snils") or ""
    try:
        with transaction.atomic():
            before = identity_snapshot(user=user)
            for field in ("last_name", "first_name", "patronymic"):
                setattr(user, field, names.get(field, "").strip())
            user.save(update_fields=["last_name", "first_name", "patronymic"])
            profile, _created = CandidateProfile.objects.update_or_create(user=user, defaults=profile_data)
            for formset in (education_formset, experience_formset):
                if formset is not None:
                    formset.instance = profile
                    formset.save()
            if before is not None:
                _change_request_record(
                    user=user, before=before, after=identity_snapshot(user=user), supporting_file=supporting_file
                )
    except IntegrityError:
        if snils and CandidateProfile.objects.filter(snils=snils).exclude(user=user).exists():
            raise SnilsTaken(snils_taken_message()) from None
        raise
    return profile


def profile_missing(user) -> bool:
    return not CandidateProfile.objects.filter(user=user).exists()


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


def _require_staff(by) -> None:
    if not is_qac_staff(by):
        raise IllegalTransition(_("Only the center's staff can review applications."))


def application_request_documents(*, application: Application, by, message: str, expected_version: int):
    _require_staff(by)
    message = (message or "").strip()
    if not message:
        raise ApplicationError(_("Say which documents are needed: the candidate sees this message."))
    return _transition(
        application=application,
        to=S.DOCUMENTS_REQUESTED,
        by=by,
        actor=STAFF,
        note=message,
        expected_version=expected_version,
        changes={"staff_message": message, "review_due_on": None},
    )


def application_accept(*, application: Application, by, expected_version: int, note: str = ""):
    _require_staff(by)
    return _transition(
        application=application,
        to=S.ACCEPTED,
        by=by,
        actor=STAFF,
        note=(note or "").strip(),
        expected_version=expected_version,
        # The review deadline stays: by it the center also agrees the exam date (1204 p.9).
        changes={"decided_at": timezone.now()},
    )


def application_reject(*, application: Application, by, reason: str, expected_version: int):
    _require_staff(by)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("A refusal must state its reason: the candidate may appeal against it."))
    return _transition(
        application=application,
        to=S.REJECTED,
        by=by,
        actor=STAFF,
        note=reason,
        expected_version=expected_version,
        changes={"rejection_reason": reason, "decided_at": timezone.now(), "review_due_on": None},
    )


# --- Personal data audit -------------------------------------------------------------------


def personal_data_access_record(*, viewer, candidate, what: str, application=None, document=None) -> None:
    PersonalDataAccess.objects.create(
        viewer=viewer, candidate=candidate, what=what, application=application, document=document
    )


# --- Calls to candidates who asked to be told by phone ----------------------------------------


def call_task_add(
    *, application: Application, event: str, detail: str = "", transition: ApplicationTransition | None = None
) -> CallTask | None:
    """Owe the candidate a call about ``event`` if they chose the phone; None when they chose e-mail.

    Called inside the transaction of the event itself (the exams and certificates apps call it too).
    """
    if application.notify_by != NotifyBy.PHONE:
        return None
    return CallTask.objects.create(application=application, event=event, detail=detail[:500], transition=transition)


def call_task_done(*, task: CallTask, by, note: str = "") -> CallTask:
    """Record that the candidate was called: who and when. A second click is refused, not repeated."""
    if not is_qac_staff(by):
        raise IllegalTransition(_("Only the center's staff call candidates."))
    done = CallTask.objects.filter(pk=task.pk, called_at__isnull=True).update(
        called_at=timezone.now(), called_by=by, note=(note or "").strip()[:500]
    )
    task.refresh_from_db()
    if not done:
        raise ApplicationError(
            _("This call was already recorded by %(who)s at %(at)s.")
            % {"who": task.called_by, "at": timezone.localtime(task.called_at).strftime("%d.%m.%Y %H:%M")}
        )
    return task


def notification_claim(*, transition_id: int) -> bool:
    """Claim a transition's e-mail for sending; False if it was sent (or is being sent) already.

    The conditional UPDATE is atomic, so of two deliveries of the same task
    only one sends; a failed send releases the claim for the retry.
    """
    return bool(
        ApplicationTransition.objects.filter(pk=transition_id, notified_at__isnull=True).update(
            notified_at=timezone.now()
        )
    )


def notification_release(*, transition_id: int) -> None:
    ApplicationTransition.objects.filter(pk=transition_id).update(notified_at=None)


# --- Moves made by the exams app ----------------------------------------------------------
# The exams app sits downstream and calls these; candidates never imports exams.

EXAM_OUTCOMES = {"passed": S.PASSED, "failed": S.FAILED, "absent": S.ABSENT, "removed": S.FAILED}


def application_schedule(*, application: Application, by, note: str = "") -> Application:
    """An accepted application is enrolled in an exam session; the candidate can no longer withdraw it.

    The date is agreed: the review deadline is met and no offer awaits an answer any more.
    """
    return _transition(
        application=application,
        to=S.SCHEDULED,
        by=by,
        actor=EXAMS,
        note=note,
        changes={"review_due_on": None, "date_offered_at": None},
    )


def application_date_offered(*, application: Application, at: datetime.datetime | None) -> None:
    """Mark (``at``) or clear (None) an offer of exam dates awaiting the candidate; the exams app calls this."""
    Application.objects.filter(pk=application.pk).update(date_offered_at=at)
    application.date_offered_at = at


def application_unschedule(*, application: Application, by, note: str = "") -> Application:
    """The enrolment is cancelled (session cancelled, candidate moved out): back to accepted."""
    return _transition(application=application, to=S.ACCEPTED, by=by, actor=EXAMS, note=note)


def application_record_outcome(*, application: Application, by, outcome: str, note: str = "") -> Application:
    """Close a scheduled application with the approved exam outcome."""
    return _transition(
        application=application,
        to=EXAM_OUTCOMES[outcome],
        by=by,
        actor=EXAMS,
        note=note,
        changes={"decided_at": timezone.now()},
    )


def application_correct_outcome(*, application: Application, by, outcome: str, note: str = "") -> Application:
    """An approved result was corrected: a closed application takes the corrected outcome.

    Nothing happens when the outcome is the same, or when the application has
    moved on (re-opened for a new exam): the correction is then of an earlier result.
    """
    to = EXAM_OUTCOMES[outcome]
    if application.status == to or application.status not in set(EXAM_OUTCOMES.values()):
        return application
    return _transition(application=application, to=to, by=by, actor=EXAMS, note=note)


def application_reopen_for_reexam(*, application: Application, by, note: str = "") -> Application:
    """The Council did not recognise the exam's result: the application is accepted again, for a new session."""
    return _transition(application=application, to=S.ACCEPTED, by=by, actor=COUNCIL, note=note)


# --- Identity changes after submission ---------------------------------------------------------
# The request's life: submitted by the candidate (amended by a further change while it waits),
# then approved or refused by the staff. One table, one door, a history row for every move.

CHANGE_TRANSITIONS: dict[tuple[str, str], str] = {
    ("", ChangeRequestStatus.SUBMITTED): CANDIDATE,
    (ChangeRequestStatus.SUBMITTED, ChangeRequestStatus.SUBMITTED): CANDIDATE,  # amended
    (ChangeRequestStatus.SUBMITTED, ChangeRequestStatus.APPROVED): STAFF,
    (ChangeRequestStatus.SUBMITTED, ChangeRequestStatus.REFUSED): STAFF,
}
_DATE_FIELDS = {"date_of_birth", "id_doc_issued_on"}


class ChangeRequestNeedsDocument(ApplicationError):
    pass


def _change_request_record(*, user, before: dict, after: dict, supporting_file) -> IdentityChangeRequest | None:
    changed = [f for f in CHANGE_REQUEST_FIELDS if before[f] != after[f]]
    bound = identity_bound_applications(user=user, changed=changed)
    pending = IdentityChangeRequest.objects.filter(candidate=user, status=ChangeRequestStatus.SUBMITTED).first()
    if pending is None and not bound:
        return None
    file_fields = {}
    if supporting_file:
        try:
            content_type, sha256 = inspect_upload(supporting_file)
        except ValidationError as exc:
            raise ChangeRequestNeedsDocument(" ".join(exc.messages)) from None
        file_fields = {
            "supporting_name": (supporting_file.name or "")[:255],
            "supporting_content_type": content_type,
            "supporting_sha256": sha256,
        }
    if pending is not None:
        if not changed:
            return pending
        # A further change while one waits: the request now asks for the latest data.
        after_full = {**pending.after, **{f: after[f] for f in changed}}

        def amend(locked):
            locked.after = after_full
            if supporting_file:
                locked.supporting_file.save("supporting", supporting_file, save=False)
                for field, value in file_fields.items():
                    setattr(locked, field, value)
            locked.applications.add(*bound)
            return {"after": after_full, "file": bool(supporting_file)}

        return _change_request_move(
            request=pending, to=ChangeRequestStatus.SUBMITTED, by=user, actor=CANDIDATE, effect=amend
        )
    if not supporting_file:
        raise ChangeRequestNeedsDocument(
            _(
                "Your application under way or your certificate holds the data you are changing: attach the "
                "document that proves the change (e.g. a marriage certificate or the new passport)."
            )
        )
    request = IdentityChangeRequest(candidate=user, before=before, after=after, **file_fields)
    request.supporting_file.save("supporting", supporting_file, save=False)
    if ("", ChangeRequestStatus.SUBMITTED) not in CHANGE_TRANSITIONS:  # pragma: no cover - the table says so
        raise IllegalTransition("")
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        # Another save of the same profile opened one a moment ago.
        raise ApplicationError(
            _("Your profile was being saved elsewhere at the same moment. Open it again and check the data.")
        ) from None
    request.applications.set(bound)
    IdentityChangeTransition.objects.create(
        request=request,
        from_status="",
        to_status=ChangeRequestStatus.SUBMITTED,
        by=user,
        data={"before": before, "after": after, "applications": [a.pk for a in bound]},
    )
    return request


def _change_request_move(
    *,
    request: IdentityChangeRequest,
    to: str,
    by,
    actor: str,
    note: str = "",
    expected_version: int | None = None,
    changes: dict | None = None,
    effect=None,
) -> IdentityChangeRequest:
    """The one door for a change request: checks the table, moves it, writes the history row, in one transaction.

    ``effect(locked)`` runs inside, before the history row; what it returns is recorded with it.
    """
    with transaction.atomic():
        locked = IdentityChangeRequest.objects.select_for_update().get(pk=request.pk)
        if expected_version is not None and locked.version != expected_version:
            raise StaleApplication(
                _("Someone else has handled this change request in the meantime; nothing was applied.")
            )
        if CHANGE_TRANSITIONS.get((locked.status, to)) != actor:
            raise IllegalTransition(
                _("A change request that is «%(status)s» cannot become «%(to)s».")
                % {"status": locked.get_status_display(), "to": ChangeRequestStatus(to).label}
            )
        from_status = locked.status
        locked.status = to
        locked.version += 1
        for field, value in (changes or {}).items():
            setattr(locked, field, value)
        data = effect(locked) if effect else {}
        locked.save()
        IdentityChangeTransition.objects.create(
            request=locked, from_status=from_status, to_status=to, by=by, note=note, data=data or {}
        )
    request.refresh_from_db()
    return request


def _identity_value(field: str, value: str):
    return datetime.date.fromisoformat(value) if field in _DATE_FIELDS and value else value


def change_request_approve(
    *, request: IdentityChangeRequest, by, note: str = "", expected_version: int | None = None
) -> IdentityChangeRequest:
    """Carry the change into the identity of the applications still before their exam; announce it after commit.

    Applications whose exam is over keep the identity the exam was taken with (what was assessed and
    decided), except the SNILS, which the register's record needs; for a certificate and a change of
    name the certificates app starts the duplicate procedure on the announcement.
    """
    if not is_qac_staff(by):
        raise IllegalTransition(_("Only the center's staff decide on change requests."))

    def carry(locked):
        fields = locked.changed_fields
        carried = []
        identities = (
            ApplicantIdentity.objects.select_for_update()
            .filter(application__in=locked.applications.all())
            .select_related("application")
        )
        for identity in identities.order_by("pk"):
            status = identity.application.status
            if status in IDENTITY_OPEN_STATUSES:
                apply = fields
            elif status in REGISTER_STATUSES:
                apply = [f for f in fields if f == "snils"]
            else:
                apply = []
            for field in apply:
                setattr(identity, field, _identity_value(field, locked.after[field]))
            if apply:
                identity.save()
                carried.append(identity.application_id)
        return {"before": locked.before, "after": locked.after, "fields": fields, "identities": carried}

    with transaction.atomic():
        approved = _change_request_move(
            request=request,
            to=ChangeRequestStatus.APPROVED,
            by=by,
            actor=STAFF,
            note=(note or "").strip(),
            expected_version=expected_version,
            changes={"decided_at": timezone.now(), "decided_by": by, "decision_note": (note or "").strip()},
            effect=carry,
        )
        pk = approved.pk
        transaction.on_commit(lambda: identity_change_approved.send(sender=IdentityChangeRequest, change_request_id=pk))
    return approved


def change_request_refuse(
    *, request: IdentityChangeRequest, by, reason: str, expected_version: int | None = None
) -> IdentityChangeRequest:
    """Refuse: the applications keep the data they hold; the candidate sees the reason."""
    if not is_qac_staff(by):
        raise IllegalTransition(_("Only the center's staff decide on change requests."))
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("A refusal must state its reason: the candidate sees it."))
    return _change_request_move(
        request=request,
        to=ChangeRequestStatus.REFUSED,
        by=by,
        actor=STAFF,
        note=reason,
        expected_version=expected_version,
        changes={"decided_at": timezone.now(), "decided_by": by, "decision_note": reason},
    )


# --- Two accounts of one person ------------------------------------------------------------------


class MergeRefused(ApplicationError):
    pass


def accounts_merge(*, kept, duplicate, by, reason: str) -> AccountMerge:
    """Make two accounts of one person one: the duplicate's applications (with their documents and
    history), change requests and, downstream, issued documents move to ``kept``; the duplicate is
    deactivated. Recorded with what moved.

    Refused when both hold an open application for the same qualification: which one the person
    goes on with is a decision on an application (withdraw or refuse one first), not something a
    merge may choose silently; it would also break the one-open-application rule.
    """
    if not is_qac_staff(by):
        raise IllegalTransition(_("Only the center's staff merge accounts."))
    reason = (reason or "").strip()
    if not reason:
        raise MergeRefused(_("Say why the two accounts are one person's: the merge is recorded with it."))
    if kept.pk == duplicate.pk:
        raise MergeRefused(_("Choose two different accounts."))
    User = get_user_model()
    with transaction.atomic():
        users = {u.pk: u for u in User.objects.select_for_update().filter(pk__in=[kept.pk, duplicate.pk])}
        kept, duplicate = users[kept.pk], users[duplicate.pk]
        for user in (kept, duplicate):
            if is_qac_staff(user) or not has_role(user, Role.CANDIDATE):
                raise MergeRefused(
                    _("Only candidates' accounts are merged: %(email)s is not one.") % {"email": user.email}
                )
        if AccountMerge.objects.filter(duplicate__in=[kept, duplicate]).exists():
            raise MergeRefused(_("One of these accounts was already merged into another."))
        kept_open = Application.objects.filter(candidate=kept, status__in=OPEN_STATUSES).values("qualification_id")
        clash = sorted(
            Application.objects.filter(
                candidate=duplicate, status__in=OPEN_STATUSES, qualification_id__in=kept_open
            ).values_list("qualification__code", flat=True)
        )
        if clash:
            raise MergeRefused(
                _(
                    "Both accounts have an open application for %(codes)s. Withdraw or decide one of them first: "
                    "a merge does not choose which application goes on."
                )
                % {"codes": ", ".join(clash)}
            )
        kept_profile = CandidateProfile.objects.select_for_update().filter(user=kept).first()
        dup_profile = CandidateProfile.objects.select_for_update().filter(user=duplicate).first()
        # Both filled in means two different numbers (one SNILS is in one profile only): two people.
        if kept_profile and dup_profile and kept_profile.snils and dup_profile.snils:
            raise MergeRefused(_("The two accounts have different SNILS: they are not one person's."))
        pending = IdentityChangeRequest.objects.filter(
            candidate__in=[kept, duplicate], status=ChangeRequestStatus.SUBMITTED
        )
        if pending.count() > 1:
            raise MergeRefused(_("Both accounts have a change request awaiting a decision: decide one first."))
        moved = {
            "applications": list(
                Application.objects.filter(candidate=duplicate).order_by("pk").values_list("pk", flat=True)
            ),
            "change_requests": list(
                IdentityChangeRequest.objects.filter(candidate=duplicate).order_by("pk").values_list("pk", flat=True)
            ),
            "profile": False,
            "snils": False,
        }
        Application.objects.filter(candidate=duplicate).update(candidate=kept)
        IdentityChangeRequest.objects.filter(candidate=duplicate).update(candidate=kept)
        if dup_profile and not kept_profile:
            dup_profile.user = kept
            dup_profile.save(update_fields=["user"])
            moved["profile"] = True
        elif dup_profile and kept_profile and dup_profile.snils and not kept_profile.snils:
            snils, dup_profile.snils = dup_profile.snils, ""
            dup_profile.save(update_fields=["snils"])
            kept_profile.snils = snils
            kept_profile.save(update_fields=["snils"])
            moved["snils"] = True
        duplicate.is_active = False
        duplicate.save(update_fields=["is_active"])
        for _receiver, response in accounts_merged.send(
            sender=AccountMerge, kept_id=kept.pk, duplicate_id=duplicate.pk
        ):
            moved.update(response or {})
        return AccountMerge.objects.create(kept=kept, duplicate=duplicate, by=by, reason=reason, moved=moved)
