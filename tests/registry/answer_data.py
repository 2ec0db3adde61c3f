"""Test data for the register's answer: documents awaiting their number, and their export records.

The full pipeline (Council decision -> documents -> export) is being rewritten, so the rows
are made directly with the ORM: one approved session per document, a recorded Council
decision with its verdict (unless ``decided=False``), the document awaiting its number,
and an ``ExportRecord`` in one shared batch (unless ``exported=False``).

Plain helpers, no fixtures: ``tests/registry/conftest.py`` is loaded for these tests when it
imports, and these tests do not depend on it.
"""

import codecs
import datetime
import itertools

from django.conf import settings
from django.utils import timezone

from candidates.models import Application
from qac.certificates.models import DocumentEvent, IssuedDocument, Kind, NumberSource, Variant
from qac.council.models import CouncilDecision, CouncilVerdict, DecisionStatus, Verdict
from qac.exams.models import Enrolment, ExamResult, ExamSession, SessionStatus
from qac.registry.models import BatchStatus, ExportBatch, ExportRecord
from tests.factories import CandidateProfileFactory, QualificationFactory

HEADER = "record_id;record_type;registration_number;issue_date;register_url"
_sequence = itertools.count(1)


def today() -> datetime.date:
    return timezone.localdate()


def make_qualification():
    return QualificationFactory()


def batch() -> ExportBatch:
    found = ExportBatch.objects.filter(trigger="test").first()
    return found or ExportBatch.objects.create(trigger="test", status=BatchStatus.EXPORTED)


def make_document(
    *,
    qualification,
    staff,
    kind: str = Kind.CERTIFICATE,
    decided: bool = True,
    exported: bool = True,
    record_type: str | None = None,
    exam_date: datetime.date | None = None,
) -> IssuedDocument:
    """An original certificate (or conclusion) the Council decided, awaiting its number, exported."""
    exam_date = exam_date or today() - datetime.timedelta(days=10)
    holder = CandidateProfileFactory().user
    application = Application.objects.create(candidate=holder, qualification=qualification, status="accepted")
    starts = timezone.make_aware(datetime.datetime.combine(exam_date, datetime.time(10)))
    session = ExamSession.objects.create(
        qualification=qualification,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=4),
        venue_address="Санкт-Петербург, ул. Автомобильная, 1",
        capacity=1,
        status=SessionStatus.RESULTS_APPROVED,
        created_by=staff,
        approved_at=starts + datetime.timedelta(hours=5),
    )
    enrolment = Enrolment.objects.create(session=session, application=application, enrolled_by=staff, present=True)
    passed = kind == Kind.CERTIFICATE
    result = ExamResult.objects.create(
        enrolment=enrolment,
        theory_percent=90 if passed else 40,
        theory_passed=passed,
        practical_percent=90,
        practical_passed=True,
        decision="passed" if passed else "failed",
    )
    verdict = None
    if decided:
        decision = CouncilDecision.objects.create(
            session=session,
            status=DecisionStatus.RECORDED,
            number=f"СПК-{next(_sequence)}",
            decided_on=exam_date + datetime.timedelta(days=3),
            recorded_by=staff,
        )
        verdict = CouncilVerdict.objects.create(
            decision=decision, result=result, verdict=Verdict.CERTIFICATE if passed else Verdict.CONCLUSION
        )
    document = IssuedDocument.objects.create(
        kind=kind,
        variant=Variant.ORIGINAL,
        result=result,
        verdict=verdict,
        qualification=qualification,
        holder=holder,
        holder_last_name=holder.last_name,
        holder_first_name=holder.first_name,
        exam_date=exam_date,
        issue_due_on=exam_date + datetime.timedelta(days=30),
        number_source=NumberSource.AWAITING,
    )
    if exported:
        ExportRecord.objects.create(batch=batch(), record_type=record_type or kind, document=document)
    return document


def number_for(document, sequence: int, year: datetime.date | None = None) -> str:
    return f"{document.qualification.code}.{sequence:08d}.{(year or today()):%y}"


def url_for(number: str) -> str:
    return f"{settings.QAC_REGISTER_STUB_URL}{number}"


def row(document, number: str, *, record_type=None, issue_date=None, url=None, date_format="%d.%m.%Y") -> str:
    day = issue_date if issue_date is not None else today()
    day = day if isinstance(day, str) else day.strftime(date_format)
    return ";".join(
        [str(document.pk), record_type or document.kind, number, day, url if url is not None else url_for(number)]
    )


def csv_file(*rows: str, header: str = HEADER, bom: bool = True) -> bytes:
    """An answer CSV as the register would send it: BOM, ``;``, CRLF."""
    body = "\r\n".join([header, *rows]) + "\r\n"
    return (codecs.BOM_UTF8 if bom else b"") + body.encode("utf-8")


def xml_record(document, number: str, *, record_type=None, issue_date=None, url=None) -> str:
    return (
        f'  <record id="{document.pk}">\n'
        f"    <type>{record_type or document.kind}</type>\n"
        f"    <registrationNumber>{number}</registrationNumber>\n"
        f"    <issueDate>{(issue_date or today()).isoformat()}</issueDate>\n"
        f"    <registerUrl>{url if url is not None else url_for(number)}</registerUrl>\n"
        f"  </record>"
    )


def xml_file(*records: str, qac: str = "78.033") -> bytes:
    body = "\n".join(records)
    declaration = '<?xml version="1.0" encoding="UTF-8"?>'
    return f'{declaration}\n<registerAnswer version="1.0" qac="{qac}">\n{body}\n</registerAnswer>\n'.encode()


def documents_state() -> dict:
    """Every document's numbering fields and every event: a refused file changes none of it."""
    return {
        "documents": list(
            IssuedDocument.objects.order_by("pk").values_list(
                "pk", "number", "number_source", "register_url", "registered_at", "issue_date", "valid_until"
            )
        ),
        "events": list(DocumentEvent.objects.order_by("pk").values_list("pk", "document", "action", "data")),
    }
