"""The staff review queue: its sorts and filters, a keyset page of it, the rows the page prints and
the capped count of its caption. ``candidates.selectors`` re-exports every public name."""

import datetime
import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Coalesce, Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from qac.keyset import Keyset, KeysetPage, keyset_page

from ..models import AWAITING_REVIEW, NO_DUE_FIRST, NO_DUE_LAST, Application, ApplicationStatus
from ..templatetags.application_status import status_badge
from ..validators import normalize_snils

#: What staff may see: an application registered at least once (it has a number and a registration date).
#: A draft, and a draft the candidate withdrew without submitting it, are the candidate's own business.
REGISTERED = Q(submitted_at__isnull=False)

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
    """The staff review queue: drafts are the candidate's business and never listed, nor is a draft the
    candidate withdrew without ever submitting it (it has no number and no registration date).

    ``date``: "to_agree", accepted applications with no exam date offered yet; "awaiting_answer",
    those whose offered dates wait for the candidate's answer (Decree 1204 p.9).
    """
    qs = Application.objects.filter(REGISTERED).select_related(
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


#: The columns a queue row prints or pages by: the page reads these and no others.
QUEUE_FIELDS = (
    "id",
    "number",
    "status",
    "submitted_at",
    "review_due_on",
    "date_offered_at",
    "candidate_id",
    "qualification_id",
    "qualification__code",
    "candidate__last_name",
    "candidate__first_name",
    "candidate__patronymic",
    "candidate__email",
    "candidate__candidate_profile__snils",
)


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue as the page prints it: every value computed once in Python, so the
    template only prints strings (25 rows a page, every page; a template tag or filter per cell
    costs more than the database's part of the page)."""

    application: Application
    url: str
    number: str
    qualification_code: str
    status: str
    name: str
    email: str
    snils: str
    status_label: str
    badge: str
    #: Under the badge of an accepted application: where the exam date stands.
    date_note: str
    submitted: str
    left: int | None
    overdue: int | None
    #: "table-danger" past the deadline, "table-warning" two days before it.
    row_class: str
    #: The "Days left" cell: "—", the days, or "overdue by N days".
    left_text: str

    def __iter__(self):
        return iter((self.application, self.left, self.overdue))


def queue_rows(page: KeysetPage, *, today: datetime.date | None = None) -> list[QueueRow]:
    today = today or timezone.localdate()
    first = reverse("candidates:staff_application", args=[0])
    # Translated once per page: get_status_display() builds its choices dict again on every call.
    labels = {value: str(label) for value, label in ApplicationStatus.choices}
    date_notes = (_("date to agree"), _("waiting for the candidate's answer"))
    rows = []
    for a in page.object_list:
        left = days_left(a, today)
        overdue = -left if left is not None and left < 0 else None
        profile = getattr(a.candidate, "candidate_profile", None)
        rows.append(
            QueueRow(
                application=a,
                url=first.replace("/0/", f"/{a.pk}/"),
                number=a.number,
                qualification_code=a.qualification.code,
                status=a.status,
                name=a.candidate.get_full_name(),
                email=a.candidate.email,
                snils=profile.snils_masked if profile else "",
                status_label=labels.get(a.status, a.status),
                badge=status_badge(a.status),
                date_note=date_notes[a.date_offered_at is not None] if a.status == ApplicationStatus.ACCEPTED else "",
                submitted=timezone.localtime(a.submitted_at).strftime("%d.%m.%Y") if a.submitted_at else "",
                left=left,
                overdue=overdue,
                row_class=_row_class(left),
                left_text=_left_text(left, overdue),
            )
        )
    return rows


def _row_class(left: int | None) -> str:
    if left is None:
        return ""
    return "table-danger" if left < 0 else "table-warning" if left <= 2 else ""


def _left_text(left: int | None, overdue: int | None) -> str:
    if left is None:
        return "—"
    if overdue:
        return ngettext("overdue by %(d)s day", "overdue by %(d)s days", overdue) % {"d": overdue}
    return str(left)


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
    page = application_queue_page(queue.only(*QUEUE_FIELDS), sort=sort, after=after, before=before, narrow=narrow)
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
