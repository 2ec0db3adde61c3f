"""Reads of the retention app: which records have passed their period, the acts, the board.

Every ``due_*`` function is one set-based query (one per qualification where the period depends
on the qualification's certificate validity), so the nightly job costs the same few queries at
100 000 applications as at ten. ``ignore_acts=True`` is the re-check made when an approved act is
carried out: the record is then in that act, and only its period matters.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import Application, ApplicationStatus, ChangeRequestStatus, IdentityChangeRequest
from qac.accounts.models import User
from qac.accounts.roles import Role, has_role, is_qac_staff
from qac.appeals.models import Appeal
from qac.appeals.selectors import LIVE as LIVE_APPEALS
from qac.certificates.models import IssuedDocument
from qac.council.models import CouncilPackage
from qac.exams.models import Enrolment, ExamResult, ExamSession, SessionStatus
from standards.models import Qualification

from .models import ActItem, ActStatus, ConsentWithdrawal, DestructionAct, ItemOutcome, RecordKind

K = RecordKind
S = ApplicationStatus
# An exam was held and decided: the application is part of the exam's materials (Order 759n p.3 «ж»).
EXAMINED_STATUSES = (S.PASSED, S.FAILED, S.ABSENT)
# Closed without an exam: only 152-FZ art. 5 p.7 governs how long it is kept.
UNEXAMINED_STATUSES = (S.DRAFT, S.REJECTED, S.WITHDRAWN)
# Applications a withdrawal of consent cannot close by itself: the candidate sits an exam soon.
BLOCKING_STATUSES = (S.SCHEDULED,)
# Open applications a withdrawal of consent withdraws (the candidate's own move, candidates.services).
WITHDRAWABLE = (S.DRAFT, S.SUBMITTED, S.DOCUMENTS_REQUESTED, S.RESUBMITTED, S.ACCEPTED)
APPLICATION_KINDS = (K.APPLICATION_FILE, K.APPLICATION_UNEXAMINED)


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def years_after(day: datetime.date, years: int) -> datetime.date:
    return years_before(day, -years)


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _period(name: str) -> int:
    return settings.QAC_RETENTION[name]


def _not_in_an_act(kind: str, today: datetime.date) -> Q:
    """Not destroyed already, not waiting in an act, not rejected lately (it comes back after the hold).

    A plain ``NOT IN (subquery)``, not a correlated ``NOT EXISTS``: PostgreSQL hashes the ids once,
    whatever its estimate of the act's rows (a fresh act of 100 000 items has no statistics yet).
    """
    hold = _start_of(today - datetime.timedelta(days=settings.QAC_RETENTION_REJECTED_HOLD_DAYS))
    busy = ActItem.objects.filter(kind=kind).filter(
        Q(outcome=ItemOutcome.DESTROYED)
        | Q(act__status__in=(ActStatus.PROPOSED, ActStatus.APPROVED))
        | Q(act__status=ActStatus.REJECTED, act__decided_at__gte=hold)
    )
    return ~Q(pk__in=busy.values("object_id"))


def _appeal_open(application: str) -> Exists:
    """An appeal not yet closed: the commission and a re-exam need the file and the exam's materials
    (701n), so nothing it concerns is destroyed until it is rejected, executed or withdrawn."""
    return Exists(Appeal.objects.filter(status__in=LIVE_APPEALS, **{application: OuterRef("pk")}))


def _destroyed(kinds) -> Q:
    return Q(pk__in=ActItem.objects.filter(kind__in=kinds, outcome=ItemOutcome.DESTROYED).values("object_id"))


def due_application_files(*, today: datetime.date, ignore_acts: bool = False) -> QuerySet[Application]:
    """Examined applications past «the certificate's validity plus 3 years» (759n p.3 «ж»).

    The validity is the qualification's, counted from the last exam, and never ends before any
    of the application's documents' own «valid until» (a validity extension moves it on).
    """
    after = _period("after_validity_years")
    documents_valid = IssuedDocument.objects.filter(
        result__enrolment__application=OuterRef("pk"), valid_until__gte=years_before(today, after)
    )
    by_qualification = Q(pk__in=[])
    for qualification_id, validity in Qualification.objects.values_list("pk", "validity_years"):
        recent_exam = Enrolment.objects.filter(
            application=OuterRef("pk"), session__starts_at__gte=_start_of(years_before(today, validity + after))
        )
        by_qualification |= Q(qualification_id=qualification_id) & ~Exists(recent_exam)
    rows = (
        Application.objects.filter(status__in=EXAMINED_STATUSES)
        .filter(by_qualification)
        .exclude(Exists(documents_valid))
        .exclude(_appeal_open("application"))
    )
    rows = rows.exclude(_destroyed(APPLICATION_KINDS))
    return rows if ignore_acts else rows.filter(_not_in_an_act(K.APPLICATION_FILE, today))


def due_applications_unexamined(*, today: datetime.date, ignore_acts: bool = False) -> QuerySet[Application]:
    """Drafts, refusals and withdrawals with no exam result, closed (or started) over N years ago (152-FZ 5.7).

    Due at once when the candidate withdrew consent: no law obliges the center to keep them.
    """
    cutoff = _start_of(years_before(today, _period("unexamined_years")))
    examined = ExamResult.objects.filter(enrolment__application=OuterRef("pk")).exclude(decision="")
    withdrawn_consent = ConsentWithdrawal.objects.filter(candidate=OuterRef("candidate"), completed_at__isnull=True)
    rows = (
        Application.objects.filter(status__in=UNEXAMINED_STATUSES)
        .alias(closed=Coalesce("decided_at", "created_at"))
        .filter(Q(closed__lt=cutoff) | Exists(withdrawn_consent))
        .exclude(Exists(examined))
        .exclude(_appeal_open("application"))
        .exclude(_destroyed(APPLICATION_KINDS))
    )
    return rows if ignore_acts else rows.filter(_not_in_an_act(K.APPLICATION_UNEXAMINED, today))


def due_session_materials(*, today: datetime.date, ignore_acts: bool = False) -> QuerySet[ExamSession]:
    """The protocol and the Council package of a session, once every candidate's period in it is over."""
    after = _period("after_validity_years")
    documents_valid = IssuedDocument.objects.filter(
        result__enrolment__session=OuterRef("pk"), valid_until__gte=years_before(today, after)
    )
    by_qualification = Q(pk__in=[])
    for qualification_id, validity in Qualification.objects.values_list("pk", "validity_years"):
        cutoff = _start_of(years_before(today, validity + after))
        by_qualification |= Q(qualification_id=qualification_id, starts_at__lt=cutoff)
    rows = (
        ExamSession.objects.filter(by_qualification)
        .filter(status__in=(SessionStatus.RESULTS_APPROVED, SessionStatus.COMPLETED))
        .filter(~Q(protocol="") | Exists(CouncilPackage.objects.filter(session=OuterRef("pk")).exclude(file="")))
        .exclude(Exists(documents_valid))
        .exclude(_appeal_open("result__enrolment__session"))
        .exclude(_destroyed([K.SESSION_MATERIALS]))
    )
    return rows if ignore_acts else rows.filter(_not_in_an_act(K.SESSION_MATERIALS, today))


def due_identity_changes(*, today: datetime.date, ignore_acts: bool = False) -> QuerySet[IdentityChangeRequest]:
    cutoff = _start_of(years_before(today, _period("identity_change_years")))
    rows = IdentityChangeRequest.objects.filter(
        status__in=(ChangeRequestStatus.APPROVED, ChangeRequestStatus.REFUSED), decided_at__lt=cutoff
    ).exclude(_destroyed([K.IDENTITY_CHANGE]))
    return rows if ignore_acts else rows.filter(_not_in_an_act(K.IDENTITY_CHANGE, today))


def _kept_applications(ref: str = "pk") -> Exists:
    """The person still has an application whose file is kept."""
    return Exists(Application.objects.filter(candidate=OuterRef(ref)).exclude(_destroyed(APPLICATION_KINDS)))


def due_candidate_accounts(*, today: datetime.date, ignore_acts: bool = False) -> QuerySet[User]:
    """Candidates with no file left to keep and not seen for N years: the profile's purpose is over."""
    cutoff = _start_of(years_before(today, _period("inactive_account_years")))
    rows = (
        User.objects.filter(groups__name=Role.CANDIDATE.value)
        .exclude(groups__name__in=(Role.HEAD.value, Role.STAFF.value, Role.EXPERT.value))
        .exclude(is_superuser=True)
        .alias(seen=Coalesce("last_login", "date_joined"))
        .filter(seen__lt=cutoff)
        .exclude(_kept_applications())
        .exclude(_destroyed([K.CANDIDATE_ACCOUNT]))
        .exclude(Exists(ConsentWithdrawal.objects.filter(candidate=OuterRef("pk"))))
    )
    return rows if ignore_acts else rows.filter(_not_in_an_act(K.CANDIDATE_ACCOUNT, today))


def due_consent_withdrawals(*, today: datetime.date, ignore_acts: bool = False) -> QuerySet[ConsentWithdrawal]:
    """Withdrawals not yet carried out: due at once (152-FZ art. 21 p.5 gives 30 days at most).

    Held back while the candidate is enrolled in an exam: staff first take them off the session.
    """
    blocking = Application.objects.filter(candidate=OuterRef("candidate"), status__in=BLOCKING_STATUSES)
    rows = ConsentWithdrawal.objects.filter(completed_at__isnull=True).exclude(Exists(blocking))
    return rows if ignore_acts else rows.filter(_not_in_an_act(K.CONSENT_WITHDRAWAL, today))


DUE = {
    K.APPLICATION_FILE: due_application_files,
    K.APPLICATION_UNEXAMINED: due_applications_unexamined,
    K.SESSION_MATERIALS: due_session_materials,
    K.IDENTITY_CHANGE: due_identity_changes,
    K.CANDIDATE_ACCOUNT: due_candidate_accounts,
    K.CONSENT_WITHDRAWAL: due_consent_withdrawals,
}


def is_due(*, kind: str, object_id: int, today: datetime.date) -> bool:
    return DUE[kind](today=today, ignore_acts=True).filter(pk=object_id).exists()


# --- Access and pages -------------------------------------------------------------------------


def is_candidate(user) -> bool:
    return has_role(user, Role.CANDIDATE) and not is_qac_staff(user)


def act_get_for_head(*, user, pk: int) -> DestructionAct:
    """The one door to an act: the head only (others 403), 404 for an act that does not exist."""
    if not has_role(user, Role.HEAD):
        raise PermissionDenied
    act = DestructionAct.objects.select_related("decided_by").filter(pk=pk).first()
    if act is None:
        raise Http404
    return act


def acts_for_head() -> QuerySet[DestructionAct]:
    return (
        DestructionAct.objects.select_related("decided_by")
        .annotate(total=Count("items"), destroyed=Count("items", filter=Q(items__outcome=ItemOutcome.DESTROYED)))
        .order_by("-created_at", "-id")
    )


def allowed_act_actions(act: DestructionAct, user) -> set[str]:
    if act.status == ActStatus.PROPOSED and has_role(user, Role.HEAD):
        return {"approve", "reject"}
    return set()


def act_summary(act: DestructionAct) -> list[dict]:
    """Per kind of record: how many the act covers, destroyed, refused, pending; one query."""
    result: dict[str, dict] = {}
    for row in act.items.order_by().values("kind", "outcome").annotate(n=Count("pk")):
        entry = result.setdefault(row["kind"], {"kind": row["kind"], "label": K(row["kind"]).label, "total": 0})
        entry[row["outcome"]] = row["n"]
        entry["total"] += row["n"]
    return [result[k] for k in K.values if k in result]


def act_items(act: DestructionAct) -> QuerySet[ActItem]:
    return act.items.order_by("kind", "object_id")


def candidate_by_email(email: str) -> User | None:
    """The account a withdrawal received on paper is registered for (staff type the e-mail)."""
    return User.objects.filter(email__iexact=email).first()


def withdrawals_open() -> QuerySet[ConsentWithdrawal]:
    return ConsentWithdrawal.objects.filter(completed_at__isnull=True).select_related("candidate")


def withdrawal_open_for(user) -> ConsentWithdrawal | None:
    return ConsentWithdrawal.objects.filter(candidate=user, completed_at__isnull=True).first()


def board_items(*, today: datetime.date) -> list[dict]:
    """What the staff board shows of retention (setting ``QAC_BOARD_SOURCES``)."""
    proposed = DestructionAct.objects.filter(status=ActStatus.PROPOSED)
    horizon = today + datetime.timedelta(days=settings.QAC_CONSENT_WITHDRAWAL_DAYS)
    withdrawals = withdrawals_open().filter(due_on__lte=horizon)
    oldest = proposed.aggregate(on=Min("proposed_on"))["on"]
    return [
        {
            "key": "retention_acts",
            "label": _("Destruction acts awaiting the head's approval"),
            "count": proposed.count(),
            "due": oldest,
            "url": reverse("retention:acts"),
        },
        {
            "key": "consent_withdrawals",
            "label": _("Withdrawals of consent: personal data to destroy"),
            "count": withdrawals.count(),
            "due": withdrawals.aggregate(on=Min("due_on"))["on"],
            "url": reverse("retention:acts") + "#withdrawals",
        },
    ]


# --- What a withdrawal of consent leaves, and why ----------------------------------------------


def application_kept_until(application: Application) -> datetime.date | None:
    """The last day an examined application's file is kept: validity (or the documents') plus 3 years."""
    after = _period("after_validity_years")
    exam = application.enrolments.aggregate(on=Max("session__starts_at"))["on"]
    if exam is None:
        return None
    until = years_after(timezone.localdate(exam), application.qualification.validity_years)
    valid = IssuedDocument.objects.filter(result__enrolment__application=application).aggregate(on=Max("valid_until"))
    if valid["on"] and valid["on"] > until:
        until = valid["on"]
    return years_after(until, after)


def what_is_kept(*, candidate, today: datetime.date) -> list[dict]:
    """What stays after a withdrawal of consent, until when and on which legal ground (told to the candidate)."""
    kept = []
    examined = (
        Application.objects.filter(candidate=candidate, status__in=(*EXAMINED_STATUSES, *BLOCKING_STATUSES))
        .exclude(_destroyed(APPLICATION_KINDS))
        .select_related("qualification")
    )
    for application in examined:
        until = application_kept_until(application)
        kept.append(
            {
                "what": _("Application %(number)s (%(code)s): the application, its documents, the exam materials")
                % {"number": application.number or application.pk, "code": application.qualification.code},
                "until": until.strftime("%d.%m.%Y") if until else "",
                "why": _(
                    "Order 759n p.3 «ж»: the center keeps the application, the protocol and the exam materials "
                    "for the certificate's validity and three years after; 152-FZ art. 6 p.1 (2) and art. 21 p.5 "
                    "allow keeping them without consent."
                ),
            }
        )
    if kept:
        kept.append(
            {
                "what": _("Certificates and conclusions in the register of independent assessment"),
                "until": "",
                "why": _(
                    "238-FZ art. 10 and Order 649n: the register is kept by the National agency, not by the center."
                ),
            }
        )
    return kept


def withdrawal_days() -> int:
    return settings.QAC_CONSENT_WITHDRAWAL_DAYS
