"""Who applies: candidates' profiles, their applications and documents.

Every state change goes through ``candidates/services.py``; the models hold
data and constraints only.
"""

import datetime
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from standards.models import Qualification, RequiredDocument

from .validators import (
    format_snils,
    mask_document_number,
    mask_snils,
    validate_birth_date,
    validate_plausible_past_date,
    validate_snils,
)


class IdDocumentType(models.TextChoices):
    PASSPORT_RU = "passport_ru", _("Passport of a citizen of the Russian Federation")
    PASSPORT_FOREIGN = "passport_foreign", _("Foreign citizen's passport")
    MILITARY_ID = "military_id", _("Military ID")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit")


class CandidateProfile(models.Model):
    """Personal data of a candidate (152-FZ): shown only to the candidate and to QAC staff."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="candidate_profile", verbose_name=_("user")
    )
    date_of_birth = models.DateField(_("date of birth"), validators=[validate_birth_date])
    # Not on the 706n form (domain.md): asked for where the register needs it, so it may be blank;
    # one person, one SNILS: a partial unique constraint below, blank values aside.
    snils = models.CharField(_("SNILS"), max_length=11, blank=True, validators=[validate_snils], db_index=True)
    id_doc_type = models.CharField(_("identity document"), max_length=32, choices=IdDocumentType.choices)
    id_doc_series = models.CharField(_("series"), max_length=10, blank=True)
    id_doc_number = models.CharField(_("number"), max_length=15)
    id_doc_issued_by = models.CharField(_("issued by"), max_length=255)
    id_doc_issued_on = models.DateField(_("date of issue"), validators=[validate_plausible_past_date])
    phone = models.CharField(_("phone"), max_length=32)
    address = models.CharField(_("address"), max_length=500)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("candidate profile")
        verbose_name_plural = _("candidate profiles")
        constraints = [
            models.UniqueConstraint(
                fields=["snils"],
                condition=~Q(snils=""),
                name="candidate_profile_snils_unique",
                violation_error_message=_("This SNILS is already in another account."),
            )
        ]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def snils_display(self) -> str:
        return format_snils(self.snils) if self.snils else ""

    @property
    def snils_masked(self) -> str:
        return mask_snils(self.snils) if self.snils else ""

    @property
    def id_doc_number_masked(self) -> str:
        return mask_document_number(self.id_doc_number)


class EducationRecord(models.Model):
    class Level(models.TextChoices):
        SECONDARY_GENERAL = "secondary_general", _("Secondary general")
        VOCATIONAL_TRAINING = "vocational_training", _("Vocational training")
        SECONDARY_VOCATIONAL = "secondary_vocational", _("Secondary vocational")
        HIGHER = "higher", _("Higher")
        ADDITIONAL = "additional", _("Additional professional programme")

    profile = models.ForeignKey(
        CandidateProfile, on_delete=models.CASCADE, related_name="education", verbose_name=_("profile")
    )
    level = models.CharField(_("level of education"), max_length=32, choices=Level.choices)
    institution = models.CharField(_("educational institution"), max_length=255)
    specialty = models.CharField(_("specialty or programme"), max_length=255, blank=True)
    document_number = models.CharField(_("diploma or certificate number"), max_length=64, blank=True)
    completed_on = models.DateField(_("completed on"), validators=[validate_plausible_past_date])

    class Meta:
        verbose_name = _("education record")
        verbose_name_plural = _("education records")
        ordering = ["-completed_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_level_display()}: {self.institution}"


class WorkExperience(models.Model):
    profile = models.ForeignKey(
        CandidateProfile, on_delete=models.CASCADE, related_name="experience", verbose_name=_("profile")
    )
    employer = models.CharField(_("employer"), max_length=255)
    position = models.CharField(_("position"), max_length=255)
    started_on = models.DateField(_("from"), validators=[validate_plausible_past_date])
    ended_on = models.DateField(_("to"), null=True, blank=True, validators=[validate_plausible_past_date])

    class Meta:
        verbose_name = _("work experience")
        verbose_name_plural = _("work experience")
        ordering = ["-started_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="experience_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}, {self.employer}"


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    DOCUMENTS_REQUESTED = "documents_requested", _("Documents requested")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    # Set by the exams app: enrolled in a session, then the approved outcome.
    SCHEDULED = "scheduled", _("Exam scheduled")
    PASSED = "passed", _("Exam passed")
    FAILED = "failed", _("Exam failed")
    ABSENT = "absent", _("Did not appear")


# Statuses in which an application is still alive: a candidate may hold only
# one such application per qualification (a DB constraint enforces it).
OPEN_STATUSES = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.DOCUMENTS_REQUESTED,
    ApplicationStatus.RESUBMITTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.SCHEDULED,
)
# Statuses that wait for staff: the review deadline runs.
AWAITING_REVIEW = (ApplicationStatus.SUBMITTED, ApplicationStatus.RESUBMITTED)


class NotifyBy(models.TextChoices):
    """How the candidate wants to be told (Order 706n form): one of the two, as they chose it."""

    EMAIL = "email", _("By e-mail")
    PHONE = "phone", _("By phone")


# The staff queue sorts applications without a review deadline last, whichever
# the direction: these dates stand in for "none" in its sort keys and indexes.
NO_DUE_LAST = datetime.date(9999, 12, 31)
NO_DUE_FIRST = datetime.date(1, 1, 1)


class Application(models.Model):
    """An application for the independent assessment of one qualification (Decree No. 1204, p. 1-2)."""

    number = models.CharField(_("number"), max_length=20, unique=True, null=True, blank=True, editable=False)
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications", verbose_name=_("candidate")
    )
    qualification = models.ForeignKey(
        Qualification, on_delete=models.PROTECT, related_name="applications", verbose_name=_("qualification")
    )
    status = models.CharField(
        _("status"), max_length=32, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    # Bumped by every transition: a form that carries an older version lost a race.
    version = models.PositiveIntegerField(default=1, editable=False, verbose_name=_("version"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("registered"), null=True, blank=True)
    review_due_on = models.DateField(
        _("review due"), null=True, blank=True, help_text=_("Set when the application (re)enters review.")
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    staff_message = models.TextField(_("message from the center"), blank=True)
    rejection_reason = models.TextField(_("reason for refusal"), blank=True)
    # Consent to personal-data processing (152-FZ) and to the exam rules.
    consent_text_version = models.CharField(_("consent text version"), max_length=32, blank=True)
    consent_given_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    consent_ip = models.GenericIPAddressField(_("consent given from"), null=True, blank=True)
    rules_accepted_at = models.DateTimeField(_("exam rules accepted"), null=True, blank=True)
    # The Order 706n form: how to tell the candidate, and where to post the documents (1204 p.17).
    notify_by = models.CharField(
        _("how to tell the candidate"), max_length=8, choices=NotifyBy.choices, default=NotifyBy.EMAIL
    )
    postal_address = models.CharField(
        _("postal address for the documents"),
        max_length=500,
        blank=True,
        help_text=_("Blank: the candidate collects the documents in person."),
    )
    # Set by the exams app while an offer of exam dates awaits the candidate's answer (1204 p.9):
    # the queue tells "waiting for the candidate" from "date to agree" without reading exams' tables.
    date_offered_at = models.DateTimeField(_("exam dates offered"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "qualification"],
                condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
                name="one_open_application_per_qualification",
                violation_error_message=_("You already have an open application for this qualification."),
            )
        ]
        indexes = [
            # Each matches a sort key of selectors.SORTS, so a queue page seeks to
            # its cursor and reads 26 index entries (keyset paging, qac.keyset).
            # "No deadline" is a far date, so the keys have no NULLs to compare.
            models.Index(Coalesce("review_due_on", Value(NO_DUE_LAST)), "id", name="application_due_key_idx"),
            models.Index(
                "status",
                Coalesce("review_due_on", Value(NO_DUE_LAST)),
                "id",
                name="app_status_due_key_idx",
            ),
            models.Index(Coalesce("review_due_on", Value(NO_DUE_FIRST)), "id", name="app_due_desc_key_idx"),
            models.Index(
                "status",
                Coalesce("review_due_on", Value(NO_DUE_FIRST)),
                "id",
                name="app_status_due_desc_key_idx",
            ),
            models.Index(fields=["submitted_at", "id"], name="application_submitted_idx"),
            # The staff home's deadline counts: status and deadline, read from the index alone.
            models.Index(F("status"), F("review_due_on").asc(), F("id").desc(), name="application_queue_idx"),
        ]

    def __str__(self) -> str:
        return self.number or _("draft #%(pk)s") % {"pk": self.pk}

    @property
    def applicant(self):
        """The person as the application was submitted (its identity); the account before submission."""
        try:
            return self.identity
        except ObjectDoesNotExist:
            return self.candidate

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def by_phone(self) -> bool:
        return self.notify_by == NotifyBy.PHONE


class ApplicantIdentity(models.Model):
    """The personal data an application was submitted with (Decree 1204 p.7; Order 725n App. 3 p.6).

    Captured at submission (and again at a resubmission, while still under
    review); frozen once the application is accepted. Review, enrolment, the
    protocol, the Council's package, the registry export and every issued
    document read this copy, never the live profile, so a later profile edit
    changes nothing already on its way.
    """

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="identity", verbose_name=_("application")
    )
    last_name = models.CharField(_("surname"), max_length=150)
    first_name = models.CharField(_("name"), max_length=150)
    patronymic = models.CharField(_("patronymic"), max_length=150, blank=True)
    date_of_birth = models.DateField(_("date of birth"))
    snils = models.CharField(_("SNILS"), max_length=11, blank=True)
    id_doc_type = models.CharField(_("identity document"), max_length=32, choices=IdDocumentType.choices)
    id_doc_series = models.CharField(_("series"), max_length=10, blank=True)
    id_doc_number = models.CharField(_("number"), max_length=15)
    id_doc_issued_by = models.CharField(_("issued by"), max_length=255)
    id_doc_issued_on = models.DateField(_("date of issue"))
    address = models.CharField(_("address"), max_length=500)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    captured_at = models.DateTimeField(_("captured"))

    class Meta:
        verbose_name = _("identity as submitted")
        verbose_name_plural = _("identities as submitted")

    def __str__(self) -> str:
        return self.get_full_name()

    def get_full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.patronymic) if p)

    def get_short_name(self) -> str:
        initials = " ".join(f"{p[0]}." for p in (self.first_name, self.patronymic) if p)
        return f"{self.last_name} {initials}".strip()

    @property
    def snils_display(self) -> str:
        return format_snils(self.snils) if self.snils else ""

    @property
    def snils_masked(self) -> str:
        return mask_snils(self.snils) if self.snils else ""

    @property
    def id_doc_number_masked(self) -> str:
        return mask_document_number(self.id_doc_number)


IDENTITY_PROFILE_FIELDS = (
    "date_of_birth",
    "snils",
    "id_doc_type",
    "id_doc_series",
    "id_doc_number",
    "id_doc_issued_by",
    "id_doc_issued_on",
    "address",
    "phone",
)
IDENTITY_USER_FIELDS = ("last_name", "first_name", "patronymic", "email")


class ApplicationTransition(models.Model):
    """One row per status change: who, when, from, to, and the note shown to the candidate."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="history", verbose_name=_("application")
    )
    from_status = models.CharField(_("from"), max_length=32, choices=ApplicationStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=32, choices=ApplicationStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)
    notified_at = models.DateTimeField(_("candidate notified"), null=True, blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status history")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.application}: {self.from_status or '-'} -> {self.to_status}"


class CallTask(models.Model):
    """A call staff owe a candidate who asked to be told by phone (Order 706n; Decree 1204 p.9).

    One per event the candidate is e-mailed about; the e-mail still goes, as
    the record. Done when a staff member says they called: who and when.
    """

    class Event(models.TextChoices):
        STATUS = "status", _("The application's status changed")
        DATE_OFFER = "date_offer", _("Exam dates offered")
        EXAM = "exam", _("The exam session changed")
        DOCUMENT = "document", _("The document is issued")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="calls", verbose_name=_("application")
    )
    event = models.CharField(_("what to tell"), max_length=16, choices=Event.choices)
    transition = models.ForeignKey(
        ApplicationTransition,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("status change"),
    )
    detail = models.CharField(_("details"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    called_at = models.DateTimeField(_("called"), null=True, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("called by"),
    )
    note = models.CharField(_("note of the call"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("call to the candidate")
        verbose_name_plural = _("calls to candidates")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.application}: {self.event}"

    @property
    def what(self) -> str:
        """The event and its detail, as staff read it before calling."""
        what = str(self.get_event_display())
        details = [str(self.transition.get_to_status_display())] if self.transition_id else []
        if self.detail:
            details.append(self.detail)
        return f"{what}: {', '.join(details)}" if details else what


def _document_path(instance: "ApplicationDocument", filename: str) -> str:
    # A generated name: the candidate's file name never reaches the file system.
    return f"applications/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class ApplicationDocument(models.Model):
    """An uploaded file: stored privately, served only through a view that checks access."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="documents", verbose_name=_("application")
    )
    required_document = models.ForeignKey(
        RequiredDocument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document type"),
    )
    file = models.FileField(_("file"), upload_to=_document_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size, bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")
        ordering = ["required_document__position", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class PersonalDataAccess(models.Model):
    """Audit of who saw a candidate's full personal data or documents (152-FZ)."""

    class What(models.TextChoices):
        PROFILE = "profile", _("full personal data")
        DOCUMENT = "document", _("document file")

    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("viewer")
    )
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("candidate")
    )
    what = models.CharField(_("what"), max_length=16, choices=What.choices)
    application = models.ForeignKey(
        Application, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("application")
    )
    document = models.ForeignKey(
        ApplicationDocument,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data access log")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.viewer} -> {self.candidate} ({self.what})"


# --- Changes to the identity after submission ------------------------------------------------

# The fields a change request carries: the person as the identity document and the register know
# them (725n App. 3 p.6). Phone and e-mail are contact data: the profile changes them at once.
CHANGE_REQUEST_FIELDS = (
    "last_name",
    "first_name",
    "patronymic",
    "date_of_birth",
    "snils",
    "id_doc_type",
    "id_doc_series",
    "id_doc_number",
    "id_doc_issued_by",
    "id_doc_issued_on",
    "address",
)
NAME_FIELDS = ("last_name", "first_name", "patronymic")
# Applications whose identity an approved change is carried into: submitted, and the exam not yet held.
IDENTITY_OPEN_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.DOCUMENTS_REQUESTED,
    ApplicationStatus.RESUBMITTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.SCHEDULED,
)
# A passed exam: a certificate awaited or issued. Its identity is the record of what was assessed and
# stays; a change of name there is a matter for a duplicate (725n App. 3 p.23), made downstream.
CERTIFICATE_STATUSES = (ApplicationStatus.PASSED,)
# An exam over with a document for the register (certificate or conclusion): the register's record is
# made from the identity and needs the SNILS, so an approved SNILS is carried into these too.
REGISTER_STATUSES = (ApplicationStatus.PASSED, ApplicationStatus.FAILED)


class ChangeRequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting the center's decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


def _change_file_path(instance: "IdentityChangeRequest", filename: str) -> str:
    return f"identity-changes/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class IdentityChangeRequest(models.Model):
    """A change of identity data made while an application or a certificate holds the old data.

    The profile changes at once (it is the candidate's); this request asks the
    staff to carry the change into the applications under way and, for a
    certificate and a change of name, to start the duplicate procedure.
    ``before`` and ``after`` hold the values of ``CHANGE_REQUEST_FIELDS``
    (dates as ISO strings).
    """

    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="identity_change_requests",
        verbose_name=_("candidate"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ChangeRequestStatus.choices, default=ChangeRequestStatus.SUBMITTED
    )
    before = models.JSONField(_("before"), default=dict)
    after = models.JSONField(_("after"), default=dict)
    applications = models.ManyToManyField(
        Application, related_name="identity_change_requests", blank=True, verbose_name=_("applications")
    )
    supporting_file = models.FileField(_("supporting document"), upload_to=_change_file_path, max_length=255)
    supporting_name = models.CharField(_("file name"), max_length=255)
    supporting_content_type = models.CharField(_("content type"), max_length=64)
    supporting_sha256 = models.CharField(_("SHA-256"), max_length=64)
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_note = models.TextField(_("reason"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False, verbose_name=_("version"))

    class Meta:
        verbose_name = _("identity change request")
        verbose_name_plural = _("identity change requests")
        ordering = ["submitted_at", "id"]
        constraints = [
            # A further change while one waits amends that one: staff decide on one state of the person.
            models.UniqueConstraint(
                fields=["candidate"], condition=Q(status="submitted"), name="one_pending_change_request"
            )
        ]

    def __str__(self) -> str:
        return f"{self.candidate}: {self.get_status_display()}"

    @property
    def changed_fields(self) -> list[str]:
        return [f for f in CHANGE_REQUEST_FIELDS if self.before.get(f) != self.after.get(f)]

    @property
    def changes_name(self) -> bool:
        return any(f in self.changed_fields for f in NAME_FIELDS)


class IdentityChangeTransition(models.Model):
    """History of a change request: who, when, from, to, why, and what the change was at that moment."""

    request = models.ForeignKey(
        IdentityChangeRequest, on_delete=models.CASCADE, related_name="history", verbose_name=_("request")
    )
    from_status = models.CharField(_("from"), max_length=16, choices=ChangeRequestStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=ChangeRequestStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True, verbose_name=_("details"))

    class Meta:
        verbose_name = _("identity change request history entry")
        verbose_name_plural = _("identity change request history")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.from_status or '-'} -> {self.to_status}"


class AccountMerge(models.Model):
    """Two accounts of one person made one: what moved from ``duplicate`` to ``kept``, by whom and why."""

    kept = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("kept account")
    )
    duplicate = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="merged_into", verbose_name=_("merged account")
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    reason = models.TextField(_("reason"))
    moved = models.JSONField(_("what moved"), default=dict)

    class Meta:
        verbose_name = _("account merge")
        verbose_name_plural = _("account merges")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.duplicate} -> {self.kept}"
