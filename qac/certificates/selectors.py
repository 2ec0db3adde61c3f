"""Read-side queries for documents; the one place that decides who sees which document."""

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from qac.accounts.roles import is_qac_staff
from qac.exams.models import ExamSession

from .models import IssuedDocument, RenderStatus


def document_get_for_user(*, user, pk: int) -> IssuedDocument:
    """A document for its holder or QAC staff; 404 for everyone else (and anonymous)."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    qs = IssuedDocument.objects.select_related("qualification", "holder")
    if not is_qac_staff(user):
        qs = qs.filter(holder=user)
    document = qs.filter(pk=pk).first()
    if document is None:
        raise Http404
    return document


def documents_for_holder(*, user) -> QuerySet[IssuedDocument]:
    return (
        IssuedDocument.objects.filter(holder=user, is_current=True)
        .select_related("qualification")
        .order_by("-issue_date")
    )


def document_list(*, search: str = "", status: str = "") -> QuerySet[IssuedDocument]:
    qs = IssuedDocument.objects.select_related("qualification").order_by("-issue_date", "-id")
    search = search.strip()
    if search:
        qs = qs.filter(Q(number__startswith=search) | Q(holder_last_name__istartswith=search))
    if status == "revoked":
        qs = qs.filter(revoked_on__isnull=False)
    elif status in RenderStatus.values:
        qs = qs.filter(render_status=status)
    return qs


def session_get_for_staff(*, user, pk: int) -> ExamSession:
    if not is_qac_staff(user):
        raise Http404
    session = ExamSession.objects.select_related("qualification").filter(pk=pk).first()
    if session is None:
        raise Http404
    return session


def session_progress(*, session: ExamSession) -> dict:
    """Counts for the live progress bar, in one query, plus the failures with their reasons."""
    qs = IssuedDocument.objects.filter(result__enrolment__session=session)
    counts = qs.aggregate(
        total=Count("id"),
        done=Count("id", filter=Q(render_status=RenderStatus.RENDERED)),
        failed=Count("id", filter=Q(render_status=RenderStatus.FAILED)),
    )
    failures = list(qs.filter(render_status=RenderStatus.FAILED).values("pk", "holder_last_name", "render_error")[:50])
    return {**counts, "pending": counts["total"] - counts["done"] - counts["failed"], "failures": failures}


def session_documents(*, session: ExamSession) -> QuerySet[IssuedDocument]:
    return (
        IssuedDocument.objects.filter(result__enrolment__session=session)
        .select_related("qualification")
        .order_by("holder_last_name", "pk")
    )
