"""Every state change of exam sessions, enrolments, theory attempts, practical scores and results.

A session's life is an explicit state machine (``SESSION_TRANSITIONS``); each
move writes a ``SessionEvent``. Applications move through the candidates
app's services, never directly.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import random
import re
import secrets
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates import services as candidate_services
from candidates.models import Application, ApplicationStatus, CallTask, IdDocumentType
from qac.accounts.roles import Role, has_role, is_qac_staff
from qac.contracts.selectors import payment_block_reason
from qac.enqueue import enqueue
from qac.statemachine import Machine, move
from standards.models import ExamSpecification, PracticalCriterion

from .models import (
    Answer,
    CommissionMember,
    Decision,
    Enrolment,
    EnrolmentStatus,
    ExamResult,
    ExamSession,
    PracticalScore,
    Question,
    ResultCorrection,
    SessionEvent,
    SessionStatus,
    TheoryAttempt,
)
from .selectors import is_chair, is_commission_member, practical_evaluate, score_percent
from .signals import result_corrected, results_approved

SS = SessionStatus
MIN_COMMISSION = 3

SESSION_TRANSITIONS: dict[tuple[str, str], str] = {
    (SS.PLANNED, SS.OPEN): "staff",
    (SS.OPEN, SS.IN_PROGRESS): "staff",
    (SS.IN_PROGRESS, SS.COMPLETED): "staff",
    (SS.COMPLETED, SS.RESULTS_APPROVED): "chair",
    (SS.PLANNED, SS.CANCELLED): "staff",
    (SS.OPEN, SS.CANCELLED): "staff",
}
# The pages name each move of a session by its button.
SESSION_MOVES = {SS.OPEN: "open", SS.IN_PROGRESS: "start", SS.COMPLETED: "complete", SS.RESULTS_APPROVED: "approve"}
SESSION_MOVES[SS.CANCELLED] = "cancel"
# Work on a session's candidates, and the statuses that allow it: staff's ...
STAFF_SESSION_WORK = {
    "enrol": (SS.PLANNED, SS.OPEN),
    "reschedule": (SS.PLANNED, SS.OPEN),
    "unenrol": (SS.PLANNED, SS.OPEN),
    "extra_time": (SS.PLANNED, SS.OPEN, SS.IN_PROGRESS),
    "presence": (SS.OPEN, SS.IN_PROGRESS),
    "paper": (SS.IN_PROGRESS, SS.COMPLETED),
    "monitor": (SS.IN_PROGRESS,),
    "documents": (SS.RESULTS_APPROVED,),
}
# ... a commission member's, and the chair's own.
EXPERT_SESSION_WORK = {"score": (SS.IN_PROGRESS, SS.COMPLETED)}
CHAIR_SESSION_WORK = {"correct": (SS.RESULTS_APPROVED,)}
# Sessions whose candidates and experts are still booked.
LIVE_STATUSES = (SS.PLANNED, SS.OPEN, SS.IN_PROGRESS, SS.COMPLETED)


class ExamError(Exception):
    """A request the rules do not allow; the message is shown to the user as it is."""


class AttemptClosed(ExamError):
    """The theory attempt is submitted or past its deadline."""


# --- Sessions and commissions ------------------------------------------------------------------


def _check_commission(*, chair, experts, starts_at, ends_at, exclude_session=None) -> list:
    members = list(dict.fromkeys([chair, *experts]))
    if len(members) < MIN_COMMISSION:
        raise ExamError(
            _("An expert commission needs at least %(n)s experts, one of them the chair.") % {"n": MIN_COMMISSION}
        )
    not_experts = [str(u) for u in members if not has_role(u, Role.EXPERT)]
    if not_experts:
        raise ExamError(_("Not experts: %(names)s.") % {"names": ", ".join(not_experts)})
    # Lock the experts' rows so two sessions booked at the same moment cannot both take one expert.
    User = get_user_model()
    list(User.objects.select_for_update().filter(pk__in=[u.pk for u in members]).order_by("pk"))
    busy = CommissionMember.objects.filter(
        expert__in=members,
        session__status__in=LIVE_STATUSES,
        session__starts_at__lt=ends_at,
        session__ends_at__gt=starts_at,
    ).select_related("expert", "session")
    if exclude_session is not None:
        busy = busy.exclude(session=exclude_session)
    clash = busy.first()
    if clash:
        raise ExamError(
            _("%(expert)s is already on the commission of another session at that time (%(session)s).")
            % {"expert": clash.expert, "session": clash.session}
        )
    return members


def _event(session, by, *, from_status="", to_status="", note=""):
    SessionEvent.objects.create(session=session, by=by, from_status=from_status, to_status=to_status, note=note)


def check_tools_approved(spec: ExamSpecification) -> None:
    """Refuse assessment tools the Council has not approved (Decree 1204 p.11, Order 601n p.13)."""
    code = spec.qualification.code
    if spec.is_example:
        raise ExamError(
            _(
                "The exam specification of %(code)s is example data shipped with the system: record the Council's "
                "approved assessment tools (decision number and date) before planning a session for real candidates."
            )
            % {"code": code}
        )
    if not spec.is_approved:
        raise ExamError(
            _(
                "The Council's approval of the assessment tools of %(code)s is not recorded: enter the decision "
                "number and date in the exam specification before planning a session."
            )
            % {"code": code}
        )
    if not spec.bank_is_approved:
        raise ExamError(
            _(
                "The Council's approval of the question bank of %(code)s is not recorded: enter the decision "
                "number and date in the exam specification before planning a session."
            )
            % {"code": code}
        )


def session_create(
    *,
    by,
    qualification,
    starts_at,
    ends_at,
    venue_address,
    venue_room,
    capacity,
    chair,
    experts,
    allow_example: bool = False,
) -> ExamSession:
    """Plan a session with its commission.

    Real candidates sit only assessment tools the Council approved. ``allow_example`` lifts that
    rule for the demo data alone (``qac/demo/seed.py``), whose specifications are the shipped examples;
    no page, form or task passes it.
    """
    if not is_qac_staff(by):
        raise ExamError(_("Only the center's staff plan exam sessions."))
    if ends_at <= starts_at:
        raise ExamError(_("The session must end after it starts."))
    spec = ExamSpecification.objects.filter(qualification=qualification).select_related("qualification").first()
    if spec is None:
        raise ExamError(_("The qualification has no exam specification yet: add it before planning a session."))
    if not allow_example:
        check_tools_approved(spec)
    with transaction.atomic():
        members = _check_commission(chair=chair, experts=experts, starts_at=starts_at, ends_at=ends_at)
        session = ExamSession.objects.create(
            qualification=qualification,
            starts_at=starts_at,
            ends_at=ends_at,
            venue_address=venue_address,
            venue_room=venue_room,
            capacity=capacity,
            created_by=by,
        )
        CommissionMember.objects.bulk_create(
            [CommissionMember(session=session, expert=u, is_chair=(u.pk == chair.pk)) for u in members]
        )
        _event(session, by, to_status=SS.PLANNED)
    return session


def _session_refusal(locked: ExamSession, to: str) -> str:
    who = SESSION_TRANSITIONS.get((locked.status, to))
    if who == "chair":
        return _("Only the chair of the commission approves the results.")
    if who == "staff":
        return _("Only the center's staff change a session's status.")
    return _("A session that is «%(status)s» cannot become «%(to)s».") % {
        "status": locked.get_status_display(),
        "to": SessionStatus(to).label,
    }


SESSION = Machine(
    model=ExamSession,
    history=SessionEvent,
    link="session",
    table=SESSION_TRANSITIONS,
    error=ExamError,
    refusal=_session_refusal,
)


def _plays(who: str, session: ExamSession, user) -> bool:
    """Whether ``user`` is the table's ``who`` ("staff", "chair") for ``session``."""
    return (who == "staff" and is_qac_staff(user)) or (who == "chair" and is_chair(session, user))


def allowed_session_actions(session: ExamSession, user, *, chair: bool = False) -> set[str]:
    """What ``user`` may do with ``session`` now; the staff and expert pages show exactly these buttons.

    ``chair``: whether the user chairs the session's commission (the expert page knows it already).
    """
    staff, expert = is_qac_staff(user), has_role(user, Role.EXPERT)
    allowed = set()
    for actor, granted in (("staff", staff), ("chair", chair)):
        if granted:
            allowed |= {SESSION_MOVES[to] for to in SESSION.moves_from(session.status, actor)}
    for work, granted in ((STAFF_SESSION_WORK, staff), (EXPERT_SESSION_WORK, expert), (CHAIR_SESSION_WORK, chair)):
        if granted:
            allowed |= {name for name, statuses in work.items() if session.status in statuses}
    return allowed


def session_transition(*, session: ExamSession, to: str, by, note: str = "") -> ExamSession:
    """Move ``session`` to ``to`` through the one door (``qac.statemachine``), with its ``SessionEvent``."""
    # The part ``by`` plays in a move to ``to``; "nobody" is refused by the table with its reason.
    actor = next(
        (who for (_frm, dest), who in SESSION_TRANSITIONS.items() if dest == to and _plays(who, session, by)), "nobody"
    )
    move(SESSION, session, to, by=by, actor=actor, note=note)
    session.refresh_from_db()
    return session


def session_open(*, session, by):
    return session_transition(session=session, to=SS.OPEN, by=by)


def session_start(*, session, by):
    """The exam begins: candidates marked present can start the theory test."""
    return session_transition(session=session, to=SS.IN_PROGRESS, by=by)


def session_complete(*, session, by):
    """Close the exam: unfinished theory attempts are submitted and every result is computed."""
    with transaction.atomic():
        for attempt in TheoryAttempt.objects.filter(enrolment__session=session, submitted_at__isnull=True):
            theory_submit(attempt=attempt, auto=True)
        session = session_transition(session=session, to=SS.COMPLETED, by=by)
        for enrolment in _live_enrolments(session):
            result_compute(enrolment=enrolment)
    return session


def session_cancel(*, session, by, reason: str):
    reason = (reason or "").strip()
    if not reason:
        raise ExamError(_("Say why the session is cancelled: the candidates are told."))
    with transaction.atomic():
        session = session_transition(session=session, to=SS.CANCELLED, by=by, note=reason)
        cancelled = []
        for enrolment in _live_enrolments(session).select_related("application"):
            _unenrol(enrolment=enrolment, by=by, note=reason)
            cancelled.append(enrolment.pk)
        # Only those taken off now: people unenrolled earlier were told then.
        for pk in cancelled:
            enqueue("qac.exams.tasks.notify_unenrolled_task", pk, reason)
    return session


def session_reschedule(*, session, by, starts_at, ends_at, venue_address, venue_room, reason: str):
    """Move a planned or open session; everyone enrolled is told with a new invitation."""
    reason = (reason or "").strip()
    if not reason:
        raise ExamError(_("Say why the session is moved: the candidates are told."))
    if ends_at <= starts_at:
        raise ExamError(_("The session must end after it starts."))
    with transaction.atomic():
        locked = ExamSession.objects.select_for_update().get(pk=session.pk)
        if locked.status not in (SS.PLANNED, SS.OPEN):
            raise ExamError(_("Only a planned or open session can be moved."))
        members = [m.expert for m in locked.commission.select_related("expert")]
        chair = next(m.expert for m in locked.commission.all() if m.is_chair)
        _check_commission(chair=chair, experts=members, starts_at=starts_at, ends_at=ends_at, exclude_session=locked)
        for enrolment in _live_enrolments(locked).select_related("application"):
            _check_candidate_free(enrolment.application, starts_at, ends_at, exclude_session=locked)
        locked.starts_at, locked.ends_at = starts_at, ends_at
        locked.venue_address, locked.venue_room = venue_address, venue_room
        locked.version += 1
        locked.save()
        _event(locked, by, note=reason)
        for enrolment in _live_enrolments(locked).select_related("application"):
            candidate_services.call_task_add(
                application=enrolment.application,
                event=CallTask.Event.EXAM,
                detail=f"{_session_label(locked)}. {reason}",
            )
        enqueue("qac.exams.tasks.notify_session_change_task", locked.pk, "moved", reason)
    session.refresh_from_db()
    return session


# --- Enrolment ------------------------------------------------------------------------------------


def _live_enrolments(session):
    return Enrolment.objects.filter(session=session, status=EnrolmentStatus.ENROLLED)


def _check_candidate_free(application, starts_at, ends_at, exclude_session=None):
    clash = Enrolment.objects.filter(
        application__candidate_id=application.candidate_id,
        status=EnrolmentStatus.ENROLLED,
        session__status__in=LIVE_STATUSES,
        session__starts_at__lt=ends_at,
        session__ends_at__gt=starts_at,
    )
    if exclude_session is not None:
        clash = clash.exclude(session=exclude_session)
    if clash.exists():
        raise ExamError(
            _("%(name)s is already enrolled in another session at that time.")
            % {"name": application.candidate.get_full_name()}
        )


def enrol(*, session: ExamSession, applications: list[Application], by) -> list[Enrolment]:
    """Enrol accepted applications in a session, all or none, within its capacity."""
    if not is_qac_staff(by):
        raise ExamError(_("Only the center's staff enrol candidates."))
    return _enrol(session=session, applications=applications, by=by)


def _enrol(*, session: ExamSession, applications: list[Application], by) -> list[Enrolment]:
    """``enrol`` without the staff check: also the door for a candidate confirming an offered date (offers.py)."""
    if not applications:
        raise ExamError(_("Choose at least one application."))
    with transaction.atomic():
        # The session row lock serialises enrolments, so capacity holds under concurrency.
        locked = ExamSession.objects.select_for_update().get(pk=session.pk)
        if locked.status not in (SS.PLANNED, SS.OPEN):
            raise ExamError(_("Candidates are enrolled only in a planned or open session."))
        taken = _live_enrolments(locked).count()
        if taken + len(applications) > locked.capacity:
            raise ExamError(
                _("The session has %(free)s free places; %(asked)s were asked for.")
                % {"free": max(locked.capacity - taken, 0), "asked": len(applications)}
            )
        User = get_user_model()
        list(User.objects.select_for_update().filter(pk__in=[a.candidate_id for a in applications]).order_by("pk"))
        created = []
        for application in applications:
            application = Application.objects.select_related("candidate").get(pk=application.pk)
            if application.qualification_id != locked.qualification_id:
                raise ExamError(
                    _("Application %(number)s is for another qualification.") % {"number": application.number}
                )
            if application.status != ApplicationStatus.ACCEPTED:
                raise ExamError(
                    _("Application %(number)s is «%(status)s», not accepted.")
                    % {"number": application.number, "status": application.get_status_display()}
                )
            _check_candidate_free(application, locked.starts_at, locked.ends_at)
            _check_paid(application)
            try:
                with transaction.atomic():
                    enrolment = Enrolment.objects.create(session=locked, application=application, enrolled_by=by)
            except IntegrityError:
                raise ExamError(
                    _("Application %(number)s is already enrolled.") % {"number": application.number}
                ) from None
            candidate_services.application_schedule(
                application=application,
                by=by,
                note=_("Exam session: %(session)s") % {"session": _session_label(locked)},
            )
            created.append(enrolment)
        _event(locked, by, note=_("Enrolled: %(numbers)s") % {"numbers": ", ".join(a.number for a in applications)})
        for enrolment in created:
            enqueue("qac.exams.tasks.send_invitation_task", enrolment.pk)
    return created


def _check_paid(application: Application) -> None:
    """The exam is held under a paid contract (Decree 1204 p.6): enrolment waits unless payment is guaranteed."""
    if not settings.QAC_ENROLMENT_REQUIRES_PAYMENT:
        return
    reason = payment_block_reason(application=application)
    if reason:
        raise ExamError(reason)


def _session_label(session) -> str:
    local = timezone.localtime(session.starts_at)
    return f"{local:%d.%m.%Y %H:%M}, {session.venue_address} {session.venue_room}".strip()


def _unenrol(*, enrolment, by, note):
    Enrolment.objects.filter(pk=enrolment.pk).update(status=EnrolmentStatus.CANCELLED)
    candidate_services.application_unschedule(application=enrolment.application, by=by, note=note)


def unenrol(*, enrolment: Enrolment, by, reason: str):
    if not is_qac_staff(by):
        raise ExamError(_("Only the center's staff enrol candidates."))
    reason = (reason or "").strip()
    if not reason:
        raise ExamError(_("Say why the candidate is taken off the session."))
    with transaction.atomic():
        locked = ExamSession.objects.select_for_update().get(pk=enrolment.session_id)
        if locked.status not in (SS.PLANNED, SS.OPEN):
            raise ExamError(_("Candidates are taken off only a planned or open session."))
        enrolment = Enrolment.objects.select_related("application").get(pk=enrolment.pk)
        if enrolment.status != EnrolmentStatus.ENROLLED:
            raise ExamError(_("This candidate is not enrolled any more."))
        _unenrol(enrolment=enrolment, by=by, note=reason)
        _event(locked, by, note=reason)
        enqueue("qac.exams.tasks.notify_unenrolled_task", enrolment.pk, reason)


# The last characters of the document's number: enough to tell which document was shown, not a copy of it.
ID_TAIL_LENGTH = 4
ID_TAIL_RE = re.compile(rf"^[0-9A-Za-zА-Яа-яЁё]{{{ID_TAIL_LENGTH}}}$")


def mark_presence(*, enrolment: Enrolment, by, present: bool, id_document_type: str = "", id_document_tail: str = ""):
    """Mark a candidate present or absent. Present means admitted on an identity document (Decree 1204 p.10):
    the kind of document checked and the last characters of its number are recorded with who checked and when.
    """
    if not is_qac_staff(by):
        raise ExamError(_("Only the center's staff mark presence."))
    status = ExamSession.objects.filter(pk=enrolment.session_id).values_list("status", flat=True).get()
    if status not in (SS.OPEN, SS.IN_PROGRESS):
        raise ExamError(_("Presence is marked when the session is open or in progress."))
    tail = (id_document_tail or "").strip().upper()
    if present and (id_document_type not in IdDocumentType.values or not ID_TAIL_RE.match(tail)):
        raise ExamError(
            _(
                "A candidate is admitted on an identity document: choose the document checked and enter the last "
                "%(n)s characters of its number."
            )
            % {"n": ID_TAIL_LENGTH}
        )
    with transaction.atomic():
        live = Enrolment.objects.filter(pk=enrolment.pk, status=EnrolmentStatus.ENROLLED)
        if present:
            now = timezone.now()
            updated = live.update(
                present=True,
                id_document_type=id_document_type,
                id_document_tail=tail,
                id_checked_at=now,
                id_checked_by=by,
            )
            # Undo a mistaken "absent": the decision follows the stages again.
            ExamResult.objects.filter(enrolment=enrolment, decision=Decision.ABSENT).update(decision="")
            if updated:
                _event(
                    enrolment.session,
                    by,
                    note=_("Admitted on %(document)s …%(tail)s: %(name)s")
                    % {
                        "document": IdDocumentType(id_document_type).label,
                        "tail": tail,
                        "name": enrolment.application.candidate.get_full_name(),
                    },
                )
            enrolment.id_document_type, enrolment.id_document_tail = id_document_type, tail
            enrolment.id_checked_at, enrolment.id_checked_by = now, by
        else:
            live.update(present=False)
    enrolment.present = present


def enrolment_grant_extra_time(*, enrolment: Enrolment, by, percent: int, reason: str) -> Enrolment:
    """Extend one candidate's theory time limit by ``percent`` (1 to 100), an accessibility adjustment.

    Recorded with who and when; a test already running gets the later deadline at once.
    """
    if not is_qac_staff(by):
        raise ExamError(_("Only the center's staff grant extra time."))
    if isinstance(percent, bool) or not isinstance(percent, int) or not 1 <= percent <= 100:
        raise ExamError(_("Extra time is a percentage of the time limit from 1 to 100."))
    reason = (reason or "").strip()
    if not reason:
        raise ExamError(_("Say why the extra time is granted."))
    with transaction.atomic():
        session = (
            ExamSession.objects.select_for_update(of=("self",))
            .select_related("qualification__exam_spec")
            .get(pk=enrolment.session_id)
        )
        if session.status not in (SS.PLANNED, SS.OPEN, SS.IN_PROGRESS):
            raise ExamError(_("Extra time is granted before or during the exam."))
        locked = Enrolment.objects.select_related("application__candidate").get(pk=enrolment.pk)
        if locked.status != EnrolmentStatus.ENROLLED:
            raise ExamError(_("This candidate is not enrolled any more."))
        attempt = TheoryAttempt.objects.select_for_update().filter(enrolment=locked).first()
        now = timezone.now()
        if attempt is not None:
            if attempt.submitted_at is not None:
                raise ExamError(_("The candidate's test is already submitted."))
            deadline = attempt.started_at + theory_time_limit(session.qualification.exam_spec, percent)
            if deadline <= now:
                raise ExamError(_("With this extra time the test would already be over: grant more or leave it."))
            attempt.deadline_at = deadline
            attempt.save(update_fields=["deadline_at"])
        Enrolment.objects.filter(pk=locked.pk).update(
            extra_time_percent=percent, extra_time_reason=reason, extra_time_at=now, extra_time_by=by
        )
        # The reason stays on the enrolment (it may speak of health); the history says only how much.
        _event(
            session,
            by,
            note=_("Extra time on the theory test for %(name)s: %(p)s%%")
            % {"name": locked.application.candidate.get_full_name(), "p": percent},
        )
    enrolment.refresh_from_db()
    return enrolment


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


# --- Theory stage ---------------------------------------------------------------------------------


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


def theory_start(*, enrolment: Enrolment, by) -> TheoryAttempt:
    """Start (or resume) the candidate's theory test; the deadline is fixed on the server at the start."""
    if enrolment.application.candidate_id != by.pk:
        raise ExamError(_("Only the candidate starts their own test."))
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().select_related("session__qualification").get(pk=enrolment.pk)
        existing = TheoryAttempt.objects.filter(enrolment=enrolment).first()
        if existing:
            return existing
        session = enrolment.session
        if session.status != SS.IN_PROGRESS:
            raise ExamError(_("The theory test opens when the staff start the session."))
        if enrolment.status != EnrolmentStatus.ENROLLED or enrolment.present is False:
            raise ExamError(_("You are not admitted to this session's test."))
        if enrolment.present is not True or enrolment.id_checked_at is None:
            # Decree 1204 p.10: admission on an identity document, checked at the venue.
            raise ExamError(
                _(
                    "The test opens once the staff at the venue have checked your identity document "
                    "and marked you present."
                )
            )
        if hasattr(enrolment, "result") and enrolment.result.theory_on_paper:
            raise ExamError(_("Your theory stage is recorded on paper."))
        spec = session.qualification.exam_spec
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


# --- Practical stage --------------------------------------------------------------------------------


def practical_save_scores(
    *, enrolment: Enrolment, expert, scores: dict[int, int], comments: dict[int, str] | None = None
):
    """An expert's own scores for one candidate, criterion by criterion, within each criterion's maximum."""
    comments = comments or {}
    with transaction.atomic():
        session = ExamSession.objects.select_for_update().get(pk=enrolment.session_id)
        if not is_commission_member(session, expert):
            raise ExamError(_("Only the experts of this session's commission score its candidates."))
        if session.status not in (SS.IN_PROGRESS, SS.COMPLETED):
            raise ExamError(_("Scores are recorded while the session runs or before its results are approved."))
        if enrolment.status != EnrolmentStatus.ENROLLED or enrolment.present is False:
            raise ExamError(_("This candidate is not sitting the exam."))
        if _not_admitted_to_practical(session=session, enrolment=enrolment):
            raise ExamError(
                _("%(name)s did not pass the theory stage and is not admitted to the practical stage.")
                % {"name": enrolment.application.candidate.get_full_name()}
            )
        criteria = {
            c.pk: c for c in PracticalCriterion.objects.filter(task__spec__qualification_id=session.qualification_id)
        }
        for criterion_id, score in scores.items():
            criterion = criteria.get(criterion_id)
            if criterion is None:
                raise ExamError(_("A criterion does not belong to this qualification."))
            if not 0 <= score <= criterion.max_score:
                raise ExamError(
                    _("«%(criterion)s» is scored from 0 to %(max)s.")
                    % {"criterion": criterion.text, "max": criterion.max_score}
                )
        for criterion_id, score in scores.items():
            PracticalScore.objects.update_or_create(
                enrolment=enrolment,
                expert=expert,
                criterion_id=criterion_id,
                defaults={"score": score, "comment": (comments.get(criterion_id) or "")[:1000]},
            )
        if session.status == SS.COMPLETED:
            result_compute(enrolment=enrolment)


def _not_admitted_to_practical(*, session, enrolment) -> bool:
    """The specification requires a passed theory stage, and this candidate's theory stage failed."""
    requires = (
        ExamSpecification.objects.filter(qualification_id=session.qualification_id)
        .values_list("practical_requires_theory", flat=True)
        .first()
    )
    return bool(requires) and ExamResult.objects.filter(enrolment_id=enrolment.pk, theory_passed=False).exists()


# --- Results -------------------------------------------------------------------------------------------


def result_compute(*, enrolment: Enrolment) -> ExamResult:
    """Work out the decision from both stages, unless staff recorded absence or removal."""
    result, _created = ExamResult.objects.get_or_create(enrolment=enrolment)
    if result.decision in (Decision.ABSENT, Decision.REMOVED):
        return result
    if enrolment.present is False:
        result.decision = Decision.ABSENT
        result.save()
        return result
    if enrolment.session.qualification.exam_spec.practical_requires_theory and result.theory_passed is False:
        # Not admitted to the practical stage: any scores given anyway do not count.
        result.practical_not_admitted = True
        result.practical_percent = result.practical_passed = None
        result.failed_criteria = []
        result.decision = Decision.FAILED
        result.save()
        return result
    result.practical_not_admitted = False
    practical = practical_evaluate(enrolment=enrolment)
    result.practical_percent = practical["percent"]
    result.practical_passed = practical["passed"]
    result.failed_criteria = practical["failed_criteria"]
    if result.theory_passed is None or practical["passed"] is None:
        result.decision = ""
    else:
        result.decision = Decision.PASSED if result.theory_passed and practical["passed"] else Decision.FAILED
    result.save()
    return result


def result_set_special(*, enrolment: Enrolment, by, decision: str, note: str) -> ExamResult:
    """Record that a candidate was absent or removed for breaking the rules (with the incident note)."""
    if not is_qac_staff(by) and not is_chair(enrolment.session, by):
        raise ExamError(_("Only staff or the chair record an absence or a removal."))
    if decision not in (Decision.ABSENT, Decision.REMOVED):
        raise ExamError(_("Unknown decision."))
    note = (note or "").strip()
    if decision == Decision.REMOVED and not note:
        raise ExamError(_("Describe the incident: a removal must be justified."))
    with transaction.atomic():
        session = ExamSession.objects.select_for_update().get(pk=enrolment.session_id)
        if session.status not in (SS.OPEN, SS.IN_PROGRESS, SS.COMPLETED):
            raise ExamError(_("This is recorded while the session runs, before its results are approved."))
        result, _created = ExamResult.objects.get_or_create(enrolment=enrolment)
        result.decision = decision
        result.incident_note = note
        result.save()
        if decision == Decision.ABSENT:
            Enrolment.objects.filter(pk=enrolment.pk).update(present=False)
        _event(
            session,
            by,
            note=f"{result.get_decision_display()}: {enrolment.application.candidate.get_full_name()}. {note}",
        )
    return result


def enrolments_supersede(*, application: Application) -> int:
    """The application goes back for a new exam: its approved enrolments stay on record but no longer hold it."""
    return Enrolment.objects.filter(
        application=application, status=EnrolmentStatus.ENROLLED, session__status=SS.RESULTS_APPROVED
    ).update(superseded=True)


def session_approve(*, session: ExamSession, by) -> ExamSession:
    """The chair approves the results: they lock, the applications close, and downstream work starts after commit."""
    with transaction.atomic():
        locked = ExamSession.objects.select_for_update().get(pk=session.pk)
        enrolments = list(_live_enrolments(locked).select_related("application", "result"))
        undecided = [e for e in enrolments if not getattr(e, "result", None) or not e.result.decision]
        if undecided:
            raise ExamError(
                _("Results are missing for: %(names)s.")
                % {"names": ", ".join(e.application.candidate.get_full_name() for e in undecided)}
            )
        session_transition(session=locked, to=SS.RESULTS_APPROVED, by=by)
        ExamSession.objects.filter(pk=locked.pk).update(approved_at=timezone.now(), approved_by=by)
        for enrolment in enrolments:
            candidate_services.application_record_outcome(
                application=enrolment.application, by=by, outcome=enrolment.result.decision
            )
        session_id = locked.pk
        transaction.on_commit(lambda: _after_approval(session_id))
    session.refresh_from_db()
    return session


def _after_approval(session_id: int) -> None:
    """After the approval's commit: render the protocol, and tell downstream apps (the Council's package)."""
    enqueue("qac.exams.tasks.render_protocol_task", session_id, on_commit=False)
    results_approved.send(sender=ExamSession, session_id=session_id)


def protocol_store(*, session_id: int, pdf: bytes) -> None:
    """Attach the rendered commission protocol to its session, replacing (and deleting) an earlier one."""
    with transaction.atomic():
        session = ExamSession.objects.select_for_update().get(pk=session_id)
        old = session.protocol.name if session.protocol else None
        session.protocol.save(f"protocol-{session.pk}-{timezone.now():%Y%m%d%H%M%S}.pdf", ContentFile(pdf), save=False)
        session.protocol_sha256 = hashlib.sha256(pdf).hexdigest()
        session.protocol_error = ""
        session.save(update_fields=["protocol", "protocol_sha256", "protocol_error"])
    if old and old != session.protocol.name:
        session.protocol.storage.delete(old)


def protocol_fail(*, session_id: int, error: Exception) -> None:
    """Say on the session why its protocol could not be rendered (staff see it and can retry)."""
    ExamSession.objects.filter(pk=session_id).update(protocol_error=f"{type(error).__name__}: {error}"[:2000])


RESULT_FIELDS = (
    "theory_percent",
    "theory_passed",
    "practical_percent",
    "practical_passed",
    "decision",
    "incident_note",
)


def result_correct(*, result: ExamResult, by, reason: str, **changes) -> ExamResult:
    """Change an approved result: only the chair or the head, always with a reason, recorded with before and after."""
    reason = (reason or "").strip()
    if not reason:
        raise ExamError(_("A correction of approved results needs a reason."))
    session = result.enrolment.session
    if session.status != SS.RESULTS_APPROVED:
        raise ExamError(_("Results that are not approved yet are edited directly."))
    if not (is_chair(session, by) or has_role(by, Role.HEAD)):
        raise ExamError(_("Only the chair or the head of the center corrects approved results."))
    unknown = set(changes) - set(RESULT_FIELDS)
    if unknown:
        raise ExamError(_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    if "decision" in changes and changes["decision"] not in Decision.values:
        raise ExamError(_("Unknown decision."))
    with transaction.atomic():
        result = ExamResult.objects.select_for_update().get(pk=result.pk)
        before = {f: getattr(result, f) for f in RESULT_FIELDS}
        for field, value in changes.items():
            setattr(result, field, value)
        spec = session.qualification.exam_spec
        if "theory_percent" in changes and "theory_passed" not in changes and result.theory_percent is not None:
            result.theory_passed = result.theory_percent >= spec.theory_pass_percent
        if (
            "practical_percent" in changes
            and "practical_passed" not in changes
            and result.practical_percent is not None
        ):
            result.practical_passed = result.practical_percent >= spec.practical_pass_percent
        result.save()
        correction = ResultCorrection.objects.create(
            result=result, by=by, reason=reason, before=before, after={f: getattr(result, f) for f in RESULT_FIELDS}
        )
        if before["decision"] != result.decision:
            # The application's outcome follows the corrected result, and the candidate is told (its e-mail).
            candidate_services.application_correct_outcome(
                application=result.enrolment.application,
                by=by,
                outcome=result.decision,
                note=_("The approved result was corrected: %(reason)s") % {"reason": reason},
            )
        ids = {"result_id": result.pk, "correction_id": correction.pk}
        transaction.on_commit(lambda: result_corrected.send(sender=ExamResult, **ids))
    return result
