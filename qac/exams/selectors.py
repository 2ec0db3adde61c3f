"""Read-side queries for exams; the one place that decides who sees which session, sheet or test."""

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, ExpressionWrapper, F, IntegerField, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from candidates.models import Application, ApplicationStatus
from qac.accounts.roles import Role, has_role, is_qac_staff
from standards.models import ExamSpecification, PracticalCriterion, PracticalTask
from standards.selectors import center_get

from .models import (
    Answer,
    Choice,
    CommissionMember,
    Enrolment,
    EnrolmentStatus,
    ExamResult,
    ExamSession,
    PracticalScore,
    Question,
    SessionStatus,
    TheoryAttempt,
)


def session_list(*, status: str = "", todo: str = "") -> QuerySet[ExamSession]:
    qs = ExamSession.objects.select_related("qualification").annotate(
        enrolled=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED))
    )
    if status:
        qs = qs.filter(status=status)
    if todo:
        qs = qs.filter(session_todo(todo=todo))
    return qs.order_by("-starts_at", "-id")


def sessions_public_upcoming(*, now=None) -> QuerySet[ExamSession]:
    """The public schedule: planned or open sessions not yet started that still have a free place.

    Each row carries ``free_places``. One query; nothing about the candidates is exposed.
    """
    now = now or timezone.now()
    return (
        ExamSession.objects.filter(status__in=[SessionStatus.PLANNED, SessionStatus.OPEN], starts_at__gt=now)
        .select_related("qualification")
        .annotate(enrolled=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED)))
        .annotate(free_places=ExpressionWrapper(F("capacity") - F("enrolled"), output_field=IntegerField()))
        .filter(free_places__gt=0)
        .order_by("starts_at", "id")
    )


def _session_detail(qs):
    return qs.select_related("qualification__exam_spec", "created_by", "approved_by").prefetch_related(
        Prefetch("commission", queryset=CommissionMember.objects.select_related("expert")),
        Prefetch(
            "enrolments",
            queryset=Enrolment.objects.filter(status=EnrolmentStatus.ENROLLED).select_related(
                "application__candidate", "application__identity", "result", "theory_attempt"
            ),
            to_attr="live_enrolments",
        ),
        "events__by",
    )


def session_get_for_staff(*, user, pk: int, detail: bool = True) -> ExamSession:
    """The one access funnel to a session for staff pages of every app; 404 for everyone else.

    ``detail`` loads the commission, enrolments and history the session's own page shows;
    pages of other apps (documents, the Council) need the session row and its qualification only.
    """
    if not is_qac_staff(user):
        raise Http404
    qs = ExamSession.objects.filter(pk=pk)
    qs = _session_detail(qs) if detail else qs.select_related("qualification")
    session = qs.first()
    if session is None:
        raise Http404
    return session


def sessions_for_expert(*, user) -> QuerySet[ExamSession]:
    return (
        ExamSession.objects.filter(commission__expert=user)
        .select_related("qualification")
        .annotate(enrolled=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED), distinct=True))
        .order_by("-starts_at")
    )


def session_get_for_expert(*, user, pk: int) -> ExamSession:
    """A session whose commission the expert sits on; 404 for any other."""
    if not has_role(user, Role.EXPERT):
        raise Http404
    session = _session_detail(ExamSession.objects.filter(pk=pk, commission__expert=user)).first()
    if session is None:
        raise Http404
    return session


def session_get_for_staff_or_commission(*, user, pk: int) -> ExamSession:
    """A session for the center's staff or a member of its commission (its protocol); 404 for anyone else."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    if is_qac_staff(user):
        return session_get_for_staff(user=user, pk=pk)
    return session_get_for_expert(user=user, pk=pk)


def enrolment_get_for_expert(*, user, pk: int) -> Enrolment:
    if not has_role(user, Role.EXPERT):
        raise Http404
    enrolment = (
        Enrolment.objects.filter(pk=pk, session__commission__expert=user, status=EnrolmentStatus.ENROLLED)
        .select_related("session__qualification__exam_spec", "application__candidate")
        .first()
    )
    if enrolment is None:
        raise Http404
    return enrolment


def scoring_sheet(*, enrolment: Enrolment, expert) -> list[tuple[PracticalTask, list[tuple]]]:
    """The practical tasks with each criterion and this expert's own score (never the other experts')."""
    spec = enrolment.session.qualification.exam_spec
    mine = {s.criterion_id: s for s in PracticalScore.objects.filter(enrolment=enrolment, expert=expert)}
    return [
        (task, [(c, mine.get(c.pk)) for c in task.criteria.all()]) for task in spec.tasks.prefetch_related("criteria")
    ]


def enrolments_for_candidate(*, user) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(application__candidate=user)
        .select_related("session__qualification", "application", "result", "theory_attempt")
        .order_by("-session__starts_at")
    )


def enrolment_get_for_staff(*, user, pk: int) -> Enrolment:
    """An enrolment, for the center's staff only; 404 for anyone else or no such enrolment."""
    if not is_qac_staff(user):
        raise Http404
    enrolment = (
        Enrolment.objects.select_related("session__qualification__exam_spec", "application__candidate")
        .filter(pk=pk)
        .first()
    )
    if enrolment is None:
        raise Http404
    return enrolment


def result_get_for_expert(*, user, pk: int) -> ExamResult:
    """A result, for a member of its session's commission (``session_get_for_expert`` decides); 404 otherwise."""
    result = ExamResult.objects.select_related("enrolment__session").filter(pk=pk).first()
    if result is None:
        raise Http404
    session_get_for_expert(user=user, pk=result.enrolment.session_id)
    return result


def enrolment_get_for_candidate(*, user, pk: int) -> Enrolment:
    if not has_role(user, Role.CANDIDATE):
        raise Http404
    enrolment = (
        Enrolment.objects.filter(pk=pk, application__candidate=user)
        .select_related("session__qualification__exam_spec", "application", "result")
        .first()
    )
    if enrolment is None:
        raise Http404
    return enrolment


def attempt_get_for_candidate(*, user, pk: int, light: bool = False) -> TheoryAttempt:
    """The candidate's own attempt in one query; 404 for anyone else's.

    ``light`` (the autosave path) skips the session and specification, which
    saving an answer does not need.
    """
    qs = TheoryAttempt.objects.filter(pk=pk, enrolment__application__candidate_id=user.pk)
    if not light:
        qs = qs.select_related("enrolment__session__qualification__exam_spec")
    attempt = qs.first()
    if attempt is None:
        raise Http404
    return attempt


def attempt_questions(*, attempt: TheoryAttempt) -> list[Question]:
    """The variant's questions in the drawn order, with choices and the candidate's saved answers."""
    questions = {
        q.pk: q
        for q in Question.objects.filter(pk__in=attempt.question_ids).prefetch_related(
            Prefetch("choices", queryset=Choice.objects.order_by("position", "id"))
        )
    }
    saved = {a.question_id: set(a.choice_ids) for a in Answer.objects.filter(attempt=attempt)}
    ordered = []
    for qid in attempt.question_ids:
        q = questions[qid]
        q.saved = saved.get(qid, set())
        ordered.append(q)
    return ordered


# A question's options and kind cannot change once it is in a test under way or answered (the bank
# refuses such edits, bank._refuse_changes_to_questions_in_use), so each process keeps those it has
# read for an autosave. Saving or deleting any question or option empties it (ExamsConfig.ready).
_CHOICES: dict[int, tuple[str, list[int]]] = {}
_CHOICES_MAX = 20_000


def choices_by_question(*, attempt: TheoryAttempt, question_id: int, chosen: list[int] | None = None) -> dict:
    """(kind, valid choice ids) for one question of the attempt; empty if not in the variant.
    One query the first time a process meets the question, none after (``QAC_THEORY_KEEP_CHOICES``);
    read again when ``chosen`` holds an id the kept options do not."""
    if question_id not in attempt.question_ids:
        return {}
    known = _CHOICES.get(question_id) if settings.QAC_THEORY_KEEP_CHOICES else None
    if known is None or (chosen and not set(chosen) <= set(known[1])):
        # order_by(): Choice's default ordering would join the question's own ordering fields.
        rows = list(Choice.objects.filter(question_id=question_id).order_by().values_list("pk", "question__kind"))
        if not rows:
            return {}
        known = (rows[0][1], [pk for pk, _kind in rows])
        if settings.QAC_THEORY_KEEP_CHOICES:
            if len(_CHOICES) >= _CHOICES_MAX:
                _CHOICES.clear()
            _CHOICES[question_id] = known
    return {question_id: known}


def forget_choices(**_kwargs) -> None:
    """Receiver: a question or option was saved or deleted, so what this process keeps may be stale."""
    _CHOICES.clear()


def enrollable_applications(*, session: ExamSession) -> QuerySet[Application]:
    return (
        Application.objects.filter(qualification_id=session.qualification_id, status=ApplicationStatus.ACCEPTED)
        .select_related("candidate")
        .order_by("decided_at", "id")
    )


def protocol_context(session: ExamSession) -> dict:
    session = _session_detail(ExamSession.objects.filter(pk=session.pk)).get()
    return {
        "session": session,
        "center": center_get(),
        "commission": list(session.commission.all()),
        "enrolments": sorted(session.live_enrolments, key=lambda e: e.application.applicant.get_full_name()),
    }


def theory_monitor(*, session: ExamSession, now=None) -> list[dict]:
    """Who is in the theory test right now, for the staff's live page: one query whatever the number of candidates.

    Each row: the candidate, presence and ID check, extra time, the test's state (not started, in the test,
    submitted), started and deadline times, answers given of the variant's questions, and seconds left.
    """
    now = now or timezone.now()
    enrolments = (
        Enrolment.objects.filter(session=session, status=EnrolmentStatus.ENROLLED)
        .select_related("application__candidate", "theory_attempt")
        .annotate(answered=Count("theory_attempt__answers"))
        .order_by("application__candidate__last_name", "application__candidate__first_name", "id")
    )
    rows = []
    for e in enrolments:
        attempt = getattr(e, "theory_attempt", None)
        if attempt is None:
            state, seconds_left = "not_started", None
        elif attempt.submitted_at is not None:
            state, seconds_left = "submitted", 0
        elif attempt.deadline_at <= now:
            # Past the deadline, not yet swept by the beat job: it is over for the candidate.
            state, seconds_left = "time_up", 0
        else:
            state, seconds_left = "in_test", int((attempt.deadline_at - now).total_seconds())
        rows.append(
            {
                "enrolment": e.pk,
                "name": e.application.candidate.get_full_name(),
                "number": e.application.number,
                "present": e.present,
                "admitted": e.admitted,
                "extra_time_percent": e.extra_time_percent,
                "state": state,
                # Datetimes: the page formats them in local time, JsonResponse as ISO 8601.
                "started_at": attempt.started_at if attempt else None,
                "deadline_at": attempt.deadline_at if attempt else None,
                "submitted_at": attempt.submitted_at if attempt else None,
                "answered": e.answered if attempt else 0,
                "total": len(attempt.question_ids) if attempt else 0,
                "seconds_left": seconds_left,
            }
        )
    return rows


def is_chair(session: ExamSession, user) -> bool:
    return CommissionMember.objects.filter(session=session, expert=user, is_chair=True).exists()


def is_commission_member(session: ExamSession, user) -> bool:
    return CommissionMember.objects.filter(session=session, expert=user).exists()


def score_percent(part, whole) -> int:
    if not whole:
        return 0
    return int((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def practical_evaluate(*, enrolment: Enrolment) -> dict:
    """Combine the experts' independent scores by the qualification's rule.

    Returns the mean percent, each expert's percent and verdict, whether the
    experts disagree, the combined verdict (None until every expert scored
    every criterion), and the criteria whose mean fell below the threshold.
    """
    return practical_evaluate_many(session=enrolment.session, enrolments=[enrolment])[enrolment.pk]


def practical_evaluate_many(*, session: ExamSession, enrolments) -> dict[int, dict]:
    """``practical_evaluate`` for many enrolments of one session in a fixed number of queries."""
    spec = session.qualification.exam_spec
    criteria = list(PracticalCriterion.objects.filter(task__spec=spec).select_related("task"))
    experts = list(CommissionMember.objects.filter(session=session).values_list("expert_id", flat=True))
    scores: dict[int, dict] = defaultdict(lambda: defaultdict(dict))
    for s in PracticalScore.objects.filter(enrolment__in=[e.pk for e in enrolments]).only(
        "enrolment_id", "expert_id", "criterion_id", "score"
    ):
        scores[s.enrolment_id][s.expert_id][s.criterion_id] = s.score
    return {e.pk: _evaluate(spec, criteria, experts, scores[e.pk]) for e in enrolments}


def _evaluate(spec, criteria, experts, scores) -> dict:
    maximum = sum(c.max_score for c in criteria)
    per_expert = {}
    for expert_id in experts:
        mine = scores.get(expert_id, {})
        complete = len(mine) == len(criteria)
        percent = score_percent(sum(mine.values()), maximum) if complete else None
        per_expert[expert_id] = {
            "percent": percent,
            "passed": None if percent is None else percent >= spec.practical_pass_percent,
            "complete": complete,
        }
    complete = all(v["complete"] for v in per_expert.values()) and bool(criteria)
    verdict = None
    mean = None
    if complete:
        verdicts = [v["passed"] for v in per_expert.values()]
        mean = score_percent(sum(v["percent"] for v in per_expert.values()), 100 * len(per_expert))
        rule = spec.practical_pass_rule
        if rule == ExamSpecification.PracticalPassRule.ALL:
            verdict = all(verdicts)
        elif rule == ExamSpecification.PracticalPassRule.MAJORITY:
            verdict = sum(verdicts) * 2 > len(verdicts)
        else:
            verdict = mean >= spec.practical_pass_percent
    failed_criteria = []
    for c in criteria:
        given = [scores[e][c.pk] for e in experts if c.pk in scores.get(e, {})]
        if given and score_percent(sum(given), c.max_score * len(given)) < spec.practical_pass_percent:
            failed_criteria.append({"id": c.pk, "task": c.task.title, "criterion": c.text})
    verdict_set = {v["passed"] for v in per_expert.values() if v["passed"] is not None}
    return {
        "percent": mean,
        "passed": verdict,
        "complete": complete,
        "per_expert": per_expert,
        "disagreement": len(verdict_set) > 1,
        "failed_criteria": failed_criteria,
    }


# --- The session list's to-do filters (the board's items in homes.py count the same) ---------------

# The session list's "todo" filters, each exactly the sessions its board item counts.
SESSION_TODO = ("open", "close")


def session_todo_condition(todo: str, *, today: datetime.date, now: datetime.datetime) -> Q:
    if todo == "open":
        # Planned sessions starting within the warning window (or already due to start): open them
        # for enrolment and check the commission before the day.
        horizon = timezone.make_aware(
            datetime.datetime.combine(
                today + datetime.timedelta(days=settings.QAC_DEADLINE_WARN_DAYS + 1), datetime.time()
            )
        )
        return Q(status=SessionStatus.PLANNED, starts_at__lt=horizon)
    # "close": sessions whose time is over but not finished, and finished ones whose results the chair
    # has not approved yet; the Council's 7 days run from the exam day all the same.
    return Q(status__in=[SessionStatus.OPEN, SessionStatus.IN_PROGRESS], ends_at__lt=now) | Q(
        status=SessionStatus.COMPLETED
    )


def session_todo(*, todo: str, today: datetime.date | None = None) -> Q:
    """The condition of a session-list "todo" filter; every session for an unknown one."""
    if todo not in SESSION_TODO:
        return Q()
    return session_todo_condition(todo, today=today or timezone.localdate(), now=timezone.now())
