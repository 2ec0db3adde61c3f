"""Reads for the registry's pages and the staff home; the one place that decides who sees which batch or file."""

import datetime
import itertools
import operator
from collections.abc import Iterator

from django.conf import settings
from django.db import connection
from django.db.models import Case, Count, Exists, FilteredRelation, Min, OuterRef, Q, QuerySet, Value, When
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qac.accounts.roles import is_qac_staff
from qac.certificates.models import IssuedDocument, Kind, NumberSource, Variant

from .models import AnswerImport, BatchStatus, ExportBatch, ExportRecord, RecordType

RECENT_IMPORTS = 10


def batch_list() -> QuerySet[ExportBatch]:
    return ExportBatch.objects.select_related("started_by")


def answer_imports_recent(*, limit: int = RECENT_IMPORTS) -> list[AnswerImport]:
    return list(AnswerImport.objects.select_related("imported_by")[:limit])


def batch_get_for_staff(*, user, pk: int) -> ExportBatch:
    """An export batch, for the center's staff only; 404 for anyone else or no such batch."""
    batch = ExportBatch.objects.filter(pk=pk).first() if is_qac_staff(user) else None
    if batch is None:
        raise Http404
    return batch


def answer_import_get_for_staff(*, user, pk: int) -> AnswerImport:
    """An imported answer file of the register, for the center's staff only; 404 otherwise."""
    record = AnswerImport.objects.filter(pk=pk).first() if is_qac_staff(user) else None
    if record is None:
        raise Http404
    return record


def _not_reported(record_type: str):
    return ~Exists(ExportRecord.objects.filter(document=OuterRef("pk"), record_type=record_type))


def pending_querysets() -> list[tuple[str, object]]:
    """One queryset per record type, each of the documents not yet reported as that type.

    Certificates and conclusions are reported once the Council decided, before they
    have a number: the register's answer numbers them. A document that a corrected
    Council decision cancelled before it was reported is never reported.
    """
    docs = IssuedDocument.objects.exclude(number_source=NumberSource.AWAITING, is_current=False)
    return [
        (
            RecordType.CERTIFICATE,
            docs.filter(kind=Kind.CERTIFICATE, variant=Variant.ORIGINAL).filter(_not_reported(RecordType.CERTIFICATE)),
        ),
        (
            RecordType.CONCLUSION,
            docs.filter(kind=Kind.CONCLUSION, variant=Variant.ORIGINAL).filter(_not_reported(RecordType.CONCLUSION)),
        ),
        (RecordType.DUPLICATE, docs.filter(variant=Variant.DUPLICATE).filter(_not_reported(RecordType.DUPLICATE))),
        (RecordType.CORRECTION, docs.filter(variant=Variant.CORRECTION).filter(_not_reported(RecordType.CORRECTION))),
        # A revocation is reported once per number, on the original, after the original itself.
        (
            RecordType.REVOCATION,
            docs.filter(kind=Kind.CERTIFICATE, variant=Variant.ORIGINAL, revoked_on__isnull=False)
            .exclude(number_source=NumberSource.AWAITING)
            .filter(_not_reported(RecordType.REVOCATION)),
        ),
    ]


#: What the export writes of a document, as (name, lookup): its rows come as tuples in this order.
DOCUMENT_COLUMNS = (
    ("pk", "pk"),
    ("number", "number"),
    ("exam_date", "exam_date"),
    ("issue_date", "issue_date"),
    ("valid_until", "valid_until"),
    ("revoked_on", "revoked_on"),
    ("revoked_reason", "revoked_reason"),
    ("holder_last_name", "holder_last_name"),
    ("holder_first_name", "holder_first_name"),
    ("holder_patronymic", "holder_patronymic"),
    # The session's chair, through one join (a filtered relation), not three correlated subqueries per row.
    ("chair_last", "chair__expert__last_name"),
    ("chair_first", "chair__expert__first_name"),
    ("chair_patronymic", "chair__expert__patronymic"),
    ("q_code", "qualification__code"),
    ("q_name", "qualification__name"),
    ("q_level", "qualification__level"),
    # The personal data the application was submitted with, never the live profile.
    ("birth_date", "result__enrolment__application__identity__date_of_birth"),
    ("snils", "result__enrolment__application__identity__snils"),
    ("decision", "result__decision"),
    ("decision_number", "verdict__decision__number"),
    ("decision_date", "verdict__decision__decided_on"),
    ("original_number", "original__number"),
    ("number_source", "number_source"),
    ("kind", "kind"),  # last: it tells certificates from conclusions in their common query
)
STREAM_CHUNK = 2000


def pending_document_rows() -> Iterator[tuple[str, Iterator[tuple]]]:
    """(record type, its pending documents as tuples of DOCUMENT_COLUMNS in pk order) for each type.

    Each type's rows are read only when its turn comes, and streamed: memory stays flat, and on
    PostgreSQL the database produces rows while the export formats those it sent. Certificates
    and conclusions, nearly all of a night, come from one query (the joins built once), the
    certificates first; the other types from a query each. Close the generator if it is left
    before its end: a query still streaming holds the connection.
    """
    rank = Case(When(kind=Kind.CERTIFICATE, then=Value(0)), default=Value(1))
    rows = _stream(_columns(_pending_originals()).alias(rank=rank).order_by("rank", "pk"))
    kind = len(DOCUMENT_COLUMNS) - 1
    try:
        for record_type, group in itertools.groupby(rows, key=operator.itemgetter(kind)):
            yield RecordType(record_type), group
    finally:
        rows.close()
    for record_type, qs in pending_querysets():
        if record_type not in (RecordType.CERTIFICATE, RecordType.CONCLUSION):
            yield record_type, _stream(_columns(qs).order_by("pk"))


def _pending_originals() -> QuerySet:
    """The certificates and conclusions not yet reported as what they are: pending_querysets' first two in one."""
    return (
        IssuedDocument.objects.exclude(number_source=NumberSource.AWAITING, is_current=False)
        .filter(kind__in=(Kind.CERTIFICATE, Kind.CONCLUSION), variant=Variant.ORIGINAL)
        .filter(~Exists(ExportRecord.objects.filter(document=OuterRef("pk"), record_type=OuterRef("kind"))))
    )


def _columns(qs: QuerySet) -> QuerySet:
    return qs.annotate(chair=_chair()).values_list(*(lookup for _name, lookup in DOCUMENT_COLUMNS))


def _chair() -> FilteredRelation:
    # A new one for each queryset: a query keeps its own on the relation it is given.
    return FilteredRelation(
        "result__enrolment__session__commission", condition=Q(result__enrolment__session__commission__is_chair=True)
    )


def _stream(qs: QuerySet) -> Iterator[tuple]:
    """The rows of a ``values_list`` queryset as the database sends them.

    On PostgreSQL one plain query in psycopg's chunked streaming mode: a server-side cursor
    (``iterator()``) would wait for each chunk in turn and is planned for the first rows, which
    for the whole table is twice as slow. Elsewhere ``iterator()``. The columns must need no
    converter on PostgreSQL (text, numbers, dates: psycopg gives them as Python values).
    """
    if connection.vendor != "postgresql":
        yield from qs.iterator(chunk_size=STREAM_CHUNK)
        return
    compiler = qs.query.get_compiler(using=qs.db)
    sql, params = compiler.as_sql()
    if qs.query.annotation_select or qs.query.extra_select or compiler.get_converters([c[0] for c in compiler.select]):
        # Columns in another order than asked, or values Django converts: the ORM's own way.
        yield from qs.iterator(chunk_size=STREAM_CHUNK)
        return
    with connection.cursor() as cursor:
        yield from cursor.cursor.stream(sql, params, size=STREAM_CHUNK)


def deadline_watch(*, today: datetime.date | None = None, limit: int = 50) -> dict:
    """Documents not yet reported whose reporting deadline (exam date + QAC_REGISTRY_REPORT_DAYS) is near or past."""
    today = today or timezone.localdate()
    warn_from = today - datetime.timedelta(days=settings.QAC_REGISTRY_REPORT_DAYS - settings.QAC_REGISTRY_WARN_DAYS)
    overdue_from = today - datetime.timedelta(days=settings.QAC_REGISTRY_REPORT_DAYS)
    condition = Q()
    for _record_type, qs in pending_querysets():
        condition |= Q(pk__in=qs.values("pk"))
    pending = IssuedDocument.objects.filter(condition, exam_date__lte=warn_from).select_related("qualification")
    return {
        "overdue": pending.filter(exam_date__lt=overdue_from).count(),
        "due_soon": pending.filter(exam_date__gte=overdue_from).count(),
        "items": list(pending.order_by("exam_date", "pk")[:limit]),
        "overdue_from": overdue_from,
    }


def board_items(*, today: datetime.date) -> list[dict]:
    """Documents not yet reported whose reporting deadline (exam + QAC_REGISTRY_REPORT_DAYS) is near or past,
    and export batches that failed. Two aggregate queries; the first is the registry page's deadline watch."""
    warn_from = today - datetime.timedelta(days=settings.QAC_REGISTRY_REPORT_DAYS - settings.QAC_REGISTRY_WARN_DAYS)
    condition = Q()
    for _record_type, qs in pending_querysets():
        condition |= Q(pk__in=qs.values("pk"))
    pending = IssuedDocument.objects.filter(condition, exam_date__lte=warn_from).aggregate(
        n=Count("pk"), first_exam=Min("exam_date")
    )
    report_days = datetime.timedelta(days=settings.QAC_REGISTRY_REPORT_DAYS)
    failed = ExportBatch.objects.filter(status=BatchStatus.FAILED).count()
    batches = reverse("registry:batches")
    return [
        {
            "key": "registry.to_report",
            "label": _("Documents to report to the register"),
            "count": pending["n"],
            "due": pending["first_exam"] + report_days if pending["first_exam"] else None,
            "url": batches + "#registry-deadlines",
        },
        {
            "key": "registry.failed",
            "label": _("Registry exports that failed"),
            "count": failed,
            "due": None,
            "url": batches + f"?status={BatchStatus.FAILED}",
        },
    ]
