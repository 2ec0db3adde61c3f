"""Applications: their status, history, documents, the calls owed to candidates and the audit of who saw what."""

import datetime
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from qac.statemachine import SHORT_LABELS, TransitionRecord, done_by, status_fields
from standards.models import Qualification, RequiredDocument


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


class ApplicationTransition(TransitionRecord):
    """One row per status change: who, when, from, to, and the note shown to the candidate."""

    link = "application"
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="history", verbose_name=_("application")
    )
    from_status, to_status = status_fields(ApplicationStatus, max_length=32, labels=SHORT_LABELS)
    by = done_by(verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    notified_at = models.DateTimeField(_("candidate notified"), null=True, blank=True)

    class Meta(TransitionRecord.Meta):
        verbose_name = _("status change")
        verbose_name_plural = _("status history")


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
