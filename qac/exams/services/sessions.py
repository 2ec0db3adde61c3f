"""Exam sessions: planning with the commission, their state machine, rescheduling, the chair's approval, the protocol.

A session's life is an explicit state machine (``SESSION_TRANSITIONS``) moved through
``qac.statemachine.move``; each move writes a ``SessionEvent``.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates import services as candidate_services
from candidates.models import CallTask
from qac.accounts.roles import Role, has_role, is_qac_staff
from qac.enqueue import enqueue
from qac.statemachine import Machine, move
from standards.models import ExamSpecification

from ..models import CommissionMember, ExamSession, SessionEvent, SessionStatus, TheoryAttempt
from ..selectors import is_chair
from ..signals import results_approved
from .base import LIVE_STATUSES, SS, ExamError, _event, _live_enrolments, _session_label
from .enrolment import _check_candidate_free, _unenrol
from .results import result_compute
from .theory import theory_submit

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


# --- Planning and the commission --------------------------------------------------------------


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


# --- The session's moves ----------------------------------------------------------------------


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


# --- Approval and the protocol ----------------------------------------------------------------


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
