"""The certificates' writes, one module a part of the document's life; every public name is here.

- ``issuing``: the unnumbered original the Council's verdict calls for;
- ``numbering``: the register's number, issue date and link (then the document is rendered);
- ``rendering``: the render state, pending -> rendered / failed, kept by the workers;
- ``delivery``: handed over or posted, and the notices that follow;
- ``duplicates``: the application for a duplicate (its state machine) and the duplicate;
- ``acts``: revocation, extension, documents following a corrected verdict;
- ``common``: the error and what the parts share.
"""

from .acts import certificate_extend, certificate_revoke, documents_follow_verdict, holder_merge
from .common import DocumentError, add_years
from .delivery import (
    document_deliver,
    expiry_reminder_claim,
    expiry_reminder_release,
    holder_notice_release,
    holder_notified,
)
from .duplicates import (
    DUPLICATE_ACTIONS,
    DUPLICATE_TRANSITIONS,
    allowed_duplicate_actions,
    duplicate_request_issue,
    duplicate_request_receive,
    duplicate_request_refuse,
    duplicates_for_change_request,
)
from .issuing import document_issue, pending_verdicts, session_documents_issue, session_issue_again
from .numbering import document_register, register_number_valid, register_url_valid
from .rendering import (
    document_file_name,
    numbered_unrendered_ids,
    render_claim,
    render_fail,
    render_retry,
    render_soon,
    render_store,
)

__all__ = [
    "DUPLICATE_ACTIONS",
    "DUPLICATE_TRANSITIONS",
    "DocumentError",
    "add_years",
    "allowed_duplicate_actions",
    "certificate_extend",
    "certificate_revoke",
    "document_deliver",
    "document_file_name",
    "document_issue",
    "document_register",
    "documents_follow_verdict",
    "duplicate_request_issue",
    "duplicate_request_receive",
    "duplicate_request_refuse",
    "duplicates_for_change_request",
    "expiry_reminder_claim",
    "expiry_reminder_release",
    "holder_merge",
    "holder_notice_release",
    "holder_notified",
    "numbered_unrendered_ids",
    "pending_verdicts",
    "register_number_valid",
    "register_url_valid",
    "render_claim",
    "render_fail",
    "render_retry",
    "render_soon",
    "render_store",
    "session_documents_issue",
    "session_issue_again",
]
