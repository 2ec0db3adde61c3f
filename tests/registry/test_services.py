"""The registry export (docs/registry-export.md): what goes into the files, exactly once, what is held
back and why, what a crash or an invalid file leaves behind, the management command, the batch
status machine and the deadline watch.

Every document is issued through the certificates services from sessions approved through the
exams services (``tests.certificates.conftest.exam``); the files are read back and validated here,
independently of the service (``tests.registry.conftest.read_xml`` / ``read_csv``).
"""

import datetime
import hashlib
import logging
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import TestCase
from django.utils import timezone
from lxml import etree

from candidates.models import ApplicantIdentity
from qac.certificates import services as certificate_services
from qac.certificates.models import IssuedDocument, Variant
from qac.exams.models import CommissionMember
from qac.registry import document_records, selectors, services, writer
from qac.registry.models import BatchStatus, ExportBatch, ExportRecord
from standards.selectors import center_get
from tests.helpers.certificates import PASS, issue
from tests.helpers.exams import ru
from tests.helpers.legal import register
from tests.helpers.registry import (
    QAC,
    expected_csv,
    expected_xml,
    file_name_re,
    read_csv,
    read_xml,
    registry_state,
    reported,
)

pytestmark = pytest.mark.django_db

NO_SNILS = "no SNILS in the application: the register requires it (the candidate adds it in the profile)"
NO_BIRTH_DATE = "no date of birth in the application"
NO_CHAIR = "the session has no commission chair"


def export(**kwargs):
    kwargs.setdefault("trigger", "test")
    return services.registry_export(**kwargs)


def batch_files(batch) -> tuple[dict, list[dict], list[dict]]:
    """The stored files of ``batch``: XML root attributes, XML records, CSV rows."""
    attrs, records = read_xml(batch.xml_file.path)
    return attrs, records, read_csv(batch.csv_file.path)


def stored_registry_files(media) -> list[Path]:
    folder = Path(media) / "registry"
    return sorted(folder.iterdir()) if folder.exists() else []


# --- The files ----------------------------------------------------------------------------------------


def test_an_export_writes_every_unreported_certificate_and_conclusion_with_every_documented_field(issued):
    outcome = export()

    batch = outcome.batch
    assert batch is not None and batch.status == BatchStatus.EXPORTED and batch.trigger == "test"
    assert batch.counts == outcome.counts == {"certificate": 2, "conclusion": 2}
    assert batch.skipped == outcome.skipped == []
    certificates, conclusions = issued.documents[:2], issued.documents[2:]
    expected = [(d, "certificate") for d in certificates] + [(d, "conclusion") for d in conclusions]

    attrs, records, rows = batch_files(batch)
    assert attrs["version"] == "2.0" and attrs["qac"] == QAC and attrs["batch"] == str(batch.pk)
    assert attrs["qacName"] == center_get().name and attrs["council"] == center_get().council_name
    assert abs(datetime.datetime.fromisoformat(attrs["created"]) - timezone.now()) < datetime.timedelta(minutes=1)
    assert records == [expected_xml(d, t) for d, t in expected]
    assert rows == [expected_csv(d, t) for d, t in expected]

    # A spot check of the formats against literal values, not only against the helpers.
    yolkin = records[0]
    assert yolkin["candidate/surname"] == "Ёлкин" and yolkin["candidate/patronymic"] == "Юрьевич"
    assert re.fullmatch(r"\d{3}-\d{3}-\d{3} \d{2}", yolkin["candidate/snils"])
    assert yolkin["candidate/snils"] == "112-233-445 " + yolkin["candidate/snils"][-2:]
    assert yolkin["commissionChair"] == "Кузнецов Д. С."
    assert "candidate/patronymic" not in records[1], "an empty patronymic is left out of the XML"
    assert rows[1]["patronymic"] == ""
    assert re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", rows[0]["exam_date"])
    assert rows[0]["birth_date"] == "17.05.1990"
    assert [r["decision"] for r in records] == ["passed", "passed", "failed", "removed"]
    # Reported after the Council's decision, before the register gives numbers and dates.
    decision = issued.documents[0].verdict.decision
    assert {r["councilDecision/@number"] for r in records} == {decision.number}
    assert {r["councilDecision/@date"] for r in records} == {decision.decided_on.isoformat()}
    for record in records:
        assert "certificateNumber" not in record and "issueDate" not in record and "validUntil" not in record

    # Stored under the documented names, with the XML's digest; one mark per record.
    assert re.fullmatch(file_name_re(batch.pk, "xml"), Path(batch.xml_file.name).name)
    assert re.fullmatch(file_name_re(batch.pk, "csv"), Path(batch.csv_file.name).name)
    assert Path(batch.xml_file.name).stem == Path(batch.csv_file.name).stem
    assert batch.xml_sha256 == hashlib.sha256(Path(batch.xml_file.path).read_bytes()).hexdigest()
    assert outcome.paths == [batch.xml_file.path, batch.csv_file.path]
    assert reported() == sorted((d.pk, t) for d, t in expected)
    assert set(ExportRecord.objects.values_list("batch", flat=True)) == {batch.pk}


def test_a_second_run_finds_nothing_new_writes_no_file_and_no_batch_and_logs_it(issued, media, caplog):
    export()
    before, files = registry_state(), stored_registry_files(media)

    with caplog.at_level(logging.INFO, logger="qac.registry.services"):
        outcome = export()

    assert outcome.batch is None and outcome.total == 0 and outcome.paths == [] and outcome.skipped == []
    assert registry_state() == before
    assert stored_registry_files(media) == files
    assert "registry export: nothing to report (0 held back)" in caplog.messages


def test_only_the_new_documents_go_into_the_next_batch(issued, make_exam):
    first = export().batch
    later = issue(make_exam([PASS]).results)

    second = export().batch

    assert second.pk != first.pk and second.counts == {"certificate": 1}
    _attrs, records, rows = batch_files(second)
    assert records == [expected_xml(later[0], "certificate")]
    assert rows == [expected_csv(later[0], "certificate")]


# --- Held back -----------------------------------------------------------------------------------------


def _identity(document):
    return ApplicantIdentity.objects.get(application__enrolments__result__documents=document)


def _no_snils(document):
    ApplicantIdentity.objects.filter(pk=_identity(document).pk).update(snils="")


def _no_identity(document):
    # date_of_birth is NOT NULL, so a missing date of birth means an application without its identity.
    _identity(document).delete()


@pytest.mark.parametrize(
    ("breakage", "reasons"),
    [(_no_snils, [NO_SNILS]), (_no_identity, [NO_SNILS, NO_BIRTH_DATE])],
    ids=["no-snils", "no-identity"],
)
def test_a_record_without_snils_or_birth_date_is_held_back_with_the_reason_and_reported_once_fixed(
    issued, breakage, reasons
):
    broken = issued.documents[1]
    identity = _identity(broken)
    breakage(broken)

    first = export().batch

    assert first.counts == {"certificate": 1, "conclusion": 2}
    reason = "; ".join(ru(r) for r in reasons)
    assert first.skipped == [{"document": broken.pk, "type": "certificate", "reason": reason}]
    _attrs, records, rows = batch_files(first)
    assert str(broken.pk) not in [r["id"] for r in records] + [r["record_id"] for r in rows]
    assert (broken.pk, "certificate") not in reported()

    # Still broken: held back again and nothing else to report: a failed batch
    # with the reason, no file, nothing marked.
    held = export().batch
    assert held.status == "failed" and not held.xml_file
    assert held.skipped == [{"document": broken.pk, "type": "certificate", "reason": reason}]

    identity.save()  # the identity as it was: an UPDATE, or an INSERT when it had been deleted
    second = export().batch

    assert second.counts == {"certificate": 1} and second.skipped == []
    _attrs, records, rows = batch_files(second)
    assert records == [expected_xml(broken, "certificate")]
    assert rows == [expected_csv(broken, "certificate")]
    assert reported().count((broken.pk, "certificate")) == 1


def test_a_session_without_a_chair_holds_back_its_records_and_the_other_sessions_go(issued, make_exam):
    other = issue(make_exam([PASS]).results)[0]
    seat = CommissionMember.objects.get(session=issued.session, is_chair=True)
    CommissionMember.objects.filter(pk=seat.pk).update(is_chair=False)

    first = export().batch

    assert first.counts == {"certificate": 1}
    assert first.skipped == [
        {"document": d.pk, "type": t, "reason": ru(NO_CHAIR)}
        for d, t in zip(issued.documents, ["certificate", "certificate", "conclusion", "conclusion"], strict=True)
    ]
    assert reported() == [(other.pk, "certificate")]

    CommissionMember.objects.filter(pk=seat.pk).update(is_chair=True)
    second = export().batch

    assert second.counts == {"certificate": 2, "conclusion": 2} and second.skipped == []
    _attrs, records, _rows = batch_files(second)
    assert [r["commissionChair"] for r in records] == ["Кузнецов Д. С."] * 4


# --- Later facts: revocations, duplicates, corrections -----------------------------------------------


def numbered(documents):
    """The register's answer for ``documents``: numbers, dates, and the PDFs rendered."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return register(documents)


def test_a_revocation_after_the_export_is_its_own_record_in_a_later_batch(issued, staff):
    export()
    (certificate,) = numbered(issued.documents[:1])
    certificate_services.certificate_revoke(
        document=certificate,
        by=staff,
        reason="Решение апелляционной комиссии",
        revoked_on=timezone.localdate(),
    )

    batch = export().batch

    assert batch.counts == {"revocation": 1}
    certificate.refresh_from_db()
    _attrs, records, rows = batch_files(batch)
    assert records == [expected_xml(certificate, "revocation")]
    assert records[0]["certificateNumber"] == certificate.number
    assert records[0]["revocationDate"] == timezone.localdate().isoformat()
    assert records[0]["revocationReason"] == "Решение апелляционной комиссии"
    assert rows == [expected_csv(certificate, "revocation")]
    assert ExportRecord.objects.filter(document=certificate).count() == 2
    assert export().batch is None, "the revocation is reported once"


def test_a_certificate_not_yet_in_the_register_is_not_revoked(issued, staff):
    before = registry_state()
    with pytest.raises(certificate_services.DocumentError) as exc:
        certificate_services.certificate_revoke(document=issued.documents[0], by=staff, reason="Ошибка")
    assert str(exc.value) == ru("This certificate is not in the register yet: correct the Council's decision instead.")
    assert registry_state() == before


def test_a_duplicate_is_reported_as_its_own_record_with_the_original_number_and_gets_its_own(issued, staff):
    export()
    lost, _other = numbered(issued.documents[:2])
    request = certificate_services.duplicate_request_receive(original=lost, by=staff, grounds="loss")
    duplicate = certificate_services.duplicate_request_issue(request=request, by=staff)

    batch = export().batch

    assert batch.counts == {"duplicate": 1}
    _attrs, records, rows = batch_files(batch)
    assert records == [expected_xml(duplicate, "duplicate")]
    assert rows == [expected_csv(duplicate, "duplicate")]
    assert records[0]["originalNumber"] == lost.number and "certificateNumber" not in records[0]
    assert reported().count((duplicate.pk, "duplicate")) == 1

    # Revoking the certificate revokes every paper of it, but the register hears it once, on the original.
    (duplicate,) = numbered([duplicate])
    certificate_services.certificate_revoke(document=duplicate, by=staff, reason="Подделка")
    batch = export().batch
    assert batch.counts == {"revocation": 1}
    _attrs, records, _rows = batch_files(batch)
    assert [(r["id"], r["type"]) for r in records] == [(str(lost.pk), "revocation")]


def test_a_document_cancelled_by_a_corrected_decision_before_export_is_never_reported(issued, staff):
    from qac.council import services as council_services

    passed = issued.documents[0]
    decision = passed.verdict.decision
    verdicts = {v.result_id: (v.verdict, v.reason) for v in decision.verdicts.all()}
    verdicts[passed.result_id] = ("conclusion", "Протокол не подписан одним из экспертов")
    with TestCase.captureOnCommitCallbacks(execute=True):
        council_services.decision_correct(
            decision=decision,
            by=staff,
            reason="Уточнение решения совета",
            expected_version=decision.version,
            number=decision.number,
            decided_on=decision.decided_on,
            verdicts=verdicts,
        )
    passed.refresh_from_db()
    assert not passed.is_current

    batch = export().batch

    assert batch.counts == {"certificate": 1, "conclusion": 3}
    assert (passed.pk, "certificate") not in reported()


# --- Nothing marked unless everything committed --------------------------------------------------------


def _fail_bulk_create(monkeypatch):
    """Let the first chunk of marks in, then crash: the first chunk must not survive either."""
    monkeypatch.setattr(services, "CHUNK", 1)
    real = ExportRecord.objects.bulk_create
    calls = []

    def bulk_create(objs, *args, **kwargs):
        calls.append(len(objs))
        if len(calls) == 2:
            assert ExportRecord.objects.count() == 1, "a chunk was written before the crash"
            raise RuntimeError("worker lost mid-run")
        return real(objs, *args, **kwargs)

    monkeypatch.setattr(ExportRecord.objects, "bulk_create", bulk_create)


def _fail_batch_save(monkeypatch):
    """Crash when the batch is saved with its files, after both were written to storage."""
    real = ExportBatch.save

    def save(self, *args, **kwargs):
        if self.xml_sha256:
            raise RuntimeError("database went away")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ExportBatch, "save", save)


@pytest.mark.parametrize("crash", [_fail_bulk_create, _fail_batch_save], ids=["marking", "saving-the-batch"])
def test_a_crash_between_writing_and_marking_marks_nothing_and_the_next_run_exports_everything(
    issued, monkeypatch, crash
):
    crash(monkeypatch)

    with pytest.raises(RuntimeError):
        export()

    # Nothing marked; the failure itself is visible to staff as a failed batch with its reason.
    assert ExportRecord.objects.count() == 0
    failed = ExportBatch.objects.get()
    assert failed.status == "failed" and "RuntimeError" in failed.error and not failed.xml_file
    monkeypatch.undo()
    batch = export().batch
    assert batch.counts == {"certificate": 2, "conclusion": 2}
    assert len(reported()) == 4 and ExportBatch.objects.exclude(status="failed").count() == 1


def test_an_error_while_the_rows_stream_in_marks_nothing_and_leaves_the_connection_usable(issued, monkeypatch):
    """On PostgreSQL the rows come from a query still streaming: it is closed, so the rollback and the
    failed batch go through (an open stream would hold the connection and the rollback would wait)."""
    real = document_records._records

    def broken(record_type, rows, qac):
        for written in real(record_type, rows, qac):
            yield written
            raise RuntimeError("disk full")

    monkeypatch.setattr(document_records, "_records", broken)

    with pytest.raises(RuntimeError):
        export()

    assert ExportRecord.objects.count() == 0
    assert "disk full" in ExportBatch.objects.get().error
    monkeypatch.undo()
    assert export().batch.counts == {"certificate": 2, "conclusion": 2}


def test_a_file_that_fails_the_schema_raises_export_invalid_and_marks_nothing(issued, monkeypatch, media):
    real = document_records._records

    def level_twelve(record_type, rows, qac):
        for key, xml, line, held in real(record_type, rows, qac):
            yield key, re.sub(b"<level>[^<]*</level>", b"<level>12</level>", xml), line, held

    monkeypatch.setattr(document_records, "_records", level_twelve)

    with pytest.raises(services.ExportInvalid) as exc:
        export()

    assert "level" in str(exc.value)
    assert ExportRecord.objects.count() == 0
    assert ExportBatch.objects.get().status == "failed"
    assert stored_registry_files(media) == []
    monkeypatch.undo()
    assert export().batch.counts == {"certificate": 2, "conclusion": 2}


def test_the_database_refuses_a_second_mark_of_the_same_fact(issued):
    export()
    document = issued.documents[0]
    other_batch = ExportBatch.objects.create(trigger="test", status=BatchStatus.EXPORTED)

    with pytest.raises(IntegrityError), transaction.atomic():
        ExportRecord.objects.create(batch=other_batch, document=document, record_type="certificate")

    assert ExportRecord.objects.filter(document=document, record_type="certificate").count() == 1
    # The same document may carry another fact.
    ExportRecord.objects.create(batch=other_batch, document=document, record_type="revocation")


def test_only_the_centers_staff_export(issued, candidate, expert, head):
    for who in (candidate, expert):
        with pytest.raises(services.ExportBusy):
            export(by=who)
        assert registry_state() == {"batches": [], "records": [], "history": []}

    batch = export(by=head, trigger="manual").batch
    assert batch.started_by == head and batch.trigger == "manual"


# --- The management command ----------------------------------------------------------------------------


def test_a_dry_run_writes_the_files_where_asked_prints_them_and_marks_nothing(issued, tmp_path, capsys, media):
    target = tmp_path / "out"

    call_command("export_registry", "--dry-run", "--output", str(target))

    out = capsys.readouterr().out.splitlines()
    files = sorted(target.iterdir())
    assert [p.suffix for p in files] == [".csv", ".xml"]
    assert sorted(out[:2]) == sorted(str(p) for p in files)
    assert out[2] == "4 records would report (certificate: 2, conclusion: 2); 0 held back"
    _attrs, records = read_xml(files[1])
    assert len(records) == len(read_csv(files[0])) == 4
    assert registry_state() == {"batches": [], "records": [], "history": []}
    assert stored_registry_files(media) == []

    # The same again, for real: the files go to the directory too, and everything is marked.
    real_target = tmp_path / "real"
    call_command("export_registry", "--output", str(real_target))

    out = capsys.readouterr().out.splitlines()
    batch = ExportBatch.objects.get()
    written = sorted(real_target.iterdir())
    assert [p.name for p in written] == sorted([Path(batch.csv_file.name).name, Path(batch.xml_file.name).name])
    assert sorted(out[:2]) == sorted(str(p) for p in written)
    assert out[2] == "4 records reported (certificate: 2, conclusion: 2); 0 held back"
    assert batch.trigger == "command" and len(reported()) == 4
    assert written[1].read_bytes() == Path(batch.xml_file.path).read_bytes()


def test_the_command_names_what_it_held_back(issued, capsys):
    _no_snils(issued.documents[0])

    call_command("export_registry")

    captured = capsys.readouterr()
    assert captured.out.splitlines()[-1] == "3 records reported (certificate: 1, conclusion: 2); 1 held back"
    assert f"held back: document {issued.documents[0].pk} (certificate): {ru(NO_SNILS)}" in captured.err


# --- Batch status ----------------------------------------------------------------------------------------


@pytest.fixture
def batch(issued):
    return export().batch


def test_a_batch_is_marked_submitted_then_acknowledged(batch, staff, head):
    submitted = services.batch_mark(batch=batch, by=staff, status=BatchStatus.SUBMITTED, note="Загружено в ЛК")
    assert submitted.status == BatchStatus.SUBMITTED and submitted.submitted_at is not None
    assert submitted.acknowledged_at is None

    acknowledged = services.batch_mark(batch=batch, by=head, status=BatchStatus.ACKNOWLEDGED, note="Принято")
    batch.refresh_from_db()
    assert batch.status == acknowledged.status == BatchStatus.ACKNOWLEDGED
    assert batch.acknowledged_at >= batch.submitted_at
    assert batch.note == "Загружено в ЛК\nПринято"
    assert [(h.from_status, h.to_status, h.by, h.note) for h in batch.history.all()] == [
        (BatchStatus.EXPORTED, BatchStatus.SUBMITTED, staff, "Загружено в ЛК"),
        (BatchStatus.SUBMITTED, BatchStatus.ACKNOWLEDGED, head, "Принято"),
    ]


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], BatchStatus.ACKNOWLEDGED),
        ([BatchStatus.SUBMITTED], BatchStatus.SUBMITTED),
        ([BatchStatus.SUBMITTED, BatchStatus.ACKNOWLEDGED], BatchStatus.SUBMITTED),
        ([BatchStatus.SUBMITTED, BatchStatus.ACKNOWLEDGED], BatchStatus.ACKNOWLEDGED),
        ([], BatchStatus.EXPORTED),
        ([], BatchStatus.FAILED),
    ],
)
def test_a_batch_moves_only_forward_one_step_at_a_time(batch, staff, path, refused):
    for status in path:
        services.batch_mark(batch=batch, by=staff, status=status)
    before = registry_state()

    with pytest.raises(services.ExportBusy):
        services.batch_mark(batch=batch, by=staff, status=refused, note="x")

    assert registry_state() == before


def test_only_the_centers_staff_mark_a_batch(batch, candidate, expert):
    before = registry_state()
    for who in (candidate, expert):
        with pytest.raises(services.ExportBusy):
            services.batch_mark(batch=batch, by=who, status=BatchStatus.SUBMITTED)
    assert registry_state() == before


# --- Deadlines -----------------------------------------------------------------------------------------


def _exam_days_ago(document, days, today):
    IssuedDocument.objects.filter(pk=document.pk).update(exam_date=today - datetime.timedelta(days=days))


@pytest.mark.parametrize(("report_days", "warn_days"), [(30, 7), (10, 3)])
def test_the_deadline_watch_counts_overdue_and_due_soon_unreported_records(
    issued, make_exam, settings, report_days, warn_days
):
    settings.QAC_REGISTRY_REPORT_DAYS, settings.QAC_REGISTRY_WARN_DAYS = report_days, warn_days
    today = timezone.localdate()
    a, b, c, d = issued.documents
    e = issue(make_exam([PASS]).results)[0]
    # Deadline = exam date + report_days. Past it: overdue; within warn_days of it: due soon.
    _exam_days_ago(a, report_days + 1, today)  # deadline yesterday: overdue
    _exam_days_ago(b, report_days, today)  # deadline today: due soon, not yet overdue
    _exam_days_ago(c, report_days - warn_days, today)  # deadline in warn_days: due soon
    _exam_days_ago(d, report_days - warn_days - 1, today)  # not yet
    # e: the exam is in the future

    watch = selectors.deadline_watch(today=today)

    assert (watch["overdue"], watch["due_soon"]) == (1, 2)
    assert [x.pk for x in watch["items"]] == [a.pk, b.pk, c.pk]
    assert watch["overdue_from"] == today - datetime.timedelta(days=report_days)

    # Reported records drop out; one held back stays on the watch.
    _no_snils(b)
    export()
    watch = selectors.deadline_watch(today=today)
    assert (watch["overdue"], watch["due_soon"]) == (0, 1)
    assert [x.pk for x in watch["items"]] == [b.pk]
    assert e.pk not in [x.pk for x in watch["items"]]


def test_the_deadline_watch_lists_at_most_limit_items_but_counts_them_all(issued):
    today = timezone.localdate()
    IssuedDocument.objects.update(exam_date=today - datetime.timedelta(days=60))

    watch = selectors.deadline_watch(today=today, limit=2)

    assert watch["overdue"] == 4 and len(watch["items"]) == 2
    assert selectors.deadline_watch(today=today, limit=0)["items"] == []


def test_variants_are_not_reported_as_originals(issued, staff):
    """A duplicate is never also reported as a ``certificate``; the original is never a ``duplicate``."""
    (original,) = numbered(issued.documents[:1])
    request = certificate_services.duplicate_request_receive(original=original, by=staff, grounds="loss")
    duplicate = certificate_services.duplicate_request_issue(request=request, by=staff)
    assert duplicate.variant == Variant.DUPLICATE

    export()

    assert [t for d, t in reported() if d == duplicate.pk] == ["duplicate"]
    assert [t for d, t in reported() if d == issued.documents[0].pk] == ["certificate"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"holder_first_name": "Ив\x0bан"}, "holder_first_name contains control characters"),
        ({"number": "31.00400.02.00000001.2026"}, "the certificate number does not have the register's shape"),
    ],
    ids=["control-character", "number-shape"],
)
def test_a_value_the_schema_would_refuse_holds_back_its_record_not_the_batch(issued, change, expected):
    from django.utils import translation

    from qac.certificates.models import IssuedDocument

    broken = issued.documents[0]
    if "number" in change:
        change = {**change, "number_source": "register"}
    IssuedDocument.objects.filter(pk=broken.pk).update(**change)
    with translation.override("en"):
        batch = export().batch
    assert batch.status == "exported"
    assert batch.counts == {"certificate": 1, "conclusion": 2}
    (held,) = batch.skipped
    assert held["document"] == broken.pk and expected in held["reason"]
    assert (broken.pk, "certificate") not in reported()


def test_a_snils_that_is_not_eleven_digits_is_held_back(issued):
    from django.utils import translation

    broken = issued.documents[0]
    ApplicantIdentity.objects.filter(pk=_identity(broken).pk).update(snils="1234")
    with translation.override("en"):
        batch = export().batch
    assert [h["document"] for h in batch.skipped] == [broken.pk]
    assert "SNILS is not 11 digits" in batch.skipped[0]["reason"]


def test_an_over_long_revocation_reason_holds_back_only_the_revocation(issued):
    from django.utils import translation

    from qac.certificates.models import IssuedDocument

    export()  # the originals are reported first
    (revoked,) = numbered(issued.documents[:1])
    IssuedDocument.objects.filter(pk=revoked.pk).update(
        revoked_on=revoked.issue_date,
        revoked_reason="Ж" * 600,
    )
    with translation.override("en"):
        batch = export().batch
    assert batch.status == "failed" and batch.skipped[0]["type"] == "revocation"
    assert "revoked_reason is longer than 500 characters" in batch.skipped[0]["reason"]
    assert (revoked.pk, "revocation") not in reported()


def test_allowed_batch_actions_follow_the_one_table(db, staff, candidate):
    """The page's buttons and batch_mark read BATCH_TRANSITIONS: exported -> submitted -> acknowledged."""
    batch = ExportBatch.objects.create(trigger="test", status=BatchStatus.EXPORTED)
    assert services.allowed_batch_actions(batch, staff) == {BatchStatus.SUBMITTED}
    assert services.allowed_batch_actions(batch, candidate) == set()
    batch = services.batch_mark(batch=batch, by=staff, status=BatchStatus.SUBMITTED)
    assert services.allowed_batch_actions(batch, staff) == {BatchStatus.ACKNOWLEDGED}
    batch = services.batch_mark(batch=batch, by=staff, status=BatchStatus.ACKNOWLEDGED)
    assert services.allowed_batch_actions(batch, staff) == set()
    with pytest.raises(services.ExportBusy):
        services.batch_mark(batch=batch, by=staff, status=BatchStatus.SUBMITTED)


def test_the_xml_is_byte_for_byte_what_libxml2_writes_for_the_same_records(issued, staff):
    """The writer escapes text itself: the file must equal lxml's own serialisation of its content."""
    (certificate,) = numbered(issued.documents[:1])
    certificate_services.certificate_revoke(
        document=certificate, by=staff, reason='Решение суда "A&B" <№ 5>\nстрока 2\tи табуляция'
    )
    other = issued.documents[1]
    IssuedDocument.objects.filter(pk=other.pk).update(holder_last_name='О\'Брайен & <Ко> "Ltd"\r')
    center = center_get()
    center.name = 'Центр "Автопром" & <партнёры>'
    center.save()

    batch = export().batch
    data = Path(batch.xml_file.path).read_bytes()

    assert batch.counts["revocation"] == 1
    assert etree.tostring(etree.parse(batch.xml_file.path), xml_declaration=True, encoding="utf-8") == data
    assert 'О\'Брайен &amp; &lt;Ко&gt; "Ltd"&#13;'.encode() in data
    assert 'Решение суда "A&amp;B" &lt;№ 5&gt;\nстрока 2\tи табуляция'.encode() in data
    assert 'qacName="Центр &quot;Автопром&quot; &amp; &lt;партнёры&gt;"'.encode() in data


def test_a_large_export_is_checked_in_a_second_process_and_a_schema_error_there_marks_nothing(
    issued, monkeypatch, media
):
    monkeypatch.setattr(writer, "IN_PROCESS_BYTES", 100)  # every export here is "large"
    started = []
    real_popen = writer.subprocess.Popen
    monkeypatch.setattr(writer.subprocess, "Popen", lambda *a, **k: started.append(a) or real_popen(*a, **k))
    real = document_records._records

    def level_fifteen(record_type, rows, qac):
        for key, xml, line, held in real(record_type, rows, qac):
            yield key, xml.replace(b"<level>", b"<level>1"), line, held

    monkeypatch.setattr(document_records, "_records", level_fifteen)

    with pytest.raises(services.ExportInvalid) as exc:
        export()

    assert started and "level" in str(exc.value)
    assert ExportRecord.objects.count() == 0
    assert stored_registry_files(media) == []
    monkeypatch.setattr(document_records, "_records", real)
    assert export().batch.counts == {"certificate": 2, "conclusion": 2}
    assert len(started) == 2


def test_the_export_streams_exactly_the_documents_pending_querysets_lists_each_type_in_pk_order(issued, staff):
    """Certificates and conclusions come from one query of their own; it must agree with the per-type ones."""
    certificate = next(d for d in issued.documents if d.kind == "certificate")
    conclusion = next(d for d in issued.documents if d.kind == "conclusion")
    batch = ExportBatch.objects.create(trigger="test", status=BatchStatus.EXPORTED)
    # Reported as what it is, so no longer pending; and a mark of another type, which does not count.
    ExportRecord.objects.create(batch=batch, document=certificate, record_type="certificate")
    ExportRecord.objects.create(batch=batch, document=conclusion, record_type="certificate")
    expected = {
        record_type: sorted(qs.values_list("pk", flat=True))
        for record_type, qs in selectors.pending_querysets()
        if qs.exists()
    }

    rows = selectors.pending_document_rows()
    streamed = {record_type: [row[0] for row in group] for record_type, group in rows}

    assert {t: pks for t, pks in streamed.items() if pks} == expected
    assert conclusion.pk in streamed["conclusion"] and certificate.pk not in streamed["certificate"]
    assert list(streamed)[:2] == ["certificate", "conclusion"]
