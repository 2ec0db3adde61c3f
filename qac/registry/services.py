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

import hashlib
import itertools
import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files import File
from django.db import DatabaseError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qac.accounts.roles import is_qac_staff
from qac.statemachine import Machine, move
from standards.selectors import center_get

from . import writer
from .appeals_list import RECORD_TYPE as APPEAL
from .appeals_list import mark_appeals
from .appeals_list import section as appeals_section
from .document_records import CHUNK, CSV_COLUMNS
from .document_records import section as documents_section
from .models import BatchStatus, BatchTransition, ExportBatch, ExportLock, ExportRecord
from .xsd_check import check_chunks

logger = logging.getLogger(__name__)
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "registry-export-2.0.xsd"


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


def sections() -> list[writer.Section]:
    """The export's parts, in the order they are written: the documents, then the appeals of 649n p.15."""
    return [documents_section(), appeals_section()]


def validate_xml(path: Path) -> None:
    """Validate a written file against the XSD, streaming it (for files read back; the export checks as it writes)."""
    with open(path, "rb") as handle:
        error = check_chunks(SCHEMA_PATH, iter(lambda: handle.read(1 << 20), b""))
    if error:
        raise ExportInvalid(error)


def _acquire_lock() -> None:
    try:
        qs = ExportLock.objects.filter(name="registry")
        if connection.features.has_select_for_update_nowait:
            qs = qs.select_for_update(nowait=True)
        list(qs)
    except DatabaseError as exc:
        raise ExportBusy(_("Another registry export is running; try again in a few minutes.")) from exc


def _write(tmpdir: Path, batch_id: int, qac: str, center=None) -> tuple[Path, Path, dict, list, dict]:
    """Both files of the batch, the XML checked against the schema as it is written (ExportInvalid if not)."""
    xml_path, csv_path = tmpdir / "export.xml", tmpdir / "export.csv"
    root = {
        "version": "2.0",
        "qac": qac,
        "qacName": (center.name if center else qac) or qac,
        "council": (center.council_name if center else "-") or "-",
        "batch": str(batch_id),
        "created": timezone.now().replace(microsecond=0).isoformat(),
    }
    validator = writer.Validator(SCHEMA_PATH)
    try:
        done = writer.write_export(
            xml_path, csv_path, root=root, columns=CSV_COLUMNS, sections=sections(), qac=qac, validator=validator
        )
    except BaseException:
        validator.abort()
        raise
    if not done.marks:
        validator.abort()  # nothing to report: no file goes anywhere, so nothing to check
    elif error := validator.close():
        raise ExportInvalid(error)
    return xml_path, csv_path, done.counts, done.skipped, done.marks


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
        xml_path, csv_path, counts, skipped, written = _write(Path(tmp), batch.pk, qac, center)
        marks, appeal_ids = _split_marks(written)
        outcome.counts, outcome.skipped = counts, skipped
        for item in skipped:
            logger.warning("registry export: held back %s %s: %s", item["type"], item["document"], item["reason"])
        if not marks and not appeal_ids:
            logger.info("registry export: nothing to report (%s held back)", len(skipped))
            transaction.set_rollback(True)  # an empty night leaves no batch and no file
            outcome.batch = None
            return outcome
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        base = f"registry-{qac}-{stamp}-batch{batch.pk}"
        if dry_run or output_dir:
            target = Path(output_dir or tempfile.mkdtemp(prefix="qac-registry-out-"))
            target.mkdir(parents=True, exist_ok=True)
            for src, suffix in ((xml_path, "xml"), (csv_path, "csv")):
                dest = target / f"{base}.{suffix}"
                shutil.move(src, dest)  # a rename where it can: the temporary directory goes anyway
                outcome.paths.append(str(dest))
            if dry_run:
                transaction.set_rollback(True)
                outcome.batch = None
                return outcome
            xml_source, csv_source = Path(outcome.paths[0]), Path(outcome.paths[1])
        else:
            xml_source, csv_source = xml_path, csv_path
        digest = _sha256(xml_source)
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
        logger.info("registry export batch %s: %s records (%s held back)", batch.pk, outcome.total, len(skipped))
    return outcome


def _sha256(path: Path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest


def _split_marks(written: dict[str, list[int]]) -> tuple[dict[str, list[int]], list[int]]:
    """Documents are marked by an ExportRecord each; the appeals' list by the appeal's own batch field."""
    marks = {record_type: keys for record_type, keys in written.items() if record_type != APPEAL}
    return marks, written.get(APPEAL, [])


def _mark(batch, counts, skipped, digest, marks: dict[str, list[int]]) -> None:
    batch.xml_sha256 = digest.hexdigest()
    batch.counts = counts
    batch.skipped = skipped
    batch.save()
    rows = (ExportRecord(batch=batch, document_id=pk, record_type=t) for t, keys in marks.items() for pk in keys)
    while chunk := list(itertools.islice(rows, CHUNK)):
        ExportRecord.objects.bulk_create(chunk)


#: The moves staff make by hand, (from, to): uploaded to the register, then acknowledged by it.
BATCH_TRANSITIONS = {(BatchStatus.EXPORTED, BatchStatus.SUBMITTED), (BatchStatus.SUBMITTED, BatchStatus.ACKNOWLEDGED)}


BATCH = Machine(
    model=ExportBatch,
    history=BatchTransition,
    table=BATCH_TRANSITIONS,
    error=ExportBusy,
    refusal=gettext_lazy("A batch that is «%(status)s» cannot be marked «%(to)s»."),
    versioned=False,
)


def allowed_batch_actions(batch: ExportBatch, user) -> set[str]:
    """The statuses ``user`` may mark ``batch`` with now; the registry page shows exactly these buttons."""
    if not is_qac_staff(user):
        return set()
    return BATCH.moves_from(batch.status)


def batch_mark(*, batch: ExportBatch, by, status: str, note: str = "") -> ExportBatch:
    """Staff record that a batch was uploaded to the register, then that the register acknowledged it.

    Who marked it, when and with what note is the batch's history row; the note is also kept on the batch.
    """
    if not is_qac_staff(by):
        raise ExportBusy(_("Only the center's staff update export batches."))
    stamp = "submitted_at" if status == BatchStatus.SUBMITTED else "acknowledged_at"

    def add_note(locked):
        if note:
            locked.note = (locked.note + "\n" + note).strip()

    return move(BATCH, batch, status, by=by, note=note, changes={stamp: timezone.now()}, effect=add_note)[0]
