"""Keeping records for as long as the law says, then destroying them under an approved act.

A destruction act lists records (``ActItem``) whose retention period has passed (Order 759n
p.3 «ж»; 152-FZ art. 5 p.7) or whose subject withdrew consent (152-FZ art. 21 p.5). The head
approves or rejects the act; only an approved act is carried out. Every state change goes
through ``qac/retention/services.py``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qac.statemachine import TransitionRecord, done_by, status_fields


class RecordKind(models.TextChoices):
    """What an act item destroys. Each kind has its own period and its own selector (selectors.DUE)."""

    APPLICATION_FILE = "application_file", _("Candidate's file after the exam")
    APPLICATION_UNEXAMINED = "application_unexamined", _("Application without an exam")
    SESSION_MATERIALS = "session_materials", _("Exam session materials")
    IDENTITY_CHANGE = "identity_change", _("Identity change request")
    CANDIDATE_ACCOUNT = "candidate_account", _("Candidate's account and profile")
    CONSENT_WITHDRAWAL = "consent_withdrawal", _("Withdrawal of consent")


class ActStatus(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting the head's approval")
    APPROVED = "approved", _("Approved, being carried out")
    EXECUTED = "executed", _("Carried out")
    REJECTED = "rejected", _("Rejected by the head")


class DestructionAct(models.Model):
    """A proposed list of records to destroy; nothing is destroyed until the head approves it."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=ActStatus.choices, default=ActStatus.PROPOSED)
    proposed_on = models.DateField(_("as of"), help_text=_("The date the periods were counted to."))
    created_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    trigger = models.CharField(_("started by"), max_length=16)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(_("reason"), blank=True)
    executed_at = models.DateTimeField(_("carried out"), null=True, blank=True)
    pdf = models.FileField(upload_to="retention/", blank=True, max_length=255)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("destruction act")
        verbose_name_plural = _("destruction acts")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class ActTransition(TransitionRecord):
    """History of an act: who, when, from, to, why."""

    link = "act"
    act = models.ForeignKey(DestructionAct, on_delete=models.CASCADE, related_name="history")
    from_status, to_status = status_fields(ActStatus)
    # None: the system (the nightly proposal).
    by = done_by(null=True)


class ItemOutcome(models.TextChoices):
    PENDING = "pending", _("To be destroyed")
    DESTROYED = "destroyed", _("Destroyed")
    REFUSED = "refused", _("Not destroyed: still within its period")


class ActItem(models.Model):
    """One record an act covers. ``label`` is what the act says of it, captured when proposed."""

    act = models.ForeignKey(DestructionAct, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("record"), max_length=32, choices=RecordKind.choices)
    object_id = models.PositiveBigIntegerField()
    label = models.CharField(_("what it is"), max_length=300)
    kept_until = models.DateField(_("kept until"), null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=ItemOutcome.choices, default=ItemOutcome.PENDING)
    done_at = models.DateTimeField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["kind", "object_id"]
        constraints = [models.UniqueConstraint(fields=["act", "kind", "object_id"], name="one_item_per_record_in_act")]
        indexes = [models.Index(fields=["kind", "object_id"], name="act_item_record_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id}"


class WithdrawalVia(models.TextChoices):
    PROFILE = "profile", _("From the candidate's profile")
    STAFF = "staff", _("On paper, registered by staff")


class ConsentWithdrawal(models.Model):
    """A candidate withdrew consent to personal-data processing (152-FZ art. 9 p.2, art. 21 p.5)."""

    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="consent_withdrawals",
        verbose_name=_("candidate"),
    )
    received_at = models.DateTimeField(_("received"))
    due_on = models.DateField(_("destroy by"))
    via = models.CharField(_("how received"), max_length=16, choices=WithdrawalVia.choices)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)
    completed_at = models.DateTimeField(_("carried out"), null=True, blank=True)
    # What the candidate was told stays, and why: [{"what", "until", "why"}], as shown on filing.
    kept = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("withdrawal of consent")
        verbose_name_plural = _("withdrawals of consent")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate"], condition=Q(completed_at__isnull=True), name="one_open_consent_withdrawal"
            )
        ]

    def __str__(self) -> str:
        return f"{self.candidate_id}: {self.received_at:%Y-%m-%d}"
