"""What was reported to the register, when, and in which file.

An ``ExportRecord`` exists only for a record that went into a file that
validated against the schema and was committed: its presence *is* "reported",
so a crash before the commit leaves the record unreported for the next run.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qac.certificates.models import IssuedDocument
from qac.statemachine import TransitionRecord, status_fields


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

    name = models.CharField(max_length=32, unique=True, verbose_name=_("name"))

    class Meta:
        verbose_name = _("export lock")
        verbose_name_plural = _("export locks")

    def __str__(self) -> str:
        return self.name


class ExportBatch(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    trigger = models.CharField(_("started by"), max_length=16)
    status = models.CharField(_("status"), max_length=16, choices=BatchStatus.choices)
    counts = models.JSONField(_("records by type"), default=dict)
    skipped = models.JSONField(_("records held back"), default=list, blank=True)
    xml_file = models.FileField(upload_to="registry/", blank=True, max_length=255, verbose_name=_("XML file"))
    csv_file = models.FileField(upload_to="registry/", blank=True, max_length=255, verbose_name=_("CSV file"))
    xml_sha256 = models.CharField(max_length=64, blank=True, verbose_name=_("XML checksum (SHA-256)"))
    error = models.TextField(blank=True, verbose_name=_("error"))
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


class BatchTransition(TransitionRecord):
    """History of a batch: who marked it uploaded to the register or acknowledged by it, when, with what note."""

    link = "batch"
    batch = models.ForeignKey(
        ExportBatch, on_delete=models.CASCADE, related_name="history", verbose_name=_("export batch")
    )
    from_status, to_status = status_fields(BatchStatus)

    class Meta(TransitionRecord.Meta):
        verbose_name = _("export batch history entry")
        verbose_name_plural = _("export batch history")


class ExportRecord(models.Model):
    batch = models.ForeignKey(
        ExportBatch, on_delete=models.PROTECT, related_name="records", verbose_name=_("export batch")
    )
    record_type = models.CharField(max_length=16, choices=RecordType.choices, verbose_name=_("record type"))
    document = models.ForeignKey(
        IssuedDocument, on_delete=models.PROTECT, related_name="registry_records", verbose_name=_("document")
    )

    class Meta:
        verbose_name = _("exported record")
        verbose_name_plural = _("exported records")
        constraints = [
            # The database's own guarantee of "exactly once".
            models.UniqueConstraint(fields=["document", "record_type"], name="one_report_per_document_and_type"),
        ]
        indexes = [models.Index(fields=["batch", "record_type"], name="record_batch_type_idx")]

    def __str__(self) -> str:
        return f"{self.record_type} {self.document_id} in {self.batch_id}"


class AnswerStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    REFUSED = "refused", _("Refused")


class AnswerImport(models.Model):
    """One answer file from the register (docs/register-answer.md): who brought it, what it did or why not.

    A refused file changed nothing; its row keeps the errors, each naming the line and the field.
    The file itself is kept privately (MEDIA_ROOT is never served directly).
    """

    created_at = models.DateTimeField(_("imported"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(upload_to="registry/answers/", blank=True, max_length=255, verbose_name=_("file"))
    sha256 = models.CharField(max_length=64, verbose_name=_("SHA-256 checksum"))
    size = models.PositiveBigIntegerField(default=0, verbose_name=_("size, bytes"))
    file_format = models.CharField(_("format"), max_length=8, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=AnswerStatus.choices)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    numbered = models.PositiveIntegerField(_("numbered now"), default=0)
    already_numbered = models.PositiveIntegerField(_("already numbered"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)

    class Meta:
        verbose_name = _("register answer import")
        verbose_name_plural = _("register answer imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name} ({self.status})"
