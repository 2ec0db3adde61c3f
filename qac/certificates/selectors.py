"""Read-side queries for documents; the one place that decides who sees which document."""

import datetime

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from qac.accounts.roles import is_qac_staff
from qac.exams.models import ExamSession

from .models import (
    DocumentEvent,
    DuplicateRequest,
    DuplicateStatus,
    IssuedDocument,
    Kind,
    NumberSource,
    RenderStatus,
    Variant,
)


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


def duplicate_request_get_for_staff(*, user, pk: int) -> DuplicateRequest:
    if not is_qac_staff(user):
        raise Http404
    found = DuplicateRequest.objects.select_related("original").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def document_papers(*, document: IssuedDocument) -> list[IssuedDocument]:
    """Every paper of one certificate: the original and its duplicates (legacy corrections too)."""
    root = document.original_id or document.pk
    return list(IssuedDocument.objects.filter(Q(pk=root) | Q(original_id=root)).order_by("pk"))


def document_events(*, document: IssuedDocument):
    root = document.original_id or document.pk
    return (
        DocumentEvent.objects.filter(Q(document_id=root) | Q(document__original_id=root))
        .select_related("by", "document")
        .order_by("at", "pk")
    )


def duplicate_requests_for(*, document: IssuedDocument):
    root = document.original_id or document.pk
    return (
        DuplicateRequest.objects.filter(Q(original_id=root) | Q(original__original_id=root))
        .select_related("received_by", "duplicate")
        .order_by("-received_on", "-pk")
    )


def document_downloadable(document: IssuedDocument) -> bool:
    """Whether the PDF of ``document`` may be downloaded (by whoever may see it): it is rendered."""
    return document.render_status == RenderStatus.RENDERED


def allowed_document_actions(document: IssuedDocument, user) -> set[str]:
    """What ``user`` may do with a document now: the pages show exactly these forms and links.

    The holder may only download their own paper; staff do the rest.
    """
    if not is_qac_staff(user):
        holder = getattr(user, "is_authenticated", False) and document.holder_id == user.pk
        return {"download"} if holder and document_downloadable(document) else set()
    actions = set()
    numbered = document.number_source != NumberSource.AWAITING
    live = document.is_current and not document.revoked_on
    if document_downloadable(document):
        actions.add("download")
    if document.render_status == RenderStatus.FAILED:
        actions.add("retry")
    if not numbered and live:
        actions.add("enter_number")
    if numbered and live and document.render_status == RenderStatus.RENDERED and not document.delivered_on:
        actions.add("deliver")
    if document.kind == Kind.CERTIFICATE and numbered and live:
        actions |= {"revoke", "extend"}
        if (
            document.render_status == RenderStatus.RENDERED
            and not DuplicateRequest.objects.filter(original=document, status=DuplicateStatus.RECEIVED).exists()
        ):
            actions.add("duplicate_request")
    return actions


def documents_for_holder(*, user) -> QuerySet[IssuedDocument]:
    return (
        IssuedDocument.objects.filter(holder=user, is_current=True)
        .select_related("qualification")
        .order_by("-issue_date")
    )


# Documents with their register number not yet handed over or posted: the 30 days of Decree 1204 p.17 run.
TO_DELIVER = Q(is_current=True, revoked_on__isnull=True, delivered_on__isnull=True, number_source=NumberSource.REGISTER)

LIST_FILTERS = [
    ("awaiting", _("awaiting the register's number")),
    ("pending", _("waiting to be rendered")),
    ("failed", _("rendering failed")),
    ("to_issue", _("ready to issue")),
    ("to_deliver", _("to hand over or post (30 days)")),
    ("duplicates", _("duplicates")),
    ("duplicate_requests", _("applications for duplicates")),
    ("revoked", _("revoked")),
]


def document_list(*, search: str = "", status: str = "") -> QuerySet[IssuedDocument]:
    qs = IssuedDocument.objects.select_related("qualification").order_by("-id")
    search = search.strip()
    if search:
        qs = qs.filter(Q(number__startswith=search) | Q(holder_last_name__istartswith=search))
    if status == "revoked":
        qs = qs.filter(revoked_on__isnull=False)
    elif status == "awaiting":
        qs = qs.filter(number_source=NumberSource.AWAITING, is_current=True)
    elif status == "to_issue":
        qs = qs.filter(render_status=RenderStatus.RENDERED, delivered_on__isnull=True, is_current=True).exclude(
            number_source=NumberSource.AWAITING
        )
    elif status == "to_deliver":
        qs = qs.filter(TO_DELIVER)
    elif status == "duplicates":
        qs = qs.filter(variant=Variant.DUPLICATE)
    elif status == "duplicate_requests":
        qs = qs.filter(duplicate_requests__status=DuplicateStatus.RECEIVED)
    elif status in RenderStatus.values:
        qs = qs.filter(render_status=status).exclude(number_source=NumberSource.AWAITING)
    return qs


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


# --- The staff to-do board (qac/board.py) ------------------------------------------------------


def board_items(*, today: datetime.date) -> list[dict]:
    """Register numbers awaited, documents to issue (30 days), applications for duplicates (15 days).

    Three aggregate queries, each the set of one ``document_list`` filter.
    """
    numbers = IssuedDocument.objects.filter(number_source=NumberSource.AWAITING, is_current=True).aggregate(
        n=Count("pk"), due=Min("issue_due_on")
    )
    deliver = IssuedDocument.objects.filter(TO_DELIVER).aggregate(n=Count("pk"), due=Min("issue_due_on"))
    duplicates = DuplicateRequest.objects.filter(status=DuplicateStatus.RECEIVED).aggregate(
        n=Count("pk"), due=Min("due_on")
    )
    url = reverse("certificates:list")
    return [
        {
            "key": "certificates.numbers",
            "label": gettext("Register numbers awaited"),
            "count": numbers["n"],
            "due": numbers["due"],
            "url": url + "?status=awaiting",
        },
        {
            "key": "certificates.deliver",
            "label": gettext("Documents to hand over or post"),
            "count": deliver["n"],
            "due": deliver["due"],
            "url": url + "?status=to_deliver",
        },
        {
            "key": "certificates.duplicates",
            "label": gettext("Applications for duplicates"),
            "count": duplicates["n"],
            "due": duplicates["due"],
            "url": url + "?status=duplicate_requests",
        },
    ]


def verification_lookup(*, number: str, issue_date: datetime.date) -> dict:
    """What the public may know about a certificate: a status and non-personal facts.

    A wrong number and a wrong date answer the same ``not_found``, so the
    page never tells which part was wrong. A paper replaced by a duplicate
    answers ``replaced``; every paper of a revoked certificate ``revoked``.
    """
    number = number.strip()
    candidates = list(
        IssuedDocument.objects.filter(kind=Kind.CERTIFICATE, number=number)
        .exclude(number_source=NumberSource.AWAITING)
        .select_related("qualification")
        .order_by("-id")
    )
    # Locally numbered duplicates share their number: any of their issue dates identifies it.
    matching = [d for d in candidates if d.issue_date == issue_date]
    if not matching:
        return {"status": "not_found"}
    current = [d for d in candidates if d.is_current] or matching
    document = current[0] if current[0].number_source == NumberSource.LOCAL else matching[0]
    today = timezone.localdate()
    if document.revoked_on:
        status = "revoked"
    elif not document.is_current:
        status = "replaced"
    elif document.valid_until and document.valid_until < today:
        status = "expired"
    else:
        status = "valid"
    return {"status": status, "document": document}


def expiry_reminders_due(*, today: datetime.date) -> QuerySet[IssuedDocument]:
    """Valid certificates expiring within QAC_EXPIRY_REMINDER_DAYS whose holder was not reminded yet."""
    horizon = today + datetime.timedelta(days=settings.QAC_EXPIRY_REMINDER_DAYS)
    return IssuedDocument.objects.filter(
        kind=Kind.CERTIFICATE,
        is_current=True,
        revoked_on__isnull=True,
        valid_until__gte=today,
        valid_until__lte=horizon,
        expiry_reminded_at__isnull=True,
    ).select_related("holder", "qualification")
