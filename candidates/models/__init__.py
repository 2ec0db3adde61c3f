"""Who applies: candidates' profiles, their applications and documents.

Every state change goes through ``candidates/services/``; the models hold
data and constraints only. One module per part: the candidate's own data
(``profiles``), applications with their history, documents and calls
(``applications``), the identity an application was submitted with and the
requests to change it (``identity``), and merged accounts (``merges``).
"""

from .applications import (
    AWAITING_REVIEW,
    NO_DUE_FIRST,
    NO_DUE_LAST,
    OPEN_STATUSES,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationTransition,
    CallTask,
    NotifyBy,
    PersonalDataAccess,
    _document_path,
)
from .identity import (
    CERTIFICATE_STATUSES,
    CHANGE_REQUEST_FIELDS,
    IDENTITY_OPEN_STATUSES,
    IDENTITY_PROFILE_FIELDS,
    IDENTITY_USER_FIELDS,
    NAME_FIELDS,
    REGISTER_STATUSES,
    ApplicantIdentity,
    ChangeRequestStatus,
    IdentityChangeRequest,
    IdentityChangeTransition,
    _change_file_path,
)
from .merges import AccountMerge
from .profiles import CandidateProfile, EducationRecord, IdDocumentType, PersonalDataDisplay, WorkExperience

__all__ = [
    "AWAITING_REVIEW",
    "CERTIFICATE_STATUSES",
    "CHANGE_REQUEST_FIELDS",
    "IDENTITY_OPEN_STATUSES",
    "IDENTITY_PROFILE_FIELDS",
    "IDENTITY_USER_FIELDS",
    "NAME_FIELDS",
    "NO_DUE_FIRST",
    "NO_DUE_LAST",
    "OPEN_STATUSES",
    "REGISTER_STATUSES",
    "AccountMerge",
    "ApplicantIdentity",
    "Application",
    "ApplicationDocument",
    "ApplicationStatus",
    "ApplicationTransition",
    "CallTask",
    "CandidateProfile",
    "ChangeRequestStatus",
    "EducationRecord",
    "IdDocumentType",
    "IdentityChangeRequest",
    "IdentityChangeTransition",
    "NotifyBy",
    "PersonalDataAccess",
    "PersonalDataDisplay",
    "WorkExperience",
    # Upload paths named by the migrations.
    "_change_file_path",
    "_document_path",
]
