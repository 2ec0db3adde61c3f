"""What goes to the Council for professional qualifications after an exam, and what it decides.

Decree 1204 p.15-16: within 7 days of the exam the center sends the commission's
protocol, the candidates' application sets and the other exam materials to the
Council (the *package*); within 14 days the Council checks them and decides,
per candidate, whether the center issues a certificate or a conclusion (the
*decision* and its *verdicts*). Nothing is issued before a decision exists.

State changes go through ``qac/council/services.py``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qac.exams.models import ExamResult, ExamSession
from qac.statemachine import TransitionRecord, done_by, status_fields


class PackageStatus(models.TextChoices):
    BUILDING = "building", _("Being built")
    READY = "ready", _("Ready to send")
    FAILED = "failed", _("Building failed")
    SENT = "sent", _("Sent to the Council")


class SendChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PORTAL = "portal", _("The Council's electronic system")
    POST = "post", _("Registered mail")
    COURIER = "courier", _("Courier")
    IN_PERSON = "in_person", _("Handed over in person")


class CouncilPackage(models.Model):
    """The exam materials of one session for the Council, as one ZIP file."""

    session = models.OneToOneField(
        ExamSession, on_delete=models.PROTECT, related_name="council_package", verbose_name=_("exam session")
    )
    status = models.CharField(_("status"), max_length=16, choices=PackageStatus.choices, default=PackageStatus.BUILDING)
    due_on = models.DateField(_("send by"))
    file = models.FileField(upload_to="council/", blank=True, max_length=255, verbose_name=_("file"))
    sha256 = models.CharField(max_length=64, blank=True, verbose_name=_("SHA-256 checksum"))
    size = models.PositiveBigIntegerField(null=True, blank=True, verbose_name=_("size, bytes"))
    built_at = models.DateTimeField(_("built"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    sent_via = models.CharField(_("sent by"), max_length=16, choices=SendChannel.choices, blank=True)
    sent_reference = models.CharField(
        _("reference"), max_length=255, blank=True, help_text=_("Letter number, tracking number or e-mail subject.")
    )
    sent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sending recorded by"),
    )
    version = models.PositiveIntegerField(default=1, editable=False, verbose_name=_("version"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        verbose_name = _("package for the Council")
        verbose_name_plural = _("packages for the Council")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"], name="council_package_due_idx")]

    def __str__(self) -> str:
        return f"{self.session}: {self.get_status_display()}"


class PackageTransition(TransitionRecord):
    """History of a package: every status change, who made it and why."""

    link = "package"
    package = models.ForeignKey(
        CouncilPackage, on_delete=models.CASCADE, related_name="history", verbose_name=_("package for the Council")
    )
    from_status, to_status = status_fields(PackageStatus)
    by = done_by(null=True)

    class Meta(TransitionRecord.Meta):
        verbose_name = _("package history entry")
        verbose_name_plural = _("package history")
        ordering = ["at", "pk"]


class DecisionStatus(models.TextChoices):
    RECORDED = "recorded", _("Recorded")
    CORRECTED = "corrected", _("Corrected")


class CouncilDecision(models.Model):
    """The Council's decision on a session's results: its number, date and a verdict per candidate."""

    session = models.OneToOneField(
        ExamSession, on_delete=models.PROTECT, related_name="council_decision", verbose_name=_("exam session")
    )
    status = models.CharField(_("status"), max_length=16, choices=DecisionStatus.choices)
    number = models.CharField(_("decision (minutes) number"), max_length=64)
    decided_on = models.DateField(_("decided on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(auto_now_add=True, verbose_name=_("recorded"))
    version = models.PositiveIntegerField(default=1, editable=False, verbose_name=_("version"))

    class Meta:
        verbose_name = _("Council decision")
        verbose_name_plural = _("Council decisions")
        ordering = ["-decided_on", "-pk"]

    def __str__(self) -> str:
        return f"№ {self.number} {self.decided_on:%d.%m.%Y}"


class Verdict(models.TextChoices):
    CERTIFICATE = "certificate", _("Issue a certificate")
    CONCLUSION = "conclusion", _("Issue a conclusion")
    REEXAM = "reexam", _("Result not recognised: re-exam")


class CouncilVerdict(models.Model):
    """What the Council decided for one candidate's result."""

    decision = models.ForeignKey(
        CouncilDecision, on_delete=models.CASCADE, related_name="verdicts", verbose_name=_("Council decision")
    )
    result = models.OneToOneField(
        ExamResult, on_delete=models.PROTECT, related_name="council_verdict", verbose_name=_("exam result")
    )
    verdict = models.CharField(_("verdict"), max_length=16, choices=Verdict.choices)
    reason = models.TextField(
        _("reason"), blank=True, help_text=_("Required when the Council does not recognise the commission's result.")
    )

    class Meta:
        verbose_name = _("verdict")
        verbose_name_plural = _("verdicts")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.result_id}: {self.verdict}"


class DecisionTransition(TransitionRecord):
    """History of a decision: recorded, corrected (with the reason and what changed)."""

    link = "decision"
    decision = models.ForeignKey(
        CouncilDecision, on_delete=models.CASCADE, related_name="history", verbose_name=_("Council decision")
    )
    from_status, to_status = status_fields(DecisionStatus)
    changes = models.JSONField(default=dict, blank=True, verbose_name=_("changes"))

    class Meta(TransitionRecord.Meta):
        verbose_name = _("decision history entry")
        verbose_name_plural = _("decision history")
        ordering = ["at", "pk"]
