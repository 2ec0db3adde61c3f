"""Read-side queries for applications; the one place that decides who sees which application."""

import datetime

from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from qac.accounts.roles import Role, has_role, is_qac_staff

from .models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationTransition,
    CandidateProfile,
)
from .validators import normalize_snils


def profile_get(*, user) -> CandidateProfile | None:
    return CandidateProfile.objects.filter(user=user).prefetch_related("education", "experience").first()


def _with_detail(qs: QuerySet[Application]) -> QuerySet[Application]:
    return qs.select_related("qualification__standard", "candidate__candidate_profile").prefetch_related(
        Prefetch("history", queryset=ApplicationTransition.objects.select_related("by")),
        Prefetch("documents", queryset=ApplicationDocument.objects.select_related("required_document")),
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
    if not is_qac_staff(user):
        raise Http404
    application = _with_detail(Application.objects.filter(pk=pk)).first()
    if application is None:
        raise Http404
    return application


def document_get_for_user(*, user, pk: int) -> ApplicationDocument:
    """A document file: its candidate or QAC staff; everyone else gets 404."""
    qs = ApplicationDocument.objects.select_related("application")
    if is_qac_staff(user):
        pass
    elif has_role(user, Role.CANDIDATE):
        qs = qs.filter(application__candidate=user)
    else:
        raise Http404
    document = qs.filter(pk=pk).first()
    if document is None:
        raise Http404
    return document


SORTS = {
    "due": (F("review_due_on").asc(nulls_last=True), "-id"),
    "-due": (F("review_due_on").desc(nulls_last=True), "-id"),
    "submitted": (F("submitted_at").asc(nulls_last=True), "id"),
    "-submitted": (F("submitted_at").desc(nulls_last=True), "-id"),
    "number": ("number", "id"),
    "-number": ("-number", "-id"),
    "name": ("candidate__last_name", "candidate__first_name", "id"),
    "-name": ("-candidate__last_name", "-candidate__first_name", "-id"),
}
DEFAULT_SORT = "due"


def application_queue(
    *,
    status: str = "",
    qualification_id: int | None = None,
    submitted_from: datetime.date | None = None,
    submitted_to: datetime.date | None = None,
    search: str = "",
    sort: str = DEFAULT_SORT,
) -> QuerySet[Application]:
    """The staff review queue: drafts are the candidate's business and never listed."""
    qs = Application.objects.exclude(status=ApplicationStatus.DRAFT).select_related(
        "qualification", "candidate", "candidate__candidate_profile"
    )
    if status:
        qs = qs.filter(status=status)
    if qualification_id:
        qs = qs.filter(qualification_id=qualification_id)
    if submitted_from:
        qs = qs.filter(submitted_at__date__gte=submitted_from)
    if submitted_to:
        qs = qs.filter(submitted_at__date__lte=submitted_to)
    search = search.strip()
    if search:
        digits = normalize_snils(search)
        condition = (
            Q(number__iexact=search) | Q(candidate__email__iexact=search) | Q(candidate__last_name__istartswith=search)
        )
        if digits.isdigit() and len(digits) >= 3:
            condition |= Q(candidate__candidate_profile__snils__startswith=digits) | Q(number__endswith=digits)
        if " " in search:
            last, first = search.split(None, 1)
            condition |= Q(candidate__last_name__iexact=last, candidate__first_name__istartswith=first)
        qs = qs.filter(condition)
    return qs.order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))


def days_left(application: Application, today: datetime.date | None = None) -> int | None:
    if application.review_due_on is None:
        return None
    return (application.review_due_on - (today or timezone.localdate())).days
