"""What the benchmarks share. Standard library only; each script sets Django up itself.

Sections are independent so that each benchmark's helpers can be read (and merged) apart.
"""

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


# --- Documents and the registry export: a real Celery worker, children's usage, the verdict line --------

# A Redis database of its own, away from the tests' (0), the staff-page benchmarks' (14) and developers'.
DOCUMENTS_REDIS_URL = "redis://127.0.0.1:6379/13"


def target_line(what: str, figure: float, target: float, unit: str = "x", *, at_least: bool) -> bool:
    """Print the figure beside its target and MET or MISSED; return whether it is met."""
    met = figure >= target if at_least else figure <= target
    sign = ">=" if at_least else "<="
    print(f"{what:<58} {figure:>9.2f}{unit:<3} target {sign} {target:g}{unit:<3} {'MET' if met else 'MISSED'}")
    return met


def children_usage() -> tuple[float, int]:
    """CPU seconds and the largest peak RSS (KB) of the child processes this process has waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def celery_worker(env: dict[str, str], *, queues: str, concurrency: int, log_path: Path) -> subprocess.Popen:
    """Start ``celery -A qac worker`` as ``make worker`` does, on ``queues``, and wait until it is ready."""
    command = [
        str(Path(sys.executable).parent / "celery"),
        "-A",
        "qac",
        "worker",
        "-Q",
        queues,
        "--concurrency",
        str(concurrency),
        "--pool",
        "prefork",
        "-l",
        "info",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"bench-documents-{os.getpid()}@%h",
    ]
    log = open(log_path, "w")  # noqa: SIM115 (the worker writes it until it stops)
    worker = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise SystemExit(f"the Celery worker stopped at start; see {log_path}")
        if " ready." in log_path.read_text(errors="replace"):
            return worker
        time.sleep(0.2)
    stop_worker(worker)
    raise SystemExit(f"the Celery worker was not ready in 90 s; see {log_path}")


def stop_worker(worker: subprocess.Popen) -> None:
    """Warm shutdown (SIGTERM: the tasks in flight finish), then wait; SIGKILL after 60 s."""
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
