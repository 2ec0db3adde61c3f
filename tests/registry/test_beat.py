"""The nightly registry export: its beat schedule, the task, and the scheduler actually firing it.

On SQLite (no REDIS_URL) tasks run eagerly and the scheduler is Celery's own ``beat.Scheduler``
ticking in this process. With REDIS_URL (CI's PostgreSQL + Redis pass) a real worker consumes
the broker (``celery_worker_or_eager``) and, in ``test_the_beat_sends_the_due_export...``, a real
``celery -A qac beat`` process reads the schedule and sends the job. Settings are not edited: the
schedule state is pre-seeded so that the 02:00 job is overdue, as after a night the beat was down.
Data is committed (``committed_catalogue``) because the worker has its own connection.
"""

import copy
import datetime
import os
import signal
import subprocess
import sys
import time
import zoneinfo
from pathlib import Path

import pytest
from celery import beat
from celery.schedules import crontab
from django.conf import settings

from qac.accounts.roles import Role
from qac.celery import app
from qac.registry import services
from qac.registry.models import ExportBatch, ExportRecord
from qac.registry.tasks import registry_export_task
from tests.factories import UserFactory
from tests.helpers.certificates import FAIL_THEORY, PASS, exam, issue
from tests.helpers.exams import make_qualification

ENTRY = "registry-nightly-export"
MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")
PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def committed_documents(committed_catalogue, settings, tmp_path):
    """Three documents of an approved session, committed, so a worker's own connection sees them."""
    settings.MEDIA_ROOT = tmp_path / "media"
    staff = UserFactory(role=Role.STAFF)
    commission = [UserFactory(role=Role.EXPERT) for _ in range(3)]
    built = exam(
        staff=staff, commission=commission, qualification=make_qualification(), outcomes=[PASS, PASS, FAIL_THEORY]
    )
    return issue(built.results)


def wait_for(condition, timeout: float, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


# --- The schedule -------------------------------------------------------------------------------------


def test_the_nightly_export_is_scheduled_at_the_configured_moscow_time():
    entry = settings.CELERY_BEAT_SCHEDULE[ENTRY]

    assert entry["task"] == registry_export_task.name == "qac.registry.tasks.registry_export_task"
    assert entry["task"] in app.tasks
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert schedule.hour == {settings.QAC_REGISTRY_EXPORT_HOUR}
    assert schedule.minute == {settings.QAC_REGISTRY_EXPORT_MINUTE}
    assert set(schedule.day_of_week) == set(range(7)) and schedule.day_of_month == set(range(1, 32))
    assert entry["options"]["expires"] <= 24 * 3600, "a missed night does not pile up behind the next one"
    assert settings.CELERY_TIMEZONE == "Europe/Moscow" and str(app.conf.timezone) == "Europe/Moscow"
    assert app.conf.beat_schedule[ENTRY] is entry


def test_the_crontab_fires_at_that_hour_in_moscow_not_in_utc():
    schedule = copy.copy(settings.CELERY_BEAT_SCHEDULE[ENTRY]["schedule"])
    hour, minute = settings.QAC_REGISTRY_EXPORT_HOUR, settings.QAC_REGISTRY_EXPORT_MINUTE
    fire = datetime.datetime(2026, 11, 27, hour, minute, tzinfo=MOSCOW)
    last_run = fire - datetime.timedelta(days=1)

    def due_at(moment):
        schedule.nowfun = lambda: moment
        return schedule.is_due(last_run).is_due

    assert not due_at(fire - datetime.timedelta(minutes=1))
    assert due_at(fire)
    assert due_at(fire + datetime.timedelta(minutes=30))
    # 02:00 in Moscow is 23:00 UTC the evening before: the job is due from that instant, which
    # it would not be if the crontab were read in UTC (it would wait three more hours).
    utc_fire = fire.astimezone(datetime.UTC)
    assert utc_fire.hour == (hour - 3) % 24
    assert due_at(utc_fire) and not due_at(utc_fire - datetime.timedelta(seconds=1))
    assert not due_at(datetime.datetime(2026, 11, 27, hour, minute, tzinfo=datetime.UTC) - datetime.timedelta(hours=4))


# --- The task -----------------------------------------------------------------------------------------


def test_the_task_creates_a_batch_and_a_second_delivery_finds_nothing(committed_documents, celery_worker_or_eager):
    result = registry_export_task.delay()
    answer = result.get(timeout=60)

    batch = ExportBatch.objects.get()
    assert answer == {"batch": batch.pk, "records": 3, "held_back": 0}
    assert batch.trigger == "nightly" and batch.started_by is None
    assert sorted(ExportRecord.objects.values_list("document_id", flat=True)) == sorted(
        d.pk for d in committed_documents
    )
    assert registry_export_task.delay().get(timeout=60) == {"batch": None, "records": 0, "held_back": 0}
    assert ExportBatch.objects.count() == 1
    if settings.REDIS_URL:
        assert celery_worker_or_eager is not None and not app.conf.task_always_eager
        assert result.backend.__class__.__name__ == "RedisBackend"


def test_the_task_reports_a_busy_lock_instead_of_failing(db, monkeypatch):
    def busy(**kwargs):
        raise services.ExportBusy("Another registry export is running; try again in a few minutes.")

    monkeypatch.setattr(services, "registry_export", busy)

    assert registry_export_task.apply().get() == {
        "skipped": "Another registry export is running; try again in a few minutes."
    }
    assert ExportBatch.objects.count() == 0


# --- The scheduler firing the job -------------------------------------------------------------------------


def _overdue(entries: dict):
    """Yesterday's 02:00 run never happened (the beat was down): the job is due now."""
    entries[ENTRY].last_run_at = app.now() - datetime.timedelta(days=2)


def _fire_in_process() -> None:
    scheduler = beat.Scheduler(app=app, lazy=False)
    _overdue(scheduler.schedule)
    before = scheduler.schedule[ENTRY].last_run_at
    scheduler.tick()
    assert scheduler.schedule[ENTRY].last_run_at > before, "the scheduler sent the nightly export"


def _fire_with_a_beat_process(tmp_path) -> str:
    """Start ``celery -A qac beat`` on a pre-seeded schedule file; return its log once the job ran."""
    schedule_file = str(tmp_path / "celerybeat-schedule")
    seeded = beat.PersistentScheduler(app=app, schedule_filename=schedule_file, lazy=False)
    _overdue(seeded.schedule)
    seeded.sync()
    seeded.close()

    env = dict(os.environ, DJANGO_SETTINGS_MODULE="qac.settings.dev", DEBUG="false")
    log = tmp_path / "beat.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "qac", "beat", "-s", schedule_file, "--loglevel", "INFO"],
            cwd=PROJECT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        assert wait_for(lambda: ExportBatch.objects.exists(), timeout=90), log.read_text()
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    return log.read_text()


def test_the_beat_sends_the_due_export_and_a_worker_runs_it(committed_documents, celery_worker_or_eager, tmp_path):
    if settings.REDIS_URL:
        text = _fire_with_a_beat_process(tmp_path)
        assert f"Scheduler: Sending due task {ENTRY} (qac.registry.tasks.registry_export_task)" in text
    else:
        _fire_in_process()

    batch = ExportBatch.objects.get()
    assert batch.trigger == "nightly"
    assert wait_for(lambda: ExportRecord.objects.filter(batch=batch).count() == 3, timeout=10)
    assert batch.counts == {"certificate": 2, "conclusion": 1}
