"""What every room of the exam services shares: the errors, the session history row, the labels."""

from __future__ import annotations

from django.utils import timezone

from ..models import Enrolment, EnrolmentStatus, SessionEvent, SessionStatus

SS = SessionStatus
# Sessions whose candidates and experts are still booked.
LIVE_STATUSES = (SS.PLANNED, SS.OPEN, SS.IN_PROGRESS, SS.COMPLETED)


class ExamError(Exception):
    """A request the rules do not allow; the message is shown to the user as it is."""


class AttemptClosed(ExamError):
    """The theory attempt is submitted or past its deadline."""


def _event(session, by, *, from_status="", to_status="", note=""):
    SessionEvent.objects.create(session=session, by=by, from_status=from_status, to_status=to_status, note=note)


def _live_enrolments(session):
    return Enrolment.objects.filter(session=session, status=EnrolmentStatus.ENROLLED)


def _session_label(session) -> str:
    local = timezone.localtime(session.starts_at)
    return f"{local:%d.%m.%Y %H:%M}, {session.venue_address} {session.venue_room}".strip()
