"""Reads of the appeals app: who may see which appeal, deadlines, the staff list and board, corrections."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.models import Application, ApplicationStatus, ApplicationTransition, CallTask, NotifyBy
from qac.accounts.roles import Role, has_role, is_qac_staff
from qac.certificates.models import IssuedDocument, Kind, Variant
from qac.council.selectors import deadline
from qac.exams.models import Decision, ExamResult, ResultCorrection, SessionStatus

from .models import Appeal, AppealFile, AppealStatus, Remedy

S = AppealStatus
# The application's statuses that carry a decision of the center a candidate may appeal (701n p.4).
APPEALABLE = (ApplicationStatus.PASSED, ApplicationStatus.FAILED, ApplicationStatus.ABSENT, ApplicationStatus.REJECTED)
LIVE = (S.FILED, S.FORWARDED, S.SATISFIED)


# --- The deadline to appeal ------------------------------------------------------------------------


def informed_on(application: Application) -> datetime.date | None:
    """The day the candidate was told the decision they appeal against (238-FZ art. 4 p.6: 30 days from it).

    The center tells the outcome the way the candidate chose on the application (Order 706n):
    by e-mail, sent when the outcome was recorded (the application's move into its status,
    whose e-mail goes out on that commit); by phone, when staff recorded the call. Until
    then the candidate has not been told and the time does not run. A corrected result is
    a new outcome, told anew, so the time runs from the latest move.
    """
    if application.status not in APPEALABLE:
        return None
    transition = (
        ApplicationTransition.objects.filter(application=application, to_status=application.status)
        .order_by("-at", "-pk")
        .first()
    )
    if transition is None:
        return None
    if application.notify_by == NotifyBy.PHONE:
        call = CallTask.objects.filter(transition=transition, called_at__isnull=False).first()
        return timezone.localdate(call.called_at) if call else None
    return timezone.localdate(transition.at)


def appeal_deadline(application: Application) -> datetime.date | None:
    informed = informed_on(application)
    return informed + datetime.timedelta(days=settings.QAC_APPEAL_DAYS) if informed else None


def appealed_result(application: Application) -> ExamResult | None:
    """The approved result of the application's latest exam; none for a refused application."""
    if application.status == ApplicationStatus.REJECTED:
        return None
    return (
        ExamResult.objects.filter(
            enrolment__application=application, enrolment__session__status=SessionStatus.RESULTS_APPROVED
        )
        .order_by("-enrolment__session__starts_at", "-pk")
        .first()
    )


def live_appeal(*, application: Application, result: ExamResult | None) -> Appeal | None:
    qs = Appeal.objects.exclude(status=S.WITHDRAWN)
    qs = qs.filter(result=result) if result is not None else qs.filter(application=application, result__isnull=True)
    return qs.order_by("-pk").first()


def current_certificate(appeal: Appeal) -> IssuedDocument | None:
    if appeal.result_id is None:
        return None
    return (
        IssuedDocument.objects.filter(
            result_id=appeal.result_id, kind=Kind.CERTIFICATE, is_current=True, revoked_on__isnull=True
        )
        .exclude(variant=Variant.CORRECTION)
        .order_by("-pk")
        .first()
    )


def can_appeal(application: Application, *, today: datetime.date | None = None) -> dict:
    """What the application page shows: whether an appeal may be filed, until when, and any appeal filed."""
    today = today or timezone.localdate()
    appeals = list(application.appeals.order_by("-pk"))
    if application.status not in APPEALABLE:
        return {"open": False, "appealable": False, "closes": None, "appeals": appeals}
    closes = appeal_deadline(application)
    live = live_appeal(application=application, result=appealed_result(application))
    return {
        "open": live is None and (closes is None or today <= closes),
        "appealable": True,
        "closes": closes,
        "appeals": appeals,
    }


# --- Access ----------------------------------------------------------------------------------------


def _appeals() -> QuerySet[Appeal]:
    return Appeal.objects.select_related(
        "application__candidate", "application__qualification", "result__enrolment__session", "filed_by"
    )


def appeal_get_for_candidate(*, user, pk: int) -> Appeal:
    appeal = _appeals().filter(pk=pk, application__candidate=user).first()
    if appeal is None:
        raise Http404
    return appeal


def appeal_get_for_staff(*, user, pk: int) -> Appeal:
    appeal = _appeals().filter(pk=pk).first() if is_qac_staff(user) else None
    if appeal is None:
        raise Http404
    return appeal


def appeal_file_get_for_user(*, user, pk: int) -> AppealFile:
    qs = AppealFile.objects.filter(pk=pk)
    if not is_qac_staff(user):
        qs = qs.filter(appeal__application__candidate=user)
    found = qs.first()
    if found is None:
        raise Http404
    return found


def application_for_appeal(*, user, pk: int) -> Application:
    """The candidate's own application (404 for anyone else's), or any for staff registering a paper appeal."""
    qs = Application.objects.select_related("qualification", "candidate").filter(pk=pk)
    if not is_qac_staff(user):
        qs = qs.filter(candidate=user)
    application = qs.first()
    if application is None:
        raise Http404
    return application


# --- Buttons, deadlines, the staff list and board ---------------------------------------------------


def allowed_actions(appeal: Appeal, user) -> set[str]:
    """The buttons the appeal page shows ``user``; the services check again."""
    if is_qac_staff(user):
        actions = {
            S.FILED: {"forward", "withdraw"},
            S.FORWARDED: {"decide", "withdraw"},
            S.SATISFIED: {"execute"},
        }.get(appeal.status, set())
        if "execute" in actions and appeal.remedy == Remedy.CORRECT and not has_role(user, Role.HEAD):
            actions = set()  # a result is corrected by the head (or the chair, on the expert's page)
        return actions
    if appeal.application.candidate_id == getattr(user, "pk", None) and appeal.status in (S.FILED, S.FORWARDED):
        return {"withdraw"}
    return set()


def forward_due(appeal: Appeal) -> datetime.date:
    return appeal.filed_on + datetime.timedelta(days=settings.QAC_APPEAL_FORWARD_DAYS)


def appeal_deadline_info(appeal: Appeal, *, today: datetime.date | None = None) -> dict | None:
    """The deadline running now for this appeal, as the pages show it."""
    due = {S.FILED: forward_due(appeal), S.FORWARDED: appeal.decision_due_on, S.SATISFIED: appeal.execute_by}
    return deadline(due.get(appeal.status), today=today)


STATE_FILTERS = {
    "filed": Q(status=S.FILED),
    "forwarded": Q(status=S.FORWARDED),
    "satisfied": Q(status=S.SATISFIED),
    "closed": Q(status__in=(S.REJECTED, S.EXECUTED, S.WITHDRAWN)),
}


def appeals_for_staff(*, state: str = "") -> QuerySet[Appeal]:
    qs = _appeals().order_by("-filed_on", "-pk")
    return qs.filter(STATE_FILTERS[state]) if state in STATE_FILTERS else qs


def board_items(*, today: datetime.date) -> list[dict]:
    """The appeals' deadlines for the staff board (``QAC_BOARD_SOURCES``): one row per kind of work.

    ``due`` is the earliest deadline of the kind (None when there is nothing to do).
    """
    no_gap = datetime.timedelta(0)
    rows = [
        ("appeals_forward", _("Appeals to forward to the appeals commission"), S.FILED, "filed_on", None),
        ("appeals_decision", _("Appeal decisions awaited (60 days)"), S.FORWARDED, "decision_due_on", no_gap),
        ("appeals_execute", _("Appeal decisions to execute"), S.SATISFIED, "execute_by", no_gap),
    ]
    items = []
    for key, label, status, field, gap in rows:
        found = Appeal.objects.filter(status=status).aggregate(count=Count("pk"), first=Min(field))
        gap = gap if gap is not None else datetime.timedelta(days=settings.QAC_APPEAL_FORWARD_DAYS)
        items.append(
            {
                "key": key,
                "label": str(label),
                "count": found["count"],
                "due": found["first"] + gap if found["first"] else None,
                "url": reverse("appeals:staff_list") + f"?state={status}",
            }
        )
    return items


def appeal_history(appeal: Appeal) -> list:
    return list(appeal.history.select_related("by"))


# --- Corrections after approval (the head's page) ---------------------------------------------------


def corrections() -> QuerySet[ResultCorrection]:
    """Corrections of approved results, newest first, with what follows them now (application, verdict, documents)."""
    return (
        ResultCorrection.objects.select_related(
            "by",
            "result__enrolment__application__candidate",
            "result__enrolment__session__qualification",
            "result__council_verdict",
        )
        .prefetch_related("result__documents")
        .order_by("-at", "-pk")
    )


def correction_fields(correction: ResultCorrection) -> list[dict]:
    """The fields a correction changed, each with its label, the value before and after."""
    labels = {f.name: f.verbose_name for f in ExamResult._meta.get_fields() if hasattr(f, "verbose_name")}
    decisions = dict(Decision.choices)
    rows = []
    for name, before in correction.before.items():
        after = correction.after.get(name)
        if before != after:
            if name == "decision":
                before, after = decisions.get(before, before), decisions.get(after, after)
            before, after = _shown(before), _shown(after)
            rows.append({"field": labels.get(name, name), "before": before, "after": after})
    return rows


def _shown(value):
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value


# --- The register (Order 649n p.11, p.15) --------------------------------------------------------------

REPORTED_DECISIONS = {S.SATISFIED: "satisfied", S.EXECUTED: "satisfied", S.REJECTED: "rejected"}


def register_appeal_rows() -> list[dict]:
    """Decided appeals the registry export has not reported yet, as the 649n p.11 list holds them.

    Kind of professional activity, qualification, the complaint's date, grounds and the
    commission's decision; the Council's and the center's names are the export's own.
    No personal data: the list is about the commission's work, not the person.
    """
    rows = (
        Appeal.objects.filter(status__in=list(REPORTED_DECISIONS), register_batch_id__isnull=True)
        .order_by("pk")
        .values(
            "pk",
            "status",
            "grounds",
            "filed_on",
            "decided_on",
            "decision_number",
            "application__qualification__code",
            "application__qualification__name",
            "application__qualification__level",
            "application__qualification__activity_type",
        )
    )
    return [
        {
            "pk": r["pk"],
            "received": r["filed_on"],
            "grounds": r["grounds"],
            "decision": REPORTED_DECISIONS[r["status"]],
            "decision_number": r["decision_number"],
            "decided_on": r["decided_on"],
            "q_code": r["application__qualification__code"],
            "q_name": r["application__qualification__name"],
            "q_level": r["application__qualification__level"],
            "activity": r["application__qualification__activity_type"] or r["application__qualification__name"],
        }
        for r in rows
    ]
