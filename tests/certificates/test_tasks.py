"""The workers' side of documents: batch rendering, its failures and retries, redelivery after a
worker dies, and the expiry reminders.

Celery is eager here except in ``test_a_worker_killed_mid_batch_...``, which runs real worker
processes on Redis when REDIS_URL is set (CI's PostgreSQL + Redis pass).
"""

import datetime
import hashlib
import os
import pathlib
import signal
import subprocess
import sys
import time
import urllib.parse

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from qac.certificates import render, selectors, services
from qac.certificates.models import DocumentEvent, IssuedDocument, Kind, RenderStatus
from qac.certificates.tasks import expiry_reminders_task, issue_session_documents_task, render_documents_task
from tests.helpers.certificates import FAIL_THEORY, PASS, documents_state, issue, pdf_bytes, pdf_pages
from tests.helpers.exams import ru


def stored_files(media) -> list[pathlib.Path]:
    folder = pathlib.Path(media) / "documents"
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.exists() else []


# --- Batches, failures, retries ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_batch_renders_each_document_into_its_own_pdf(make_exam, media):
    built = make_exam([PASS, FAIL_THEORY, PASS])
    documents = issue(built.results)
    assert {d.render_status for d in documents} == {RenderStatus.PENDING}

    assert render_documents_task.delay([d.pk for d in documents]).get() == {"rendered": 3}
    for document in documents:
        document.refresh_from_db()
        pages = pdf_pages(document)
        assert document.holder_full_name in pages[0]
        if document.kind == Kind.CERTIFICATE:
            assert len(pages) == 2 and document.number in pages[0], "front and appendix, nobody else's pages"
        else:
            assert len(pages) == 1 and "ЗАКЛЮЧЕНИЕ" in pages[0]
        assert document.render_attempts == 1
    assert len(stored_files(media)) == 3


@pytest.mark.django_db
def test_a_redelivered_render_task_does_nothing(make_exam, media):
    built = make_exam([PASS, PASS])
    documents = issue(built.results, render=True)
    before = [(d.file.name, d.sha256, d.rendered_at, d.render_attempts) for d in documents]

    assert render_documents_task.delay([d.pk for d in documents]).get() == {"rendered": 0}
    for document, was in zip(documents, before, strict=True):
        document.refresh_from_db()
        assert (document.file.name, document.sha256, document.rendered_at, document.render_attempts) == was
        assert document.events.filter(action="rendered").count() == 1
    assert len(stored_files(media)) == 2


@pytest.mark.django_db
def test_a_template_error_fails_only_its_document_with_the_reason(make_exam, monkeypatch, media):
    built = make_exam([PASS, PASS, FAIL_THEORY])
    documents = issue(built.results)
    bad = documents[1]
    real_context = render.document_context

    def context(document, center):
        if document.pk == bad.pk:
            raise ValueError("template variable holder_full_name is broken")
        return real_context(document, center)

    monkeypatch.setattr(render, "document_context", context)
    assert render_documents_task.delay([d.pk for d in documents]).get() == {"split": 3}

    for document in documents:
        document.refresh_from_db()
    assert documents[0].render_status == documents[2].render_status == RenderStatus.RENDERED
    assert bad.render_status == RenderStatus.FAILED
    assert bad.render_error == "ValueError: template variable holder_full_name is broken"
    assert not bad.file and not bad.sha256
    assert not bad.events.filter(action="rendered").exists()
    assert len(stored_files(media)) == 2
    progress = selectors.session_progress(session=built.session)
    assert (progress["done"], progress["failed"], progress["total"], progress["pending"]) == (2, 1, 3, 0)
    assert progress["failures"] == [
        {"pk": bad.pk, "holder_last_name": bad.holder_last_name, "render_error": bad.render_error}
    ]


@pytest.mark.django_db
def test_staff_retry_a_failed_render_and_nobody_else_may(
    make_exam, monkeypatch, staff, candidate, expert, django_capture_on_commit_callbacks
):
    built = make_exam([PASS])
    (document,) = issue(built.results)

    def broken(documents):
        raise ValueError("bad template")

    monkeypatch.setattr(render, "render_batch", broken)
    render_documents_task.delay([document.pk])
    document.refresh_from_db()
    assert document.render_status == RenderStatus.FAILED
    monkeypatch.undo()

    before = documents_state()
    for who in (candidate, expert):
        with pytest.raises(services.DocumentError) as exc:
            services.render_retry(document=document, by=who)
        assert str(exc.value) == ru("Only the center's staff retry rendering.")
    assert documents_state() == before

    with django_capture_on_commit_callbacks(execute=True):
        services.render_retry(document=document, by=staff)
    document.refresh_from_db()
    assert document.render_status == RenderStatus.RENDERED and document.render_error == ""
    assert pdf_bytes(document).startswith(b"%PDF")
    assert list(document.events.values_list("action", "by")) == [
        ("issued", None),
        ("numbered", None),
        ("render_failed", None),
        ("retry", staff.pk),
        ("rendered", None),
    ]

    # Only a failed document is retried.
    before = documents_state()
    with pytest.raises(services.DocumentError) as exc:
        services.render_retry(document=document, by=staff)
    assert str(exc.value) == ru("Only a document whose rendering failed is retried.")
    assert documents_state() == before


def test_a_disk_or_font_error_is_retried_with_backoff_and_a_limit():
    # render_documents_task retries OSError itself (it marks the documents failed once retries run out).
    assert render_documents_task.max_retries == 5
    assert render_documents_task.retry_backoff and render_documents_task.acks_late
    assert OSError in issue_session_documents_task.autoretry_for


@pytest.mark.django_db
def test_when_retries_run_out_the_documents_say_why_and_can_be_retried(make_exam, monkeypatch, staff):
    from qac.certificates import services as svc
    from qac.certificates.models import RenderStatus

    built = make_exam([PASS])
    (document,) = issue(built.results)

    def broken(batch):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(render, "render_batch", broken)
    result = render_documents_task.apply(args=[[document.pk]], retries=5, throw=False)
    assert result.get() == {"failed": 1}
    document.refresh_from_db()
    assert document.render_status == RenderStatus.FAILED
    assert "No space left on device" in document.render_error
    svc.render_retry(document=document, by=staff)  # its render task is queued after the commit
    document.refresh_from_db()
    assert (document.render_status, document.render_error) == (RenderStatus.PENDING, "")
    assert document.events.filter(action="retry", by=staff).exists()


@pytest.mark.django_db
def test_an_os_error_retries_the_batch_until_it_renders(make_exam, monkeypatch):
    built = make_exam([PASS, PASS])
    documents = issue(built.results)
    real = render.render_batch
    calls = []

    def flaky(batch):
        calls.append([d.pk for d in batch])
        if len(calls) == 1:
            raise OSError(28, "No space left on device")
        return real(batch)

    monkeypatch.setattr(render, "render_batch", flaky)
    # throw=False: the eager tracer then handles the Retry as a worker would, and runs the retry.
    result = render_documents_task.apply(args=[[d.pk for d in documents]], throw=False)
    assert result.get() == {"rendered": 2}
    assert calls == [[d.pk for d in documents]] * 2
    for document in documents:
        document.refresh_from_db()
        assert document.render_status == RenderStatus.RENDERED
        assert document.render_attempts == 2
        assert document.events.filter(action="rendered").count() == 1


@pytest.mark.django_db
def test_staff_issue_again_retries_the_failed_and_issues_the_missing(
    make_exam, monkeypatch, staff, expert, django_capture_on_commit_callbacks
):
    built = make_exam([PASS, PASS])
    (first,) = issue(built.results[:1])
    IssuedDocument.objects.filter(pk=first.pk).update(render_status=RenderStatus.FAILED, render_error="x")

    before = documents_state()
    with pytest.raises(services.DocumentError):
        services.session_issue_again(session=built.session, by=expert)
    assert documents_state() == before

    with django_capture_on_commit_callbacks(execute=True):
        services.session_issue_again(session=built.session, by=staff)
    documents = IssuedDocument.objects.filter(result__in=built.results)
    assert documents.count() == 2
    first.refresh_from_db()
    assert first.render_status == RenderStatus.RENDERED
    assert first.events.filter(action="rendered").count() == 1
    # The missing one is made from the Council's verdict and waits for its register number.
    second = documents.exclude(pk=first.pk).get()
    assert second.number == "" and second.render_status == RenderStatus.PENDING


# --- A worker killed in the middle of a batch ----------------------------------------------------------


BATCH = 12
HELD = 5  # the test holds the lock of the sixth document: the worker stores five, then waits


def _database_url() -> str:
    db = settings.DATABASES["default"]
    user = urllib.parse.quote(db.get("USER") or "", safe="")
    password = urllib.parse.quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = urllib.parse.quote(db.get("HOST") or "127.0.0.1", safe="")  # a socket directory is quoted
    return f"postgres://{auth}{host}:{db.get('PORT') or 5432}/{db['NAME']}"


WORKER_COMMAND = [sys.executable, "-m", "celery", "-A", "qac", "worker", "-Q", "documents,default"]
WORKER_COMMAND += ["--pool", "solo", "-l", "WARNING"]


def _start_worker(media, log):
    """A real worker process, as production runs it, on the test database and the test media folder.

    ``qac.settings.test`` forces eager tasks, so the worker runs the development settings,
    which honour DATABASE_URL, REDIS_URL and MEDIA_ROOT and consume from Redis.
    """
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "qac.settings.dev",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "MEDIA_ROOT": str(media),
        "DEBUG": "false",
    }
    return subprocess.Popen(
        [*WORKER_COMMAND, "--without-gossip", "--without-mingle", "--without-heartbeat"],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _wait(condition, *, seconds, what, workers=(), log=None):
    """Poll ``condition`` until it holds; fail with the workers' log if a worker dies or time runs out."""

    def tail():
        return log.read_text()[-3000:] if log and log.exists() else ""

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        for worker in workers:
            assert worker.poll() is None, f"a worker exited ({worker.returncode}) while waiting for {what}:\n{tail()}"
        time.sleep(0.05)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}:\n{tail()}")


def _rendered(ids) -> int:
    return IssuedDocument.objects.filter(pk__in=ids, render_status=RenderStatus.RENDERED).count()


def _kill_mid_batch_with_real_workers(ids, media, tmp_path):
    """Kill -9 a worker holding the batch after it stored some documents; a second worker finishes.

    The test holds a share lock on one document's row, so the worker stores the ones before
    it, then waits on the lock inside ``_store``: the kill lands at a known point, every time.
    """
    from qac.celery import app

    log_path = tmp_path / "workers.log"
    log = log_path.open("w")
    workers = []
    app.conf.task_always_eager = False
    try:
        with app.connection_for_write() as conn:
            for queue in ("documents", "default"):
                conn.default_channel.queue_purge(queue)
        with transaction.atomic():
            # KEY SHARE lets the task's first UPDATE (render_attempts, no key) through but
            # stops ``_store``'s SELECT ... FOR UPDATE of this row.
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(IssuedDocument._meta.db_table)
                cursor.execute(f"SELECT id FROM {table} WHERE id = %s FOR KEY SHARE", [ids[HELD]])  # noqa: S608
            workers.append(_start_worker(media, log))
            render_documents_task.delay(ids)

            def waiting_on_our_lock():
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                    return cursor.fetchone()[0] > 0

            _wait(
                lambda: _rendered(ids) == HELD and waiting_on_our_lock(),
                seconds=90,
                what="the first worker to store the documents before the held one",
                workers=workers,
                log=log_path,
            )
            os.kill(workers[0].pid, signal.SIGKILL)
            workers[0].wait(timeout=10)
            assert _rendered(ids) == HELD
        # Redis hands an unacknowledged message back once its visibility timeout (an hour in
        # production) has passed. Rather than wait an hour, do what kombu's restore does then,
        # with the timeout at zero; the message is the one the killed worker took.
        with app.connection_for_write(transport_options={"visibility_timeout": 0}) as conn:
            channel = conn.default_channel
            assert channel.client.hlen(channel.unacked_key) >= 1, "acks_late: the killed worker had not acked"
            channel.qos.restore_visible(num=None, interval=1)
        workers.append(_start_worker(media, log))
        _wait(
            lambda: _rendered(ids) == BATCH,
            seconds=90,
            what="the second worker to finish",
            workers=workers[1:],
            log=log_path,
        )
    finally:
        app.conf.task_always_eager = True
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=10)
        log.close()


class WorkerKilled(BaseException):
    """What a SIGKILL is to the code: it stops, and nothing after it runs (not even ``except Exception``)."""


def _kill_mid_batch_in_process(ids, monkeypatch):
    """Stop the task after it stored HELD documents, then deliver the same message again."""
    real_store = services.render_store
    stored = []

    def store(*, document, pdf):
        if len(stored) == HELD:
            raise WorkerKilled
        stored.append(document.pk)
        real_store(document=document, pdf=pdf)

    monkeypatch.setattr(services, "render_store", store)
    with pytest.raises(WorkerKilled):
        render_documents_task(ids)
    assert _rendered(ids) == HELD
    monkeypatch.setattr(services, "render_store", real_store)
    # The broker delivers the unacknowledged message again.
    assert render_documents_task.delay(ids).get() == {"rendered": BATCH - HELD}


def test_a_worker_killed_mid_batch_loses_nothing_and_renders_nothing_twice(
    committed_catalogue, make_exam, media, tmp_path, monkeypatch
):
    """With REDIS_URL and PostgreSQL: real worker processes, the first one killed with SIGKILL;
    otherwise the same interruption and redelivery simulated in this process."""
    built = make_exam([PASS] * BATCH)
    # Autocommit here: numbering would render at once; hold that back, the test renders.
    with monkeypatch.context() as held:
        held.setattr(services.rendering, "render_soon", lambda ids: None)
        documents = issue(built.results)
    ids = [d.pk for d in documents]
    numbers = {d.pk: (d.number, d.issue_date) for d in documents}

    real_worker = bool(settings.REDIS_URL) and connection.vendor == "postgresql"
    if real_worker:
        _kill_mid_batch_with_real_workers(ids, media, tmp_path)
    else:
        _kill_mid_batch_in_process(ids, monkeypatch)

    files = stored_files(media)
    assert len(files) == BATCH, [f.name for f in files]
    for document in IssuedDocument.objects.filter(pk__in=ids).order_by("pk"):
        assert document.render_status == RenderStatus.RENDERED
        assert DocumentEvent.objects.filter(document=document, action="rendered").count() == 1
        assert (document.number, document.issue_date) == numbers[document.pk]
        assert hashlib.sha256(pdf_bytes(document)).hexdigest() == document.sha256
        assert document.number in pdf_pages(document)[0]
        # Stored by the first delivery, or rendered by the first and again by the second.
        assert document.render_attempts == (1 if ids.index(document.pk) < HELD else 2)


# --- Expiry reminders ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_expiry_reminders_go_once_to_holders_of_valid_certificates_expiring_soon(
    settings, make_exam, staff, django_capture_on_commit_callbacks
):
    settings.QAC_EXPIRY_REMINDER_DAYS = 30
    built = make_exam([PASS] * 6)
    soon, today, later, expired, revoked, superseded = issue(built.results)
    day = timezone.localdate()
    dates = {
        soon: day + datetime.timedelta(days=30),
        today: day,
        later: day + datetime.timedelta(days=31),
        expired: day - datetime.timedelta(days=1),
        revoked: day + datetime.timedelta(days=5),
        superseded: day + datetime.timedelta(days=5),
    }
    for document, valid_until in dates.items():
        IssuedDocument.objects.filter(pk=document.pk).update(valid_until=valid_until)
    services.certificate_revoke(document=revoked, by=staff, reason="Подлог")
    # A paper replaced by a handed-over duplicate is no longer current.
    IssuedDocument.objects.filter(pk=superseded.pk).update(is_current=False)

    assert expiry_reminders_task.delay().get() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([soon.holder.email, today.holder.email])
    message = next(m for m in mail.outbox if m.to == [soon.holder.email])
    assert soon.number in message.body
    assert dates[soon].strftime("%d.%m.%Y") in message.subject
    assert soon.qualification.name in message.body
    assert set(IssuedDocument.objects.filter(expiry_reminded_at__isnull=False).values_list("pk", flat=True)) == {
        soon.pk,
        today.pk,
    }

    assert expiry_reminders_task.delay().get() == 0
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_failed_reminder_is_sent_on_the_next_run(settings, make_exam, monkeypatch):
    import smtplib

    from qac.certificates import tasks

    built = make_exam([PASS])
    (document,) = issue(built.results)
    IssuedDocument.objects.filter(pk=document.pk).update(valid_until=timezone.localdate() + datetime.timedelta(10))

    def down(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr(tasks, "send_mail", down)
    assert expiry_reminders_task.delay().get() == 0
    document.refresh_from_db()
    assert document.expiry_reminded_at is None
    monkeypatch.undo()
    assert expiry_reminders_task.delay().get() == 1
    assert [m.to for m in mail.outbox] == [[document.holder.email]]
