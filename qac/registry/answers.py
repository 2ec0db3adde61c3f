"""The register's answer: the registration numbers it assigned to the records we exported.

Under Order 725n App. 3 p.5 the registration number is assigned by the register
when it enters the record. The answer comes back as a file in our own format
(docs/register-answer.md, CSV or XML with ``schema/register-answer-1.0.xsd``);
``register_answer_import`` applies it through ``certificates.document_register``.

- All or nothing per file: every row is checked and applied in one transaction;
  any error rolls the whole file back. The ``AnswerImport`` row (with every error,
  each naming its line and field) is written after the rollback, so staff see why.
- Importing the same file again changes nothing: ``document_register`` answers
  ``changed=False`` for a number the document already has; those rows are counted
  as "already numbered".
- One import at a time (see ``_lock``).

Reading the file (its shape, whatever the database says) is ``answer_file``'s; its names are
importable from here as before.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import re
from collections import defaultdict

from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qac.accounts.roles import is_qac_staff
from qac.certificates.models import IssuedDocument, NumberSource, Variant
from qac.certificates.services import DocumentError, document_register

from .answer_file import (
    CSV_COLUMNS,
    MAX_ANSWER_BYTES,
    NUMBERED_TYPES,
    SCHEMA_PATH,
    XML_FIELDS,
    AnswerRow,
    ParsedAnswer,
    answer_error,
    error_text,
    parse_answer,
    parse_date,
)
from .models import AnswerImport, AnswerStatus, ExportLock, ExportRecord

__all__ = [
    "ANSWER_LOCK",
    "CSV_COLUMNS",
    "MAX_ANSWER_BYTES",
    "MAX_ERRORS",
    "NUMBERED_TYPES",
    "SCHEMA_PATH",
    "XML_FIELDS",
    "AnswerError",
    "AnswerRow",
    "ParsedAnswer",
    "error_text",
    "parse_answer",
    "parse_date",
    "register_answer_import",
    "register_number_enter",
]

logger = logging.getLogger(__name__)

ANSWER_LOCK = "register-answer"
# A refused file keeps this many errors; a file that is wrong throughout would otherwise fill the row.
MAX_ERRORS = 500


class AnswerError(DocumentError):
    """A request the rules do not allow (not staff, a document never reported); the message is shown."""


def _lock() -> None:
    """Hold the ``register-answer`` lock row until the transaction ends.

    Every import, and every number entered by hand, takes this one row FOR UPDATE
    before it locks any document, and waits for it (no NOWAIT: an answer is short work,
    and the second file must still be applied or refused on its own merits). So two
    imports of the same file run one after the other, and the second finds every number
    already given (changed=False, "already numbered"): never applied twice. And because
    nobody holds a document lock while waiting for this row, and an import locks its
    documents in pk order, two imports cannot deadlock however their files are ordered.
    On SQLite ``select_for_update`` is a no-op, but the IMMEDIATE transactions of our
    settings serialise writers the same way.
    """
    ExportLock.objects.select_for_update().get(name=ANSWER_LOCK)


def _blame(document: IssuedDocument, row: AnswerRow) -> str:
    """Which field a refusal of ``document_register`` is about (for the error's label only)."""
    if document.number_source != NumberSource.AWAITING:
        return "registration_number"
    if (document.verdict_id is None and document.variant == Variant.ORIGINAL) or document.revoked_on:
        return "record_id"
    if row.issue_date < document.exam_date or row.issue_date > timezone.localdate():
        return "issue_date"
    return "registration_number"


def _apply(rows: list[AnswerRow], *, names: dict[str, str], by, source: str) -> tuple[list[dict], int, int]:
    """Number every row's document; returns (errors, numbered now, already numbered). Call under ``_lock``."""
    ids = {row.record_id for row in rows}
    exported: dict[int, set[str]] = defaultdict(set)
    for document_id, record_type in ExportRecord.objects.filter(
        document_id__in=ids, record_type__in=NUMBERED_TYPES
    ).values_list("document_id", "record_type"):
        exported[document_id].add(record_type)
    documents = IssuedDocument.objects.in_bulk(ids)
    errors: list[dict] = []
    numbered = already = 0
    # Documents in pk order, whatever the file's order: see ``_lock``.
    for row in sorted(rows, key=lambda r: r.record_id):
        types = exported.get(row.record_id)
        if not types:
            errors.append(
                answer_error(
                    row.line,
                    names["record_id"],
                    _("No record %(id)s was exported to the register.") % {"id": row.record_id},
                )
            )
            continue
        if row.record_type not in types:
            errors.append(
                answer_error(
                    row.line,
                    names["record_type"],
                    _("Record %(id)s was exported as «%(exported)s», not «%(type)s».")
                    % {"id": row.record_id, "exported": ", ".join(sorted(types)), "type": row.record_type},
                )
            )
            continue
        document = documents[row.record_id]
        try:
            _document, changed = document_register(
                document=document,
                number=row.number,
                issue_date=row.issue_date,
                register_url=row.register_url,
                by=by,
                source=source,
            )
        except DocumentError as exc:
            errors.append(answer_error(row.line, names[_blame(document, row)], str(exc)))
            continue
        if changed:
            numbered += 1
        else:
            already += 1
    errors.sort(key=lambda e: e["line"] or 0)
    return errors, numbered, already


def _clean_name(filename: str) -> str:
    name = re.split(r"[\\/]", filename or "")[-1].strip()
    return name[:255] or "answer"


def register_answer_import(*, data: bytes, filename: str, by=None) -> AnswerImport:
    """Apply one answer file, all or nothing; always returns the ``AnswerImport`` that says what happened.

    ``status`` is ``applied`` (``numbered`` new numbers, ``already_numbered`` rows that
    changed nothing) or ``refused`` (nothing changed; ``errors`` name line and field).
    """
    if by is not None and not is_qac_staff(by):
        raise AnswerError(_("Only the center's staff import the register's answers."))
    name = _clean_name(filename)
    digest = hashlib.sha256(data).hexdigest()
    parsed = parse_answer(data)
    names = XML_FIELDS if parsed.fmt == "xml" else {c: c for c in CSV_COLUMNS}
    record = AnswerImport(
        imported_by=by, file_name=name, sha256=digest, size=len(data), file_format=parsed.fmt, rows=len(parsed.rows)
    )
    errors = list(parsed.errors)
    if not errors:
        # The row exists before any import's transaction, so every import waits on the same row.
        ExportLock.objects.get_or_create(name=ANSWER_LOCK)
        try:
            with transaction.atomic():
                _lock()
                errors, numbered, already = _apply(parsed.rows, names=names, by=by, source=f"answer file {name}")
                if errors:
                    # Nothing of this file stays, and the renders it queued on commit are dropped with it.
                    transaction.set_rollback(True)
                else:
                    record.status = AnswerStatus.APPLIED
                    record.numbered, record.already_numbered = numbered, already
                    _store(record, data)
        except DatabaseError as exc:
            logger.exception("register answer %s: database error", name)
            errors = [
                answer_error(None, None, _("The database refused the import (%(error)s); try again.") % {"error": exc})
            ]
    if errors:
        record.pk = None
        record.status = AnswerStatus.REFUSED
        record.numbered = record.already_numbered = 0
        record.errors = errors[:MAX_ERRORS]
        if len(errors) > MAX_ERRORS:
            record.errors.append(
                answer_error(None, None, _("… and %(n)s more errors.") % {"n": len(errors) - MAX_ERRORS})
            )
        _store(record, data)
        logger.warning("register answer %s refused: %s errors", name, len(errors))
    else:
        logger.info(
            "register answer %s applied: %s numbered, %s already numbered",
            name,
            record.numbered,
            record.already_numbered,
        )
    return record


def _store(record: AnswerImport, data: bytes) -> None:
    suffix = record.file_format or "bin"
    stored = None
    try:
        record.file.save(f"answer-{record.sha256[:16]}.{suffix}", ContentFile(data), save=False)
        stored = record.file.name
        record.save()
    except BaseException:
        if stored:
            record.file.storage.delete(stored)
        raise


def register_number_enter(*, document: IssuedDocument, number: str, issue_date: datetime.date, register_url: str, by):
    """Staff enter one registration number by hand (the register's record seen on its site).

    The same checks as a file: staff only, the document must have been exported as a record
    that receives a number, and ``document_register``'s rules. Returns ``(document, changed)``.
    """
    if not is_qac_staff(by):
        raise AnswerError(_("Only the center's staff enter registration numbers."))
    if not ExportRecord.objects.filter(document_id=document.pk, record_type__in=NUMBERED_TYPES).exists():
        raise AnswerError(
            _("Document %(id)s has not been exported to the register, so the register cannot have numbered it.")
            % {"id": document.pk}
        )
    ExportLock.objects.get_or_create(name=ANSWER_LOCK)
    with transaction.atomic():
        _lock()
        return document_register(
            document=document,
            number=number,
            issue_date=issue_date,
            register_url=register_url,
            by=by,
            source="entered by hand",
        )
