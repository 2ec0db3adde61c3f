"""Read-side queries of the council app: deadlines, what the Council decides on, what staff may do now."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qac.accounts.roles import is_qac_staff
from qac.exams.models import Decision, EnrolmentStatus, ExamResult, ExamSession, SessionStatus

from .models import CouncilDecision, CouncilPackage, DecisionTransition, PackageStatus, PackageTransition, Verdict

# What the Council may decide for each commission outcome; anything but the first needs a reason.
VERDICT_CHOICES = {
    Decision.PASSED: (Verdict.CERTIFICATE, Verdict.CONCLUSION, Verdict.REEXAM),
    Decision.FAILED: (Verdict.CONCLUSION, Verdict.REEXAM),
    Decision.REMOVED: (Verdict.CONCLUSION, Verdict.REEXAM),
}


def exam_day(session: ExamSession) -> datetime.date:
    """The day the exam ended: the deadlines of Decree 1204 p.15-17 run from it."""
    return timezone.localdate(session.ends_at)


def package_due(session: ExamSession) -> datetime.date:
    return exam_day(session) + datetime.timedelta(days=settings.QAC_COUNCIL_PACKAGE_DAYS)


def decision_due(session: ExamSession) -> datetime.date:
    return exam_day(session) + datetime.timedelta(days=settings.QAC_COUNCIL_DECISION_DAYS)


def deadline(due: datetime.date | None, *, done: bool = False, today: datetime.date | None = None) -> dict | None:
    """A deadline as the pages show it: the date, days left (negative when past), and its state."""
    if due is None:
        return None
    today = today or timezone.localdate()
    left = (due - today).days
    if done:
        state = "done"
    elif left < 0:
        state = "overdue"
    elif left <= settings.QAC_DEADLINE_WARN_DAYS:
        state = "soon"
    else:
        state = "ok"
    return {"due": due, "days_left": left, "days_over": max(-left, 0), "state": state}


def decidable_results(session: ExamSession) -> list[ExamResult]:
    """The results the Council decides on: everyone who sat the exam (absent candidates get no document)."""
    return list(
        ExamResult.objects.filter(
            enrolment__session=session,
            enrolment__status=EnrolmentStatus.ENROLLED,
            decision__in=list(VERDICT_CHOICES),
        )
        .select_related("enrolment__application__candidate", "enrolment__application__identity")
        .order_by("enrolment__application__identity__last_name", "pk")
    )


def package_for(session: ExamSession) -> CouncilPackage | None:
    return CouncilPackage.objects.filter(session=session).first()


def decision_for(session: ExamSession) -> CouncilDecision | None:
    return (
        CouncilDecision.objects.filter(session=session)
        .select_related("recorded_by")
        .prefetch_related(
            "verdicts__result__enrolment__application__candidate", "verdicts__result__enrolment__application__identity"
        )
        .first()
    )


def package_get_for_staff(*, user, pk: int) -> CouncilPackage:
    if not is_qac_staff(user):
        raise Http404
    package = CouncilPackage.objects.select_related("session__qualification").filter(pk=pk).first()
    if package is None:
        raise Http404
    return package


def allowed_decision_actions(session: ExamSession, user, *, package=None, decision=None) -> set[str]:
    if not is_qac_staff(user) or session.status != SessionStatus.RESULTS_APPROVED:
        return set()
    if decision is not None:
        return {"correct"}
    return {"record"} if package is not None and package.status == PackageStatus.SENT else set()


def council_history(*, package, decision) -> list:
    """Everything that happened to the package and the decision, in order."""
    rows = []
    if package is not None:
        rows += list(PackageTransition.objects.filter(package=package).select_related("by"))
    if decision is not None:
        rows += list(DecisionTransition.objects.filter(decision=decision).select_related("by"))
    return sorted(rows, key=lambda r: (r.at, r.pk))


def council_sessions(*, state: str = "") -> QuerySet[ExamSession]:
    """Approved sessions with their package and decision, newest exam first; ``state`` filters the board."""
    qs = (
        ExamSession.objects.filter(status=SessionStatus.RESULTS_APPROVED)
        .select_related("qualification", "council_package", "council_decision")
        .order_by("-ends_at", "-pk")
    )
    if state == "package":
        qs = qs.exclude(council_package__status=PackageStatus.SENT)
    elif state == "decision":
        qs = qs.filter(council_package__status=PackageStatus.SENT, council_decision__isnull=True)
    elif state == "decided":
        qs = qs.filter(council_decision__isnull=False)
    return qs


# --- The staff to-do board (qac/board.py) ------------------------------------------------------


def board_items(*, today: datetime.date) -> list[dict]:
    """Packages to send to the Council (7 days) and its decisions awaited (14 days, Decree 1204 p.15-16).

    One aggregate query over the approved sessions, the same sets as the board's "package" and "decision" filters.
    """
    to_send = ~Q(council_package__status=PackageStatus.SENT)
    awaiting = Q(council_package__status=PackageStatus.SENT, council_decision__isnull=True)
    agg = ExamSession.objects.filter(status=SessionStatus.RESULTS_APPROVED).aggregate(
        packages=Count("pk", filter=to_send),
        packages_from=Min("ends_at", filter=to_send),
        decisions=Count("pk", filter=awaiting),
        decisions_from=Min("ends_at", filter=awaiting),
    )

    def due(ends_at, days):
        return timezone.localdate(ends_at) + datetime.timedelta(days=days) if ends_at else None

    board = reverse("council:board")
    return [
        {
            "key": "council.packages",
            "label": _("Packages to send to the Council"),
            "count": agg["packages"],
            "due": due(agg["packages_from"], settings.QAC_COUNCIL_PACKAGE_DAYS),
            "url": board + "?state=package",
        },
        {
            "key": "council.decisions",
            "label": _("Council decisions awaited"),
            "count": agg["decisions"],
            "due": due(agg["decisions_from"], settings.QAC_COUNCIL_DECISION_DAYS),
            "url": board + "?state=decision",
        },
    ]
