"""Appeals to the Council's appeals commission (238-FZ art. 4 p.6, Order 701n).

A candidate (or staff, for a complaint received on paper) files an appeal
against the center's decision on an application; the center forwards it to
the Council's appeals commission; the commission decides within 60 days
(701n p.7), satisfying or rejecting it and saying what must be done; the
center executes a satisfied appeal within the time the decision sets, at
most 45 days (701n p.23). State changes go through ``qac/appeals/services.py``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from candidates.models import Application
from qac.exams.models import ExamResult, ResultCorrection
from qac.statemachine import TransitionRecord, status_fields


class AppealStatus(models.TextChoices):
    FILED = "filed", _("Filed")
    FORWARDED = "forwarded", _("With the appeals commission")
    SATISFIED = "satisfied", _("Satisfied")
    REJECTED = "rejected", _("Rejected")
    EXECUTED = "executed", _("Executed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Grounds(models.TextChoices):
    """Order 701n p.4 a)-д)."""

    REFUSED = "refused", _("Refusal to accept the documents for the exam")
    RESULT = "result", _("Disagreement with the decisions taken on the exam's results")
    PROCEDURE = "procedure", _("The exam's procedure was not followed")
    DOCUMENT = "document", _("Late certificate, refused duplicate, or a form not per Order 725n")
    REGISTER = "register", _("The issued certificate is missing from the register")


class Channel(models.TextChoices):
    ONLINE = "online", _("On the site")
    PAPER = "paper", _("On paper (registered by staff)")


class Remedy(models.TextChoices):
    """What a satisfied appeal requires of the center."""

    REEXAM = "reexam", _("A new exam, free of charge")
    CORRECT = "correct", _("Correct the result")
    REISSUE = "reissue", _("Reissue the document")
    OTHER = "other", _("Other (see the decision)")


class Appeal(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("application")
    )
    # The result appealed against; empty for a refusal to accept the documents (701n p.4 a).
    result = models.ForeignKey(
        ExamResult, on_delete=models.PROTECT, null=True, blank=True, related_name="appeals", verbose_name=_("result")
    )
    status = models.CharField(_("status"), max_length=16, choices=AppealStatus.choices, default=AppealStatus.FILED)
    version = models.PositiveIntegerField(default=1, editable=False)
    grounds = models.JSONField(_("grounds"), default=list)
    statement = models.TextField(_("statement"))
    channel = models.CharField(_("received"), max_length=8, choices=Channel.choices, default=Channel.ONLINE)
    filed_on = models.DateField(_("received on"))
    deadline_on = models.DateField(_("appeal deadline"), null=True, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    forwarded_on = models.DateField(_("forwarded on"), null=True, blank=True)
    forward_reference = models.CharField(_("reference"), max_length=255, blank=True)
    decision_due_on = models.DateField(_("commission decides by"), null=True, blank=True)
    decision_number = models.CharField(_("decision (minutes) number"), max_length=64, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    remedy = models.CharField(_("what must be done"), max_length=16, choices=Remedy.choices, blank=True)
    decision_text = models.TextField(_("the commission's decision"), blank=True)
    execute_by = models.DateField(_("execute by"), null=True, blank=True)
    executed_on = models.DateField(_("executed on"), null=True, blank=True)
    execution_note = models.TextField(_("how it was executed"), blank=True)
    # The registry export batch that reported the decided appeal (649n p.15); an id, the registry app is downstream.
    register_batch_id = models.PositiveIntegerField(null=True, blank=True, editable=False)
    correction = models.ForeignKey(ResultCorrection, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-filed_on", "-pk"]
        constraints = [
            # One live appeal per result (or per refused application); a withdrawn one does not count.
            models.UniqueConstraint(
                fields=["result"],
                condition=Q(result__isnull=False) & ~Q(status="withdrawn"),
                name="one_live_appeal_per_result",
            ),
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(result__isnull=True) & ~Q(status="withdrawn"),
                name="one_live_appeal_per_refusal",
            ),
        ]
        indexes = [models.Index(fields=["status", "filed_on"], name="appeal_status_idx")]

    def __str__(self) -> str:
        return f"№ {self.pk} ({self.get_status_display()})"

    @property
    def grounds_display(self) -> list[str]:
        labels = dict(Grounds.choices)
        return [str(labels.get(g, g)) for g in self.grounds]


def _appeal_file_path(instance: "AppealFile", filename: str) -> str:
    # A generated name: the uploader's file name never reaches the file system.
    return f"appeals/{instance.appeal_id}/{instance.sha256[:16]}"


class AppealFile(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=_appeal_file_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name


class AppealTransition(TransitionRecord):
    """History of an appeal: every move, who made it, and what it recorded."""

    link = "appeal"
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="history")
    from_status, to_status = status_fields(AppealStatus)
    changes = models.JSONField(default=dict, blank=True)
    # Set when the candidate's e-mail about this move went out (a second delivery of the task sends nothing).
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta(TransitionRecord.Meta):
        ordering = ["at", "pk"]
