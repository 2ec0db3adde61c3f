"""Every state change of candidates and their applications, one module per state machine.

``applications``: the application's machine (``TRANSITIONS``, ``_transition``) and the moves the
candidate and the staff make; ``exam_moves``: those the exams app and the Council make;
``change_requests``: the identity change request's machine; ``accounts``: sign-up, the e-mail
confirmation and the profile; ``merge``: two accounts of one person made one; ``calls``: calls
owed to candidates and the claim on a notification; ``rules``: the actors and the errors.

Callers import from here (``from candidates import services``): the names below are the API.
"""

from .accounts import (
    SIGNUP_TAKEN_MAILS_PER_HOUR,
    SnilsTaken,
    candidate_confirm_email,
    candidate_signup,
    confirmation_link_parts,
    email_confirmation_tokens,
    personal_data_access_record,
    profile_missing,
    profile_save,
    signup_taken_notify,
    snils_taken_message,
)
from .applications import (
    APPLICATION,
    TRANSITIONS,
    UPLOAD_STATUSES,
    Consent,
    allowed_application_actions,
    allowed_moves,
    application_accept,
    application_attach_document,
    application_contact_set,
    application_create,
    application_draft_delete,
    application_reject,
    application_request_documents,
    application_resubmit,
    application_submit,
    application_withdraw,
    exam_date_open,
    identity_capture,
    missing_documents,
    review_due_date,
)
from .calls import call_task_add, call_task_done, notification_claim, notification_release
from .change_requests import (
    CHANGE_REQUEST,
    CHANGE_TRANSITIONS,
    ChangeRequestNeedsDocument,
    change_request_approve,
    change_request_refuse,
)
from .exam_moves import (
    EXAM_OUTCOMES,
    application_correct_outcome,
    application_date_offered,
    application_record_outcome,
    application_reopen_for_reexam,
    application_schedule,
    application_unschedule,
)
from .merge import MergeRefused, accounts_merge
from .rules import (
    CANDIDATE,
    COUNCIL,
    EXAMS,
    STAFF,
    ApplicationError,
    IllegalTransition,
    StaleApplication,
)

__all__ = [
    "APPLICATION",
    "CANDIDATE",
    "CHANGE_REQUEST",
    "CHANGE_TRANSITIONS",
    "COUNCIL",
    "EXAMS",
    "EXAM_OUTCOMES",
    "SIGNUP_TAKEN_MAILS_PER_HOUR",
    "STAFF",
    "TRANSITIONS",
    "UPLOAD_STATUSES",
    "ApplicationError",
    "ChangeRequestNeedsDocument",
    "Consent",
    "IllegalTransition",
    "MergeRefused",
    "SnilsTaken",
    "StaleApplication",
    "accounts_merge",
    "allowed_application_actions",
    "allowed_moves",
    "application_accept",
    "application_attach_document",
    "application_contact_set",
    "application_correct_outcome",
    "application_create",
    "application_date_offered",
    "application_draft_delete",
    "application_record_outcome",
    "application_reject",
    "application_reopen_for_reexam",
    "application_request_documents",
    "application_resubmit",
    "application_schedule",
    "application_submit",
    "application_unschedule",
    "application_withdraw",
    "call_task_add",
    "call_task_done",
    "candidate_confirm_email",
    "candidate_signup",
    "change_request_approve",
    "change_request_refuse",
    "confirmation_link_parts",
    "email_confirmation_tokens",
    "exam_date_open",
    "identity_capture",
    "missing_documents",
    "notification_claim",
    "notification_release",
    "personal_data_access_record",
    "profile_missing",
    "profile_save",
    "review_due_date",
    "signup_taken_notify",
    "snils_taken_message",
]
