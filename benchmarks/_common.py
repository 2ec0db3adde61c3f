"""What the benchmarks share: environments, the bench database, gunicorn, logging in, CPU readings,
percentiles and the verdict line. Standard library and psycopg only; Django is set up on demand.

The server runs as in production (``qac.settings.production``: Redis for the cache
and sessions, persistent connections, the manifest static storage) behind a
pretend TLS proxy: every request carries ``X-Forwarded-Proto: https``. Two-factor
sign-in is switched off (``QAC_OTP_REQUIRED=false``) so the staff account can log
in without a phone. Seeding and other management commands run with the
development settings, because production refuses demo data.
"""

import http.client
import os
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

PROJECT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"  # a database of its own, away from the tests' and workers'
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
STAFF_EMAIL = "staff@qac.local"
DEMO_PASSWORD = "qac-demo-2026"  # noqa: S105 (documented demo password)
TICK = os.sysconf("SC_CLK_TCK")


# --- Environments ------------------------------------------------------------------------------


def require_local(database_url: str) -> None:
    if urllib.parse.urlsplit(database_url).hostname not in (HOST, "localhost"):
        raise SystemExit("the benchmarks only use a local PostgreSQL (127.0.0.1)")


def environment(database_url: str) -> dict[str, str]:
    """Management commands and in-process Django: development settings without debug."""
    env = dict(os.environ)
    env.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="qac.settings.dev", DEBUG="false")
    env.setdefault("MEDIA_ROOT", str(Path(tempfile.gettempdir()) / "qac-bench-media"))
    # One key for the seeding process and the server, so sessions made in-process are valid there.
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    return env


def server_environment(env: dict[str, str], port: int) -> dict[str, str]:
    """The server's: production settings with Redis, on the same database, key and media."""
    server = dict(env)
    server.update(
        DJANGO_SETTINGS_MODULE="qac.settings.production",
        ALLOWED_HOSTS=f"{HOST},localhost",
        QAC_SITE_URL=f"https://{HOST}:{port}",
        QAC_OTP_REQUIRED="false",
    )
    server.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    server.setdefault("CONN_MAX_AGE", "60")
    return server


def django_setup(env: dict[str, str]) -> None:
    """Django in this process, with ``env``'s settings, for seeding and profiles."""
    names = ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DEBUG", "MEDIA_ROOT", "SECRET_KEY", "CONN_MAX_AGE")
    os.environ.update({k: env[k] for k in names if k in env})
    if str(PROJECT) not in sys.path:
        sys.path.insert(0, str(PROJECT))
    import django

    django.setup()


# --- Database and data ---------------------------------------------------------------------------


def ensure_database(database_url: str) -> None:
    name = conninfo_to_dict(database_url).get("dbname")
    if not name:
        raise SystemExit("DATABASE_URL must name a database")
    with psycopg.connect(make_conninfo(database_url, dbname="postgres"), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            print(f"creating database {name}", flush=True)
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(database_url: str) -> None:
    name = conninfo_to_dict(database_url).get("dbname")
    with psycopg.connect(make_conninfo(database_url, dbname="postgres"), autocommit=True) as conn:
        print(f"dropping database {name}", flush=True)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def vacuum_analyze(database_url: str) -> None:
    """Fresh planner statistics and visibility map after a bulk load, as autovacuum would leave them."""
    print("$ VACUUM ANALYZE", flush=True)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def manage(env: dict[str, str], *args: str) -> None:
    print("$ manage.py", " ".join(args), flush=True)
    done = subprocess.run([sys.executable, str(PROJECT / "manage.py"), *args], cwd=PROJECT, env=env, check=False)
    if done.returncode:
        raise SystemExit(f"manage.py {args[0]} failed (exit code {done.returncode}); see its output above")


def seed_volume(env: dict[str, str], database_url: str, applications: int) -> None:
    """The bench database with ``applications`` bulk applications (idempotent), analysed."""
    ensure_database(database_url)
    manage(env, "migrate", "--verbosity", "0")
    manage(env, "seed_demo", "--volume", str(applications))
    vacuum_analyze(database_url)


# --- Server --------------------------------------------------------------------------------------


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex((HOST, port)) != 0


def start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    """gunicorn under production settings; collects the static files its manifest storage needs first."""
    if not port_is_free(port):
        raise SystemExit(f"{HOST}:{port} is already in use; choose another --port")
    server_env = server_environment(env, port)
    manage(server_env, "collectstatic", "--noinput", "--verbosity", "0")
    log_path = Path(tempfile.gettempdir()) / f"qac-bench-gunicorn-{port}.log"
    command = [str(BIN / "gunicorn"), "qac.wsgi", "--workers", str(workers), "--bind", f"{HOST}:{port}"]
    print("$", " ".join(command), f"(qac.settings.production, log: {log_path})", flush=True)
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, cwd=PROJECT, env=server_env, stdout=log, stderr=subprocess.STDOUT)
    wait_healthy(server, port)
    return server


def wait_healthy(server: subprocess.Popen, port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with code {server.returncode}; see its log")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/healthz")
            ok = conn.getresponse().status == 200
            conn.close()
            if ok:
                return
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


# --- Client --------------------------------------------------------------------------------------


def cookies_from(response: http.client.HTTPResponse) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def log_in(port: int, email: str = STAFF_EMAIL, password: str | None = None) -> str:
    """The Cookie header of a logged-in session, through the login form as a browser would."""
    password = password or os.environ.get("DEMO_PASSWORD") or DEMO_PASSWORD
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/accounts/login/", headers=PROXY_HEADERS)
    response = conn.getresponse()
    response.read()
    csrf = cookies_from(response).get("csrftoken")
    if response.status != 200 or not csrf:
        raise SystemExit(f"GET /accounts/login/ answered {response.status} without a csrftoken cookie")
    body = urllib.parse.urlencode({"username": email, "password": password, "csrfmiddlewaretoken": csrf})
    headers = {
        **PROXY_HEADERS,
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={csrf}",
        "Referer": f"https://{HOST}:{port}/accounts/login/",
    }
    conn.request("POST", "/accounts/login/", body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    session = cookies_from(response).get("sessionid")
    if response.status != 302 or not session:
        raise SystemExit(f"login as {email} failed: {response.status}, check the password (DEMO_PASSWORD)")
    return f"csrftoken={csrf}; sessionid={session}"


# --- CPU and load ----------------------------------------------------------------------------------


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far, from /proc (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def cpu_busy_fraction(seconds: float = 2.0) -> float | None:
    """Share of all CPUs busy over ``seconds`` (/proc/stat), to spot other load before measuring."""

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


def warn_if_busy() -> None:
    busy = cpu_busy_fraction()
    load = os.getloadavg()[0]
    if busy is not None:
        print(f"machine before the run: CPU {busy:.0%} busy of {os.cpu_count()} CPUs, load average {load:.2f}")
        if busy > 0.15:
            print("warning: something else is using the CPU; latency figures will be pessimistic")


# --- Figures -------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * pct // 100))
    return sorted_values[int(rank) - 1]


def verdict(what: str, value: float, target: float, unit: str, *, at_most: bool = True) -> bool:
    """Print the figure beside its target; return whether the target is met."""
    met = value < target if at_most else value >= target
    sign = "<" if at_most else ">="
    print(f"target {what} {sign} {target:g} {unit}: {'met' if met else 'MISSED'} ({value:.1f} {unit})")
    return met


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
