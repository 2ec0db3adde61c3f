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
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from qac.accounts.roles import Role, assign_role, is_qac_staff
from standards.models import Qualification, RequiredDocument

from .models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationTransition,
    CandidateProfile,
    PersonalDataAccess,
)
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
}
# Where the candidate may still add documents.
UPLOAD_STATUSES = (S.DRAFT, S.DOCUMENTS_REQUESTED)


class ApplicationError(Exception):
    """A request the rules do not allow; the message is shown to the user as it is."""


class IllegalTransition(ApplicationError):
    pass


class EmailTaken(ApplicationError):
    """Two sign-ups with one address raced past the form's check; the database refused the second."""


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
        from .tasks import application_notify_task

        transaction.on_commit(lambda: application_notify_task.delay(transition.pk))
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
    """Create an inactive candidate account and send the confirmation link after commit."""
    User = get_user_model()
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
            from .tasks import send_confirmation_email_task

            transaction.on_commit(lambda: send_confirmation_email_task.delay(user.pk))
    except IntegrityError:
        raise EmailTaken(_("An account with this e-mail already exists. Log in or reset the password.")) from None
    return user


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


@transaction.atomic
def profile_save(*, user, names: dict, profile_data: dict, education_formset=None, experience_formset=None):
    """Save the candidate's names, profile and (optionally) the education and experience formsets together."""
    for field in ("last_name", "first_name", "patronymic"):
        setattr(user, field, names.get(field, "").strip())
    user.save(update_fields=["last_name", "first_name", "patronymic"])
    profile, _created = CandidateProfile.objects.update_or_create(user=user, defaults=profile_data)
    for formset in (education_formset, experience_formset):
        if formset is not None:
            formset.instance = profile
            formset.save()
    return profile


def profile_missing(user) -> bool:
    return not CandidateProfile.objects.filter(user=user).exists()


# --- Applications ----------------------------------------------------------------------


def application_create(*, candidate, qualification: Qualification) -> Application:
    """Open a draft; refuses a second open application for the same qualification."""
    if not qualification.is_active:
        raise ApplicationError(_("The center does not accept applications for this qualification now."))
    try:
        with transaction.atomic():
            application = Application.objects.create(candidate=candidate, qualification=qualification)
            ApplicationTransition.objects.create(
                application=application, from_status="", to_status=S.DRAFT, by=candidate
            )
    except IntegrityError:
        # The partial unique index is the real guard: two tabs submitting at once meet here.
        raise ApplicationError(_("You already have an open application for this qualification.")) from None
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
    return _transition(
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


def application_resubmit(*, application: Application, by, note: str = "") -> Application:
    if application.candidate_id != by.pk:
        raise IllegalTransition(_("Only the candidate can resubmit their application."))
    last_request = application.history.filter(to_status=S.DOCUMENTS_REQUESTED).order_by("-at", "-id").first()
    if last_request and not application.documents.filter(uploaded_at__gt=last_request.at).exists():
        raise ApplicationError(_("Upload the documents the center asked for before resubmitting."))
    return _transition(
        application=application,
        to=S.RESUBMITTED,
        by=by,
        actor=CANDIDATE,
        note=note.strip(),
        changes={"review_due_on": review_due_date(timezone.now())},
    )


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
        changes={"decided_at": timezone.now(), "review_due_on": None},
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
    """An accepted application is enrolled in an exam session; the candidate can no longer withdraw it."""
    return _transition(application=application, to=S.SCHEDULED, by=by, actor=EXAMS, note=note)


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


def application_reopen_for_reexam(*, application: Application, by, note: str = "") -> Application:
    """The Council did not recognise the exam's result: the application is accepted again, for a new session."""
    return _transition(application=application, to=S.ACCEPTED, by=by, actor=COUNCIL, note=note)
