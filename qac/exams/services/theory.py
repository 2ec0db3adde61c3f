"""The theory test: the variant drawn, started, answered, submitted and scored; a score taken on paper."""

from __future__ import annotations

import datetime
import ipaddress
import random
import secrets
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qac.accounts.roles import is_qac_staff
from standards.models import ExamSpecification

from ..models import Answer, Enrolment, EnrolmentStatus, ExamResult, ExamSession, Question, TheoryAttempt
from ..selectors import score_percent
from .base import SS, AttemptClosed, ExamError, _event


def theory_time_limit(spec: ExamSpecification, extra_percent: int = 0) -> datetime.timedelta:
    """The theory test's time limit with a candidate's extra time."""
    return datetime.timedelta(seconds=spec.theory_time_limit_minutes * 60 * (100 + extra_percent) / 100)


def theory_network_allowed(*, address: str) -> bool:
    """Whether the test may be taken from this client address (``QAC_THEORY_NETWORKS``; empty means anywhere)."""
    networks = settings.QAC_THEORY_NETWORKS
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in networks)


def draw_variant(*, spec: ExamSpecification, seed: int) -> list[int]:
    """Pick the variant's questions from the active bank, spread evenly over the topics.

    Deterministic for a seed and a bank: the same seed gives the same
    variant, so a variant can be reproduced later from the stored seed.
    """
    questions = list(
        Question.objects.filter(qualification_id=spec.qualification_id, is_active=True)
        .order_by("pk")
        .values_list("pk", "topic")
    )
    count = spec.theory_question_count
    if len(questions) < count:
        raise ExamError(
            _("The question bank has %(have)s active questions; the specification asks for %(need)s.")
            % {"have": len(questions), "need": count}
        )
    rng = random.Random(seed)  # noqa: S311 (reproducible draw, not a secret)
    by_topic: dict[str, list[int]] = defaultdict(list)
    for pk, topic in questions:
        by_topic[topic].append(pk)
    topics = sorted(by_topic)
    for topic in topics:
        rng.shuffle(by_topic[topic])
    rng.shuffle(topics)
    chosen: list[int] = []
    while len(chosen) < count:
        for topic in topics:
            if by_topic[topic] and len(chosen) < count:
                chosen.append(by_topic[topic].pop())
    rng.shuffle(chosen)
    return chosen


def theory_start_refusal(enrolment: Enrolment) -> str | None:
    """Why ``enrolment``'s candidate may not start the theory test now, or ``None`` when they may.

    ``theory_start`` refuses by it, and the exam page shows the button by it (``allowed_theory_actions``).
    """
    if enrolment.session.status != SS.IN_PROGRESS:
        return _("The theory test opens when the staff start the session.")
    if enrolment.status != EnrolmentStatus.ENROLLED or enrolment.present is False:
        return _("You are not admitted to this session's test.")
    if not enrolment.admitted:
        # Decree 1204 p.10: admission on an identity document, checked at the venue.
        return _(
            "The test opens once the staff at the venue have checked your identity document and marked you present."
        )
    if hasattr(enrolment, "result") and enrolment.result.theory_on_paper:
        return _("Your theory stage is recorded on paper.")
    return None


def allowed_theory_actions(enrolment: Enrolment, attempt: TheoryAttempt | None, *, now: datetime.datetime) -> set[str]:
    """The theory test's buttons on the candidate's exam page: start, continue, or submit once its time is over.

    The services decide again on submit; a test started is continued (``theory_start`` resumes it).
    """
    if attempt is None:
        return set() if theory_start_refusal(enrolment) else {"start"}
    if attempt.submitted_at is not None:
        return set()
    return {"submit_expired"} if attempt.deadline_at <= now else {"continue"}


def theory_start(*, enrolment: Enrolment, by) -> TheoryAttempt:
    """Start (or resume) the candidate's theory test; the deadline is fixed on the server at the start."""
    if enrolment.application.candidate_id != by.pk:
        raise ExamError(_("Only the candidate starts their own test."))
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().select_related("session__qualification").get(pk=enrolment.pk)
        existing = TheoryAttempt.objects.filter(enrolment=enrolment).first()
        if existing:
            return existing
        refusal = theory_start_refusal(enrolment)
        if refusal:
            raise ExamError(refusal)
        spec = enrolment.session.qualification.exam_spec
        seed = secrets.randbits(62)
        now = timezone.now()
        return TheoryAttempt.objects.create(
            enrolment=enrolment,
            seed=seed,
            question_ids=draw_variant(spec=spec, seed=seed),
            started_at=now,
            deadline_at=now + theory_time_limit(spec, enrolment.extra_time_percent),
        )


def theory_save_answer(*, attempt: TheoryAttempt, question_id: int, choice_ids: list[int], choices_by_question: dict):
    """Save one answer as the candidate gives it. ``choices_by_question`` maps question id -> (kind, valid ids).

    Refuses answers after the deadline or submission, to questions outside
    the variant, and choices that are not the question's own.
    """
    now = timezone.now()
    if attempt.submitted_at is not None:
        raise AttemptClosed(_("The test is already submitted."))
    if now >= attempt.deadline_at:
        raise AttemptClosed(_("The time is up: the test has been submitted."))
    if question_id not in attempt.question_ids:
        raise ExamError(_("This question is not in your variant."))
    kind, valid = choices_by_question[question_id]
    chosen = sorted(set(choice_ids))
    if not set(chosen) <= set(valid):
        raise ExamError(_("These answers do not belong to the question."))
    if kind == "single" and len(chosen) > 1:
        raise ExamError(_("This question takes one answer."))
    Answer.objects.bulk_create(
        [Answer(attempt=attempt, question_id=question_id, choice_ids=chosen, answered_at=now)],
        update_conflicts=True,
        unique_fields=["attempt", "question"],
        update_fields=["choice_ids", "answered_at"],
    )
    return chosen


def theory_submit(*, attempt: TheoryAttempt, auto: bool = False) -> TheoryAttempt:
    """Score the attempt against the bank's correct answers; a second call changes nothing."""
    with transaction.atomic():
        attempt = TheoryAttempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.submitted_at is not None:
            return attempt
        questions = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids).prefetch_related("choices")}
        answers = {a.question_id: set(a.choice_ids) for a in Answer.objects.filter(attempt=attempt)}
        score = max_score = 0
        per_topic: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for qid in attempt.question_ids:
            q = questions[qid]
            correct = {c.pk for c in q.choices.all() if c.is_correct}
            max_score += q.weight
            per_topic[q.topic][1] += q.weight
            if answers.get(qid) == correct:
                score += q.weight
                per_topic[q.topic][0] += q.weight
        now = timezone.now()
        attempt.submitted_at = min(now, attempt.deadline_at) if auto else now
        attempt.auto_submitted = auto
        attempt.score, attempt.max_score = score, max_score
        attempt.save(update_fields=["submitted_at", "auto_submitted", "score", "max_score"])
        spec = attempt.enrolment.session.qualification.exam_spec
        percent = score_percent(score, max_score)
        result, _created = ExamResult.objects.get_or_create(enrolment=attempt.enrolment)
        if result.theory_on_paper:
            return attempt
        result.theory_percent = percent
        result.theory_passed = percent >= spec.theory_pass_percent
        result.failed_topics = sorted(
            topic for topic, (got, total) in per_topic.items() if score_percent(got, total) < spec.theory_pass_percent
        )
        result.save()
    return attempt


def finalize_expired_attempts(*, now=None) -> int:
    """Submit every attempt whose time ran out (the beat job and page loads call this)."""
    now = now or timezone.now()
    done = 0
    for attempt in TheoryAttempt.objects.filter(submitted_at__isnull=True, deadline_at__lte=now).select_related(
        "enrolment__session__qualification__exam_spec"
    ):
        theory_submit(attempt=attempt, auto=True)
        done += 1
    return done


def theory_record_paper(*, enrolment: Enrolment, by, percent: int, reason: str) -> ExamResult:
    """Staff record a theory score taken on paper (e.g. the online test could not run), with the reason."""
    if not is_qac_staff(by):
        raise ExamError(_("Only the center's staff record a paper score."))
    reason = (reason or "").strip()
    if not reason:
        raise ExamError(_("Say why the theory score is recorded on paper."))
    if not 0 <= percent <= 100:
        raise ExamError(_("A score is a percentage from 0 to 100."))
    with transaction.atomic():
        session = ExamSession.objects.select_for_update().get(pk=enrolment.session_id)
        if session.status not in (SS.IN_PROGRESS, SS.COMPLETED):
            raise ExamError(_("Scores are recorded while the session runs or before its results are approved."))
        if TheoryAttempt.objects.filter(enrolment=enrolment).exists():
            # An unsubmitted attempt would be scored later and overwrite the paper score.
            raise ExamError(_("The candidate has started the online test; its result stands."))
        spec = session.qualification.exam_spec
        result, _created = ExamResult.objects.get_or_create(enrolment=enrolment)
        result.theory_on_paper = True
        result.theory_paper_reason = reason
        result.theory_percent = percent
        result.theory_passed = percent >= spec.theory_pass_percent
        result.save()
        _event(
            session,
            by,
            note=_("Paper theory score for %(name)s: %(p)s%%. %(reason)s")
            % {"name": enrolment.application.candidate.get_full_name(), "p": percent, "reason": reason},
        )
    return result
