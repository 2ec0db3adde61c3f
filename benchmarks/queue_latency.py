"""Latency of the staff pages under concurrent load: the queue, an application's page, the staff home.

Run by hand (never by the test suite) from the project root::

    .venv/bin/python benchmarks/queue_latency.py                       # 100,000 applications, 3,000 requests
    .venv/bin/python benchmarks/queue_latency.py --skip-setup          # data already there: no migrate/seed
    .venv/bin/python benchmarks/queue_latency.py --single             # one request at a time: server CPU per page

What it does:

1. Seeds ``$DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/qac_bench``) with
   ``seed_demo --volume N`` (idempotent) and runs ``VACUUM ANALYZE``.
2. Reads, in-process and through the project's own selectors, what the mix refers to: application
   ids, surnames, SNILS prefixes, numbers, qualifications, and the queue's keyset cursors of page 2
   and of a deep page (row 50,000, or the middle) for every sort.
3. Starts gunicorn (4 workers) under ``qac.settings.production`` with Redis, logs in as
   ``staff@qac.local`` and drives it with ``--concurrency`` closed-loop clients, no think time,
   through a fixed, seeded mix covering every sort, every filter, page 2 and a deep page, searches
   by surname, SNILS and number, application pages and the staff home.
4. Prints count, errors, p50/p95/p99 and throughput per kind, CPU per request of gunicorn and
   PostgreSQL, and the overall p95 beside the target. Exit status 0 when met, 1 when not.

``--single`` sends each kind's requests one at a time instead: the latency is then the server's
time for one page with nothing queued, the figure to develop against on a shared machine.
"""

import argparse
import http.client
import os
import random
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field

import _common as bench

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/qac_bench"
TARGET_P95_MS = 200.0
QUEUE = "/staff/applications/"
# Relative weight of each request kind in the mix.
MIX = {
    "queue_sort": 12,
    "queue_filter": 14,
    "queue_search_name": 8,
    "queue_search_snils": 6,
    "queue_search_number": 4,
    "queue_page_2": 8,
    "queue_deep_page": 8,
    "detail": 32,
    "home": 8,
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--applications", type=int, default=100_000, help="bulk applications to seed (%(default)s)")
    parser.add_argument("--requests", type=int, default=3000, help="measured requests (%(default)s)")
    parser.add_argument("--concurrency", type=int, default=20, help="concurrent clients (%(default)s)")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="time cap of the run, s (%(default)s)")
    parser.add_argument("--warmup", type=int, default=100, help="uncounted warm-up requests (%(default)s)")
    parser.add_argument("--port", type=int, default=8077, help="gunicorn port on 127.0.0.1 (%(default)s)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (%(default)s)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the request mix (%(default)s)")
    parser.add_argument("--single", action="store_true", help="one request at a time (server time per page)")
    parser.add_argument("--skip-setup", action="store_true", help="skip migrate, seed_demo and VACUUM ANALYZE")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        help="PostgreSQL URL (default $DATABASE_URL or %(default)s)",
    )
    return parser.parse_args()


# --- What the mix refers to ------------------------------------------------------------------------


@dataclass
class Samples:
    application_ids: list[int]
    surnames: list[str]
    snils_prefixes: list[str]
    numbers: list[str]
    qualification_ids: list[int]
    statuses: list[str]
    sorts: list[str]
    page_2: dict[str, str]  # sort -> cursor after the first page
    deep: dict[str, str]  # sort -> cursor after row 50,000 (or the middle)
    listed: int


def sample_data(rng: random.Random) -> Samples:
    """Read in-process with the project's selectors, so the cursors are the ones its pages link to."""
    from django.db import connections

    from candidates import selectors
    from candidates.models import Application, ApplicationStatus, CandidateProfile
    from standards.models import Qualification

    listed_qs = Application.objects.exclude(status=ApplicationStatus.DRAFT)
    listed = listed_qs.count()
    if not listed:
        raise SystemExit("no applications in the database: run without --skip-setup")
    ids = list(listed_qs.order_by("?").values_list("pk", flat=True)[:1000])
    snils = list(CandidateProfile.objects.exclude(snils="").values_list("snils", flat=True)[:5000])
    page_2, deep = {}, {}
    for sort, keyset in selectors.SORTS.items():
        ordered = keyset.annotate(selectors.application_queue(sort=sort)).order_by(*keyset.ordering(annotated=True))
        page_2[sort] = keyset.encode(ordered[24])
        deep[sort] = keyset.encode(ordered[min(50_000, listed // 2)])
    samples = Samples(
        application_ids=ids,
        surnames=sorted(set(listed_qs.order_by("?").values_list("candidate__last_name", flat=True)[:200])),
        snils_prefixes=sorted({s[:6] for s in rng.sample(snils, min(len(snils), 200))}),
        numbers=list(listed_qs.order_by("?").values_list("number", flat=True)[:200]),
        qualification_ids=list(Qualification.objects.values_list("pk", flat=True)),
        statuses=[s for s in ApplicationStatus.values if s != ApplicationStatus.DRAFT],
        sorts=list(selectors.SORTS),
        page_2=page_2,
        deep=deep,
        listed=listed,
    )
    connections.close_all()
    return samples


def _filter(rng: random.Random, s: Samples) -> dict:
    kind = rng.choice(["status", "qualification", "date", "registered"])
    if kind == "status":
        return {"status": rng.choice(s.statuses), "sort": rng.choice(s.sorts)}
    if kind == "qualification":
        return {"qualification": rng.choice(s.qualification_ids), "sort": rng.choice(s.sorts)}
    if kind == "date":
        return {"date": rng.choice(["to_agree", "awaiting_answer"])}
    day = 1 + rng.randrange(55)
    start = time.strftime("%Y-%m-%d", time.localtime(time.time() - day * 86400))
    end = time.strftime("%Y-%m-%d", time.localtime(time.time() - (day - 2) * 86400))
    return {"submitted_from": start, "submitted_to": end}


def make_plan(count: int, s: Samples, rng: random.Random) -> list[tuple[str, str]]:
    """``count`` (kind, path) pairs drawn from MIX with a fixed seed."""
    plan = []
    for kind in rng.choices(list(MIX), weights=list(MIX.values()), k=count):
        sort = rng.choice(s.sorts)
        query = {
            "queue_sort": lambda: {"sort": sort},  # noqa: B023 (called at once)
            "queue_filter": lambda: _filter(rng, s),
            "queue_search_name": lambda: {"q": rng.choice(s.surnames)},
            "queue_search_snils": lambda: {"q": rng.choice(s.snils_prefixes)},
            "queue_search_number": lambda: {"q": rng.choice(s.numbers)},
            "queue_page_2": lambda: {"sort": sort, "after": s.page_2[sort]},  # noqa: B023
            "queue_deep_page": lambda: {"sort": sort, "after": s.deep[sort]},  # noqa: B023
        }.get(kind)
        if query is not None:
            plan.append((kind, f"{QUEUE}?{urllib.parse.urlencode(query())}"))
        elif kind == "detail":
            plan.append((kind, f"{QUEUE}{rng.choice(s.application_ids)}/"))
        else:
            plan.append((kind, "/"))
    return plan


# --- Driving the server ------------------------------------------------------------------------------


@dataclass
class Result:
    kind: str
    status: int  # 0: no HTTP answer
    seconds: float


@dataclass
class Run:
    results: list[Result] = field(default_factory=list)
    wall_seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)


def drive(port: int, cookie: str, plan: list[tuple[str, str]], concurrency: int, max_seconds: float) -> Run:
    """Send ``plan`` with ``concurrency`` closed-loop clients; stop taking new requests after ``max_seconds``."""
    lock = threading.Lock()
    position = 0
    results: list[Result] = []
    deadline = time.monotonic() + max_seconds
    headers = {**bench.PROXY_HEADERS, "Cookie": cookie, "Connection": "keep-alive"}

    def client() -> None:
        nonlocal position
        conn = http.client.HTTPConnection(bench.HOST, port, timeout=60)
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
                with lock:
                    results.append(Result(kind, status, time.perf_counter() - started))
        finally:
            conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Run(results=results, wall_seconds=time.perf_counter() - started)


def report(run: Run, args: argparse.Namespace, listed: int) -> bool:
    """Print the table; return whether the overall p95 met the target."""
    by_kind: dict[str, list[Result]] = defaultdict(list)
    for result in run.results:
        by_kind[result.kind].append(result)
    rows = [(kind, by_kind[kind]) for kind in MIX if kind in by_kind] + [("overall", run.results)]
    wall = run.wall_seconds or float("nan")
    clients = 1 if args.single else args.concurrency
    print(
        f"\n{len(run.results)} requests, {clients} client(s), {args.workers} gunicorn workers "
        f"(qac.settings.production, Redis), {listed} applications in the queue, {wall:.1f} s"
    )
    header = f"{'kind':<20}{'count':>7}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>8}"
    print(header)
    print("-" * len(header))
    for kind, results in rows:
        latencies = sorted(r.seconds * 1000 for r in results)
        errors = sum(1 for r in results if r.status != 200)
        print(
            f"{kind:<20}{len(results):>7}{errors:>8}{bench.percentile(latencies, 50):>9.1f}"
            f"{bench.percentile(latencies, 95):>9.1f}{bench.percentile(latencies, 99):>9.1f}"
            f"{len(results) / wall:>8.1f}"
        )
    errors = [r for r in run.results if r.status != 200]
    if errors:
        print("non-200 answers:", ", ".join(f"{r.kind} {r.status or 'no answer'}" for r in errors[:10]))
    if run.results and run.cpu:
        n = len(run.results)
        print(
            f"CPU ms per request: gunicorn {run.cpu['gunicorn'] * 1000 / n:.1f}, "
            f"PostgreSQL {run.cpu['postgres'] * 1000 / n:.1f} (from /proc, other work on the machine excluded)"
        )
    p95 = bench.percentile(sorted(r.seconds * 1000 for r in run.results), 95)
    met = bench.verdict(f"p95 with {clients} client(s), no errors", p95, TARGET_P95_MS, "ms") and not errors
    return met


def cpu_reading(server_pid: int, database_url: str) -> dict[str, float]:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        backends = [
            pid
            for (pid,) in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            )
        ]
    return {
        "gunicorn": sum(bench.process_cpu(pid) for pid in bench.children_of(server_pid)),
        "postgres": sum(bench.process_cpu(pid) for pid in backends),
    }


def main() -> int:
    args = parse_args()
    bench.require_local(args.database_url)
    env = bench.environment(args.database_url)
    if not args.skip_setup:
        bench.seed_volume(env, args.database_url, args.applications)
    bench.django_setup(env)
    rng = random.Random(args.seed)
    samples = sample_data(rng)
    warmup = make_plan(args.warmup, samples, rng)
    plan = make_plan(args.requests, samples, rng)

    server = bench.start_gunicorn(env, args.port, args.workers)
    try:
        bench.warn_if_busy()
        cookie = bench.log_in(args.port)
        concurrency = 1 if args.single else args.concurrency
        drive(args.port, cookie, warmup, concurrency, args.max_seconds)
        before = cpu_reading(server.pid, args.database_url)
        run = drive(args.port, cookie, plan, concurrency, args.max_seconds)
        after = cpu_reading(server.pid, args.database_url)
        run.cpu = {k: after[k] - before[k] for k in after}
    finally:
        bench.stop_gunicorn(server)
    return 0 if report(run, args, samples.listed) else 1


if __name__ == "__main__":
    sys.exit(main())
