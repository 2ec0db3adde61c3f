"""How long ``seed_demo --volume N`` takes on an empty PostgreSQL database (issue 14: 100,000 in under 60 s).

Run by hand (never by the test suite) from the project root::

    .venv/bin/python benchmarks/seed_volume.py                   # 100,000 candidates, a fresh database
    .venv/bin/python benchmarks/seed_volume.py --volume 20000    # a quicker look

What it does:

1. Drops and re-creates ``$DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/qac_bench_seed``,
   a database of this benchmark's own) and runs ``manage.py migrate`` (not timed).
2. Times ``manage.py seed_demo --volume N`` as a user runs it: the demo accounts, applications,
   sessions and documents first, then N bulk candidates with their applications, and approved
   exam sessions, Council decisions and documents for the accepted ones.
3. Meanwhile reads, once every half second from /proc, the CPU time of the command and of the
   database's backends, so the figures can be judged when other work shares the machine.
4. Checks the result: N bulk applications, each with a number, its identity snapshot and its
   history row, and a result and a document for every examined one.
5. Prints wall time and CPU beside the target; exit status 0 when the wall time is under 60 s.
"""

import argparse
import os
import subprocess
import sys
import threading
import time

import _common as bench
import psycopg

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/qac_bench_seed"
TARGET_SECONDS = 60.0

CHECKS = {
    "bulk applications": "SELECT count(*) FROM candidates_application a JOIN accounts_user u ON u.id = a.candidate_id "
    "WHERE u.email LIKE %(volume)s",
    "without a number": "SELECT count(*) FROM candidates_application a JOIN accounts_user u ON u.id = a.candidate_id "
    "WHERE u.email LIKE %(volume)s AND a.number IS NULL",
    "without an identity snapshot": "SELECT count(*) FROM candidates_application a "
    "JOIN accounts_user u ON u.id = a.candidate_id LEFT JOIN candidates_applicantidentity i "
    "ON i.application_id = a.id WHERE u.email LIKE %(volume)s AND i.id IS NULL",
    "without history": "SELECT count(*) FROM candidates_application a JOIN accounts_user u ON u.id = a.candidate_id "
    "WHERE u.email LIKE %(volume)s AND NOT EXISTS "
    "(SELECT 1 FROM candidates_applicationtransition t WHERE t.application_id = a.id)",
    "examined": "SELECT count(*) FROM exams_examresult r JOIN exams_enrolment e ON e.id = r.enrolment_id "
    "JOIN candidates_application a ON a.id = e.application_id JOIN accounts_user u ON u.id = a.candidate_id "
    "WHERE u.email LIKE %(volume)s",
    "examined without a document": "SELECT count(*) FROM exams_examresult r "
    "JOIN exams_enrolment e ON e.id = r.enrolment_id JOIN candidates_application a ON a.id = e.application_id "
    "JOIN accounts_user u ON u.id = a.candidate_id WHERE u.email LIKE %(volume)s AND NOT EXISTS "
    "(SELECT 1 FROM certificates_issueddocument d WHERE d.result_id = r.id)",
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--volume", type=int, default=100_000, help="bulk candidates (%(default)s)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_SEED_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="PostgreSQL URL, dropped and re-created (default $BENCH_SEED_DATABASE_URL or %(default)s)",
    )
    return parser.parse_args()


class BackendCpu:
    """CPU seconds of the database's backends while the command runs, sampled from /proc."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        self.seen: dict[int, float] = {}
        self.stopping = threading.Event()

    def _sample(self) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            while not self.stopping.wait(0.5):
                rows = conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                ).fetchall()
                for (pid,) in rows:
                    seconds = bench.process_cpu(pid)
                    if seconds:
                        self.seen[pid] = max(seconds, self.seen.get(pid, 0.0))

    def start(self) -> None:
        threading.Thread(target=self._sample, daemon=True, name="backend-cpu").start()

    def stop(self) -> float:
        self.stopping.set()
        time.sleep(0.6)
        return sum(self.seen.values())


def check(database_url: str, volume: int) -> bool:
    with psycopg.connect(database_url) as conn:
        found = {
            name: conn.execute(query, {"volume": "%@volume.qac.local"}).fetchone()[0] for name, query in CHECKS.items()
        }
    print("data: " + ", ".join(f"{name} {count}" for name, count in found.items()))
    valid = found["bulk applications"] == volume and found["examined"] > 0
    valid = valid and not any(count for name, count in found.items() if name.startswith(("without", "examined w")))
    if not valid:
        print("the seeded data is incomplete: see the counts above")
    return valid


def main() -> int:
    args = parse_args()
    bench.require_local(args.database_url)
    env = bench.environment(args.database_url)
    bench.drop_database(args.database_url)
    bench.ensure_database(args.database_url)
    bench.manage(env, "migrate", "--verbosity", "0")
    bench.warn_if_busy()
    load_before = os.getloadavg()[0]
    meter = BackendCpu(args.database_url)
    meter.start()
    children = os.times()
    started = time.perf_counter()
    print(f"$ manage.py seed_demo --volume {args.volume}", flush=True)
    done = subprocess.run(
        [sys.executable, str(bench.PROJECT / "manage.py"), "seed_demo", "--volume", str(args.volume)],
        cwd=bench.PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    after = os.times()
    postgres = meter.stop()
    if done.returncode:
        raise SystemExit(f"seed_demo failed (exit code {done.returncode})")
    print(done.stdout.strip().splitlines()[-1])
    command = (after.children_user - children.children_user) + (after.children_system - children.children_system)
    print(
        f"\nseed_demo --volume {args.volume}: {wall:.1f} s wall; CPU: the command {command:.1f} s, "
        f"PostgreSQL backends {postgres:.1f} s; load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
    )
    valid = check(args.database_url, args.volume)
    return 0 if bench.verdict("wall time, valid data", wall, TARGET_SECONDS, "s") and valid else 1


if __name__ == "__main__":
    sys.exit(main())
