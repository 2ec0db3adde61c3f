"""What was reported to the register, when, and in which file.

An ``ExportRecord`` exists only for a record that went into a file that
validated against the schema and was committed: its presence *is* "reported",
so a crash before the commit leaves the record unreported for the next run.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qac.certificates.models import IssuedDocument


class RecordType(models.TextChoices):
    CERTIFICATE = "certificate", _("Certificate")
    CONCLUSION = "conclusion", _("Conclusion")
    DUPLICATE = "duplicate", _("Duplicate")
    CORRECTION = "correction", _("Correction")
    REVOCATION = "revocation", _("Revocation")


class BatchStatus(models.TextChoices):
    EXPORTED = "exported", _("Exported")
    SUBMITTED = "submitted", _("Submitted to the register")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged by the register")
    FAILED = "failed", _("Failed")


class ExportLock(models.Model):
    """A single row that an export holds FOR UPDATE, so two exports never run at once."""

    name = models.CharField(max_length=32, unique=True)

    def __str__(self) -> str:
        return self.name


class ExportBatch(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    trigger = models.CharField(_("started by"), max_length=16)
    status = models.CharField(_("status"), max_length=16, choices=BatchStatus.choices)
    counts = models.JSONField(_("records by type"), default=dict)
    skipped = models.JSONField(_("records held back"), default=list, blank=True)
    xml_file = models.FileField(upload_to="registry/", blank=True, max_length=255)
    csv_file = models.FileField(upload_to="registry/", blank=True, max_length=255)
    xml_sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("export batch")
        verbose_name_plural = _("export batches")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class ExportRecord(models.Model):
    batch = models.ForeignKey(ExportBatch, on_delete=models.PROTECT, related_name="records")
    record_type = models.CharField(max_length=16, choices=RecordType.choices)
    document = models.ForeignKey(IssuedDocument, on_delete=models.PROTECT, related_name="registry_records")

    class Meta:
        constraints = [
            # The database's own guarantee of "exactly once".
            models.UniqueConstraint(fields=["document", "record_type"], name="one_report_per_document_and_type"),
        ]
        indexes = [models.Index(fields=["batch", "record_type"], name="record_batch_type_idx")]

    def __str__(self) -> str:
        return f"{self.record_type} {self.document_id} in {self.batch_id}"
