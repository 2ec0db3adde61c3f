"""The head's figures for a period, each aggregated in SQL in one query (qac/views.py draws them).

The period is a closed range of local dates. An application counts in the month it was registered;
an exam result in its session's exam day; a deadline in the period its due date falls in.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Max, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import Application, ApplicationStatus
from qac.certificates.models import IssuedDocument
from qac.council.models import CouncilPackage
from qac.exams.models import Decision, ExamResult, SessionStatus

# Applications a member of staff decided on (withdrawn ones also carry ``decided_at``).
DECIDED_BY_STAFF = [
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.REJECTED,
    ApplicationStatus.SCHEDULED,
    ApplicationStatus.PASSED,
    ApplicationStatus.FAILED,
    ApplicationStatus.ABSENT,
]
# Outcomes that count in a pass rate: an absent candidate was not assessed.
ASSESSED = [Decision.PASSED, Decision.FAILED, Decision.REMOVED]


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    @classmethod
    def default(cls, today: datetime.date) -> Period:
        """The last twelve months, this one included."""
        first = today.replace(day=1)
        year, month = (first.year - 1, first.month + 1) if first.month < 12 else (first.year, 1)
        return cls(datetime.date(year, month, 1), today)

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """Aware datetimes: from the first day's midnight to (not including) the day after the last."""
        start = timezone.make_aware(datetime.datetime.combine(self.start, datetime.time()))
        end = timezone.make_aware(datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time()))
        return start, end


def months(period: Period) -> list[datetime.date]:
    """The first day of every month the period touches, in order."""
    out, day = [], period.start.replace(day=1)
    while day <= period.end:
        out.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return out


def applications_per_month(period: Period) -> list[tuple[datetime.date, int]]:
    """(first day of the month, applications registered) for every month of the period, zeros included."""
    start, end = period.bounds()
    rows = (
        Application.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
        .annotate(month=TruncMonth("submitted_at"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {_as_date(r["month"]): r["n"] for r in rows}
    return [(m, counts.get(m, 0)) for m in months(period)]


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def pass_rates(period: Period) -> list[dict]:
    """Per qualification: results assessed, passed overall, theory taken/passed, practice taken/passed.

    Approved sessions whose exam ended in the period; one grouped query.
    """
    start, end = period.bounds()
    rows = (
        ExamResult.objects.filter(
            enrolment__session__status=SessionStatus.RESULTS_APPROVED,
            enrolment__session__ends_at__gte=start,
            enrolment__session__ends_at__lt=end,
            decision__in=ASSESSED,
        )
        .values("enrolment__session__qualification__code")
        .annotate(
            assessed=Count("id"),
            passed=Count("id", filter=Q(decision=Decision.PASSED)),
            theory=Count("id", filter=Q(theory_passed__isnull=False)),
            theory_passed=Count("id", filter=Q(theory_passed=True)),
            practical=Count("id", filter=Q(practical_passed__isnull=False)),
            practical_passed=Count("id", filter=Q(practical_passed=True)),
        )
        .order_by("enrolment__session__qualification__code")
    )
    return [
        {
            "code": r["enrolment__session__qualification__code"],
            "assessed": r["assessed"],
            "passed": r["passed"],
            "rate": _share(r["passed"], r["assessed"]),
            "theory": r["theory"],
            "theory_passed": r["theory_passed"],
            "theory_rate": _share(r["theory_passed"], r["theory"]),
            "practical": r["practical"],
            "practical_passed": r["practical_passed"],
            "practical_rate": _share(r["practical_passed"], r["practical"]),
        }
        for r in rows
    ]


def _share(part: int, whole: int) -> int | None:
    """A whole percentage, or None when there is nothing to divide."""
    return round(100 * part / whole) if whole else None


def review_time(period: Period) -> dict:
    """Days from registration to the center's decision, average and worst, for applications registered in the
    period and decided by staff, and how many were decided within the review deadline."""
    start, end = period.bounds()
    took = ExpressionWrapper(F("decided_at") - F("submitted_at"), output_field=DurationField())
    limit = datetime.timedelta(days=settings.QAC_APPLICATION_REVIEW_DAYS + 1)
    agg = Application.objects.filter(
        submitted_at__gte=start, submitted_at__lt=end, decided_at__isnull=False, status__in=DECIDED_BY_STAFF
    ).aggregate(
        n=Count("id"),
        average=Avg(took),
        worst=Max(took),
        in_time=Count("id", filter=Q(decided_at__lt=F("submitted_at") + limit)),
    )
    return {
        "decided": agg["n"],
        "average_days": _days(agg["average"]),
        "worst_days": _days(agg["worst"]),
        "in_time": agg["in_time"],
    }


def _days(value: datetime.timedelta | None) -> float | None:
    return round(value.total_seconds() / 86400, 1) if value is not None else None


def deadlines_met(period: Period, *, today: datetime.date, review: dict) -> list[dict]:
    """Share of deadlines met, per legal deadline that fell in the period and is settled: met, or already past.

    Review (10 days, from ``review_time``), the package to the Council (7 days), documents handed over or
    posted (30 days).
    """
    settled_until = min(period.end, today - datetime.timedelta(days=1))
    packages = CouncilPackage.objects.filter(due_on__gte=period.start, due_on__lte=period.end).aggregate(
        met=Count("pk", filter=Q(sent_on__isnull=False, sent_on__lte=F("due_on"))),
        due=Count("pk", filter=Q(sent_on__isnull=False) | Q(due_on__lte=settled_until)),
    )
    documents = IssuedDocument.objects.filter(
        issue_due_on__gte=period.start, issue_due_on__lte=period.end, is_current=True, revoked_on__isnull=True
    ).aggregate(
        met=Count("pk", filter=Q(delivered_on__isnull=False, delivered_on__lte=F("issue_due_on"))),
        due=Count("pk", filter=Q(delivered_on__isnull=False) | Q(issue_due_on__lte=settled_until)),
    )
    rows = [
        (
            "review",
            _("Applications decided within %(n)s days") % {"n": settings.QAC_APPLICATION_REVIEW_DAYS},
            review["in_time"],
            review["decided"],
        ),
        (
            "package",
            _("Packages sent to the Council within %(n)s days") % {"n": settings.QAC_COUNCIL_PACKAGE_DAYS},
            packages["met"],
            packages["due"],
        ),
        (
            "documents",
            _("Documents handed over or posted within %(n)s days") % {"n": settings.QAC_DOCUMENTS_ISSUE_DAYS},
            documents["met"],
            documents["due"],
        ),
    ]
    return [{"key": k, "label": label, "met": met, "due": due, "rate": _share(met, due)} for k, label, met, due in rows]


def figures(period: Period, *, today: datetime.date) -> dict:
    """Everything the head's home shows for the period."""
    review = review_time(period)
    return {
        "per_month": applications_per_month(period),
        "pass_rates": pass_rates(period),
        "review": review,
        "deadlines": deadlines_met(period, today=today, review=review),
    }
