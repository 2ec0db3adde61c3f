"""Certificates of qualification and conclusions, their numbers and their history.

A document row is created (and numbered) in one transaction; its PDF is
rendered later by a worker. Originals are unique per exam result, so issuing
twice returns the same row; duplicates and corrected reissues are rows of
their own that keep the original's number.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qac.exams.models import ExamResult
from standards.models import Qualification


class NumberCounter(models.Model):
    """The last number given in a series (qualification code + suffix); locked FOR UPDATE when used."""

    series = models.CharField(max_length=32, unique=True)
    last_value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.series}: {self.last_value}"


class Kind(models.TextChoices):
    CERTIFICATE = "certificate", _("Certificate of qualification")
    CONCLUSION = "conclusion", _("Conclusion on the professional exam")


class Variant(models.TextChoices):
    ORIGINAL = "original", _("Original")
    DUPLICATE = "duplicate", _("Duplicate")
    CORRECTION = "correction", _("Corrected reissue")


class RenderStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be rendered")
    RENDERED = "rendered", _("Rendered")
    FAILED = "failed", _("Rendering failed")


class IssuedDocument(models.Model):
    kind = models.CharField(_("document"), max_length=16, choices=Kind.choices)
    variant = models.CharField(_("variant"), max_length=16, choices=Variant.choices, default=Variant.ORIGINAL)
    result = models.ForeignKey(ExamResult, on_delete=models.PROTECT, related_name="documents")
    original = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reissues", verbose_name=_("original")
    )
    is_current = models.BooleanField(
        _("current"), default=True, help_text=_("False once a corrected reissue replaces this document.")
    )
    number = models.CharField(_("registration number"), max_length=32, blank=True, db_index=True)
    qualification = models.ForeignKey(Qualification, on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="issued_documents")
    holder_last_name = models.CharField(_("surname"), max_length=150)
    holder_first_name = models.CharField(_("name"), max_length=150)
    holder_patronymic = models.CharField(_("patronymic"), max_length=150, blank=True)
    exam_date = models.DateField(_("exam date"))
    issue_date = models.DateField(_("issue date"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    gaps = models.JSONField(_("gaps found"), default=list, blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    render_status = models.CharField(max_length=16, choices=RenderStatus.choices, default=RenderStatus.PENDING)
    render_error = models.TextField(blank=True)
    render_attempts = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to="documents/", blank=True, max_length=255)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revocation"), blank=True)
    expiry_reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        ordering = ["-issue_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["result", "kind"], condition=Q(variant="original"), name="one_original_per_result"
            ),
            models.UniqueConstraint(
                fields=["number"], condition=Q(variant="original") & ~Q(number=""), name="certificate_number_unique"
            ),
            models.CheckConstraint(condition=Q(kind="conclusion") | ~Q(number=""), name="certificate_has_number"),
        ]
        indexes = [models.Index(fields=["render_status"], name="document_render_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number or self.pk}"

    @property
    def holder_full_name(self) -> str:
        return " ".join(p for p in (self.holder_last_name, self.holder_first_name, self.holder_patronymic) if p)

    @property
    def holder_public_name(self) -> str:
        """Surname and initials: all the public verification page may show."""
        initials = " ".join(f"{p[0]}." for p in (self.holder_first_name, self.holder_patronymic) if p)
        return f"{self.holder_last_name} {initials}".strip()


class DocumentEvent(models.Model):
    """Who did what to a document, and why: issue, render, revoke, duplicate, correct, extend."""

    document = models.ForeignKey(IssuedDocument, on_delete=models.CASCADE, related_name="events")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=32)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.document_id}: {self.action}"
