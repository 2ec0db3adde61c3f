"""Latency of the staff review queue under concurrent load, against PostgreSQL and gunicorn.

Run by hand (never by the test suite) from the project root::

    .venv/bin/python benchmarks/queue_latency.py                       # 100,000 applications, 2,000 requests
    .venv/bin/python benchmarks/queue_latency.py --applications 20000 --requests 500
    .venv/bin/python benchmarks/queue_latency.py --skip-setup          # data already there: no migrate/seed

What it does:

1. Uses the PostgreSQL database at ``$DATABASE_URL`` (default
   ``postgres://postgres@127.0.0.1:5432/qac_bench``), creating it if it is
   missing, then runs ``manage.py migrate`` and ``manage.py seed_demo --volume N``
   (idempotent) with ``DJANGO_SETTINGS_MODULE=qac.settings.dev`` and ``DEBUG=false``,
   then ``VACUUM ANALYZE`` so the planner has statistics even where autovacuum is off.
   Demo uploads go to ``$MEDIA_ROOT`` (default ``/tmp/qac-bench-media``), not the repository.
2. Starts ``gunicorn qac.wsgi --workers 4 --bind 127.0.0.1:PORT`` with the same
   environment and waits for ``/healthz``.
3. Logs in as ``staff@qac.local`` and drives the server with ``--concurrency``
   threads, each a closed loop with no think time over its own ``http.client``
   connection (gunicorn's sync workers close it after each answer, so it
   reconnects), through a fixed, seeded mix of queue pages (status filter,
   surname search, SNILS-prefix search, page > 1, each sort order) and
   application detail pages, until ``--requests`` are done or ``--max-seconds``
   have passed. A few warm-up requests are sent first and not counted.
4. Prints count, errors (anything but 200), p50/p95/p99 latency and throughput
   per request kind and overall, then stops gunicorn. Exit status 0 when the
   overall p95 is under 200 ms, 1 when it is not.

Only 127.0.0.1 is ever contacted. Any other environment variable (``CONN_MAX_AGE``,
``REDIS_URL``...) is passed through to the management commands and gunicorn.
The client shares the machine with the server; the script prints how busy the
CPUs were before it started, because another process's load skews every figure.
"""

import argparse
import http.client
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

PROJECT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/qac_bench"
STAFF_EMAIL = "staff@qac.local"
DEFAULT_PASSWORD = "qac-demo-2026"  # noqa: S105 (documented demo password)
TARGET_P95_MS = 200.0

QUEUE = "/staff/applications/"
STATUSES = ["submitted", "resubmitted", "documents_requested", "accepted", "rejected"]
SURNAMES = ["Иванов", "Петров", "Сидоров", "Кузнецов", "Смирнов", "Попов", "Васильев", "Соколов", "Михайлов"]
SORTS = ["due", "-due", "submitted", "-submitted", "number", "-number", "name", "-name"]
# Relative weight of each request kind in the mix.
MIX = {
    "queue_status": 20,
    "queue_search_name": 10,
    "queue_search_snils": 10,
    "queue_page": 10,
    "queue_sort": 15,
    "detail": 35,
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--applications", type=int, default=100_000, help="bulk applications to seed (%(default)s)")
    parser.add_argument("--requests", type=int, default=2000, help="measured requests (%(default)s)")
    parser.add_argument("--concurrency", type=int, default=20, help="concurrent clients (%(default)s)")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="time cap of the run, s (%(default)s)")
    parser.add_argument("--warmup", type=int, default=40, help="uncounted warm-up requests (%(default)s)")
    parser.add_argument("--port", type=int, default=8077, help="gunicorn port on 127.0.0.1 (%(default)s)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (%(default)s)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the request mix (%(default)s)")
    parser.add_argument("--skip-setup", action="store_true", help="skip migrate, seed_demo and VACUUM ANALYZE")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        help="PostgreSQL URL (default $DATABASE_URL or %(default)s)",
    )
    return parser.parse_args()


def environment(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="qac.settings.dev", DEBUG="false")
    env.setdefault("MEDIA_ROOT", str(Path(tempfile.gettempdir()) / "qac-bench-media"))
    return env


# --- Database and data ---------------------------------------------------------------------


def ensure_database(database_url: str) -> None:
    params = conninfo_to_dict(database_url)
    name = params.get("dbname")
    if not name:
        raise SystemExit("DATABASE_URL must name a database")
    with psycopg.connect(make_conninfo(database_url, dbname="postgres"), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            print(f"creating database {name}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def vacuum_analyze(database_url: str) -> None:
    """Fresh planner statistics and visibility map after the bulk load, as autovacuum would leave them."""
    print("$ VACUUM ANALYZE", flush=True)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def manage(env: dict[str, str], *args: str) -> None:
    print("$ manage.py", " ".join(args), flush=True)
    done = subprocess.run([sys.executable, str(PROJECT / "manage.py"), *args], cwd=PROJECT, env=env, check=False)
    if done.returncode:
        raise SystemExit(f"manage.py {args[0]} failed (exit code {done.returncode}); see its output above")


@dataclass
class Samples:
    """Existing rows that the request mix refers to."""

    application_ids: list[int]
    snils_prefixes: list[str]
    listed: int  # applications in the queue (every status but draft)


def sample_data(database_url: str, rng: random.Random) -> Samples:
    with psycopg.connect(database_url) as conn:
        ids = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM candidates_application WHERE status <> 'draft' ORDER BY random() LIMIT 1000"
            )
        ]
        snils = [row[0] for row in conn.execute("SELECT snils FROM candidates_candidateprofile LIMIT 5000")]
        (listed,) = conn.execute("SELECT count(*) FROM candidates_application WHERE status <> 'draft'").fetchone()
    if not ids or not snils:
        raise SystemExit("no applications or profiles in the database: run without --skip-setup")
    # Six digits narrow 100,000 generated SNILS down to about a thousand.
    prefixes = sorted({s[:6] for s in rng.sample(snils, min(len(snils), 200))})
    return Samples(application_ids=ids, snils_prefixes=prefixes, listed=listed)


def make_plan(count: int, samples: Samples, rng: random.Random) -> list[tuple[str, str]]:
    """``count`` (kind, path) pairs, drawn from MIX with a fixed seed."""
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=count)
    plan = []
    for kind in kinds:
        if kind == "queue_status":
            query = {"status": rng.choice(STATUSES)}
        elif kind == "queue_search_name":
            query = {"q": rng.choice(SURNAMES)}
        elif kind == "queue_search_snils":
            query = {"q": rng.choice(samples.snils_prefixes)}
        elif kind == "queue_page":
            query = {"page": rng.randint(2, max(2, min(20, samples.listed // 25)))}
        elif kind == "queue_sort":
            query = {"sort": rng.choice(SORTS)}
        else:
            plan.append((kind, f"{QUEUE}{rng.choice(samples.application_ids)}/"))
            continue
        plan.append((kind, f"{QUEUE}?{urllib.parse.urlencode(query)}"))
    return plan


def cpu_busy_fraction(seconds: float = 2.0) -> float | None:
    """Share of all CPUs busy over ``seconds`` (Linux /proc/stat), to spot other load before measuring."""

    def ticks() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        idle = values[3] + values[4]  # idle + iowait
        return sum(values) - idle, sum(values)

    try:
        busy0, total0 = ticks()
        time.sleep(seconds)
        busy1, total1 = ticks()
    except (OSError, ValueError, IndexError):
        return None
    return (busy1 - busy0) / max(total1 - total0, 1)


# --- Server --------------------------------------------------------------------------------


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex((HOST, port)) != 0


def start_gunicorn(env: dict[str, str], port: int, workers: int, log_path: Path) -> subprocess.Popen:
    if not port_is_free(port):
        raise SystemExit(f"{HOST}:{port} is already in use; choose another --port")
    log = log_path.open("wb")
    command = [str(BIN / "gunicorn"), "qac.wsgi", "--workers", str(workers), "--bind", f"{HOST}:{port}"]
    print("$", " ".join(command), f"(log: {log_path})", flush=True)
    return subprocess.Popen(command, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_healthy(server: subprocess.Popen, port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with code {server.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"/healthz did not answer 200 within {timeout:.0f} s")


def stop_gunicorn(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)  # graceful: the master waits for its workers
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    print(f"gunicorn stopped (exit code {server.returncode})")


# --- Client --------------------------------------------------------------------------------


def cookies_from(response: http.client.HTTPResponse) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def log_in(port: int, email: str, password: str) -> str:
    """The Cookie header of a staff session."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    response.read()
    csrf = cookies_from(response).get("csrftoken")
    if response.status != 200 or not csrf:
        raise SystemExit(f"GET /accounts/login/ answered {response.status} without a csrftoken cookie")
    body = urllib.parse.urlencode({"username": email, "password": password, "csrfmiddlewaretoken": csrf})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={csrf}",
        "Referer": f"http://{HOST}:{port}/accounts/login/",
    }
    conn.request("POST", "/accounts/login/", body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    session = cookies_from(response).get("sessionid")
    if response.status != 302 or not session:
        raise SystemExit(f"login as {email} failed: {response.status}, check the password (DEMO_PASSWORD)")
    return f"csrftoken={csrf}; sessionid={session}"


@dataclass
class Result:
    kind: str
    status: int  # 0: the request failed without an HTTP answer
    seconds: float


@dataclass
class Run:
    results: list[Result] = field(default_factory=list)
    wall_seconds: float = 0.0


def drive(port: int, cookie: str, plan: list[tuple[str, str]], concurrency: int, max_seconds: float) -> Run:
    """Send ``plan`` with ``concurrency`` clients; stop taking new requests after ``max_seconds``."""
    lock = threading.Lock()
    position = 0
    results: list[Result] = []
    deadline = time.monotonic() + max_seconds
    headers = {"Cookie": cookie, "Connection": "keep-alive"}

    def client() -> None:
        nonlocal position
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        try:
            while time.monotonic() < deadline:
                with lock:
                    if position >= len(plan):
                        return
                    kind, path = plan[position]
                    position += 1
                started = time.perf_counter()
                try:
                    conn.request("GET", path, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException):
                    conn.close()  # reconnects on the next request
                    status = 0
                elapsed = time.perf_counter() - started
                with lock:
                    results.append(Result(kind, status, elapsed))
        finally:
            conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Run(results=results, wall_seconds=time.perf_counter() - started)


# --- Report --------------------------------------------------------------------------------


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * pct // 100))
    return sorted_values[int(rank) - 1]


def report(run: Run, args: argparse.Namespace, listed: int) -> bool:
    """Print the table; return whether overall p95 met the target."""
    by_kind: dict[str, list[Result]] = defaultdict(list)
    for result in run.results:
        by_kind[result.kind].append(result)
    rows = [(kind, by_kind[kind]) for kind in MIX if kind in by_kind] + [("overall", run.results)]
    wall = run.wall_seconds or float("nan")
    print()
    print(
        f"{len(run.results)} requests, {args.concurrency} clients, {args.workers} gunicorn workers, "
        f"{listed} applications in the queue, {wall:.1f} s"
    )
    header = f"{'kind':<20}{'count':>7}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>8}"
    print(header)
    print("-" * len(header))
    for kind, results in rows:
        latencies = sorted(r.seconds * 1000 for r in results)
        errors = sum(1 for r in results if r.status != 200)
        print(
            f"{kind:<20}{len(results):>7}{errors:>8}{percentile(latencies, 50):>9.1f}"
            f"{percentile(latencies, 95):>9.1f}{percentile(latencies, 99):>9.1f}{len(results) / wall:>8.1f}"
        )
    statuses = defaultdict(int)
    for result in run.results:
        if result.status != 200:
            statuses[result.status] += 1
    if statuses:
        print("non-200 answers:", ", ".join(f"{s or 'no answer'}: {n}" for s, n in sorted(statuses.items())))
    overall_p95 = percentile(sorted(r.seconds * 1000 for r in run.results), 95)
    met = overall_p95 < TARGET_P95_MS
    print(f"target p95 < {TARGET_P95_MS:.0f} ms overall: {'met' if met else 'MISSED'} ({overall_p95:.1f} ms)")
    return met


def main() -> int:
    args = parse_args()
    if urllib.parse.urlsplit(args.database_url).hostname not in (HOST, "localhost"):
        raise SystemExit("this benchmark only uses a local PostgreSQL (127.0.0.1)")
    env = environment(args.database_url)
    if not args.skip_setup:
        ensure_database(args.database_url)
        manage(env, "migrate", "--verbosity", "0")
        manage(env, "seed_demo", "--volume", str(args.applications))
        vacuum_analyze(args.database_url)
    rng = random.Random(args.seed)
    samples = sample_data(args.database_url, rng)
    warmup = make_plan(args.warmup, samples, rng)
    plan = make_plan(args.requests, samples, rng)

    log_path = Path(tempfile.gettempdir()) / f"qac-bench-gunicorn-{args.port}.log"
    server = start_gunicorn(env, args.port, args.workers, log_path)
    try:
        wait_healthy(server, args.port)
        busy = cpu_busy_fraction()
        if busy is not None:
            print(f"machine CPU busy before the run: {busy:.0%} of {os.cpu_count()} CPUs (idle server)")
            if busy > 0.15:
                print("warning: something else is using the CPU; the figures will be pessimistic")
        cookie = log_in(args.port, STAFF_EMAIL, os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD)
        if warmup:
            drive(args.port, cookie, warmup, args.concurrency, args.max_seconds)
        run = drive(args.port, cookie, plan, args.concurrency, args.max_seconds)
    finally:
        stop_gunicorn(server)
    met = report(run, args, samples.listed)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
