"""Agreeing the exam date with an accepted candidate (Decree 1204 p.8-9).

Within the review deadline staff offer one or more sessions; the candidate
confirms one, or asks for another date with a comment, on the site; or staff
record the answer given by phone. Confirming enrols the candidate through
``services._enrol``, in the same transaction as the offer's move.

The offer's life is an explicit state machine: ``OFFER_TRANSITIONS`` says
which moves exist and who may make them; ``_move`` makes every move through
``qac.statemachine.move``, under a row lock, with its ``DateOfferEvent``. While an offer
waits, the application carries ``date_offered_at`` (set through the
candidates services), so the staff queue can filter without reading exams.

Services and the few queries the offer pages need live together here, as
``bank.py`` does for the question bank.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from candidates import services as candidate_services
from candidates.models import Application, ApplicationStatus, CallTask
from candidates.selectors import REGISTERED
from qac.accounts.roles import Role, has_role, is_qac_staff
from qac.enqueue import enqueue
from qac.statemachine import Machine, move

from .models import DateOffer, DateOfferEvent, DateOfferStatus, EnrolmentStatus, ExamSession, SessionStatus
from .services import ExamError, _enrol, _session_label

DO = DateOfferStatus
Via = DateOfferEvent.Via
CANDIDATE, STAFF, SYSTEM = "candidate", "staff", "system"

# (from, to) -> who may make the move. Staff confirm or decline only for the candidate, by phone.
OFFER_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (DO.OFFERED, DO.CONFIRMED): frozenset({CANDIDATE, STAFF}),
    (DO.OFFERED, DO.DECLINED): frozenset({CANDIDATE, STAFF}),
    (DO.OFFERED, DO.WITHDRAWN): frozenset({STAFF}),
    # Nothing left to take: every session started or was cancelled, or the application left "accepted".
    (DO.OFFERED, DO.EXPIRED): frozenset({SYSTEM}),
}
BOOKABLE = (SessionStatus.PLANNED, SessionStatus.OPEN)


class OfferError(ExamError):
    """A request the offer's rules do not allow; the message is shown as it is."""


def _actor(offer: DateOffer, by) -> str:
    if is_qac_staff(by):
        return STAFF
    if has_role(by, Role.CANDIDATE) and offer.application.candidate_id == by.pk:
        return CANDIDATE
    raise OfferError(_("Only the candidate or the center's staff can answer this offer."))


def _free_places(session: ExamSession) -> int:
    return session.capacity - session.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()


def _check_bookable(session: ExamSession, *, now: datetime.datetime) -> None:
    """Refuse a cancelled, started or full session with a message the candidate understands."""
    if session.status == SessionStatus.CANCELLED:
        raise OfferError(
            _("The session of %(session)s is cancelled: choose another date or ask for another one.")
            % {"session": _session_label(session)}
        )
    if session.status not in BOOKABLE or session.starts_at <= now:
        raise OfferError(
            _("The session of %(session)s has already started: choose another date or ask for another one.")
            % {"session": _session_label(session)}
        )
    if _free_places(session) <= 0:
        raise OfferError(
            _("The session of %(session)s is full: choose another date or ask for another one.")
            % {"session": _session_label(session)}
        )


OFFER = Machine(
    model=DateOffer,
    history=DateOfferEvent,
    table=OFFER_TRANSITIONS,
    error=OfferError,
    refusal=gettext_lazy("An offer that is «%(status)s» cannot become «%(to)s»."),
    stale=gettext_lazy("This offer has changed in the meantime (it is now «%(status)s»). Nothing was applied."),
    lock_related=("application",),
)


def _move(
    *,
    offer: DateOffer,
    to: str,
    by,
    actor: str,
    via: str,
    note: str = "",
    session: ExamSession | None = None,
    expected_version: int | None = None,
) -> DateOffer:
    """Move an offer to ``to`` through the one door (``qac.statemachine``), with its ``DateOfferEvent``.

    Confirming enrols the candidate in ``session`` inside the same transaction, so
    a refused enrolment (full, cancelled, started) leaves the offer as it was.
    """
    changes = {"answered_at": timezone.now()}
    if to == DO.CONFIRMED:
        changes["session"] = session
    with transaction.atomic():
        # The application's row first, as date_offer_make takes it, so that the two never wait on each other
        # crosswise (``move`` locks the offer's own row only, and the application is written after it).
        list(Application.objects.select_for_update().filter(pk=offer.application_id).values_list("pk", flat=True))
        locked, _event = move(
            OFFER,
            offer,
            to,
            by=by,
            actor=actor,
            note=note,
            expected_version=expected_version,
            changes=changes,
            entry={"via": via, "session": session},
            effect=(lambda locked: _book(locked, session, by)) if to == DO.CONFIRMED else None,
        )
        # One open offer per application (a DB constraint): once answered none waits.
        candidate_services.application_date_offered(application=locked.application, at=None)
    offer.refresh_from_db()
    return offer


def _book(offer: DateOffer, session: ExamSession | None, by) -> None:
    if session is None or not offer.sessions.filter(pk=session.pk).exists():
        raise OfferError(_("Choose one of the sessions offered."))
    if not offer_allowed(application=offer.application):
        raise OfferError(
            _("The application is «%(status)s»: an exam date is agreed only for an accepted application.")
            % {"status": offer.application.get_status_display()}
        )
    # The session's row lock, taken before the checks, is the one ``_enrol`` takes: capacity holds.
    locked = ExamSession.objects.select_for_update().get(pk=session.pk)
    _check_bookable(locked, now=timezone.now())
    _enrol(session=locked, applications=[offer.application], by=by)


# --- The moves --------------------------------------------------------------------------------


def date_offer_make(*, application: Application, sessions: list[ExamSession], by, message: str = "") -> DateOffer:
    """Offer exam sessions to an accepted candidate; an earlier offer still waiting is withdrawn by it."""
    if not is_qac_staff(by):
        raise OfferError(_("Only the center's staff offer exam dates."))
    if not sessions:
        raise OfferError(_("Choose at least one session to offer."))
    now = timezone.now()
    with transaction.atomic():
        locked_app = Application.objects.select_for_update().get(pk=application.pk)
        if not offer_allowed(application=locked_app):
            raise OfferError(
                _("The application is «%(status)s»: exam dates are offered only for an accepted application.")
                % {"status": locked_app.get_status_display()}
            )
        for session in sessions:
            if session.qualification_id != locked_app.qualification_id:
                raise OfferError(
                    _("The session of %(session)s is for another qualification.") % {"session": _session_label(session)}
                )
            _check_bookable(session, now=now)
        waiting = DateOffer.objects.filter(application=locked_app, status=DO.OFFERED).first()
        if waiting is not None:
            _move(offer=waiting, to=DO.WITHDRAWN, by=by, actor=STAFF, via=Via.SITE, note=_("Replaced by a new offer."))
        try:
            with transaction.atomic():
                offer = DateOffer.objects.create(application=locked_app, made_by=by, message=(message or "").strip())
        except IntegrityError:
            raise OfferError(_("Another offer for this application was made at the same moment.")) from None
        offer.sessions.set(sessions)
        DateOfferEvent.objects.create(offer=offer, to_status=DO.OFFERED, by=by, note=offer.message)
        candidate_services.application_date_offered(application=locked_app, at=now)
        candidate_services.call_task_add(
            application=locked_app,
            event=CallTask.Event.DATE_OFFER,
            detail="; ".join(_session_label(s) for s in sessions),
        )
        enqueue("qac.exams.tasks.notify_date_offer_task", offer.pk)
    return offer


def _answer(*, offer: DateOffer, to: str, by, note: str, note_from: tuple, no_note: str, **kwargs) -> DateOffer:
    """An answer to ``offer``: the candidate's on the site, or staff's record of it by phone.

    ``note_from``: who must say something with the answer; ``no_note`` refuses it when they do not.
    """
    actor = _actor(offer, by)
    note = (note or "").strip()
    if actor in note_from and not note:
        raise OfferError(no_note)
    via = Via.PHONE if actor == STAFF else Via.SITE
    return _move(offer=offer, to=to, by=by, actor=actor, via=via, note=note, **kwargs)


def date_offer_confirm(
    *, offer: DateOffer, session: ExamSession, by, note: str = "", expected_version: int | None = None
) -> DateOffer:
    """The candidate takes one of the offered sessions (or staff record that they did, by phone): enrolled."""
    return _answer(
        offer=offer,
        to=DO.CONFIRMED,
        by=by,
        note=note,
        note_from=(STAFF,),
        no_note=_("Note what the candidate said on the phone."),
        session=session,
        expected_version=expected_version,
    )


def date_offer_decline(*, offer: DateOffer, by, comment: str, expected_version: int | None = None) -> DateOffer:
    """The candidate asks for another date, saying why or when suits them; staff then offer again."""
    return _answer(
        offer=offer,
        to=DO.DECLINED,
        by=by,
        note=comment,
        note_from=(STAFF, CANDIDATE),
        no_note=_("Say which dates would suit you (or why these do not)."),
        expected_version=expected_version,
    )


def date_offer_withdraw(*, offer: DateOffer, by, reason: str = "") -> DateOffer:
    if not is_qac_staff(by):
        raise OfferError(_("Only the center's staff withdraw an offer."))
    return _move(offer=offer, to=DO.WITHDRAWN, by=by, actor=STAFF, via=Via.SITE, note=(reason or "").strip())


def date_offers_expire(*, now: datetime.datetime | None = None) -> int:
    """Expire waiting offers nothing can come of; run periodically. Returns how many expired."""
    now = now or timezone.now()
    takeable = Q(sessions__status__in=BOOKABLE, sessions__starts_at__gt=now)
    stale = (
        DateOffer.objects.filter(status=DO.OFFERED)
        .annotate(takeable=Count("sessions", filter=takeable))
        .filter(Q(takeable=0) | ~Q(application__status=ApplicationStatus.ACCEPTED))
    )
    expired = 0
    for offer in stale:
        try:
            _move(offer=offer, to=DO.EXPIRED, by=None, actor=SYSTEM, via=Via.SYSTEM)
        except OfferError:
            continue  # answered in the meantime
        expired += 1
    return expired


def offer_notified(*, offer_id: int) -> bool:
    """Claim the offer's e-mail (True once), so a redelivered task never mails twice."""
    return bool(DateOffer.objects.filter(pk=offer_id, notified_at__isnull=True).update(notified_at=timezone.now()))


def offer_notice_release(*, offer_id: int) -> None:
    DateOffer.objects.filter(pk=offer_id).update(notified_at=None)


# --- What each person may do, and the queries of the offer pages --------------------------------


def offer_allowed(*, application) -> bool:
    """Whether dates may be offered for ``application`` now (the staff pages show the form only then).

    The application's own rule (``offer_dates`` among its staff actions): the exams app may schedule it.
    """
    return candidate_services.exam_date_open(application)


# The buttons of each move, by who makes it.
OFFER_BUTTONS = {
    STAFF: {DO.CONFIRMED: "confirm_phone", DO.DECLINED: "decline_phone", DO.WITHDRAWN: "withdraw"},
    CANDIDATE: {DO.CONFIRMED: "confirm", DO.DECLINED: "decline"},
}


def allowed_actions(offer: DateOffer, user) -> set[str]:
    """The buttons a page shows for ``offer``, from ``OFFER_TRANSITIONS``; the services decide again on submit."""
    if not offer_allowed(application=offer.application):
        return set()
    if is_qac_staff(user):
        actor = STAFF
    elif has_role(user, Role.CANDIDATE) and offer.application.candidate_id == user.pk:
        actor = CANDIDATE
    else:
        return set()
    return {OFFER_BUTTONS[actor][to] for to in OFFER.moves_from(offer.status, actor)}


def _offers(application: Application) -> QuerySet[DateOffer]:
    sessions = ExamSession.objects.annotate(
        enrolled=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED))
    ).order_by("starts_at")
    return DateOffer.objects.filter(application=application).prefetch_related(
        Prefetch("sessions", queryset=sessions),
        Prefetch("events", queryset=DateOfferEvent.objects.select_related("by", "session")),
    )


def offers_for_candidate(*, user, application_pk: int) -> tuple[Application, list[DateOffer]]:
    """The candidate's own accepted-or-later application and its offers; 404 for anyone else's."""
    if not has_role(user, Role.CANDIDATE):
        raise Http404
    application = Application.objects.filter(pk=application_pk, candidate=user).select_related("qualification").first()
    if application is None:
        raise Http404
    return application, list(_offers(application))


def offers_for_staff(*, user, application_pk: int) -> tuple[Application, list[DateOffer]]:
    if not is_qac_staff(user):
        raise Http404
    application = (
        Application.objects.filter(REGISTERED, pk=application_pk)
        .select_related("qualification", "candidate__candidate_profile", "identity")
        .first()
    )
    if application is None:
        raise Http404
    return application, list(_offers(application))


def offer_get_for_candidate(*, user, pk: int) -> DateOffer:
    """The candidate's own offer; another person's id looks like a missing one (404)."""
    if not has_role(user, Role.CANDIDATE):
        raise Http404
    offer = DateOffer.objects.select_related("application").filter(pk=pk, application__candidate=user).first()
    if offer is None:
        raise Http404
    return offer


def offer_get_for_staff(*, user, pk: int) -> DateOffer:
    if not is_qac_staff(user):
        raise Http404
    offer = DateOffer.objects.select_related("application").filter(pk=pk).first()
    if offer is None:
        raise Http404
    return offer


def offerable_sessions(*, application: Application) -> QuerySet[ExamSession]:
    """Planned or open sessions of the application's qualification, not started, with a free place."""
    return (
        ExamSession.objects.filter(
            qualification_id=application.qualification_id, status__in=BOOKABLE, starts_at__gt=timezone.now()
        )
        .annotate(enrolled=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED)))
        .filter(enrolled__lt=F("capacity"))
        .order_by("starts_at", "id")
    )
