"""What the home pages show from exams: the staff's to-do board (``qac/board.py``) and the expert's home."""

import datetime

from django.conf import settings
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import Application, ApplicationStatus
from standards.models import PracticalCriterion

from .models import CommissionMember, Enrolment, EnrolmentStatus, ExamSession, SessionStatus
from .selectors import session_todo_condition, sessions_for_expert

# --- The staff to-do board -----------------------------------------------------------------------


def board_items(*, today: datetime.date) -> list[dict]:
    """Dates to agree with accepted candidates (within the 10-day review deadline, Decree 1204 p.8-9),
    sessions to open, and sessions to close (the Council's 7 days run from the exam). Two aggregate queries."""
    now = timezone.now()
    to_agree = Application.objects.filter(status=ApplicationStatus.ACCEPTED, date_offered_at__isnull=True).aggregate(
        n=Count("id"), due=Min("review_due_on")
    )
    to_open = session_todo_condition("open", today=today, now=now)
    to_close = session_todo_condition("close", today=today, now=now)
    sessions = ExamSession.objects.aggregate(
        open_n=Count("id", filter=to_open),
        open_due=Min("starts_at", filter=to_open),
        close_n=Count("id", filter=to_close),
        close_due=Min("ends_at", filter=to_close),
    )
    package_days = datetime.timedelta(days=settings.QAC_COUNCIL_PACKAGE_DAYS)
    close_due = sessions["close_due"]
    sessions_url = reverse("exams:sessions")
    return [
        {
            "key": "exams.dates_to_agree",
            "label": _("Exam dates to agree"),
            "count": to_agree["n"],
            "due": to_agree["due"],
            "url": reverse("candidates:staff_queue") + "?date=to_agree&sort=due",
        },
        {
            "key": "exams.sessions_to_open",
            "label": _("Sessions to open"),
            "count": sessions["open_n"],
            "due": timezone.localdate(sessions["open_due"]) if sessions["open_due"] else None,
            "url": sessions_url + "?todo=open",
        },
        {
            "key": "exams.sessions_to_close",
            "label": _("Sessions to finish and approve"),
            "count": sessions["close_n"],
            "due": timezone.localdate(close_due) + package_days if close_due else None,
            "url": sessions_url + "?todo=close",
        },
    ]


# --- The expert's home ----------------------------------------------------------------------------

SCORING_STATUSES = (SessionStatus.IN_PROGRESS, SessionStatus.COMPLETED)


def expert_home_sessions(*, user, limit: int = 8) -> list[ExamSession]:
    """The expert's sessions (not cancelled), newest first, each with ``is_chair`` and, while scores can be
    recorded, ``left_to_score``: the candidates sitting it whom this expert has not scored on every criterion.

    Three queries whatever the number of sessions and candidates.
    """
    sessions = list(
        sessions_for_expert(user=user)
        .exclude(status=SessionStatus.CANCELLED)
        .annotate(is_chair=Exists(CommissionMember.objects.filter(session=OuterRef("pk"), expert=user, is_chair=True)))[
            :limit
        ]
    )
    scoring = {s.pk: s for s in sessions if s.status in SCORING_STATUSES}
    for s in sessions:
        s.left_to_score = 0 if s.pk in scoring else None
    if not scoring:
        return sessions
    criteria = dict(
        PracticalCriterion.objects.filter(
            task__spec__qualification_id__in={s.qualification_id for s in scoring.values()}
        )
        .values_list("task__spec__qualification_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    sitting = (
        Enrolment.objects.filter(session_id__in=scoring, status=EnrolmentStatus.ENROLLED)
        .exclude(present=False)
        .exclude(result__practical_not_admitted=True)
        .annotate(mine=Count("practical_scores", filter=Q(practical_scores__expert=user)))
        .values_list("session_id", "mine")
    )
    for session_id, mine in sitting:
        session = scoring[session_id]
        if mine < criteria.get(session.qualification_id, 0):
            session.left_to_score += 1
    return sessions
