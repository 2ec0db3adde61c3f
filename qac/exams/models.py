"""Exam sessions, their commissions and candidates, the question bank, the theory
attempts, the practical scores and the results.

State changes go through ``qac/exams/services/``; these models hold data and
constraints.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.models import Application, IdDocumentType
from qac.statemachine import TransitionRecord, done_by, status_fields
from standards.models import PracticalCriterion, Qualification


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    RESULTS_APPROVED = "results_approved", _("Results approved")
    CANCELLED = "cancelled", _("Cancelled")


class ExamSession(models.Model):
    qualification = models.ForeignKey(
        Qualification, on_delete=models.PROTECT, related_name="exam_sessions", verbose_name=_("qualification")
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    venue_address = models.CharField(_("address"), max_length=255)
    venue_room = models.CharField(_("room"), max_length=100, blank=True)
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    status = models.CharField(_("status"), max_length=20, choices=SessionStatus.choices, default=SessionStatus.PLANNED)
    version = models.PositiveIntegerField(default=1, editable=False, verbose_name=_("version"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    approved_at = models.DateTimeField(_("results approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("results approved by"),
    )
    protocol = models.FileField(_("commission protocol"), upload_to="protocols/", blank=True, max_length=255)
    protocol_sha256 = models.CharField(max_length=64, blank=True, verbose_name=_("protocol checksum (SHA-256)"))
    protocol_error = models.TextField(blank=True, verbose_name=_("protocol error"))

    class Meta:
        verbose_name = _("exam session")
        verbose_name_plural = _("exam sessions")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_capacity_positive"),
        ]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="session_time_idx")]

    def __str__(self) -> str:
        return f"{self.qualification.code} {timezone.localtime(self.starts_at):%d.%m.%Y %H:%M}"


class CommissionMember(models.Model):
    session = models.ForeignKey(
        ExamSession, on_delete=models.CASCADE, related_name="commission", verbose_name=_("exam session")
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="commission_seats", verbose_name=_("expert")
    )
    is_chair = models.BooleanField(_("chair"), default=False)

    class Meta:
        verbose_name = _("commission member")
        verbose_name_plural = _("expert commission")
        ordering = ["-is_chair", "expert__last_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "expert"], name="one_seat_per_expert"),
            models.UniqueConstraint(fields=["session"], condition=Q(is_chair=True), name="one_chair_per_session"),
        ]

    def __str__(self) -> str:
        return str(self.expert)


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    CANCELLED = "cancelled", _("Cancelled")


class Enrolment(models.Model):
    session = models.ForeignKey(
        ExamSession, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("exam session")
    )
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("application")
    )
    status = models.CharField(
        max_length=16, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ENROLLED, verbose_name=_("status")
    )
    present = models.BooleanField(_("present"), null=True, blank=True)
    enrolled_at = models.DateTimeField(auto_now_add=True, verbose_name=_("enrolled"))
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("enrolled by")
    )
    # Admission on an identity document (Decree 1204 p.10). The document's full details are already in the
    # application's frozen identity; the check records only which kind of document was shown and the last
    # characters of its number, enough to tell later which document it was without copying it again (152-FZ).
    id_document_type = models.CharField(
        _("identity document checked"), max_length=32, choices=IdDocumentType.choices, blank=True
    )
    id_document_tail = models.CharField(_("last characters of its number"), max_length=4, blank=True)
    id_checked_at = models.DateTimeField(_("identity checked"), null=True, blank=True)
    id_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("identity checked by"),
    )
    # An accessibility adjustment of the theory test's time limit. The reason may speak of health, a special
    # category of personal data: staff pages show it, the protocol only the percentage.
    extra_time_percent = models.PositiveSmallIntegerField(
        _("extra time on the theory test, %"), default=0, validators=[MaxValueValidator(100)]
    )
    extra_time_reason = models.TextField(_("reason for the extra time"), blank=True)
    # A new exam under the same application replaces this one (the Council did not recognise the result, or an
    # appeal was satisfied): the record stays with its session, and the application may be enrolled again.
    superseded = models.BooleanField(_("replaced by a new exam"), default=False)
    extra_time_at = models.DateTimeField(null=True, blank=True, verbose_name=_("extra time granted"))
    extra_time_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("extra time granted by"),
    )

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["application__candidate__last_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status="enrolled", superseded=False),
                name="one_live_enrolment_per_application",
            ),
            models.CheckConstraint(condition=Q(extra_time_percent__lte=100), name="enrolment_extra_time_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.application} @ {self.session_id}"

    @property
    def admitted(self) -> bool:
        """Marked present with the identity document checked: the theory test may open."""
        return self.present is True and self.id_checked_at is not None


# --- Question bank ------------------------------------------------------------------------


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")


class Question(models.Model):
    qualification = models.ForeignKey(
        Qualification, on_delete=models.PROTECT, related_name="questions", verbose_name=_("qualification")
    )
    external_id = models.CharField(
        _("code"), max_length=64, help_text=_("The question's code in the bank; import matches questions by it.")
    )
    topic = models.CharField(_("topic"), max_length=255)
    text = models.TextField(_("question"))
    kind = models.CharField(_("type"), max_length=16, choices=QuestionKind.choices, default=QuestionKind.SINGLE)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    is_active = models.BooleanField(_("in use"), default=True)
    is_demo = models.BooleanField(_("demo"), default=False)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("question bank")
        ordering = ["qualification", "topic", "external_id"]
        constraints = [
            models.UniqueConstraint(fields=["qualification", "external_id"], name="question_code_unique_per_bank"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="question_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.external_id}: {self.text[:60]}"


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices", verbose_name=_("question"))
    text = models.CharField(_("answer"), max_length=1000)
    is_correct = models.BooleanField(_("correct"), default=False)
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))

    class Meta:
        verbose_name = _("answer option")
        verbose_name_plural = _("answer options")
        ordering = ["question", "position", "id"]

    def __str__(self) -> str:
        return self.text


# --- Theory stage ---------------------------------------------------------------------------


class TheoryAttempt(models.Model):
    """One candidate's online theory test: the variant is drawn from ``seed`` and frozen in ``question_ids``."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="theory_attempt", verbose_name=_("enrolment")
    )
    seed = models.BigIntegerField(verbose_name=_("random seed of the variant"))
    question_ids = models.JSONField(default=list, verbose_name=_("questions of the variant"))
    started_at = models.DateTimeField(verbose_name=_("started"))
    deadline_at = models.DateTimeField(db_index=True, verbose_name=_("deadline"))
    submitted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("submitted"))
    auto_submitted = models.BooleanField(default=False, verbose_name=_("submitted automatically"))
    score = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("score"))
    max_score = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("maximum score"))

    class Meta:
        verbose_name = _("theory attempt")
        verbose_name_plural = _("theory attempts")

    def __str__(self) -> str:
        return f"attempt {self.pk} ({self.enrolment})"


class Answer(models.Model):
    attempt = models.ForeignKey(
        TheoryAttempt, on_delete=models.CASCADE, related_name="answers", verbose_name=_("theory attempt")
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+", verbose_name=_("question"))
    choice_ids = models.JSONField(default=list, verbose_name=_("answers chosen"))
    answered_at = models.DateTimeField(auto_now=True, verbose_name=_("answered"))

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["attempt", "question"], name="one_answer_per_question")]

    def __str__(self) -> str:
        return f"{self.attempt_id}/{self.question_id}: {self.choice_ids}"


# --- Practical stage and results ----------------------------------------------------------


class PracticalScore(models.Model):
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="practical_scores", verbose_name=_("enrolment")
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("expert")
    )
    criterion = models.ForeignKey(
        PracticalCriterion, on_delete=models.PROTECT, related_name="+", verbose_name=_("criterion")
    )
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.CharField(_("comment"), max_length=1000, blank=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    class Meta:
        verbose_name = _("practical score")
        verbose_name_plural = _("practical scores")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "expert", "criterion"], name="one_score_per_expert_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.expert_id}/{self.criterion_id}: {self.score}"


class Decision(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    ABSENT = "absent", _("Absent")
    REMOVED = "removed", _("Removed (rules broken)")


class ExamResult(models.Model):
    """The outcome for one enrolment; locked once the chair approves the session."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="result", verbose_name=_("enrolment")
    )
    theory_percent = models.PositiveSmallIntegerField(_("theory, %"), null=True, blank=True)
    theory_passed = models.BooleanField(_("theory passed"), null=True)
    theory_on_paper = models.BooleanField(_("theory on paper"), default=False)
    theory_paper_reason = models.TextField(_("reason for the paper score"), blank=True)
    # Set when the specification requires a passed theory stage and it was failed: no practical stage, decision failed.
    practical_not_admitted = models.BooleanField(_("not admitted to the practical stage"), default=False)
    practical_percent = models.PositiveSmallIntegerField(_("practice, %"), null=True, blank=True)
    practical_passed = models.BooleanField(_("practice passed"), null=True)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True)
    incident_note = models.TextField(_("incident"), blank=True)
    # What the conclusion for a failed candidate names: the criteria and topics below the bar.
    failed_criteria = models.JSONField(default=list, blank=True, verbose_name=_("criteria below the bar"))
    failed_topics = models.JSONField(default=list, blank=True, verbose_name=_("topics below the bar"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    class Meta:
        verbose_name = _("exam result")
        verbose_name_plural = _("exam results")

    def __str__(self) -> str:
        return f"{self.enrolment}: {self.decision or '-'}"


class ResultCorrection(models.Model):
    """A change to an approved result: who, when, why, and the values before and after."""

    result = models.ForeignKey(
        ExamResult, on_delete=models.PROTECT, related_name="corrections", verbose_name=_("exam result")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by whom")
    )
    at = models.DateTimeField(auto_now_add=True, verbose_name=_("when"))
    reason = models.TextField(_("reason"))
    before = models.JSONField(verbose_name=_("before"))
    after = models.JSONField(verbose_name=_("after"))

    class Meta:
        verbose_name = _("result correction")
        verbose_name_plural = _("result corrections")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.result_id} corrected by {self.by_id}"


class SessionEvent(TransitionRecord):
    """History of a session: status changes, enrolments, moves, approvals."""

    link = "session"
    session = models.ForeignKey(
        ExamSession, on_delete=models.CASCADE, related_name="events", verbose_name=_("exam session")
    )
    from_status, to_status = status_fields(SessionStatus, max_length=20, to_blank=True)

    class Meta(TransitionRecord.Meta):
        verbose_name = _("session history entry")
        verbose_name_plural = _("session history")


# --- Agreeing the exam date (Decree 1204 p.8-9) ------------------------------------------------


class DateOfferStatus(models.TextChoices):
    OFFERED = "offered", _("Waiting for the candidate's answer")
    CONFIRMED = "confirmed", _("Date confirmed")
    DECLINED = "declined", _("Another date asked for")
    WITHDRAWN = "withdrawn", _("Withdrawn by the center")
    EXPIRED = "expired", _("Expired")


class DateOffer(models.Model):
    """Exam sessions offered to an accepted candidate; they confirm one or ask for another date.

    Moves only through ``qac/exams/offers.py``; every move writes a ``DateOfferEvent``.
    """

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="date_offers", verbose_name=_("application")
    )
    sessions = models.ManyToManyField(ExamSession, related_name="date_offers", verbose_name=_("sessions offered"))
    status = models.CharField(
        _("status"), max_length=16, choices=DateOfferStatus.choices, default=DateOfferStatus.OFFERED
    )
    version = models.PositiveIntegerField(default=1, editable=False, verbose_name=_("version"))
    message = models.TextField(_("message to the candidate"), blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("offered by")
    )
    made_at = models.DateTimeField(_("offered"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    session = models.ForeignKey(
        ExamSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("session confirmed"),
    )
    notified_at = models.DateTimeField(_("candidate notified"), null=True, blank=True)

    class Meta:
        verbose_name = _("offer of exam dates")
        verbose_name_plural = _("offers of exam dates")
        ordering = ["-made_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"], condition=Q(status="offered"), name="one_open_date_offer_per_application"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application}: {self.status}"


class DateOfferEvent(TransitionRecord):
    """One row per move of an offer: who, when, how (the site, a phone call, the system), from, to, and the note."""

    class Via(models.TextChoices):
        SITE = "site", _("on the site")
        PHONE = "phone", _("by phone")
        SYSTEM = "system", _("automatically")

    link = "offer"
    offer = models.ForeignKey(
        DateOffer, on_delete=models.CASCADE, related_name="events", verbose_name=_("offer of exam dates")
    )
    from_status, to_status = status_fields(DateOfferStatus)
    # None: the system (an offer that expired).
    by = done_by(null=True)
    via = models.CharField(max_length=8, choices=Via.choices, default=Via.SITE, verbose_name=_("how"))
    session = models.ForeignKey(
        ExamSession, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("exam session")
    )

    class Meta(TransitionRecord.Meta):
        verbose_name = _("offer history entry")
        verbose_name_plural = _("offer history")
