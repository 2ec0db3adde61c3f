"""Read-side queries for applications; the one place that decides who sees which application."""

import datetime
import re
from dataclasses import dataclass

from django.db.models import Count, Min, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Upper
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qac.accounts.roles import Role, has_role, is_qac_staff
from qac.keyset import Keyset, KeysetPage, keyset_page

from .models import (
    AWAITING_REVIEW,
    CERTIFICATE_STATUSES,
    CHANGE_REQUEST_FIELDS,
    IDENTITY_OPEN_STATUSES,
    IDENTITY_PROFILE_FIELDS,
    IDENTITY_USER_FIELDS,
    NAME_FIELDS,
    NO_DUE_FIRST,
    NO_DUE_LAST,
    REGISTER_STATUSES,
    AccountMerge,
    ApplicantIdentity,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationTransition,
    CallTask,
    CandidateProfile,
    ChangeRequestStatus,
    IdentityChangeRequest,
    IdentityChangeTransition,
)
from .templatetags.application_status import status_badge
from .validators import normalize_snils


def profile_get(*, user) -> CandidateProfile | None:
    return CandidateProfile.objects.filter(user=user).prefetch_related("education", "experience").first()


def _with_detail(qs: QuerySet[Application]) -> QuerySet[Application]:
    return qs.select_related("qualification__standard", "candidate__candidate_profile", "identity").prefetch_related(
        Prefetch("history", queryset=ApplicationTransition.objects.select_related("by")),
        Prefetch("documents", queryset=ApplicationDocument.objects.select_related("required_document")),
        Prefetch("calls", queryset=CallTask.objects.select_related("transition", "called_by")),
        "qualification__required_documents",
    )


def application_list_for_candidate(*, user) -> QuerySet[Application]:
    return Application.objects.filter(candidate=user).select_related("qualification").order_by("-created_at", "-id")


def application_get_for_candidate(*, user, pk: int) -> Application:
    """The candidate's own application, or 404: another person's id looks like a missing one."""
    if not has_role(user, Role.CANDIDATE):
        raise Http404
    application = _with_detail(Application.objects.filter(candidate=user, pk=pk)).first()
    if application is None:
        raise Http404
    return application


def application_get_for_staff(*, user, pk: int) -> Application:
    """Any registered application; a draft is the candidate's own business until submitted
    (they have not yet consented to processing), so staff get 404 for it."""
    if not is_qac_staff(user):
        raise Http404
    application = _with_detail(Application.objects.exclude(status=ApplicationStatus.DRAFT).filter(pk=pk)).first()
    if application is None:
        raise Http404
    return application


def call_task_get_for_staff(*, user, pk: int) -> CallTask:
    if not is_qac_staff(user):
        raise Http404
    task = CallTask.objects.select_related("application").exclude(application__status=ApplicationStatus.DRAFT)
    task = task.filter(pk=pk).first()
    if task is None:
        raise Http404
    return task


def document_get_for_user(*, user, pk: int) -> ApplicationDocument:
    """A document file: its candidate or QAC staff; everyone else gets 404."""
    qs = ApplicationDocument.objects.select_related("application")
    if is_qac_staff(user):
        qs = qs.exclude(application__status=ApplicationStatus.DRAFT)
    elif has_role(user, Role.CANDIDATE):
        qs = qs.filter(application__candidate=user)
    else:
        raise Http404
    document = qs.filter(pk=pk).first()
    if document is None:
        raise Http404
    return document


# Far dates stand in for "no deadline" so that rows without one sort last in
# both directions and the sort key has no NULLs for keyset paging to compare;
# Application's expression indexes hold exactly these expressions.
DUE_ASC = Coalesce("review_due_on", Value(NO_DUE_LAST))
DUE_DESC = Coalesce("review_due_on", Value(NO_DUE_FIRST))
_DUE = ((DUE_ASC, datetime.date), ("id", int))
_SUBMITTED = (("submitted_at", datetime.datetime), ("id", int))
# The candidate's id before the application's keeps each name's rows in the
# order of user_name_idx, so no page sorts more than one person's applications.
_NAME = (
    ("candidate__last_name", str),
    ("candidate__first_name", str),
    ("candidate_id", int),
    ("id", int),
)
SORTS = {
    "due": Keyset(_DUE),
    "-due": Keyset(((DUE_DESC, datetime.date), ("id", int)), descending=True),
    "submitted": Keyset(_SUBMITTED),
    # Listed applications all have submitted_at and a number (drafts are never listed).
    "-submitted": Keyset(_SUBMITTED, descending=True),
    "number": Keyset((("number", str),)),
    "-number": Keyset((("number", str),), descending=True),
    # The seek compares the users table's columns only: user_name_idx serves it.
    "name": Keyset(_NAME, seek_keys=2),
    "-name": Keyset(_NAME, descending=True, seek_keys=2),
}
DEFAULT_SORT = "due"
DATE_FILTERS = ("to_agree", "awaiting_answer")
# The status filter's "submitted or resubmitted": what the review deadline runs for.
AWAITING_REVIEW_FILTER = "awaiting_review"


def application_queue(
    *,
    status: str = "",
    qualification_id: int | None = None,
    submitted_from: datetime.date | None = None,
    submitted_to: datetime.date | None = None,
    search: str = "",
    date: str = "",
    sort: str = DEFAULT_SORT,
) -> QuerySet[Application]:
    """The staff review queue: drafts are the candidate's business and never listed.

    ``date``: "to_agree", accepted applications with no exam date offered yet; "awaiting_answer",
    those whose offered dates wait for the candidate's answer (Decree 1204 p.9).
    """
    qs = Application.objects.exclude(status=ApplicationStatus.DRAFT).select_related(
        "qualification", "candidate", "candidate__candidate_profile"
    )
    if status == AWAITING_REVIEW_FILTER:
        qs = qs.filter(status__in=AWAITING_REVIEW)
    elif status:
        qs = qs.filter(status=status)
    if qualification_id:
        qs = qs.filter(qualification_id=qualification_id)
    if date in DATE_FILTERS:
        qs = qs.filter(status=ApplicationStatus.ACCEPTED, date_offered_at__isnull=date == "to_agree")
    # Bounds on the column itself (local midnights), not on its date: the index on submitted_at serves them.
    if submitted_from:
        qs = qs.filter(submitted_at__gte=_local_midnight(submitted_from))
    if submitted_to:
        qs = qs.filter(submitted_at__lt=_local_midnight(submitted_to + datetime.timedelta(days=1)))
    search = search.strip()
    if search:
        # The aliases join the users table: only a search may pay for it, or the
        # COUNT(*) of every unfiltered page joins 100,000 users for nothing.
        qs = qs.alias(
            candidate_last_name_upper=Upper("candidate__last_name"),
            candidate_first_name_upper=Upper("candidate__first_name"),
        ).filter(_search_condition(search))
    return qs.order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]).ordering())


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# The queue's caption counts at most this many rows: an exact COUNT(*) of
# 100,000 applications on every page costs more than the page itself.
QUEUE_COUNT_CAP = 1000


# A registration window at most this long is narrow: its rows are read by date and sorted.
NARROW_DAYS = 14


def queue_is_narrow(
    *, search: str = "", submitted_from: datetime.date | None = None, submitted_to: datetime.date | None = None
) -> bool:
    """Whether the filters leave few rows that the sort index cannot find quickly: a search, or a short
    registration window (registration and deadline go together, so such rows bunch in the index)."""
    if search.strip():
        return True
    if submitted_from is None:
        return False
    return ((submitted_to or timezone.localdate()) - submitted_from).days <= NARROW_DAYS


def application_queue_page(
    queue: QuerySet[Application],
    *,
    sort: str,
    after: str = "",
    before: str = "",
    narrow: bool = False,
    per_page: int = 25,
) -> KeysetPage:
    """A page of ``application_queue(sort=sort)``, after or before a cursor (see qac.keyset).
    ``narrow`` (``queue_is_narrow``): filter first, then sort, instead of walking the sort's index."""
    keyset = SORTS.get(sort, SORTS[DEFAULT_SORT])
    if narrow:
        keyset = keyset.unindexed()
    return keyset_page(queue, keyset, after=after, before=before, per_page=per_page, ids_first=narrow)


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue, computed once so the template only prints (25 rows a page, every page)."""

    application: Application
    url: str
    name: str
    email: str
    snils: str
    status_label: str
    badge: str
    left: int | None
    overdue: int | None

    def __iter__(self):
        return iter((self.application, self.left, self.overdue))


def queue_rows(page: KeysetPage, *, today: datetime.date | None = None) -> list[QueueRow]:
    today = today or timezone.localdate()
    first = reverse("candidates:staff_application", args=[0])
    rows = []
    for a in page.object_list:
        left = days_left(a, today)
        profile = getattr(a.candidate, "candidate_profile", None)
        rows.append(
            QueueRow(
                application=a,
                url=first.replace("/0/", f"/{a.pk}/"),
                name=a.candidate.get_full_name(),
                email=a.candidate.email,
                snils=profile.snils_masked if profile else "",
                status_label=a.get_status_display(),
                badge=status_badge(a.status),
                left=left,
                overdue=-left if left is not None and left < 0 else None,
            )
        )
    return rows


def queue_view(filters: dict, *, sort: str, after: str = "", before: str = "") -> dict:
    """What the queue page shows for the filter form's valid values: the page, its rows, and the count
    (``count`` None: not counted; ``count_capped``: more than ``QUEUE_COUNT_CAP``)."""
    search = filters.get("q") or ""
    queue = application_queue(
        status=filters.get("status") or "",
        qualification_id=filters["qualification"].pk if filters.get("qualification") else None,
        submitted_from=filters.get("submitted_from"),
        submitted_to=filters.get("submitted_to"),
        search=search,
        date=filters.get("date") or "",
        sort=sort,
    )
    narrow = queue_is_narrow(
        search=search, submitted_from=filters.get("submitted_from"), submitted_to=filters.get("submitted_to")
    )
    page = application_queue_page(queue, sort=sort, after=after, before=before, narrow=narrow)
    count = application_queue_count(queue, page, narrow=narrow)
    return {
        "page": page,
        "rows": queue_rows(page),
        "count": count if count is None else min(count, QUEUE_COUNT_CAP),
        "count_capped": count is not None and count > QUEUE_COUNT_CAP,
    }


def application_queue_count(queue: QuerySet[Application], page: KeysetPage, *, narrow: bool = False) -> int | None:
    """How many applications the queue lists, up to ``QUEUE_COUNT_CAP + 1`` (more shows as "over the cap").

    A narrow queue (``queue_is_narrow``) is not counted: bounding such a count still joins or scans far
    more than its page does. Its count is known only when the page is the only one; else None.
    """
    if narrow:
        return None if page.has_other_pages else len(page)
    return queue.order_by().values("pk")[: QUEUE_COUNT_CAP + 1].count()


APPLICATION_NUMBER_RE = re.compile(r"^V?\d{4}-\d{6,7}$", re.IGNORECASE)


def _search_condition(search: str) -> Q:
    """One indexed condition chosen by what the search looks like.

    An e-mail, an application number, SNILS digits or a name: guessing the
    kind keeps each search on one index instead of an OR that scans every row.
    """
    if "@" in search:
        # Addresses are stored in lower case (UserManager), so the unique index serves.
        return Q(candidate__email=search.lower())
    if APPLICATION_NUMBER_RE.match(search):
        return Q(number=search.upper())
    digits = normalize_snils(search)
    if digits.isdigit():
        if len(digits) == 11:
            return Q(candidate__candidate_profile__snils=digits)
        return Q(candidate__candidate_profile__snils__startswith=digits)
    # A name: "Surname" or "Surname Name", case-insensitively by prefix. Upper()
    # on both sides rather than istartswith, because SQLite's LIKE folds only
    # ASCII (qac.db teaches SQLite's UPPER() Cyrillic); on PostgreSQL it is
    # the same query, served by the UPPER(last_name) pattern index.
    parts = search.split(None, 1)
    condition = Q(candidate_last_name_upper__startswith=parts[0].upper())
    if len(parts) == 2:
        condition = Q(
            candidate_last_name_upper=parts[0].upper(), candidate_first_name_upper__startswith=parts[1].upper()
        )
    return condition


def days_left(application: Application, today: datetime.date | None = None) -> int | None:
    if application.review_due_on is None:
        return None
    return (application.review_due_on - (today or timezone.localdate())).days


def identity_of(application: Application):
    """The personal data the application was submitted with, or None for a draft."""
    applicant = application.applicant
    return applicant if isinstance(applicant, ApplicantIdentity) else None


def identity_changes(identity: ApplicantIdentity, profile) -> list[str]:
    """The fields whose value in the live profile (or account) differs from the submitted copy, by label."""
    if profile is None:
        return []
    changed = []
    for name in IDENTITY_PROFILE_FIELDS:
        if getattr(profile, name) != getattr(identity, name):
            changed.append(str(ApplicantIdentity._meta.get_field(name).verbose_name))
    user = profile.user
    for name in IDENTITY_USER_FIELDS:
        if (getattr(user, name) or "") != getattr(identity, name):
            changed.append(str(ApplicantIdentity._meta.get_field(name).verbose_name))
    return changed


# --- Identity changes after submission ---------------------------------------------------------


def _snapshot_value(value):
    return value.isoformat() if isinstance(value, datetime.date) else (value or "")


def identity_snapshot(*, user) -> dict | None:
    """The values of ``CHANGE_REQUEST_FIELDS`` in the account and profile now (dates as ISO strings)."""
    profile = CandidateProfile.objects.filter(user=user).first()
    if profile is None:
        return None
    values = {f: getattr(user, f) or "" for f in NAME_FIELDS}
    values.update({f: _snapshot_value(getattr(profile, f)) for f in CHANGE_REQUEST_FIELDS if f not in NAME_FIELDS})
    return values


def identity_bound_applications(*, user, changed: list[str]) -> list[Application]:
    """The applications a change of the ``changed`` fields touches: under way (any identity field); for a
    change of name, those with a certificate awaited or issued; for a SNILS, those the register records."""
    if not changed:
        return []
    statuses = set(IDENTITY_OPEN_STATUSES)
    if any(f in NAME_FIELDS for f in changed):
        statuses.update(CERTIFICATE_STATUSES)
    if "snils" in changed:
        statuses.update(REGISTER_STATUSES)
    return list(Application.objects.filter(candidate=user, status__in=statuses).order_by("pk"))


def profile_identity_bound(*, user) -> bool:
    """Whether an application under way or a certificate holds the candidate's identity (the profile page says so)."""
    return Application.objects.filter(candidate=user, status__in=[*IDENTITY_OPEN_STATUSES, *REGISTER_STATUSES]).exists()


def change_request_needs_document(*, user, names: dict, profile_data: dict) -> bool:
    """Whether saving these values opens a new change request, which needs its supporting document."""
    before = identity_snapshot(user=user)
    if before is None or change_request_pending(user=user) is not None:
        return False
    after = {f: (names.get(f) or "").strip() for f in NAME_FIELDS}
    after.update({f: _snapshot_value(profile_data.get(f)) for f in CHANGE_REQUEST_FIELDS if f not in NAME_FIELDS})
    changed = [f for f in CHANGE_REQUEST_FIELDS if before[f] != after[f]]
    return bool(identity_bound_applications(user=user, changed=changed))


def change_request_pending(*, user) -> IdentityChangeRequest | None:
    return IdentityChangeRequest.objects.filter(candidate=user, status=ChangeRequestStatus.SUBMITTED).first()


def change_requests_for_candidate(*, user) -> QuerySet[IdentityChangeRequest]:
    return IdentityChangeRequest.objects.filter(candidate=user).order_by("-submitted_at", "-id")


def change_request_queue(*, status: str = ChangeRequestStatus.SUBMITTED) -> QuerySet[IdentityChangeRequest]:
    """The staff list: pending first come first served; decided ones newest first."""
    qs = IdentityChangeRequest.objects.select_related("candidate", "decided_by")
    if status:
        qs = qs.filter(status=status)
    order = ("submitted_at", "id") if status == ChangeRequestStatus.SUBMITTED else ("-submitted_at", "-id")
    return qs.order_by(*order)


def change_request_get_for_staff(*, user, pk: int) -> IdentityChangeRequest:
    """Any change request, for the center's staff; 404 for everyone else."""
    if not is_qac_staff(user):
        raise Http404
    request = (
        IdentityChangeRequest.objects.select_related("candidate", "decided_by")
        .prefetch_related(
            Prefetch("history", queryset=IdentityChangeTransition.objects.select_related("by")),
            Prefetch("applications", queryset=Application.objects.select_related("qualification", "identity")),
        )
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise Http404
    return request


def change_request_rows(request: IdentityChangeRequest) -> list[tuple[str, str, str, bool]]:
    """(label, before, after, changed) per field, for the detail page."""
    labels = {f: str(ApplicantIdentity._meta.get_field(f).verbose_name) for f in CHANGE_REQUEST_FIELDS}
    return [
        (labels[f], request.before.get(f, ""), request.after.get(f, ""), request.before.get(f) != request.after.get(f))
        for f in CHANGE_REQUEST_FIELDS
    ]


def account_merges_recent(*, limit: int = 20) -> QuerySet[AccountMerge]:
    return AccountMerge.objects.select_related("kept", "duplicate", "by").order_by("-at", "-id")[:limit]


# --- The staff to-do board (qac/board.py) ------------------------------------------------------


def board_items(*, today: datetime.date) -> list[dict]:
    """Applications awaiting review (10 days, Decree 1204 p.8) and identity change requests awaiting a decision.

    Two aggregate queries whatever the number of applications; the first reads application_queue_idx.
    """
    review = Application.objects.filter(status__in=AWAITING_REVIEW).aggregate(n=Count("id"), due=Min("review_due_on"))
    changes = IdentityChangeRequest.objects.filter(status=ChangeRequestStatus.SUBMITTED).count()
    return [
        {
            "key": "candidates.review",
            "label": _("Applications to review"),
            "count": review["n"],
            "due": review["due"],
            "url": reverse("candidates:staff_queue") + "?status=awaiting_review&sort=due",
        },
        {
            "key": "candidates.change_requests",
            "label": _("Identity change requests to decide"),
            "count": changes,
            "due": None,
            "url": reverse("candidates:staff_change_requests") + f"?status={ChangeRequestStatus.SUBMITTED}",
        },
    ]
