"""Time and memory of the registry export over 100,000 documents, against a COPY of the same rows.

Run by hand (never by the test suite) from the project root::

    .venv/bin/python benchmarks/registry_export.py                  # 100,000 documents
    .venv/bin/python benchmarks/registry_export.py --skip-setup     # re-run on the data already there
    .venv/bin/python benchmarks/registry_export.py --profile        # also cProfile one export

What it does:

1. Uses the PostgreSQL database at ``$DATABASE_URL`` (default
   ``postgres://postgres@127.0.0.1:5432/qac_bench_registry``), creating it with
   ``createdb`` if it is missing, and runs ``manage.py migrate`` with
   ``DJANGO_SETTINGS_MODULE=qac.settings.dev`` and ``DEBUG=false``. ``REDIS_URL`` is
   dropped; ``MEDIA_ROOT`` is a temporary directory removed at the end.
2. Seeds, in a child process, ``--count`` issued documents with bulk inserts: the demo
   accounts, ``qac.demo.seed.seed_volume`` candidates (profiles with SNILS and date of birth),
   every bulk application accepted, ``qac.demo.seed.seed_volume_exams`` approved sessions with a
   chaired commission and results (80% pass), each session with its Council decision (a
   verdict per result) and the documents the verdicts call for: a certificate per pass, a
   conclusion per failure, all awaiting their register numbers (``number_source="awaiting"``,
   no PDFs), as the nightly export finds them after the Council decided. Then
   ``VACUUM ANALYZE`` (autovacuum is off on the bench machine). A second run reuses the data.
3. (a) In a child process of its own, so that ``ru_maxrss`` is the export's peak,
   ``registry_export(trigger="bench", dry_run=True, output_dir=tmp)``: the code the nightly
   job runs (lock, streaming query, XML + CSV, XSD validation, copy to the directory), with
   nothing marked. Wall time, CPU time and peak RSS are measured in the child.
   (b) The floor: one ``COPY (SELECT ...) TO STDOUT`` of the same columns with the same joins
   (document, qualification, profile, result, enrolment, the session's chair, the Council's
   verdict and decision) and the same "not yet reported" filter, streamed with psycopg to a
   CSV file, timed.
4. Prints both times, the ratio (target: export <= 5x COPY), the peak RSS (target < 200 MB)
   and records per second, and exits 0 when both targets are met. With ``--profile``, or when
   a target is missed, it then profiles one more dry run and prints the top functions.

Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/qac_bench_registry"
PASSWORD = "bench-not-used-for-login-2026"  # noqa: S105 (nobody logs in)
TARGET_RATIO = 5.0
TARGET_RSS_MB = 200.0
EXAM_SLICE = 20_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--count", type=int, default=100_000, help="issued documents to export (%(default)s)")
    parser.add_argument("--skip-setup", action="store_true", help="do not create the database, migrate or seed")
    parser.add_argument("--profile", action="store_true", help="also profile one dry run (cProfile)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each path, alternating; the median counts (%(default)s)"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        help="PostgreSQL URL (default $DATABASE_URL or %(default)s)",
    )
    # Internal: the parent starts this script again as a child for each step.
    parser.add_argument("--child", choices=["seed", "count", "export", "copy", "profile"], help=argparse.SUPPRESS)
    parser.add_argument("--out", default="", help=argparse.SUPPRESS)
    parser.add_argument("--dir", default="", help=argparse.SUPPRESS)
    return parser.parse_args()


# --- Parent: database, children, report ------------------------------------------------------------


def environment(database_url: str, media_root: str) -> dict[str, str]:
    """The bench's development environment (``_common``), with in-process tasks: one process renders, as
    one worker would."""
    env = _common.environment(database_url)
    env.pop("REDIS_URL", None)
    env["MEDIA_ROOT"] = media_root
    return env


def child(env: dict[str, str], kind: str, count: int, directory: str = "") -> dict:
    """Run this script as a child process for one step; its JSON answer comes back through a file."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    command = [sys.executable, __file__, "--child", kind, "--count", str(count), "--out", out, "--dir", directory]
    try:
        subprocess.run(command, cwd=PROJECT, env=env, check=True)
        return json.loads(Path(out).read_text() or "{}")
    finally:
        Path(out).unlink(missing_ok=True)


def mb(kilobytes: float) -> float:
    return kilobytes / 1024


def median_run(runs: list[dict]) -> dict:
    """The run with the median wall time (the middle one of three); its own CPU time and peak RSS."""
    ordered = sorted(runs, key=lambda r: r["seconds"])
    return {**ordered[(len(ordered) - 1) // 2], "all_seconds": [round(r["seconds"], 2) for r in runs]}


def report(seed: dict, export: dict, copy: dict) -> bool:
    records = export["records"]
    ratio = export["seconds"] / copy["seconds"]
    peak = mb(export["peak_rss_kb"])
    print()
    print(
        f"{seed['documents']} issued documents ({seed['by_kind']}; numbering {seed.get('by_numbering', {})}), "
        f"{records} records not yet reported; "
        f"load average before: {export['load']:.2f} on {os.cpu_count()} CPUs"
    )
    print(f"{'path':<44}{'wall s':>9}{'CPU s':>8}{'records/s':>11}{'MB written':>12}{'peak RSS MB':>13}")
    print("-" * 97)
    print(
        f"{'registry_export(dry_run=True): XML+CSV+XSD':<44}{export['seconds']:>9.2f}{export['cpu_seconds']:>8.2f}"
        f"{records / export['seconds']:>11.0f}{export['bytes'] / 2**20:>12.1f}{peak:>13.1f}"
    )
    print(
        f"{'COPY (SELECT same columns/joins) TO STDOUT':<44}{copy['seconds']:>9.2f}{copy['cpu_seconds']:>8.2f}"
        f"{copy['rows'] / copy['seconds']:>11.0f}{copy['bytes'] / 2**20:>12.1f}{mb(copy['peak_rss_kb']):>13.1f}"
    )
    print(
        f"export: {export['counts']}, {len(export['skipped'])} held back; files {export['files']}; "
        f"RSS before the export (Django loaded): {mb(export['base_rss_kb']):.1f} MB; "
        f"nothing marked: {export['nothing_marked']}"
    )
    print(f"COPY: {copy['rows']} rows (header excluded), the database's own CSV writer, no XML, no validation")
    print(
        f"median of {len(export['all_seconds'])} runs each; export runs {export['all_seconds']} s, "
        f"COPY runs {copy['all_seconds']} s"
    )
    print(
        f"the XSD check's second process: {export['child_cpu_seconds']:.2f} CPU s, "
        f"peak RSS {mb(export['child_peak_rss_kb']):.1f} MB (beside the export's own {peak:.1f} MB)"
    )
    # On a shared machine the wall clock waits for other work; CPU time is steadier. The export's two
    # processes run side by side, so the busier one, against COPY's wall clock, is what a quiet
    # machine's ratio approaches (plus the database's own time before the first row).
    busier = max(export["cpu_seconds"], export["child_cpu_seconds"])
    print(
        f"CPU: the export's process {export['cpu_seconds']:.2f} s, its XSD check {export['child_cpu_seconds']:.2f} s; "
        f"the busier / COPY wall: {busier / copy['seconds']:.2f}x (for reading, not the verdict)"
    )
    print()
    ratio_ok = _common.target_line("registry export / COPY, wall clock", ratio, TARGET_RATIO, at_least=False)
    memory_ok = _common.target_line("peak RSS of the export", peak, TARGET_RSS_MB, " MB", at_least=False)
    checker_ok = _common.target_line(
        "peak RSS of its XSD check process", mb(export["child_peak_rss_kb"]), TARGET_RSS_MB, " MB", at_least=False
    )
    return ratio_ok and memory_ok and checker_ok


def same_rows(export_dir: Path, copy_dir: Path) -> bool:
    """The floor is only a floor if it produces the same table: compare both CSVs row by row, sorted."""
    import csv

    def rows(path: Path) -> list[list[str]]:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            found = list(csv.reader(handle, delimiter=";"))
        return [found[0], *sorted(found[1:])]

    (exported,) = export_dir.glob("*.csv")
    return rows(exported) == rows(copy_dir / "copy.csv")


def main() -> int:
    args = parse_args()
    if args.child:
        return run_child(args)
    media_root = tempfile.mkdtemp(prefix="qac-bench-registry-media-")
    out_dir = tempfile.mkdtemp(prefix="qac-bench-registry-out-")
    env = environment(args.database_url, media_root)
    try:
        if not args.skip_setup:
            _common.require_local(args.database_url)
            _common.ensure_database(args.database_url)
            _common.manage(env, "migrate", "--noinput", "-v", "0")
            print(f"seeding {args.count} documents ...", flush=True)
        seed = child(env, "seed" if not args.skip_setup else "count", args.count)
        if seed.get("created") is not None:
            print(
                f"seed: {seed['created_candidates']} candidates, {seed['created_results']} results and "
                f"{seed['created']} documents created in {seed['seconds']:.1f} s",
                flush=True,
            )
        # Alternate the two paths so both see the same machine; each run is a fresh child process.
        exports, copies = [], []
        for run in range(1, args.repeat + 1):
            exports.append(child(env, "export", args.count, str(Path(out_dir) / f"export-{run}")))
            copies.append(child(env, "copy", args.count, str(Path(out_dir) / f"copy-{run}")))
            print(
                f"run {run}: registry_export {exports[-1]['seconds']:.2f} s, COPY {copies[-1]['seconds']:.2f} s "
                f"(load {exports[-1]['load']:.2f})",
                flush=True,
            )
        export, copy = median_run(exports), median_run(copies)
        met = report(seed, export, copy)
        same = same_rows(Path(out_dir) / "export-1", Path(out_dir) / "copy-1")
        print(f"COPY's rows equal the export's CSV rows (as sets, header included): {same}")
        if args.profile or not met:
            child(env, "profile", args.count, str(Path(out_dir) / "profile"))
        return 0 if met else 1
    finally:
        shutil.rmtree(media_root, ignore_errors=True)
        shutil.rmtree(out_dir, ignore_errors=True)


# --- Children ---------------------------------------------------------------------------------------


def django_setup() -> None:
    sys.path.insert(0, str(PROJECT))
    import django

    django.setup()


def peak_rss_kb() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux


def current_rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def documents_summary() -> dict:
    from django.db.models import Count

    from qac.certificates.models import IssuedDocument

    by_kind = dict(IssuedDocument.objects.values_list("kind").annotate(n=Count("pk")).order_by("kind"))
    by_numbering = dict(
        IssuedDocument.objects.values_list("number_source").annotate(n=Count("pk")).order_by("number_source")
    )
    return {"documents": sum(by_kind.values()), "by_kind": by_kind, "by_numbering": by_numbering}


def seed(count: int) -> dict:
    """``count`` documents awaiting their register numbers over bulk candidates and approved sessions; idempotent.

    ``seed_volume_exams`` gives every bulk result the Council's decision (a verdict per result) and the document
    that verdict calls for, unnumbered (``number_source="awaiting"``): what the nightly export reports after a
    Council decision, before the register's answer numbers the documents.
    """
    from django.db import connection

    from candidates.models import Application
    from qac.certificates.models import IssuedDocument
    from qac.demo.seed import VOLUME_EMAIL_DOMAIN, seed_accounts, seed_volume, seed_volume_exams

    started = time.perf_counter()
    phases: dict[str, float] = {}

    def phase(name: str, since: float) -> float:
        now = time.perf_counter()
        phases[name] = round(now - since, 1)
        print(f"  {name}: {now - since:.1f} s", flush=True)
        return now

    created_candidates = created_results = created = 0
    before = IssuedDocument.objects.count()
    if before < count:
        seed_accounts(password=PASSWORD)
        created_candidates = seed_volume(count, password=PASSWORD)
        mark = phase("seed_volume (candidates, profiles, applications)", started)
        # Every bulk candidate sits an exam, so every one gets a document. In slices with an
        # ANALYZE between them: autovacuum is off on the bench machine, and with statistics of
        # the still-empty exam tables each of seed_volume_exams' per-session commits slows down.
        volume = Application.objects.filter(
            candidate__email__endswith=f"@{VOLUME_EMAIL_DOMAIN}", enrolments__isnull=True
        ).exclude(status="accepted")
        while True:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            ids = list(volume.order_by("pk").values_list("pk", flat=True)[:EXAM_SLICE])
            Application.objects.filter(pk__in=ids).update(status="accepted")
            created_results += seed_volume_exams(batch_size=200)
            if len(ids) < EXAM_SLICE:
                break
        created = IssuedDocument.objects.count() - before
        mark = phase("seed_volume_exams (sessions, commissions, results, Council decisions, documents)", mark)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        phase("VACUUM ANALYZE", mark)
    return {
        **documents_summary(),
        "created_candidates": created_candidates,
        "created_results": created_results,
        "created": created,
        "seconds": time.perf_counter() - started,
    }


def export(directory: str) -> dict:
    from qac.registry.models import ExportBatch, ExportRecord
    from qac.registry.services import registry_export

    marks, batches = ExportRecord.objects.count(), ExportBatch.objects.count()
    base = current_rss_kb()
    load = os.getloadavg()[0]
    child_cpu, _peak = _common.children_usage()
    cpu, started = cpu_seconds(), time.perf_counter()
    outcome = registry_export(trigger="bench", dry_run=True, output_dir=directory)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    child_cpu_after, child_peak = _common.children_usage()
    files = [Path(p) for p in outcome.paths]
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "records": outcome.total,
        "counts": outcome.counts,
        "skipped": outcome.skipped[:20],
        "files": [p.name for p in files],
        "bytes": sum(p.stat().st_size for p in files),
        "peak_rss_kb": peak_rss_kb(),
        "base_rss_kb": base,
        # The XSD check's second process (qac.registry.xsd_check), when the export started one.
        "child_cpu_seconds": child_cpu_after - child_cpu,
        "child_peak_rss_kb": child_peak,
        "load": load,
        "nothing_marked": ExportRecord.objects.count() == marks and ExportBatch.objects.count() == batches,
    }


COPY_SQL = """
COPY (
  SELECT %(qac)s AS qac, d.kind AS record_type, d.id AS record_id,
         to_char(d.exam_date, 'DD.MM.YYYY') AS exam_date,
         q.code AS qualification_code, q.name AS qualification_name, q.level AS qualification_level,
         d.holder_last_name AS surname, d.holder_first_name AS name, d.holder_patronymic AS patronymic,
         to_char(p.date_of_birth, 'DD.MM.YYYY') AS birth_date,
         substr(p.snils, 1, 3) || '-' || substr(p.snils, 4, 3) || '-' || substr(p.snils, 7, 3)
           || ' ' || substr(p.snils, 10, 2) AS snils,
         r.decision,
         cd.number AS council_decision_number, to_char(cd.decided_on, 'DD.MM.YYYY') AS council_decision_date,
         d.number AS certificate_number, '' AS original_number,
         to_char(d.issue_date, 'DD.MM.YYYY') AS issue_date,
         to_char(d.valid_until, 'DD.MM.YYYY') AS valid_until,
         '' AS revocation_date, '' AS revocation_reason,
         trim(cu.last_name || ' ' || coalesce(left(nullif(cu.first_name, ''), 1) || '.', '')
           || coalesce(' ' || left(nullif(cu.patronymic, ''), 1) || '.', '')) AS commission_chair
  FROM certificates_issueddocument d
  JOIN standards_qualification q ON q.id = d.qualification_id
  JOIN exams_examresult r ON r.id = d.result_id
  JOIN exams_enrolment e ON e.id = r.enrolment_id
  LEFT JOIN candidates_candidateprofile p ON p.user_id = d.holder_id
  LEFT JOIN exams_commissionmember cm ON cm.session_id = e.session_id AND cm.is_chair
  LEFT JOIN accounts_user cu ON cu.id = cm.expert_id
  LEFT JOIN council_councilverdict v ON v.id = d.verdict_id
  LEFT JOIN council_councildecision cd ON cd.id = v.decision_id
  WHERE d.variant = 'original'
    AND NOT (d.number_source = 'awaiting' AND NOT d.is_current)
    AND NOT EXISTS (
      SELECT 1 FROM registry_exportrecord x WHERE x.document_id = d.id AND x.record_type = d.kind
    )
  ORDER BY d.kind, d.id
) TO STDOUT WITH (FORMAT csv, DELIMITER ';', HEADER)
"""


def copy(directory: str) -> dict:
    import psycopg
    from django.db import connection

    from standards.selectors import center_get

    center = center_get()
    sql = COPY_SQL % {"qac": "'" + (center.register_number if center else "78.033") + "'"}
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    path = target / "copy.csv"
    cpu, started = cpu_seconds(), time.perf_counter()
    with psycopg.connect(**params) as conn, conn.cursor() as cursor, open(path, "wb") as out:
        out.write("\ufeff".encode())
        with cursor.copy(sql) as stream:
            for data in stream:
                out.write(data)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    with open(path, "rb") as handle:
        rows = sum(1 for _line in handle) - 1
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rows": rows,
        "bytes": path.stat().st_size,
        "peak_rss_kb": peak_rss_kb(),
    }


def profile(directory: str) -> dict:
    import cProfile
    import pstats

    from qac.registry.services import registry_export

    profiler = cProfile.Profile()
    profiler.enable()
    registry_export(trigger="bench", dry_run=True, output_dir=directory)
    profiler.disable()
    print("\nProfile of one more dry run (top 25 by own time):")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    print("Top 15 by cumulative time:")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(15)
    return {}


def run_child(args: argparse.Namespace) -> int:
    django_setup()
    if args.child == "seed":
        result = seed(args.count)
    elif args.child == "count":
        result = documents_summary()
    elif args.child == "export":
        result = export(args.dir)
    elif args.child == "copy":
        result = copy(args.dir)
    else:
        result = profile(args.dir)
    Path(args.out).write_text(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
