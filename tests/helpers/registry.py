"""Helpers the registry tests share; the fixtures stay in tests/registry/conftest.py."""

import codecs
import csv
import datetime
import io
from pathlib import Path

from django.utils import timezone
from lxml import etree

from candidates.models import ApplicantIdentity
from qac.certificates.models import IssuedDocument
from qac.exams.models import CommissionMember
from qac.registry.document_records import CSV_COLUMNS
from qac.registry.models import BatchTransition, ExportBatch, ExportRecord

SCHEMA = Path(__file__).resolve().parents[2] / "qac" / "registry" / "schema" / "registry-export-2.0.xsd"


QAC = "78.033"


# The export's CSV columns, in order (docs/registry-export.md, "Fields", names each).
CSV_HEADER = CSV_COLUMNS


def file_name_re(batch_pk: int, ext: str) -> str:
    """The documented file name: registry-78.033-YYYYMMDD-HHMMSS-batchN.xml / .csv."""
    return rf"registry-78\.033-\d{{8}}-\d{{6}}-batch{batch_pk}\.{ext}"


def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def read_xml(path) -> tuple[dict, list[dict]]:
    """Validate ``path`` against the XSD (independently of the service) and flatten it.

    Returns the root's attributes and one dict per record: ``id`` plus each leaf element by
    its path (``type``, ``qualification/code``, ``candidate/snils`` ...), in file order.
    """
    tree = etree.parse(str(path))
    xsd = schema()
    assert xsd.validate(tree), xsd.error_log
    root = tree.getroot()
    assert root.tag == "registryExport"
    records = []
    for record in root.findall("record"):
        flat = {"id": record.get("id")}
        for element in record.iter():
            if element is record or len(element):
                continue
            parent = element.getparent()
            key = element.tag if parent is record else f"{parent.tag}/{element.tag}"
            if element.text is None and element.attrib:
                # An element of attributes only (councilDecision): each as key/@name.
                flat.update({f"{key}/@{name}": value for name, value in element.attrib.items()})
            else:
                flat[key] = element.text
        records.append(flat)
    return dict(root.attrib), records


def read_csv(path) -> list[dict]:
    """The CSV's rows as dicts, after checking the documented encoding: BOM, ';', CRLF, header."""
    raw = Path(path).read_bytes()
    assert raw.startswith(codecs.BOM_UTF8), "UTF-8 with a BOM, so Excel reads Cyrillic"
    assert raw.endswith(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b""), "every line ends in CRLF"
    text = raw[len(codecs.BOM_UTF8) :].decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0] == CSV_HEADER
    assert all(len(row) == len(CSV_HEADER) for row in rows)
    return [dict(zip(CSV_HEADER, row, strict=True)) for row in rows[1:]]


def snils_formatted(digits: str) -> str:
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}"


def chair_name(document) -> str:
    chair = CommissionMember.objects.get(session=document.result.enrolment.session, is_chair=True).expert
    initials = " ".join(f"{p[0]}." for p in (chair.first_name, chair.patronymic) if p)
    return f"{chair.last_name} {initials}"


def _source(document):
    document = IssuedDocument.objects.select_related(
        "qualification", "result__enrolment__session", "verdict__decision", "original"
    ).get(pk=document.pk)
    # The personal data the application was submitted with.
    profile = ApplicantIdentity.objects.get(application__enrolments__result__documents=document)
    # The exam's date is the day the session started, in the center's time zone.
    exam_day = timezone.localdate(document.result.enrolment.session.starts_at)
    assert document.exam_date == exam_day
    return document, profile, exam_day


def expected_xml(document, record_type: str) -> dict:
    """Every documented XML field of ``document`` reported as ``record_type``, from the source rows."""
    document, profile, exam_day = _source(document)
    q = document.qualification
    record = {
        "id": str(document.pk),
        "type": record_type,
        "examDate": exam_day.isoformat(),
        "qualification/code": q.code,
        "qualification/name": q.name,
        "qualification/level": str(q.level),
        "candidate/surname": document.holder_last_name,
        "candidate/name": document.holder_first_name,
        "candidate/birthDate": profile.date_of_birth.isoformat(),
        "candidate/snils": snils_formatted(profile.snils),
        "decision": document.result.decision,
        "commissionChair": chair_name(document),
    }
    if document.holder_patronymic:
        record["candidate/patronymic"] = document.holder_patronymic
    if document.verdict_id:
        record["councilDecision/@number"] = document.verdict.decision.number
        record["councilDecision/@date"] = document.verdict.decision.decided_on.isoformat()
    if document.number:
        record["certificateNumber"] = document.number
    if record_type == "duplicate":
        record["originalNumber"] = document.original.number
    if document.issue_date:
        record["issueDate"] = document.issue_date.isoformat()
    if document.valid_until:
        record["validUntil"] = document.valid_until.isoformat()
    if record_type == "revocation":
        record["revocationDate"] = document.revoked_on.isoformat()
        record["revocationReason"] = document.revoked_reason
    return record


def ru_date(day: datetime.date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else ""


def expected_csv(document, record_type: str) -> dict:
    """The same record as a CSV row: dd.mm.yyyy dates, empty cells for absent fields."""
    document, profile, exam_day = _source(document)
    q = document.qualification
    revocation = record_type == "revocation"
    return {
        "qac": QAC,
        "record_type": record_type,
        "record_id": str(document.pk),
        "exam_date": ru_date(exam_day),
        "qualification_code": q.code,
        "qualification_name": q.name,
        "qualification_level": str(q.level),
        "surname": document.holder_last_name,
        "name": document.holder_first_name,
        "patronymic": document.holder_patronymic,
        "birth_date": ru_date(profile.date_of_birth),
        "snils": snils_formatted(profile.snils),
        "decision": document.result.decision,
        "council_decision_number": document.verdict.decision.number if document.verdict_id else "",
        "council_decision_date": ru_date(document.verdict.decision.decided_on) if document.verdict_id else "",
        "certificate_number": document.number,
        "original_number": document.original.number if record_type == "duplicate" else "",
        "issue_date": ru_date(document.issue_date),
        "valid_until": ru_date(document.valid_until),
        "revocation_date": ru_date(document.revoked_on) if revocation else "",
        "revocation_reason": document.revoked_reason if revocation else "",
        "commission_chair": chair_name(document),
    }


def reported() -> list[tuple[int, str]]:
    """Every (document, record type) marked as reported, sorted."""
    return sorted(ExportRecord.objects.values_list("document_id", "record_type"))


def registry_state() -> dict:
    """Every batch and mark: a refused request changes none of it."""
    return {
        "batches": list(
            ExportBatch.objects.order_by("pk").values_list(
                "pk", "status", "counts", "skipped", "xml_file", "csv_file", "submitted_at", "acknowledged_at", "note"
            )
        ),
        "records": list(ExportRecord.objects.order_by("pk").values_list("batch", "document", "record_type")),
        "history": list(BatchTransition.objects.order_by("pk").values_list("batch", "from_status", "to_status")),
    }
