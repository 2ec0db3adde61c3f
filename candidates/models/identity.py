"""The person as an application knows them: the identity captured at submission and the requests to change it."""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qac.statemachine import SHORT_LABELS, TransitionRecord, done_by, status_fields

from .applications import Application, ApplicationStatus
from .profiles import IdDocumentType, PersonalDataDisplay


class ApplicantIdentity(PersonalDataDisplay, models.Model):
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


NAME_FIELDS = ("last_name", "first_name", "patronymic")
# The person as the identity document and the register know them, beside the name (725n App. 3 p.6).
DOCUMENT_FIELDS = (
    "date_of_birth",
    "snils",
    "id_doc_type",
    "id_doc_series",
    "id_doc_number",
    "id_doc_issued_by",
    "id_doc_issued_on",
    "address",
)
# What an identity copies from the profile and from the account.
IDENTITY_PROFILE_FIELDS = (*DOCUMENT_FIELDS, "phone")
IDENTITY_USER_FIELDS = (*NAME_FIELDS, "email")


# --- Changes to the identity after submission ------------------------------------------------

# The fields a change request carries: the person's name and document data. Phone and e-mail are
# contact data: the profile changes them at once.
CHANGE_REQUEST_FIELDS = (*NAME_FIELDS, *DOCUMENT_FIELDS)
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


class IdentityChangeTransition(TransitionRecord):
    """History of a change request: who, when, from, to, why, and what the change was at that moment."""

    link = "request"
    request = models.ForeignKey(
        IdentityChangeRequest, on_delete=models.CASCADE, related_name="history", verbose_name=_("request")
    )
    from_status, to_status = status_fields(ChangeRequestStatus, labels=SHORT_LABELS)
    by = done_by(verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    data = models.JSONField(default=dict, blank=True, verbose_name=_("details"))

    class Meta(TransitionRecord.Meta):
        verbose_name = _("identity change request history entry")
        verbose_name_plural = _("identity change request history")
