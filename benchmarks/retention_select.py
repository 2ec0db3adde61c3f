"""Cost of the nightly retention job at 100 000 applications, against PostgreSQL.

Run by hand (never by the test suite) from the project root::

    .venv/bin/python benchmarks/retention_select.py                  # 100 000 applications
    .venv/bin/python benchmarks/retention_select.py --count 20000    # a quicker look
    .venv/bin/python benchmarks/retention_select.py --skip-setup     # reuse the rows of the last run

What it does:

1. Uses the PostgreSQL database at ``$DATABASE_URL`` (default
   ``postgres://postgres@127.0.0.1:5432/qac_bench_retention``), creating it with ``createdb`` if it
   is missing, and runs ``manage.py migrate`` (``qac.settings.dev``, ``DEBUG=false``).
2. Seeds with bulk inserts ``--count`` candidates, each with one application: half withdrawn four
   years ago (due: 3 years after closing), half passed in one of the sessions held seven years ago
   (due: validity 3 + 3 years), with their enrolments and results; then ``VACUUM ANALYZE``.
3. Times, with the clock at today: each kind's due selection alone (``selectors.DUE[kind]...count()``),
   the whole ``services.act_propose`` (selection, labels, inserting the act's items), and a second
   ``act_propose`` that finds everything already in the proposed act. Prints seconds and queries.
Nothing is destroyed: no act is approved.
"""

import argparse
import datetime
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/qac_bench_retention"


def _prepare_database(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], capture_output=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)


def _seed(count: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from candidates.models import Application
    from qac.exams.models import Enrolment, ExamResult, ExamSession
    from qac.retention.models import DestructionAct
    from standards.models import Qualification

    User = get_user_model()
    DestructionAct.objects.all().delete()
    if Application.objects.filter(candidate__email__endswith="@bench.invalid").count() >= count:
        return
    qualification = Qualification.objects.get(code="31.00400.02")
    now = timezone.now()
    with transaction.atomic():
        staff = User.objects.create(email=f"bench-staff-{time.time_ns()}@bench.invalid")
        users = User.objects.bulk_create(
            [
                User(email=f"bench-{i}-{time.time_ns()}@bench.invalid", last_name="Иванов", first_name="Иван")
                for i in range(count)
            ],
            batch_size=5000,
        )
        closed = now - datetime.timedelta(days=4 * 366)
        held = now - datetime.timedelta(days=7 * 366)
        applications = Application.objects.bulk_create(
            [
                Application(
                    candidate=u,
                    qualification=qualification,
                    status="withdrawn" if i % 2 else "passed",
                    number=f"B{i:09d}",
                    decided_at=closed if i % 2 else held,
                )
                for i, u in enumerate(users)
            ],
            batch_size=5000,
        )
        Application.objects.filter(pk__in=[a.pk for a in applications if a.status == "withdrawn"]).update(
            created_at=closed
        )
        passed = [a for a in applications if a.status == "passed"]
        sessions = ExamSession.objects.bulk_create(
            [
                ExamSession(
                    qualification=qualification,
                    starts_at=held,
                    ends_at=held + datetime.timedelta(hours=5),
                    venue_address="bench",
                    capacity=500,
                    status="results_approved",
                    created_by=staff,
                    protocol=f"protocols/bench-{n}.pdf",
                )
                for n in range(len(passed) // 500 + 1)
            ]
        )
        enrolments = Enrolment.objects.bulk_create(
            [
                Enrolment(session=sessions[n // 500], application=a, status="enrolled", enrolled_by=staff)
                for n, a in enumerate(passed)
            ],
            batch_size=5000,
        )
        ExamResult.objects.bulk_create(
            [ExamResult(enrolment=e, decision="passed", theory_percent=80) for e in enrolments], batch_size=5000
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def _timed(label: str, fn):
    from django.db import connection, reset_queries

    reset_queries()
    started = time.perf_counter()
    result = fn()
    print(f"{label:<48} {time.perf_counter() - started:8.2f} s  {len(connection.queries):6d} queries")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--skip-setup", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qac.settings.dev")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("QAC_RETENTION_ACT_MAX_ITEMS", "1000000")  # measure the whole first night
    if not args.skip_setup:
        _prepare_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.conf import settings
    from django.utils import timezone

    from qac.retention import selectors, services

    settings.DEBUG = True  # count queries
    if not args.skip_setup:
        _timed(f"seed {args.count} applications", lambda: _seed(args.count))
    today = timezone.localdate()
    for kind, due in selectors.DUE.items():
        n = _timed(f"select due: {kind}", lambda due=due: due(today=today).count())
        print(f"{'':<48} {n} due")
    act = _timed("act_propose (select, label, insert items)", lambda: services.act_propose(today=today))
    print(f"{'':<48} {act.items.count() if act else 0} items")
    _timed("act_propose again (all already in the act)", lambda: services.act_propose(today=today))


if __name__ == "__main__":
    main()
