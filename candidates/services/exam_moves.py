"""Moves of an application made downstream: enrolment and the exam's outcome (the exams app), a new exam (the Council).

The exams app sits downstream and calls these; candidates never imports exams.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from ..models import Application, ApplicationStatus
from .applications import _transition
from .rules import COUNCIL, EXAMS

S = ApplicationStatus

EXAM_OUTCOMES = {"passed": S.PASSED, "failed": S.FAILED, "absent": S.ABSENT, "removed": S.FAILED}


def application_schedule(*, application: Application, by, note: str = "") -> Application:
    """An accepted application is enrolled in an exam session; the candidate can no longer withdraw it.

    The date is agreed: the review deadline is met and no offer awaits an answer any more.
    """
    return _transition(
        application=application,
        to=S.SCHEDULED,
        by=by,
        actor=EXAMS,
        note=note,
        changes={"review_due_on": None, "date_offered_at": None},
    )


def application_date_offered(*, application: Application, at: datetime.datetime | None) -> None:
    """Mark (``at``) or clear (None) an offer of exam dates awaiting the candidate; the exams app calls this."""
    Application.objects.filter(pk=application.pk).update(date_offered_at=at)
    application.date_offered_at = at


def application_unschedule(*, application: Application, by, note: str = "") -> Application:
    """The enrolment is cancelled (session cancelled, candidate moved out): back to accepted."""
    return _transition(application=application, to=S.ACCEPTED, by=by, actor=EXAMS, note=note)


def application_record_outcome(*, application: Application, by, outcome: str, note: str = "") -> Application:
    """Close a scheduled application with the approved exam outcome."""
    return _transition(
        application=application,
        to=EXAM_OUTCOMES[outcome],
        by=by,
        actor=EXAMS,
        note=note,
        changes={"decided_at": timezone.now()},
    )


def application_correct_outcome(*, application: Application, by, outcome: str, note: str = "") -> Application:
    """An approved result was corrected: a closed application takes the corrected outcome.

    Nothing happens when the outcome is the same, or when the application has
    moved on (re-opened for a new exam): the correction is then of an earlier result.
    """
    to = EXAM_OUTCOMES[outcome]
    if application.status == to or application.status not in set(EXAM_OUTCOMES.values()):
        return application
    return _transition(application=application, to=to, by=by, actor=EXAMS, note=note)


def application_reopen_for_reexam(*, application: Application, by, note: str = "") -> Application:
    """The Council did not recognise the exam's result: the application is accepted again, for a new session."""
    return _transition(application=application, to=S.ACCEPTED, by=by, actor=COUNCIL, note=note)
