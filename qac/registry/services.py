"""The registry export: every record not yet reported, written as XML and CSV, validated, then marked.

Exactly once comes from three things together:
- one export at a time: the run holds the ``ExportLock`` row FOR UPDATE;
- the mark is the ``ExportRecord`` row, written in the same transaction
  as the batch and only after the XML validated against the schema, so a
  crash anywhere before the commit marks nothing and the next run picks
  everything up again;
- a UNIQUE (document, record type) constraint, so even a bug elsewhere
  could not report a record twice.
Rows are streamed from the database and written incrementally, so memory
stays flat however many records there are.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import logging
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, OperationalError, connection, transaction
from django.db.models import Exists, F, FilteredRelation, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from candidates.validators import format_snils
from qac.accounts.roles import is_qac_staff
from qac.certificates.models import IssuedDocument, Kind, NumberSource, Variant
from qac.exports import spreadsheet_safe_row
from standards.selectors import center_get

from .appeals_list import RECORD_TYPE as APPEAL
from .appeals_list import mark_appeals, write_appeals
from .models import BatchStatus, ExportBatch, ExportLock, ExportRecord, RecordType

logger = logging.getLogger(__name__)
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "registry-export-2.0.xsd"
CSV_COLUMNS = [
    "qac",
    "record_type",
    "record_id",
    "exam_date",
    "qualification_code",
    "qualification_name",
    "qualification_level",
    "surname",
    "name",
    "patronymic",
    "birth_date",
    "snils",
    "decision",
    "council_decision_number",
    "council_decision_date",
    "certificate_number",
    "original_number",
    "issue_date",
    "valid_until",
    "revocation_date",
    "revocation_reason",
    "commission_chair",
]
CHUNK = 2000


class ExportBusy(Exception):
    """Another export holds the lock."""


class ExportInvalid(Exception):
    """The written XML did not validate; nothing was marked."""


@dataclass
class ExportOutcome:
    batch: ExportBatch | None = None
    counts: dict = field(default_factory=dict)
    skipped: list = field(default_factory=list)
    paths: list = field(default_factory=list)
    dry_run: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts.values())


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


def _rows(qs):
    # The chair in one join (a filtered relation), not three correlated subqueries per row.
    return (
        qs.annotate(
            chair=FilteredRelation(
                "result__enrolment__session__commission",
                condition=Q(result__enrolment__session__commission__is_chair=True),
            ),
            chair_last=F("chair__expert__last_name"),
            chair_first=F("chair__expert__first_name"),
            chair_patronymic=F("chair__expert__patronymic"),
            q_code=F("qualification__code"),
            q_name=F("qualification__name"),
            q_level=F("qualification__level"),
            # The personal data the application was submitted with, never the live profile.
            birth_date=F("result__enrolment__application__identity__date_of_birth"),
            snils=F("result__enrolment__application__identity__snils"),
            decision=F("result__decision"),
            decision_number=F("verdict__decision__number"),
            decision_date=F("verdict__decision__decided_on"),
            original_number=F("original__number"),
        )
        .values(
            "pk",
            "kind",
            "number",
            "exam_date",
            "issue_date",
            "valid_until",
            "revoked_on",
            "revoked_reason",
            "holder_last_name",
            "holder_first_name",
            "holder_patronymic",
            "chair_last",
            "chair_first",
            "chair_patronymic",
            "q_code",
            "q_name",
            "q_level",
            "birth_date",
            "snils",
            "decision",
            "decision_number",
            "decision_date",
            "original_number",
            "number_source",
        )
        .order_by("pk")
        .iterator(chunk_size=CHUNK)
    )


# The schema's own rules, checked per record while writing, so one bad value
# holds back its record instead of failing the whole night's batch.
_SNILS_RE = re.compile(r"^\d{11}$")
_NUMBER_RE = re.compile(r"^\d{2}\.\d{3}00\.\d{2}\.\d{8}\.\d{2}$")
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TEXT_FIELDS = ("holder_last_name", "holder_first_name", "holder_patronymic", "q_name", "chair_last")


def _problems(record_type: str, row: dict) -> list[str]:
    """Why a record would break the schema; such a record is held back with the reason, not the batch."""
    problems = []
    if not row["snils"]:
        problems.append(
            _("no SNILS in the application: the register requires it (the candidate adds it in the profile)")
        )
    elif not _SNILS_RE.match(row["snils"]):
        problems.append(_("the SNILS is not 11 digits"))
    for key in ("number", "original_number"):
        if row[key] and not _NUMBER_RE.match(row[key]):
            problems.append(_("the certificate number does not have the register's shape"))
    fields = (*_TEXT_FIELDS, "revoked_reason") if record_type == RecordType.REVOCATION else _TEXT_FIELDS
    for name in fields:
        value = row.get(name) or ""
        if len(value) > 500:
            problems.append(_("%(field)s is longer than 500 characters") % {"field": name})
        if _XML_FORBIDDEN.search(value):
            problems.append(_("%(field)s contains control characters") % {"field": name})
    if not row["birth_date"]:
        problems.append(_("no date of birth in the application"))
    if not row["chair_last"]:
        problems.append(_("the session has no commission chair"))
    if not row["holder_last_name"] or not row["holder_first_name"]:
        problems.append(_("the holder's surname or name is empty"))
    if (
        row["number_source"] == NumberSource.AWAITING
        and not row["decision_number"]
        and record_type != RecordType.DUPLICATE
    ):
        problems.append(_("the Council has not decided"))
    if record_type == RecordType.DUPLICATE and not row["original_number"]:
        problems.append(_("the original certificate has no number"))
    if record_type == RecordType.REVOCATION and not row["number"]:
        problems.append(_("the certificate has no number"))
    if row["decision"] not in ("passed", "failed", "removed"):
        problems.append(_("the exam decision is missing"))
    return problems


def _chair(row) -> str:
    initials = " ".join(f"{p[0]}." for p in (row["chair_first"], row["chair_patronymic"]) if p)
    return f"{row['chair_last']} {initials}".strip()


def _element(record_type: str, row: dict):
    E = etree.Element
    rec = E("record", id=str(row["pk"]))

    def sub(parent, name, text):
        el = etree.SubElement(parent, name)
        el.text = str(text)
        return el

    sub(rec, "type", record_type)
    sub(rec, "examDate", row["exam_date"].isoformat())
    q = etree.SubElement(rec, "qualification")
    sub(q, "code", row["q_code"])
    sub(q, "name", row["q_name"])
    sub(q, "level", row["q_level"])
    person = etree.SubElement(rec, "candidate")
    sub(person, "surname", row["holder_last_name"])
    sub(person, "name", row["holder_first_name"])
    if row["holder_patronymic"]:
        sub(person, "patronymic", row["holder_patronymic"])
    sub(person, "birthDate", row["birth_date"].isoformat())
    sub(person, "snils", format_snils(row["snils"]))
    sub(rec, "decision", row["decision"])
    if row["decision_number"]:
        etree.SubElement(rec, "councilDecision", number=row["decision_number"], date=row["decision_date"].isoformat())
    if row["number"]:
        sub(rec, "certificateNumber", row["number"])
    if record_type == RecordType.DUPLICATE and row["original_number"]:
        sub(rec, "originalNumber", row["original_number"])
    if row["issue_date"]:
        sub(rec, "issueDate", row["issue_date"].isoformat())
    if row["valid_until"]:
        sub(rec, "validUntil", row["valid_until"].isoformat())
    if record_type == RecordType.REVOCATION:
        sub(rec, "revocationDate", row["revoked_on"].isoformat())
        sub(rec, "revocationReason", row["revoked_reason"] or "-")
    sub(rec, "commissionChair", _chair(row))
    return rec


def _csv_row(record_type, row, qac):
    """One CSV row; names and reasons typed by people are kept from running as spreadsheet formulas."""
    d = lambda value: value.strftime("%d.%m.%Y") if value else ""  # noqa: E731 (Russian spreadsheets read dd.mm.yyyy)
    return spreadsheet_safe_row(
        [
            qac,
            record_type,
            row["pk"],
            d(row["exam_date"]),
            row["q_code"],
            row["q_name"],
            row["q_level"],
            row["holder_last_name"],
            row["holder_first_name"],
            row["holder_patronymic"],
            d(row["birth_date"]),
            format_snils(row["snils"]),
            row["decision"],
            row["decision_number"] or "",
            d(row["decision_date"]),
            row["number"],
            row["original_number"] if record_type == RecordType.DUPLICATE else "",
            d(row["issue_date"]),
            d(row["valid_until"]),
            d(row["revoked_on"]) if record_type == RecordType.REVOCATION else "",
            row["revoked_reason"] if record_type == RecordType.REVOCATION else "",
            _chair(row),
        ]
    )


def validate_xml(path: Path) -> None:
    """Validate the file against the XSD while streaming it (elements are dropped as they pass)."""
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))
    try:
        for _event, element in etree.iterparse(str(path), events=("end",), schema=schema, huge_tree=True):
            if element.tag == "record":
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]
    except etree.XMLSyntaxError as exc:
        raise ExportInvalid(str(exc)) from exc


def _acquire_lock() -> None:
    try:
        qs = ExportLock.objects.filter(name="registry")
        if connection.features.has_select_for_update_nowait:
            qs = qs.select_for_update(nowait=True)
        list(qs)
    except DatabaseError as exc:
        raise ExportBusy(_("Another registry export is running; try again in a few minutes.")) from exc


def _write(tmpdir: Path, batch_id: int, qac: str, center=None) -> tuple[Path, Path, dict, list, list, list]:
    xml_path, csv_path = tmpdir / "export.xml", tmpdir / "export.csv"
    counts: dict[str, int] = {}
    skipped: list[dict] = []
    marks: list[tuple[int, str]] = []
    now = timezone.now().replace(microsecond=0).isoformat()
    with open(xml_path, "wb") as xml_out, open(csv_path, "w", encoding="utf-8-sig", newline="") as csv_out:
        writer = csv.writer(csv_out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        with etree.xmlfile(xml_out, encoding="utf-8") as xf:
            xf.write_declaration()
            with xf.element(
                "registryExport",
                version="2.0",
                qac=qac,
                qacName=(center.name if center else qac) or qac,
                council=(center.council_name if center else "-") or "-",
                batch=str(batch_id),
                created=now,
            ):
                for record_type, qs in pending_querysets():
                    for row in _rows(qs):
                        problems = _problems(record_type, row)
                        if problems:
                            skipped.append({"document": row["pk"], "type": record_type, "reason": "; ".join(problems)})
                            continue
                        xf.write(_element(record_type, row))
                        writer.writerow(_csv_row(record_type, row, qac))
                        counts[record_type] = counts.get(record_type, 0) + 1
                        marks.append((row["pk"], record_type))
                appeal_ids = write_appeals(xf)
                if appeal_ids:
                    counts[APPEAL] = len(appeal_ids)
    return xml_path, csv_path, counts, skipped, marks, appeal_ids


def registry_export(*, trigger: str, by=None, output_dir: str | None = None, dry_run: bool = False) -> ExportOutcome:
    """Run one export. ``dry_run`` writes the files (to ``output_dir``) and marks nothing."""
    if by is not None and not is_qac_staff(by):
        raise ExportBusy(_("Only the center's staff export to the register."))
    # The lock row exists before any export's transaction, so a second run is refused at once.
    ExportLock.objects.get_or_create(name="registry")
    try:
        outcome = _export(trigger=trigger, by=by, output_dir=output_dir, dry_run=dry_run)
        if outcome.batch is None and outcome.skipped and not dry_run:
            # Everything new was held back: keep the reasons where staff look.
            outcome.batch = ExportBatch.objects.create(
                trigger=trigger,
                started_by=by,
                status=BatchStatus.FAILED,
                skipped=outcome.skipped,
                error=_("Every new record was held back; fix the data and export again."),
            )
        return outcome
    except OperationalError as exc:
        # SQLite: the other export's write transaction outlasted our busy timeout.
        if "locked" in str(exc):
            raise ExportBusy(_("Another registry export is running; try again in a few minutes.")) from exc
        _record_failure(trigger, by, exc)
        raise
    except ExportBusy:
        raise
    except Exception as exc:
        if not dry_run:
            _record_failure(trigger, by, exc)
        raise


def _record_failure(trigger, by, exc) -> None:
    """A failed run leaves a visible batch with the reason (in its own transaction; nothing is marked)."""
    ExportBatch.objects.create(
        trigger=trigger, started_by=by, status=BatchStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:4000]
    )
    logger.error("registry export failed: %s", exc)


def _export(*, trigger, by, output_dir, dry_run) -> ExportOutcome:
    center = center_get()
    qac = center.register_number if center else "78.033"
    outcome = ExportOutcome(dry_run=dry_run)
    with tempfile.TemporaryDirectory(prefix="qac-registry-") as tmp, transaction.atomic():
        _acquire_lock()
        if connection.vendor == "postgresql":
            # One long streaming query: PostgreSQL's JIT compiles it for longer than it saves.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        batch = ExportBatch.objects.create(trigger=trigger, started_by=by, status=BatchStatus.EXPORTED)
        xml_path, csv_path, counts, skipped, marks, appeal_ids = _write(Path(tmp), batch.pk, qac, center)
        outcome.counts, outcome.skipped = counts, skipped
        for item in skipped:
            logger.warning("registry export: held back %s %s: %s", item["type"], item["document"], item["reason"])
        if not marks and not appeal_ids:
            logger.info("registry export: nothing to report (%s held back)", len(skipped))
            transaction.set_rollback(True)  # an empty night leaves no batch and no file
            outcome.batch = None
            return outcome
        validate_xml(xml_path)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        base = f"registry-{qac}-{stamp}-batch{batch.pk}"
        if dry_run or output_dir:
            target = Path(output_dir or tempfile.mkdtemp(prefix="qac-registry-out-"))
            target.mkdir(parents=True, exist_ok=True)
            for src, suffix in ((xml_path, "xml"), (csv_path, "csv")):
                dest = target / f"{base}.{suffix}"
                shutil.copyfile(src, dest)
                outcome.paths.append(str(dest))
            if dry_run:
                transaction.set_rollback(True)
                outcome.batch = None
                return outcome
            xml_source, csv_source = Path(outcome.paths[0]), Path(outcome.paths[1])
        else:
            xml_source, csv_source = xml_path, csv_path
        digest = hashlib.sha256()
        with open(xml_source, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        # If anything fails from here to the commit, the stored files go too.
        stored = []
        try:
            with open(xml_source, "rb") as fh:
                batch.xml_file.save(f"{base}.xml", File(fh), save=False)
                stored.append(batch.xml_file.name)
            with open(csv_source, "rb") as fh:
                batch.csv_file.save(f"{base}.csv", File(fh), save=False)
                stored.append(batch.csv_file.name)
            _mark(batch, counts, skipped, digest, marks)
            mark_appeals(appeal_ids, batch.pk)
        except BaseException:
            for name in stored:
                batch.xml_file.storage.delete(name)
            raise
        if not outcome.paths:
            outcome.paths = [batch.xml_file.path, batch.csv_file.path]
        outcome.batch = batch
        logger.info("registry export batch %s: %s records (%s held back)", batch.pk, len(marks), len(skipped))
    return outcome


def _mark(batch, counts, skipped, digest, marks) -> None:
    batch.xml_sha256 = digest.hexdigest()
    batch.counts = counts
    batch.skipped = skipped
    batch.save()
    for start in range(0, len(marks), CHUNK):
        ExportRecord.objects.bulk_create(
            [ExportRecord(batch=batch, document_id=pk, record_type=t) for pk, t in marks[start : start + CHUNK]]
        )


def batch_mark(*, batch: ExportBatch, by, status: str, note: str = "") -> ExportBatch:
    """Staff record that a batch was uploaded to the register, then that the register acknowledged it."""
    if not is_qac_staff(by):
        raise ExportBusy(_("Only the center's staff update export batches."))
    allowed = {BatchStatus.SUBMITTED: (BatchStatus.EXPORTED,), BatchStatus.ACKNOWLEDGED: (BatchStatus.SUBMITTED,)}
    with transaction.atomic():
        locked = ExportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status not in allowed.get(status, ()):
            raise ExportBusy(
                _("A batch that is «%(status)s» cannot be marked «%(to)s».")
                % {"status": locked.get_status_display(), "to": BatchStatus(status).label}
            )
        locked.status = status
        if status == BatchStatus.SUBMITTED:
            locked.submitted_at = timezone.now()
        else:
            locked.acknowledged_at = timezone.now()
        if note:
            locked.note = (locked.note + "\n" + note).strip()
        locked.save()
    return locked


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
