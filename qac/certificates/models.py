"""Certificates of qualification and conclusions, their register numbers, delivery and history.

The legal path (Decree 1204 p.16-17, Order 725n App. 3 p.5): a document row is
created when the Council decides, without a number; the registry export
reports it; the register's answer gives it its registration number, issue date
and the link to its register record; only then is its PDF rendered (by a
worker) and handed over or posted. Originals are unique per exam result, so
issuing twice returns the same row. A duplicate is a row of its own with its
own register number (725n App. 3 p.20). Documents from before this path were
numbered by the center's own counter: they are marked ``local``.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qac.exams.models import ExamResult
from qac.statemachine import TransitionRecord, status_fields
from standards.models import Qualification


class Kind(models.TextChoices):
    CERTIFICATE = "certificate", _("Certificate of qualification")
    CONCLUSION = "conclusion", _("Conclusion on the professional exam")


class Variant(models.TextChoices):
    ORIGINAL = "original", _("Original")
    DUPLICATE = "duplicate", _("Duplicate")
    # Before the legal path, a change of name was reissued under the same number; kept for those rows.
    CORRECTION = "correction", _("Corrected reissue (before register numbering)")


class NumberSource(models.TextChoices):
    AWAITING = "awaiting", _("Awaiting the register's number")
    REGISTER = "register", _("Numbered by the register")
    LOCAL = "local", _("Numbered locally (before register numbering)")


class DeliveryMethod(models.TextChoices):
    HANDED = "handed", _("Handed over in person")
    POST = "post", _("Registered mail with acknowledgement of receipt")


class RenderStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be rendered")
    RENDERED = "rendered", _("Rendered")
    FAILED = "failed", _("Rendering failed")


class IssuedDocument(models.Model):
    kind = models.CharField(_("document"), max_length=16, choices=Kind.choices)
    variant = models.CharField(_("variant"), max_length=16, choices=Variant.choices, default=Variant.ORIGINAL)
    result = models.ForeignKey(
        ExamResult, on_delete=models.PROTECT, related_name="documents", verbose_name=_("exam result")
    )
    original = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reissues", verbose_name=_("original")
    )
    is_current = models.BooleanField(
        _("current"), default=True, help_text=_("False once a corrected reissue replaces this document.")
    )
    number = models.CharField(_("registration number"), max_length=32, blank=True, db_index=True)
    number_source = models.CharField(
        _("numbering"), max_length=16, choices=NumberSource.choices, default=NumberSource.AWAITING
    )
    register_url = models.URLField(_("register record"), max_length=500, blank=True)
    registered_at = models.DateTimeField(_("number received"), null=True, blank=True)
    verdict = models.ForeignKey(
        "council.CouncilVerdict",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("Council verdict"),
    )
    qualification = models.ForeignKey(
        Qualification, on_delete=models.PROTECT, related_name="+", verbose_name=_("qualification")
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="issued_documents", verbose_name=_("holder")
    )
    holder_last_name = models.CharField(_("surname"), max_length=150)
    holder_first_name = models.CharField(_("name"), max_length=150)
    holder_patronymic = models.CharField(_("patronymic"), max_length=150, blank=True)
    exam_date = models.DateField(_("exam date"))
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    issue_due_on = models.DateField(_("issue by"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    gaps = models.JSONField(_("gaps found"), default=list, blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    render_status = models.CharField(
        max_length=16, choices=RenderStatus.choices, default=RenderStatus.PENDING, verbose_name=_("rendering status")
    )
    render_error = models.TextField(blank=True, verbose_name=_("rendering error"))
    render_attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("rendering attempts"))
    file = models.FileField(upload_to="documents/", blank=True, max_length=255, verbose_name=_("file"))
    sha256 = models.CharField(max_length=64, blank=True, verbose_name=_("SHA-256 checksum"))
    size = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("size, bytes"))
    rendered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("rendered"))
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revocation"), blank=True)
    expiry_reminded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("expiry reminder sent"))
    withdrawn_on = models.DateField(
        _("withdrawn on"), null=True, blank=True, help_text=_("The paper was taken back when a duplicate was issued.")
    )
    delivery_method = models.CharField(_("delivered"), max_length=16, choices=DeliveryMethod.choices, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("delivered by"),
    )
    delivery_recipient = models.CharField(
        _("received by"), max_length=255, blank=True, help_text=_("The holder, or their representative and the proxy.")
    )
    tracking_number = models.CharField(_("postal tracking number"), max_length=64, blank=True)
    holder_notified_at = models.DateTimeField(null=True, blank=True, verbose_name=_("holder notified"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        ordering = ["-issue_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["result", "kind"], condition=Q(variant="original"), name="one_original_per_result"
            ),
            # Local numbers repeat on a number's duplicates; each register number is one document's.
            models.UniqueConstraint(
                fields=["number"], condition=Q(variant="original", number_source="local"), name="local_number_unique"
            ),
            models.UniqueConstraint(
                fields=["number"], condition=Q(number_source="register"), name="register_number_unique"
            ),
            models.CheckConstraint(
                condition=~Q(number_source="register") | ~Q(number=""), name="registered_document_has_number"
            ),
            models.CheckConstraint(
                condition=~Q(number_source="awaiting") | Q(number=""), name="awaiting_document_has_no_number"
            ),
        ]
        indexes = [
            models.Index(fields=["render_status"], name="document_render_idx"),
            models.Index(fields=["number_source", "render_status"], name="document_numbering_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number or self.pk}"

    @property
    def holder_full_name(self) -> str:
        return " ".join(p for p in (self.holder_last_name, self.holder_first_name, self.holder_patronymic) if p)

    @property
    def is_numbered(self) -> bool:
        return self.number_source != NumberSource.AWAITING

    @property
    def holder_public_name(self) -> str:
        """Surname and initials: all the public verification page may show."""
        initials = " ".join(f"{p[0]}." for p in (self.holder_first_name, self.holder_patronymic) if p)
        return f"{self.holder_last_name} {initials}".strip()


# What each recorded act is called on the pages (the history keeps the code).
EVENT_LABELS = {
    "issued": _("made on the Council's decision"),
    "numbered": _("registration number received"),
    "rendered": _("printed form made"),
    "render_failed": _("printed form failed"),
    "retry": _("printed form requested again"),
    "delivered": _("issued to the holder"),
    "revoked": _("revoked"),
    "extended": _("validity extended"),
    "duplicate_requested": _("application for a duplicate received"),
    "duplicate": _("duplicate made"),
    "withdrawn": _("withdrawn when the duplicate was issued"),
    "cancelled": _("cancelled by a corrected Council decision"),
    "reinstated": _("reinstated by a corrected Council decision"),
    "correction": _("reissued with a corrected name"),
}


class DocumentEvent(models.Model):
    """Who did what to a document, and why: issue, render, revoke, duplicate, correct, extend."""

    document = models.ForeignKey(
        IssuedDocument, on_delete=models.CASCADE, related_name="events", verbose_name=_("document")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by whom"),
    )
    at = models.DateTimeField(auto_now_add=True, verbose_name=_("when"))
    action = models.CharField(max_length=32, verbose_name=_("action"))
    reason = models.TextField(blank=True, verbose_name=_("reason"))
    data = models.JSONField(default=dict, blank=True, verbose_name=_("details"))

    class Meta:
        verbose_name = _("document history entry")
        verbose_name_plural = _("document history")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.document_id}: {self.action}"

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))


class DuplicateGrounds(models.TextChoices):
    """Order 725n App. 3 p.23."""

    LOSS = "loss", _("Loss or damage of the certificate")
    ERRORS = "errors", _("Errors found in the certificate")
    NAME_CHANGE = "name_change", _("Change of surname, name or patronymic")


class DuplicateStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ISSUED = "issued", _("Duplicate made")
    REFUSED = "refused", _("Refused")


def _duplicate_file_path(instance: "DuplicateRequest", filename: str) -> str:
    return f"duplicates/{uuid.uuid4().hex}"


class DuplicateRequest(models.Model):
    """The holder's application for a duplicate (725n App. 3 II), answered within 15 days."""

    original = models.ForeignKey(
        IssuedDocument, on_delete=models.PROTECT, related_name="duplicate_requests", verbose_name=_("certificate")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=DuplicateStatus.choices, default=DuplicateStatus.RECEIVED
    )
    grounds = models.CharField(_("grounds"), max_length=16, choices=DuplicateGrounds.choices)
    received_on = models.DateField(_("application received"))
    due_on = models.DateField(_("duplicate due"))
    statement = models.TextField(_("what happened"), blank=True)
    new_last_name = models.CharField(_("new surname"), max_length=150, blank=True)
    new_first_name = models.CharField(_("new name"), max_length=150, blank=True)
    new_patronymic = models.CharField(_("new patronymic"), max_length=150, blank=True)
    supporting_file = models.FileField(
        _("supporting document"), upload_to=_duplicate_file_path, blank=True, max_length=255
    )
    supporting_name = models.CharField(max_length=255, blank=True, verbose_name=_("supporting document file name"))
    duplicate = models.OneToOneField(
        IssuedDocument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="made_for_request",
        verbose_name=_("duplicate"),
    )
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    # Made on an approved change of the holder's name in their profile (candidates' change request).
    change_request = models.ForeignKey(
        "candidates.IdentityChangeRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("identity change request"),
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("received by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    version = models.PositiveIntegerField(default=1, editable=False, verbose_name=_("version"))

    class Meta:
        verbose_name = _("application for a duplicate")
        verbose_name_plural = _("applications for duplicates")
        ordering = ["due_on", "pk"]
        constraints = [
            # One open application per certificate at a time.
            models.UniqueConstraint(
                fields=["original"], condition=Q(status="received"), name="one_open_duplicate_request"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_id}: {self.get_grounds_display()}"


class DuplicateTransition(TransitionRecord):
    link = "request"
    request = models.ForeignKey(
        DuplicateRequest, on_delete=models.CASCADE, related_name="history", verbose_name=_("request")
    )
    from_status, to_status = status_fields(DuplicateStatus)

    class Meta(TransitionRecord.Meta):
        verbose_name = _("duplicate request history entry")
        verbose_name_plural = _("duplicate request history")
        ordering = ["at", "pk"]
