"""Latency of the theory test's autosave with 200 candidates answering at once, against PostgreSQL and gunicorn.

Run by hand (never by the test suite) from the project root::

    .venv/bin/python benchmarks/autosave_latency.py                     # 200 candidates, 1 s think time
    .venv/bin/python benchmarks/autosave_latency.py --think-ms 0        # no think time: the server's capacity
    .venv/bin/python benchmarks/autosave_latency.py --skip-setup        # no createdb/migrate (data still reset)
    .venv/bin/python benchmarks/autosave_latency.py --think-ms 10000    # one answer every ~10 s a candidate
    .venv/bin/python benchmarks/autosave_latency.py --profile 300       # then 300 autosaves in-process, per query
    CONN_MAX_AGE=0 .venv/bin/python benchmarks/autosave_latency.py      # a new database connection per request

What it does:

1. Uses the PostgreSQL database at ``$DATABASE_URL`` (default
   ``postgres://postgres@127.0.0.1:5432/qac_bench_exam``), creating it with
   ``createdb`` if it is missing, and runs ``manage.py migrate`` with
   ``DJANGO_SETTINGS_MODULE=qac.settings.dev`` and ``DEBUG=false``. Database
   connections persist for 60 s (``CONN_MAX_AGE=60``), as production settings
   have them; the dev settings' own default, 0, opens one per request and
   costs about 10 ms an autosave: ``CONN_MAX_AGE=0`` measures that.
2. Seeds, with bulk inserts (seconds, not minutes), ``--candidates`` candidates
   with accepted applications, enrolled and marked present in sessions in
   progress (50 a session) of qualification 31.00400.02, each with a started
   theory attempt whose variant is drawn by ``services.draw_variant`` from a
   bank of 80 questions (40 a variant). A second run reuses the rows: it
   deletes the bench attempts' answers and restarts their clocks. Each
   candidate gets a fresh database session (``SessionStore`` with the auth
   session keys): no password round trip. Then ``VACUUM ANALYZE`` of the exam
   tables, for planner statistics where autovacuum is off.
3. Starts ``gunicorn qac.wsgi --workers 4 --bind 127.0.0.1:8078`` with the same
   environment and waits for ``/healthz``.
4. One thread per candidate (an ``http.client`` connection each, kept alive
   where the server allows it: gunicorn's sync workers close it after each
   answer, so every request pays a TCP connect, as it would behind no proxy)
   loads the test page once for its ``csrftoken`` cookie, then, all together,
   thinks for ``--think-ms`` (uniform 0.5x to 1.5x) and autosaves a random
   answer of its variant (radio: one choice; checkbox: one or more) with
   ``X-CSRFToken``, until ``--requests`` autosaves are done or
   ``--max-seconds`` have passed.
5. Prints count, errors (anything but 200), p50/p95/p99/max latency of the
   autosave, throughput, p95 by 15 s window, and the CPU time per autosave of
   the gunicorn workers, the database backends and the load generator (from
   /proc, per process); checks the answers reached the database; stops
   gunicorn (SIGTERM, graceful); and with ``--profile N`` replays N autosaves
   in-process through Django's test client, timing each SQL statement and the
   database connect.

Only 127.0.0.1 is ever contacted. Any other environment variable
(``REDIS_URL``...) is passed through to the management commands and
gunicorn. Exit code 0 when p95 met the target. Clients, gunicorn and
PostgreSQL share the machine's cores: the load average printed with the
figures tells whether something else was competing for them.
"""

import argparse
import http.client
import json
import os
import random
import resource
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie

import _common as bench
import psycopg
from psycopg import sql

HOST = bench.HOST
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/qac_bench_exam"
TARGET_P95_MS = 100.0
WINDOW = 15.0  # seconds, for the p95 over time

QUALIFICATION = "31.00400.02"
BANK_SIZE = 80  # bench questions created when the bank is smaller than twice the variant
PER_SESSION = 50
EMAIL = "bench-candidate-{:04d}@bench.local"
STAFF_EMAIL = "bench-staff@bench.local"
EXPERT_EMAIL = "bench-expert-{}@bench.local"
VENUE = "BENCH: autosave_latency.py"
PASSWORD = "bench-not-used-for-login-2026"  # noqa: S105 (sessions are created directly)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--candidates", type=int, default=200, help="candidates, one client each (%(default)s)")
    parser.add_argument("--requests", type=int, default=12_000, help="measured autosaves (default %(default)s)")
    parser.add_argument("--max-seconds", type=float, default=90.0, help="time cap of the run, s (%(default)s)")
    parser.add_argument("--think-ms", type=float, default=1000.0, help="mean pause between answers (%(default)s)")
    parser.add_argument("--port", type=int, default=8078, help="gunicorn port on 127.0.0.1 (default %(default)s)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default %(default)s)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the answers (default %(default)s)")
    parser.add_argument("--skip-setup", action="store_true", help="do not create the database or run migrate")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="then N autosaves in-process, per query")
    parser.add_argument(
        "--profile-only", type=int, default=0, metavar="N", help="only N autosaves in-process: no server, no load"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        help="PostgreSQL URL (default $DATABASE_URL or %(default)s)",
    )
    return parser.parse_args()


@dataclass
class Candidate:
    attempt_id: int
    session_key: str
    # (question id, "single" or "multiple", choice ids) for each question of the variant
    questions: list[tuple[int, str, list[int]]]


def _bank(qualification, spec) -> None:
    from qac.exams.models import Choice, Question, QuestionKind

    active = Question.objects.filter(qualification=qualification, is_active=True).count()
    if active >= 2 * spec.theory_question_count:
        return
    topics = ["Двигатель", "Тормозная система", "Электрооборудование", "Трансмиссия"]
    Question.objects.bulk_create(
        [
            Question(
                qualification=qualification,
                external_id=f"BENCH-{n:03d}",
                topic=topics[n % len(topics)],
                text=f"Контрольный вопрос {n} для нагрузочного теста: выберите верный вариант ответа.",
                kind=QuestionKind.MULTIPLE if n % 3 == 0 else QuestionKind.SINGLE,
                weight=1 + n % 3,
            )
            for n in range(BANK_SIZE)
        ],
        ignore_conflicts=True,
    )
    questions = list(Question.objects.filter(qualification=qualification, external_id__startswith="BENCH-"))
    Choice.objects.filter(question__in=questions).delete()
    Choice.objects.bulk_create(
        [
            Choice(question=q, text=f"Вариант {p + 1}", is_correct=p in ((0, 2) if q.kind == "multiple" else (1,)))
            for q in questions
            for p in range(4)
        ]
    )


def _user(email: str, role, password_hash: str, **extra):
    from django.contrib.auth import get_user_model

    from qac.accounts.roles import assign_role

    user, created = get_user_model().objects.get_or_create(
        email=email, defaults={"password": password_hash, "first_name": "Нагрузка", "last_name": "Тест", **extra}
    )
    if created:
        assign_role(user, role)
    return user


def seed(count: int) -> list[Candidate]:
    """Create what is missing for ``count`` candidates, reset every bench attempt, and open a session for each."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from candidates.models import Application, ApplicationStatus, CandidateProfile
    from qac.accounts.roles import Role
    from qac.demo.seed import snils_with_checksum
    from qac.exams import services
    from qac.exams.models import (
        Answer,
        Choice,
        CommissionMember,
        Enrolment,
        ExamResult,
        ExamSession,
        SessionStatus,
        TheoryAttempt,
    )
    from standards.models import Qualification

    User = get_user_model()
    started = time.perf_counter()
    now = timezone.now()
    qualification = Qualification.objects.select_related("exam_spec").get(code=QUALIFICATION)
    spec = qualification.exam_spec
    password_hash = make_password(PASSWORD)
    with transaction.atomic():
        _bank(qualification, spec)
        staff = _user(STAFF_EMAIL, Role.STAFF, password_hash, is_staff=True)
        experts = [_user(EXPERT_EMAIL.format(k), Role.EXPERT, password_hash) for k in range(3)]

        sessions = list(ExamSession.objects.filter(venue_address=VENUE).order_by("pk"))
        for _n in range(len(sessions), -(-count // PER_SESSION)):
            session = ExamSession.objects.create(
                qualification=qualification,
                starts_at=now,
                ends_at=now + timedelta(hours=4),
                venue_address=VENUE,
                venue_room=f"{len(sessions) + 1}",
                capacity=PER_SESSION,
                status=SessionStatus.IN_PROGRESS,
                created_by=staff,
            )
            CommissionMember.objects.bulk_create(
                [CommissionMember(session=session, expert=e, is_chair=i == 0) for i, e in enumerate(experts)]
            )
            sessions.append(session)
        ExamSession.objects.filter(pk__in=[s.pk for s in sessions]).update(
            status=SessionStatus.IN_PROGRESS, starts_at=now - timedelta(minutes=10), ends_at=now + timedelta(hours=4)
        )

        emails = [EMAIL.format(i) for i in range(count)]
        have = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
        missing = [(i, e) for i, e in enumerate(emails) if e not in have]
        if missing:
            users = User.objects.bulk_create(
                [
                    User(email=e, password=password_hash, first_name="Кандидат", last_name=f"Нагрузочный{i:04d}")
                    for i, e in missing
                ]
            )
            from django.contrib.auth.models import Group

            group = Group.objects.get(name=Role.CANDIDATE.value)
            User.groups.through.objects.bulk_create([User.groups.through(user=u, group=group) for u in users])
            CandidateProfile.objects.bulk_create(
                [
                    CandidateProfile(
                        user=u,
                        date_of_birth=now.date().replace(year=1990),
                        snils=snils_with_checksum(700_000_000 + i),
                        id_doc_type="passport_ru",
                        id_doc_series="4012",
                        id_doc_number=f"{700_000 + i:06d}",
                        id_doc_issued_by="ГУ МВД России",
                        id_doc_issued_on=now.date().replace(year=2015),
                        phone="+7 921 000-00-00",
                        address="г. Санкт-Петербург",
                    )
                    for (i, _e), u in zip(missing, users, strict=True)
                ]
            )
            applications = Application.objects.bulk_create(
                [
                    Application(
                        number=f"B{i:06d}",
                        candidate=u,
                        qualification=qualification,
                        status=ApplicationStatus.SCHEDULED,
                        submitted_at=now,
                        decided_at=now,
                        consent_text_version=settings.QAC_CONSENT_TEXT_VERSION,
                        consent_given_at=now,
                        rules_accepted_at=now,
                    )
                    for (i, _e), u in zip(missing, users, strict=True)
                ]
            )
            enrolments = Enrolment.objects.bulk_create(
                [
                    Enrolment(session=sessions[i // PER_SESSION], application=a, present=True, enrolled_by=staff)
                    for (i, _e), a in zip(missing, applications, strict=True)
                ]
            )
            rng = random.Random(count)
            attempts = []
            for enrolment in enrolments:
                variant_seed = rng.getrandbits(62)
                attempts.append(
                    TheoryAttempt(
                        enrolment=enrolment,
                        seed=variant_seed,
                        question_ids=services.draw_variant(spec=spec, seed=variant_seed),
                        started_at=now,
                        deadline_at=now,  # set below with every other bench attempt
                    )
                )
            TheoryAttempt.objects.bulk_create(attempts)

        attempts = list(
            TheoryAttempt.objects.filter(enrolment__application__candidate__email__in=emails)
            .select_related("enrolment__application__candidate")
            .order_by("enrolment__application__candidate__email")
        )
        ids = [a.pk for a in attempts]
        Answer.objects.filter(attempt_id__in=ids).delete()
        ExamResult.objects.filter(enrolment__theory_attempt__in=ids).delete()
        TheoryAttempt.objects.filter(pk__in=ids).update(
            started_at=now,
            deadline_at=now + timedelta(minutes=max(spec.theory_time_limit_minutes, 30)),
            submitted_at=None,
            auto_submitted=False,
            score=None,
            max_score=None,
        )

        # One logged-in session per candidate, written as django.contrib.auth.login would.
        store = SessionStore()
        # The backend that loads users (axes' comes first and only counts failures).
        backend = next(b for b in settings.AUTHENTICATION_BACKENDS if "axes" not in b)
        expire = now + timedelta(seconds=settings.SESSION_COOKIE_AGE)
        keys = [get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789") for _ in attempts]
        Session.objects.bulk_create(
            [
                Session(
                    session_key=key,
                    session_data=store.encode(
                        {
                            SESSION_KEY: str(a.enrolment.application.candidate.pk),
                            BACKEND_SESSION_KEY: backend,
                            HASH_SESSION_KEY: a.enrolment.application.candidate.get_session_auth_hash(),
                        }
                    ),
                    expire_date=expire,
                )
                for key, a in zip(keys, attempts, strict=True)
            ]
        )

    kinds: dict[int, tuple[str, list[int]]] = {}
    for choice_id, question_id, kind in Choice.objects.filter(question__qualification=qualification).values_list(
        "pk", "question_id", "question__kind"
    ):
        kinds.setdefault(question_id, (kind, []))[1].append(choice_id)
    candidates = [
        Candidate(a.pk, key, [(q, kinds[q][0], kinds[q][1]) for q in a.question_ids])
        for key, a in zip(keys, attempts, strict=True)
    ]
    print(
        f"seeded: {len(candidates)} candidates ({len(missing)} new) in {len(sessions)} sessions in progress, "
        f"{len(candidates[0].questions) if candidates else 0} questions a variant, "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return candidates


def analyze(database_url: str) -> None:
    """Planner statistics for the freshly loaded and reset tables (autovacuum may be off, as on this machine)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        for table in ("exams_question", "exams_choice", "exams_theoryattempt", "exams_answer", "django_session"):
            conn.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(table)))


def answers_in_database(attempt_ids: list[int]) -> int:
    from qac.exams.models import Answer

    return Answer.objects.filter(attempt_id__in=attempt_ids).count()


# --- Server --------------------------------------------------------------------------------


# --- CPU cost ------------------------------------------------------------------------------


class CpuMeter:
    """CPU seconds spent by the gunicorn workers, the bench database's backends and this process (the clients).

    Per process and from /proc, so other work on the machine does not count (though contention still makes
    each request's own CPU time somewhat longer). A sampler reads every process once a second, so one that
    ends during the run (a connection past CONN_MAX_AGE) keeps its last reading. Backends that live only for
    one request (CONN_MAX_AGE=0) end before they can be read: the database figure is then left out.
    """

    def __init__(self, server_pid: int, database_url: str):
        self.server_pid = server_pid
        self.database_url = database_url
        self.seen: dict[str, dict[int, float]] = {"gunicorn": {}, "postgres": {}, "clients": {}}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.before: dict[str, dict[int, float]] = {}

    def start(self) -> None:
        """Take the starting readings and sample until ``stop``."""
        self.before = self.snapshot()
        self.seen = {kind: dict(values) for kind, values in self.before.items()}
        threading.Thread(target=self._sample, daemon=True, name="cpu-meter").start()

    def _sample(self) -> None:
        while not self.stopping.wait(1.0):
            self._record(self.snapshot())

    def _record(self, snapshot: dict[str, dict[int, float]]) -> None:
        with self.lock:
            for kind, values in snapshot.items():
                for pid, seconds in values.items():
                    if seconds:  # 0: the process ended between listing and reading
                        self.seen[kind][pid] = max(seconds, self.seen[kind].get(pid, 0.0))

    def stop(self) -> dict[str, float]:
        """CPU seconds spent since ``start``, by kind."""
        self.stopping.set()
        self._record(self.snapshot())
        with self.lock:
            return {
                kind: sum(seconds - self.before[kind].get(pid, 0.0) for pid, seconds in values.items())
                for kind, values in self.seen.items()
            }

    def _backends(self) -> list[int]:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            ).fetchall()
        return [pid for (pid,) in rows]

    def snapshot(self) -> dict[str, dict[int, float]]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "gunicorn": {pid: bench.process_cpu(pid) for pid in bench.children_of(self.server_pid)},
            "postgres": {pid: bench.process_cpu(pid) for pid in self._backends()},
            "clients": {0: usage.ru_utime + usage.ru_stime},
        }


# --- Clients -------------------------------------------------------------------------------


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)  # seconds, autosaves answered 200
    sent_at: list[float] = field(default_factory=list)  # seconds since the start, of each of those
    statuses: Counter = field(default_factory=Counter)  # every autosave; 0 = no HTTP answer
    page_seconds: list[float] = field(default_factory=list)
    wall_seconds: float = 0.0
    failed_clients: int = 0
    load_before: float = 0.0  # 1-minute load average
    load_after: float = 0.0
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # by gunicorn, postgres, clients during the run


def drive(port: int, candidates: list[Candidate], args: argparse.Namespace, meter: CpuMeter) -> Run:
    """One thread per candidate: load the test page, then (all together) think and autosave until done."""
    run = Run(load_before=os.getloadavg()[0])
    lock = threading.Lock()
    issued = 0
    stop_at = [0.0]  # set by the barrier's action, before any client is let go
    t0 = [0.0]

    def go() -> None:
        meter.start()
        t0[0] = time.perf_counter()
        stop_at[0] = time.monotonic() + args.max_seconds

    start = threading.Barrier(len(candidates) + 1, action=go)

    def answer(rng: random.Random, candidate: Candidate) -> bytes:
        question, kind, choices = rng.choice(candidate.questions)
        if kind == "multiple":
            chosen = sorted(rng.sample(choices, rng.randint(1, len(choices))))
        else:
            chosen = [rng.choice(choices)]
        return json.dumps({"question": question, "choices": chosen}).encode()

    def client(index: int, candidate: Candidate) -> None:
        nonlocal issued
        rng = random.Random(args.seed * 1000 + index)
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        page = f"/me/theory/{candidate.attempt_id}/"
        url = f"{page}answer/"
        headers = {
            **bench.PROXY_HEADERS,
            "Cookie": f"sessionid={candidate.session_key}",
            "Connection": "keep-alive",
            # CSRF checks the referer of a request that came over HTTPS (here, the pretend proxy's).
            "Referer": f"https://{HOST}:{port}{page}",
        }
        try:
            began = time.perf_counter()
            conn.request("GET", page, headers=headers)
            response = conn.getresponse()
            response.read()
            jar = SimpleCookie()
            for header in response.headers.get_all("Set-Cookie") or []:
                jar.load(header)
            csrf = jar["csrftoken"].value if "csrftoken" in jar else None
            if response.status != 200 or not csrf:
                raise RuntimeError(f"GET {page} answered {response.status} without a csrftoken cookie")
            with lock:
                run.page_seconds.append(time.perf_counter() - began)
        except Exception as exc:
            with lock:
                run.failed_clients += 1
            print(f"client {index}: {exc}", file=sys.stderr)
            start.abort()
            return
        headers.update(
            {
                "Cookie": f"sessionid={candidate.session_key}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
                "Content-Type": "application/json",
            }
        )
        try:
            start.wait(timeout=120)
        except threading.BrokenBarrierError:
            return
        try:
            while True:
                if args.think_ms:
                    time.sleep(rng.uniform(0.5, 1.5) * args.think_ms / 1000)
                with lock:
                    if issued >= args.requests or time.monotonic() >= stop_at[0]:
                        return
                    issued += 1
                body = answer(rng, candidate)
                began = time.perf_counter()
                try:
                    conn.request("POST", url, body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException):
                    conn.close()  # reconnects on the next request
                    status = 0
                elapsed = time.perf_counter() - began
                with lock:
                    run.statuses[status] += 1
                    if status == 200:
                        run.latencies.append(elapsed)
                        run.sent_at.append(began - t0[0])
        finally:
            conn.close()

    threads = [
        threading.Thread(target=client, args=(i, c), daemon=True, name=f"client-{i}") for i, c in enumerate(candidates)
    ]
    for thread in threads:
        thread.start()
    try:
        start.wait(timeout=180)
    except threading.BrokenBarrierError:
        raise SystemExit(f"{run.failed_clients} clients could not load their test page; see gunicorn's log") from None
    began = time.perf_counter()
    for thread in threads:
        thread.join(timeout=args.max_seconds + 120)
    run.wall_seconds = time.perf_counter() - began
    run.load_after = os.getloadavg()[0]
    run.cpu_seconds = meter.stop()
    return run


# --- Report --------------------------------------------------------------------------------


def report(run: Run, args: argparse.Namespace) -> bool:
    ms = sorted(x * 1000 for x in run.latencies)
    total = sum(run.statuses.values())
    errors = total - run.statuses.get(200, 0)
    wall = run.wall_seconds or float("nan")
    pages = sorted(x * 1000 for x in run.page_seconds)
    print()
    print(
        f"autosave: {args.candidates} candidates, think {args.think_ms:.0f} ms, {args.workers} gunicorn workers, "
        f"CONN_MAX_AGE={os.environ.get('CONN_MAX_AGE')}, {wall:.1f} s, "
        f"load average before/after {run.load_before:.2f}/{run.load_after:.2f} on {os.cpu_count()} cores"
    )
    print(f"  requests {total}, errors {errors}, throughput {total / wall:.1f} req/s")
    print(
        f"  latency ms: p50 {bench.percentile(ms, 50):.1f}  p95 {bench.percentile(ms, 95):.1f}  "
        f"p99 {bench.percentile(ms, 99):.1f}  "
        f"max {(ms[-1] if ms else float('nan')):.1f}  mean {(statistics.fmean(ms) if ms else float('nan')):.1f}"
    )
    print(
        f"  (test page before the run, ms: p50 {bench.percentile(pages, 50):.1f}  "
        f"p95 {bench.percentile(pages, 95):.1f})"
    )
    if errors:
        print("  non-200 answers:", ", ".join(f"{s or 'no answer'}: {n}" for s, n in sorted(run.statuses.items())))
    if total and run.cpu_seconds:
        cpu = {kind: seconds * 1000 / total for kind, seconds in run.cpu_seconds.items()}
        persistent = os.environ.get("CONN_MAX_AGE", "0") != "0"
        server = cpu["gunicorn"] + cpu["postgres"]
        capacity = f"  => about {1000 / server:.0f} autosaves/s per core for the server side" if server else ""
        print(
            f"  CPU ms per autosave: gunicorn {cpu['gunicorn']:.1f}, "
            + (f"PostgreSQL {cpu['postgres']:.1f}, " if persistent else "PostgreSQL n/a (a backend per request), ")
            + f"load generator {cpu['clients']:.1f}"
            + (capacity if persistent else "")
        )
    windows: dict[int, list[float]] = defaultdict(list)
    for at, latency in zip(run.sent_at, run.latencies, strict=True):
        windows[int(at // WINDOW)].append(latency * 1000)
    print(
        f"  p95 ms by {WINDOW:.0f} s window:",
        "  ".join(f"{bench.percentile(sorted(v), 95):.0f}" for _w, v in sorted(windows.items())),
    )
    p95 = bench.percentile(ms, 95)
    if errors:
        print(f"  {errors} errors: the target needs none")
    return bench.verdict("p95, no errors", p95, TARGET_P95_MS, "ms") and errors == 0


# --- Profile -------------------------------------------------------------------------------


def profile(candidates: list[Candidate], count: int, seed: int) -> None:
    """Replay ``count`` autosaves in-process: time of each SQL statement, of the connect, and of the whole view."""
    from django.db import connection
    from django.test import Client

    rng = random.Random(seed)
    timings: dict[str, list[float]] = defaultdict(list)
    per_request: list[tuple[float, float, int]] = []  # (whole request, its SQL, its number of queries)
    current: list[float] = []

    def label(sql: str) -> str:
        words = sql.split()
        verb = words[0].upper()
        if verb == "SELECT":
            table = next((w for w in words[words.index("FROM") + 1 :][:1]), "?") if "FROM" in words else "?"
        elif verb == "INSERT":
            table = words[2]
        else:
            table = words[1]
        return f"{verb} {table.strip(chr(34))}"

    def timed(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - began
            timings[label(sql)].append(elapsed)
            current.append(elapsed)

    client = Client(HTTP_HOST=HOST, enforce_csrf_checks=False)
    with connection.execute_wrapper(timed):
        for n in range(count):
            candidate = candidates[n % len(candidates)]
            question, kind, choices = rng.choice(candidate.questions)
            chosen = sorted(rng.sample(choices, 2)) if kind == "multiple" else [rng.choice(choices)]
            client.cookies["sessionid"] = candidate.session_key
            current.clear()
            began = time.perf_counter()
            response = client.post(
                f"/me/theory/{candidate.attempt_id}/answer/",
                data=json.dumps({"question": question, "choices": chosen}),
                content_type="application/json",
            )
            per_request.append((time.perf_counter() - began, sum(current), len(current)))
            if response.status_code != 200:
                raise SystemExit(f"profile: autosave answered {response.status_code}: {response.content[:200]!r}")

    connects = []
    for _ in range(50):
        connection.close()
        began = time.perf_counter()
        connection.ensure_connection()
        connects.append(time.perf_counter() - began)
    connection.close()

    def fmt(values: list[float]) -> str:
        values = sorted(v * 1000 for v in values)
        return f"mean {statistics.fmean(values):6.2f}  p95 {bench.percentile(values, 95):6.2f}"

    print()
    print(f"profile: {count} autosaves in-process (Django test client, no HTTP, no gunicorn), ms")
    queries = Counter(n for _t, _s, n in per_request)
    print(f"  queries per autosave: {dict(queries)}")
    print(f"  whole request:        {fmt([t for t, _s, _n in per_request])}")
    print(f"  SQL of the request:   {fmt([s for _t, s, _n in per_request])}")
    print(f"  Python of the request:{fmt([t - s for t, s, _n in per_request])}  (+ connect if CONN_MAX_AGE=0)")
    print(f"  database connect:     {fmt(connects)}  (paid by every request when CONN_MAX_AGE=0)")
    for name, values in sorted(timings.items(), key=lambda kv: -sum(kv[1])):
        print(f"  {name:<40} x{len(values):<5} {fmt(values)}")


def main() -> int:
    args = parse_args()
    bench.require_local(args.database_url)
    env = bench.environment(args.database_url)
    env.setdefault("CONN_MAX_AGE", "60")  # as in qac.settings.production
    if not args.skip_setup:
        bench.ensure_database(args.database_url)
        bench.manage(env, "migrate", "--verbosity", "0")
    bench.django_setup(env)
    candidates = seed(args.candidates)
    from django.db import connections

    connections.close_all()
    analyze(args.database_url)
    if args.profile_only:
        profile(candidates, args.profile_only, args.seed)
        return 0

    server = bench.start_gunicorn(env, args.port, args.workers)
    try:
        bench.warn_if_busy()
        run = drive(args.port, candidates, args, CpuMeter(server.pid, args.database_url))
    finally:
        bench.stop_gunicorn(server)
    met = report(run, args)
    saved = answers_in_database([c.attempt_id for c in candidates])
    print(f"answers in the database after the run: {saved} (distinct questions answered across the attempts)")
    if run.statuses.get(200) and not saved:
        print("  no answer reached the database: the run measured nothing real")
        met = False
    if args.profile:
        profile(candidates, args.profile, args.seed)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
