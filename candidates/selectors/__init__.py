"""Read-side queries for applications; the one place that decides who sees which application."""

import datetime

from django.db.models import Count, Min, Prefetch, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from qac.accounts.roles import Role, has_role, is_qac_staff

from ..models import (
    AWAITING_REVIEW,
    CERTIFICATE_STATUSES,
    CHANGE_REQUEST_FIELDS,
    IDENTITY_OPEN_STATUSES,
    IDENTITY_PROFILE_FIELDS,
    IDENTITY_USER_FIELDS,
    NAME_FIELDS,
    REGISTER_STATUSES,
    AccountMerge,
    ApplicantIdentity,
    Application,
    ApplicationDocument,
    ApplicationTransition,
    CallTask,
    CandidateProfile,
    ChangeRequestStatus,
    IdentityChangeRequest,
    IdentityChangeTransition,
)

# The queue's reads live in .queue; pages and tests read them from here, like every other selector.
from .queue import AWAITING_REVIEW_FILTER as AWAITING_REVIEW_FILTER
from .queue import DEFAULT_SORT as DEFAULT_SORT
from .queue import REGISTERED as REGISTERED
from .queue import SORTS as SORTS
from .queue import application_queue as application_queue
from .queue import application_queue_page as application_queue_page
from .queue import days_left as days_left
from .queue import queue_view as queue_view


def profile_get(*, user) -> CandidateProfile | None:
    return CandidateProfile.objects.filter(user=user).prefetch_related("education", "experience").first()


def _with_detail(qs: QuerySet[Application]) -> QuerySet[Application]:
    """What an application's page shows; the candidate's page adds the qualification's standard and the
    required documents it checks (the staff page, opened far more often, needs neither)."""
    return qs.select_related("qualification", "candidate__candidate_profile", "identity").prefetch_related(
        Prefetch("history", queryset=ApplicationTransition.objects.select_related("by")),
        Prefetch("documents", queryset=ApplicationDocument.objects.select_related("required_document")),
        Prefetch("calls", queryset=CallTask.objects.select_related("transition", "called_by")),
    )


def application_list_for_candidate(*, user) -> QuerySet[Application]:
    return Application.objects.filter(candidate=user).select_related("qualification").order_by("-created_at", "-id")


def application_get_for_candidate(*, user, pk: int) -> Application:
    """The candidate's own application, or 404: another person's id looks like a missing one."""
    if not has_role(user, Role.CANDIDATE):
        raise Http404
    mine = Application.objects.filter(candidate=user, pk=pk)
    application = (
        _with_detail(mine)
        .select_related("qualification__standard")
        .prefetch_related("qualification__required_documents")
        .first()
    )
    if application is None:
        raise Http404
    return application


def application_get_for_staff(*, user, pk: int) -> Application:
    """Any registered application; a draft (also one the candidate withdrew without submitting) is the
    candidate's own business (they have not yet consented to processing), so staff get 404 for it."""
    if not is_qac_staff(user):
        raise Http404
    application = _with_detail(Application.objects.filter(REGISTERED, pk=pk)).first()
    if application is None:
        raise Http404
    return application


def call_task_get_for_staff(*, user, pk: int) -> CallTask:
    if not is_qac_staff(user):
        raise Http404
    task = CallTask.objects.select_related("application").filter(application__submitted_at__isnull=False)
    task = task.filter(pk=pk).first()
    if task is None:
        raise Http404
    return task


def document_get_for_user(*, user, pk: int) -> ApplicationDocument:
    """A document file: its candidate or QAC staff; everyone else gets 404."""
    qs = ApplicationDocument.objects.select_related("application")
    if is_qac_staff(user):
        qs = qs.filter(application__submitted_at__isnull=False)
    elif has_role(user, Role.CANDIDATE):
        qs = qs.filter(application__candidate=user)
    else:
        raise Http404
    document = qs.filter(pk=pk).first()
    if document is None:
        raise Http404
    return document


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
