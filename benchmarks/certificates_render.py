"""Throughput and memory of certificate PDF rendering: the real batched task against one WeasyPrint call each.

Run by hand (never by the test suite) from the project root::

    .venv/bin/python benchmarks/certificates_render.py                       # 500 certificates, sizes 10 25 50 100
    .venv/bin/python benchmarks/certificates_render.py --batch-sizes 25      # only the configured size
    .venv/bin/python benchmarks/certificates_render.py --profile --experiments   # always profile and try variants
    .venv/bin/python benchmarks/certificates_render.py --count 100 --skip-setup  # a quicker look

What it does:

1. Uses the PostgreSQL database at ``$DATABASE_URL`` (default
   ``postgres://postgres@127.0.0.1:5432/qac_bench_certs``), creating it with
   ``createdb`` if it is missing, and runs ``manage.py migrate`` with
   ``DJANGO_SETTINGS_MODULE=qac.settings.dev`` and ``DEBUG=false``. PDFs go to
   a new temporary ``MEDIA_ROOT`` that is removed at the end. ``REDIS_URL`` is
   dropped, so every task runs inside the measured process.
2. Seeds, with bulk inserts like ``qac.demo.seed.seed_volume_exams``, one session
   with approved results of ``--count`` candidates who all passed (varied
   Russian names, most with a patronymic) and the Council's decision (a
   certificate verdict for each), then issues their certificates with
   ``qac.certificates.services.session_documents_issue`` (awaiting their
   numbers) and numbers each with ``services.document_register``, as the
   register's answer does: a number of the register's shape, today's issue
   date and a link to the register record (its render after the commit is
   switched off; the children render). Only numbered documents render. A
   second run reuses the session and its documents.
3. For each batch size, in a child process of its own (so ``ru_maxrss`` is that
   path's own peak), puts the documents back to "pending", deletes their files
   and renders all of them through ``render_documents_task.apply()`` in batches
   of ``settings.QAC_RENDER_BATCH_SIZE`` (set from the batch size): the code a
   worker of the ``documents`` queue runs, storage, SHA-256 and events
   included. Then it checks every stored PDF: a file of its own, parsed by
   pypdf, with the page count of the same document rendered alone, the SHA-256
   and size recorded for it, and a first page that names its own number and
   holder.
4. In another child process, the naive baseline: ``render.render_one_naive(doc)``
   (one ``HTML(...).write_pdf()`` per document, the same templates) for the same
   documents. Only the rendering calls are timed: no database writes, no storage.
5. Prints certificates per second (wall clock, and per CPU second of the
   process, which a busy machine disturbs less), the ratio, the mean PDF size
   and the peak RSS of both paths for each batch size. When the configured
   size misses a target (5x the naive throughput, peak RSS under 300 MB), or
   with ``--profile``, it times the steps of one batch and prints cProfile's top
   25 by cumulative time; with ``--experiments`` (or a missed ratio) it times
   variants of the templates and of the rendering steps on ``8 x batch``
   documents. Template variants are scratch copies under /tmp that the template
   loader searches first; the repository is never changed.

Each child warms up with one naive render that is not counted (fontconfig and
WeasyPrint's first-use costs), so both paths are measured as a running worker.
Exit code 0 when the configured batch size meets both targets. Only 127.0.0.1
is ever contacted.
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
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/qac_bench_certs"
QUALIFICATION = "31.00400.02"
VENUE = "BENCH: certificates_render.py"
EMAIL = "bench-cert-{:05d}@bench.local"
STAFF_EMAIL = "bench-cert-staff@bench.local"
EXPERT_EMAIL = "bench-cert-expert-{}@bench.local"
PASSWORD = "bench-not-used-for-login-2026"  # noqa: S105 (nobody logs in)
TARGET_RATIO = 5.0
TARGET_RSS_MB = 300.0

SURNAMES = [
    ("Иванов", "Иванова"),
    ("Кузнецов", "Кузнецова"),
    ("Соколов", "Соколова"),
    ("Лебедев", "Лебедева"),
    ("Новиков", "Новикова"),
    ("Морозов", "Морозова"),
    ("Преображенский", "Преображенская"),
    ("Ёлкин", "Ёлкина"),
    ("Щербаков", "Щербакова"),
    ("Черных", "Черных"),
    ("Хабибуллин", "Хабибуллина"),
    ("Цветков", "Цветкова"),
    ("Эйдельман", "Эйдельман"),
    ("Юдин", "Юдина"),
    ("Шевчук", "Шевчук"),
    ("Жуков", "Жукова"),
    ("Фёдоров", "Фёдорова"),
    ("Константинопольский", "Константинопольская"),
]
MALE = ["Алексей", "Дмитрий", "Сергей", "Юрий", "Фёдор", "Эдуард", "Цезарь", "Щедрослав", "Жан", "Игорь"]
FEMALE = ["Анна", "Ольга", "Юлия", "Эльвира", "Фаина", "Шарлотта", "Жанна", "Ирина", "Цветана", "Ярослава"]
PATRONYMIC = ["Иванович", "Петрович", "Юрьевич", "Эдуардович", "Фёдорович", "Шамилевич", "Ильич", ""]
PATRONYMIC_F = ["Ивановна", "Петровна", "Юрьевна", "Эдуардовна", "Фёдоровна", "Шамилевна", "Ильинична", ""]

# Variants timed by --experiments: (name, what changes). See prepare_variant() and run_experiment().
EXPERIMENTS = [
    ("repository", "render_batch's steps as the repository has them (shared FontConfiguration, Document.copy split)"),
    ("shared-fontconfig", "one WeasyPrint FontConfiguration for the whole worker process, not one per render()"),
    ("qr-fixed-mask", "segno.make(..., mask=0): no search over the 8 QR masks (QR otherwise as in the repository)"),
    ("qr-svg", "the QR code as an SVG path (segno, scale 4): drawn as vectors in the page, not an image"),
    ("qr-png-1px", "the QR code as a PNG of 1 pixel per module with image-rendering: pixelated (scratch batch.html)"),
    ("fixed-tables", "table-layout: fixed, explicit column widths, long values wrap (scratch batch.html)"),
    ("split-copy", "Document.copy(pages).write_pdf() per document instead of one PDF split by pypdf"),
    ("combined", "shared-fontconfig + qr-fixed-mask + qr-png-1px + fixed-tables + split-copy"),
    ("naive-tuned", "combined, but one HTML() per document: the naive path with the same changes"),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--count", type=int, default=500, help="certificates in the session (%(default)s)")
    parser.add_argument(
        "--batch-sizes",
        default="10,25,50,100",
        help="comma-separated batch sizes for the table; the configured size is always run (%(default)s)",
    )
    parser.add_argument("--skip-setup", action="store_true", help="do not create the database or run migrate")
    parser.add_argument("--profile", action="store_true", help="profile one batch even if the targets are met")
    parser.add_argument("--experiments", action="store_true", help="time the variants even if the targets are met")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        help="PostgreSQL URL (default $DATABASE_URL or %(default)s)",
    )
    # Internal: the parent starts this script again as a child for each measured path.
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="the documents worker's --concurrency for the real path (default: every core, %(default)s)",
    )
    parser.add_argument(
        "--child", choices=["seed", "task", "naive", "worker", "profile", "experiment"], help=argparse.SUPPRESS
    )
    parser.add_argument("--batch-size", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--variant", default="", help=argparse.SUPPRESS)
    parser.add_argument("--out", default="", help=argparse.SUPPRESS)
    return parser.parse_args()


# --- Parent: database, children, report ------------------------------------------------------------


def environment(database_url: str, media_root: str) -> dict[str, str]:
    """The bench's development environment (``_common``), with in-process tasks: one process renders, as
    one worker would."""
    env = _common.environment(database_url)
    env.pop("REDIS_URL", None)
    env.pop("QAC_RENDER_BATCH_SIZE", None)
    env["MEDIA_ROOT"] = media_root
    return env


def child(
    env: dict[str, str], kind: str, count: int, *, batch_size: int = 0, variant: str = "", workers: int = 0
) -> dict:
    """Run this script as a child process for one path; its JSON answer comes back through a file."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    command = [sys.executable, __file__, "--child", kind, "--count", str(count), "--out", out]
    if workers:
        command += ["--workers", str(workers)]
    if variant:
        command += ["--variant", variant]
    child_env = dict(env)
    if batch_size:
        command += ["--batch-size", str(batch_size)]
        child_env["QAC_RENDER_BATCH_SIZE"] = str(batch_size)
    try:
        subprocess.run(command, cwd=PROJECT, env=child_env, check=True)
        return json.loads(Path(out).read_text())
    finally:
        Path(out).unlink(missing_ok=True)


def sources_fingerprint() -> str:
    """A hash of the code and templates measured: other people may change them while the benchmark runs."""
    import hashlib

    digest = hashlib.sha256()
    paths = [PROJECT / "qac" / "certificates" / name for name in ("render.py", "tasks.py")]
    paths += sorted((PROJECT / "templates" / "certificates" / "pdf").glob("*.html"))
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def mb(kilobytes: float) -> float:
    return kilobytes / 1024


def report(seed: dict, runs: dict[int, dict], naive: dict, configured: int, worker: dict) -> tuple[float, bool]:
    """The main table; returns the real path's wall-clock ratio and whether every target is met."""
    count = naive["count"]
    naive_cps, naive_cpu_cps = count / naive["seconds"], count / naive["cpu_seconds"]
    print()
    print(f"{count} certificates of one approved session (qualification {seed['qualification']}), one process per row")
    print(
        f"{'path':<26}{'batch':>6}{'wall s':>8}{'cert/s':>8}{'ratio':>7}{'CPU s':>8}{'cert/CPU s':>11}"
        f"{'ratio':>7}{'mean PDF KB':>12}{'peak RSS MB':>12}{'load':>6}"
    )
    print("-" * 111)
    print(
        f"{'naive (write_pdf each)':<26}{1:>6}{naive['seconds']:>8.1f}{naive_cps:>8.2f}{1.0:>7.2f}"
        f"{naive['cpu_seconds']:>8.1f}{naive_cpu_cps:>11.2f}{1.0:>7.2f}"
        f"{naive['mean_size'] / 1024:>12.1f}{mb(naive['peak_rss_kb']):>12.1f}{naive['load']:>6.1f}"
    )
    for size, run in sorted(runs.items()):
        cps, cpu_cps = count / run["seconds"], count / run["cpu_seconds"]
        label = "render_documents_task" + (" *" if size == configured else "")
        print(
            f"{label:<26}{size:>6}{run['seconds']:>8.1f}{cps:>8.2f}{cps / naive_cps:>7.2f}"
            f"{run['cpu_seconds']:>8.1f}{cpu_cps:>11.2f}{cpu_cps / naive_cpu_cps:>7.2f}"
            f"{run['mean_size'] / 1024:>12.1f}{mb(run['peak_rss_kb']):>12.1f}{run['load']:>6.1f}"
        )
    cps, cpu_cps = count / worker["seconds"], count / worker["cpu_seconds"]
    label = f"worker, concurrency {worker['workers']}"
    print(
        f"{label:<26}{configured:>6}{worker['seconds']:>8.1f}{cps:>8.2f}{cps / naive_cps:>7.2f}"
        f"{worker['cpu_seconds']:>8.1f}{cpu_cps:>11.2f}{cpu_cps / naive_cpu_cps:>7.2f}"
        f"{worker['mean_size'] / 1024:>12.1f}{mb(worker['peak_rss_kb']):>12.1f}{worker['load']:>6.1f}"
    )
    print(
        "* settings.QAC_RENDER_BATCH_SIZE, the size workers use. Task rows include the database and storage work; "
        "the naive row only the render calls. load: 1-min load average at the child's start, on "
        f"{os.cpu_count()} CPUs."
    )
    print(
        f"RSS before rendering (Django, WeasyPrint loaded, one warm-up render): naive "
        f"{mb(naive['base_rss_kb']):.1f} MB, task {mb(runs[configured]['base_rss_kb']):.1f} MB"
    )
    print(
        f"RSS after the first render call -> after the last: naive {mb(naive['rss_after_first_kb']):.1f} -> "
        f"{mb(naive['rss_end_kb']):.1f} MB; "
        + "; ".join(
            f"batch {size} {mb(run['rss_after_first_kb']):.1f} -> {mb(run['rss_end_kb']):.1f} MB"
            for size, run in sorted(runs.items())
        )
    )
    alone_images = sorted(set(naive["images_by_id"].values()))
    print(f"naive: {naive['pages_total']} pages, {naive['page_counts']} per document, {alone_images} images each")
    own = True
    for size, run in sorted(runs.items()):
        extra = [pk for pk, n in run["images_by_id"].items() if n > naive["images_by_id"][pk]]
        own = own and not extra and not run["foreign_numbers"]
        print(
            f"batch {size:>3}: {run['checked']} stored PDFs checked: {run['distinct_files']} distinct files, "
            f"{run['distinct_sha']} distinct SHA-256, {run['page_counts']} pages each (as rendered alone), "
            f"{run['rendered_events']} 'rendered' events, {run['outcomes']}, "
            f"{run['min_size'] / 1024:.1f}-{run['max_size'] / 1024:.1f} KB; "
            f"{len(extra)} files hold more images than the document alone "
            f"(up to {max(run['images_by_id'].values())}), {run['foreign_numbers']} name another document's number"
        )
    extra = [pk for pk, n in worker["images_by_id"].items() if n > naive["images_by_id"][pk]]
    own = own and not extra and not worker["foreign_numbers"]
    print(
        f"worker: {worker['checked']} stored PDFs checked: {worker['distinct_files']} distinct files, "
        f"{worker['distinct_sha']} distinct SHA-256, {worker['page_counts']} pages each, "
        f"{worker['rendered_events']} 'rendered' events (exactly one per document: "
        f"{worker['rendered_events'] == worker['checked']}), {worker['outcomes']}; "
        f"{len(extra)} files hold more images than the document alone, "
        f"{worker['foreign_numbers']} name another document's number"
    )
    print(
        f"worker: `manage.py issue_certificates --pending` queued {worker['queued']} batches of {configured}; "
        f"a real `celery -A qac worker -Q documents --concurrency {worker['workers']}` on Redis rendered them. "
        "Its wall time runs from the command to the last document stored; its CPU time and peak RSS are the "
        "worker's processes' (main process and pool, each process's own peak)."
    )
    print()
    ratio = (count / worker["seconds"]) / naive_cps
    cpu_ratio = (count / worker["cpu_seconds"]) / naive_cpu_cps
    peak = mb(worker["peak_rss_kb"])
    ratio_ok = _common.target_line(
        "certificates/s: real path (worker) / naive, wall clock", ratio, TARGET_RATIO, at_least=True
    )
    print(
        f"  (per CPU second: {cpu_ratio:.2f}x; one process, batch {configured}: "
        f"{(count / runs[configured]['seconds']) / naive_cps:.2f}x wall)"
    )
    memory_ok = _common.target_line("peak RSS of any worker process", peak, TARGET_RSS_MB, " MB", at_least=False)
    print(
        f"{'each certificate its own PDF, nothing of another holder':<58} {'yes' if own else 'NO':>9}"
        f"{'':<3} target yes{'':<7}{'MET' if own else 'MISSED'}"
    )
    return ratio, ratio_ok and memory_ok and own


def report_experiments(results: list[dict], naive: dict) -> None:
    naive_ms = 1000 * naive["cpu_seconds"] / naive["count"]
    print(
        f"\nVariants: CPU ms per certificate, median over the batches of each step, garbage collection between "
        f"batches (naive path above: {naive_ms:.1f} ms per certificate)"
    )
    steps = ["templates", "layout", "write_pdf", "split"]
    header = "".join(f"{s:>11}" for s in steps)
    print(f"{'variant':<20}{'docs':>5}{header}{'total':>9}{'x naive':>9}{'PDF KB':>8}{'images':>8}{'pages':>7}")
    print("-" * 110)
    for r in results:
        cells = "".join(f"{r['ms'].get(s, 0.0):>11.1f}" for s in steps)
        print(
            f"{r['variant']:<20}{r['docs']:>5}{cells}{r['total_ms']:>9.1f}{naive_ms / r['total_ms']:>9.2f}"
            f"{r['mean_size'] / 1024:>8.1f}{r['images']:>8}{','.join(map(str, r['pages'])):>7}"
        )
    print("images: most images in one document's file (its own QR code makes 1 when the QR code is an image)")
    for name, text in EXPERIMENTS:
        print(f"  {name}: {text}")


def main() -> int:
    args = parse_args()
    if args.child:
        return run_child(args)
    media_root = tempfile.mkdtemp(prefix="qac-bench-certs-")
    env = environment(args.database_url, media_root)
    fingerprint = sources_fingerprint()
    print(f"render.py, tasks.py and templates/certificates/pdf/ fingerprint: {fingerprint}", flush=True)
    try:
        if not args.skip_setup:
            _common.require_local(args.database_url)
            _common.ensure_database(args.database_url)
            _common.manage(env, "migrate", "--noinput", "-v", "0")
        seed = child(env, "seed", args.count)
        print(
            f"session {seed['session_id']}: {seed['count']} certificates "
            f"({seed['created_candidates']} candidates created in {seed['seed_seconds']:.1f} s, "
            f"{seed['issued']} documents issued by session_documents_issue in {seed['issue_seconds']:.1f} s, "
            f"{seed['numbered']} numbered by document_register in {seed['register_seconds']:.1f} s)",
            flush=True,
        )
        configured = seed["configured_batch_size"]
        sizes = sorted({int(s) for s in args.batch_sizes.split(",") if s.strip()} | {configured})
        runs = {}
        for size in sizes:
            print(f"render_documents_task, batches of {size} ...", flush=True)
            runs[size] = child(env, "task", args.count, batch_size=size)
        print(f"issue_certificates --pending with a documents worker of --concurrency {args.workers} ...", flush=True)
        worker_env = dict(env, REDIS_URL=_common.DOCUMENTS_REDIS_URL)
        worker = child(worker_env, "worker", args.count, batch_size=configured, workers=args.workers)
        print("render_one_naive ...", flush=True)
        naive = child(env, "naive", args.count)
        for size, run in runs.items():
            wrong = [pk for pk, pages in run["pages_by_id"].items() if naive["pages_by_id"].get(pk) != pages]
            if wrong:
                raise SystemExit(f"batch {size}: page counts differ from the naive render for documents {wrong[:10]}")
        ratio, met = report(seed, runs, naive, configured, worker)
        if args.profile or not met:
            child(env, "profile", args.count, batch_size=configured)
        if args.experiments or ratio < TARGET_RATIO:
            results = []
            for name, _text in EXPERIMENTS:
                print(f"variant {name} ...", flush=True)
                results.append(child(env, "experiment", args.count, batch_size=configured, variant=name))
            report_experiments(results, naive)
        if sources_fingerprint() != fingerprint:
            print("WARNING: render.py, tasks.py or the PDF templates changed during the run: rows are not comparable")
            return 2
        return 0 if met else 1
    finally:
        shutil.rmtree(media_root, ignore_errors=True)


# --- Children ---------------------------------------------------------------------------------------


def django_setup(template_dir: str | None = None) -> None:
    import logging

    sys.path.insert(0, str(PROJECT))
    from django.conf import settings

    if template_dir:
        # The template loader looks here first: scratch copies of the PDF templates win over the repository's.
        settings.TEMPLATES[0]["DIRS"] = [template_dir, *settings.TEMPLATES[0]["DIRS"]]
    import django

    django.setup()
    logging.getLogger("celery.app.trace").setLevel(logging.WARNING)  # one INFO line per task otherwise


def peak_rss_kb() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux


def current_rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def bench_session(count: int):
    from qac.exams.models import ExamSession, SessionStatus

    # Only a session with the Council's decision: sessions seeded before register numbering have none.
    return (
        ExamSession.objects.filter(
            venue_address=VENUE,
            capacity=count,
            status=SessionStatus.RESULTS_APPROVED,
            council_decision__isnull=False,
        )
        .order_by("-pk")
        .first()
    )


def document_ids(count: int) -> list[int]:
    from qac.certificates.models import IssuedDocument, Kind

    session = bench_session(count)
    if session is None:
        raise SystemExit(f"no bench session of {count} candidates: run without --child first")
    return list(
        IssuedDocument.objects.filter(result__enrolment__session=session, kind=Kind.CERTIFICATE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def seed(count: int) -> dict:
    """One approved session of ``count`` passed candidates (bulk inserts) with the Council's decision, then its
    certificates issued (awaiting their numbers) and numbered as the register's answer numbers them."""
    import datetime
    import random

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from candidates.models import Application, ApplicationStatus, ApplicationTransition, CandidateProfile
    from qac.accounts.roles import Role, assign_role
    from qac.certificates import services
    from qac.certificates.models import IssuedDocument, NumberSource
    from qac.council.models import CouncilDecision, CouncilVerdict, DecisionStatus, Verdict
    from qac.demo.seed import snils_with_checksum
    from qac.exams.models import CommissionMember, Enrolment, ExamResult, ExamSession, SessionStatus
    from standards.models import Qualification

    User = get_user_model()
    started = time.perf_counter()
    qualification = Qualification.objects.get(code=QUALIFICATION)
    created = 0
    session = bench_session(count)
    if session is None:
        rng = random.Random(78033 + count)
        password = make_password(PASSWORD)
        day = timezone.now().replace(microsecond=0) - datetime.timedelta(days=2)

        def person(email, role, **names):
            user, made = User.objects.get_or_create(email=email, defaults={"password": password, **names})
            if made:
                assign_role(user, role)
            return user

        with transaction.atomic():
            staff = person(STAFF_EMAIL, Role.STAFF, last_name="Стаффов", first_name="Бенч", is_staff=True)
            experts = [
                person(EXPERT_EMAIL.format(k), Role.EXPERT, last_name=f"Экспертов{k}", first_name="Бенч")
                for k in range(3)
            ]
            emails = [EMAIL.format(i) for i in range(count)]
            have = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
            missing = [(i, e) for i, e in enumerate(emails) if e not in have]
            if missing:
                people = []
                for i, email in missing:
                    male, female = SURNAMES[rng.randrange(len(SURNAMES))]
                    if i % 2:
                        last, first, patronymic = female, rng.choice(FEMALE), rng.choice(PATRONYMIC_F)
                    else:
                        last, first, patronymic = male, rng.choice(MALE), rng.choice(PATRONYMIC)
                    people.append(
                        User(email=email, password=password, last_name=last, first_name=first, patronymic=patronymic)
                    )
                users = User.objects.bulk_create(people)
                group = Group.objects.get(name=Role.CANDIDATE.value)
                User.groups.through.objects.bulk_create([User.groups.through(user=u, group=group) for u in users])
                CandidateProfile.objects.bulk_create(
                    [
                        CandidateProfile(
                            user=u,
                            date_of_birth=datetime.date(1975 + i % 25, 1 + i % 12, 1 + i % 28),
                            snils=snils_with_checksum(710_000_000 + i),
                            id_doc_type="passport_ru",
                            id_doc_series="4012",
                            id_doc_number=f"{710_000 + i:06d}",
                            id_doc_issued_by="ГУ МВД России",
                            id_doc_issued_on=datetime.date(2015, 6, 10),
                            phone="+7 921 000-00-00",
                            address="г. Санкт-Петербург",
                        )
                        for (i, _e), u in zip(missing, users, strict=True)
                    ]
                )
                created = len(users)
            candidates = list(User.objects.filter(email__in=emails).order_by("email"))
            session = ExamSession.objects.create(
                qualification=qualification,
                starts_at=day,
                ends_at=day + datetime.timedelta(hours=6),
                venue_address=VENUE,
                venue_room="1",
                capacity=count,
                status=SessionStatus.RESULTS_APPROVED,
                created_by=staff,
                approved_at=day + datetime.timedelta(hours=7),
                approved_by=experts[0],
            )
            CommissionMember.objects.bulk_create(
                [CommissionMember(session=session, expert=e, is_chair=(k == 0)) for k, e in enumerate(experts)]
            )
            applications = Application.objects.bulk_create(
                [
                    Application(
                        candidate=u,
                        qualification=qualification,
                        status=ApplicationStatus.PASSED,
                        submitted_at=day - datetime.timedelta(days=20),
                        decided_at=day,
                        consent_text_version=settings.QAC_CONSENT_TEXT_VERSION,
                        consent_given_at=day - datetime.timedelta(days=20),
                        rules_accepted_at=day - datetime.timedelta(days=20),
                    )
                    for u in candidates
                ]
            )
            for a in applications:
                a.number = f"BC-{a.pk:08d}"
            Application.objects.bulk_update(applications, ["number"])
            ApplicationTransition.objects.bulk_create(
                [
                    ApplicationTransition(
                        application=a, from_status="scheduled", to_status="passed", by=experts[0], notified_at=day
                    )
                    for a in applications
                ]
            )
            enrolments = Enrolment.objects.bulk_create(
                [Enrolment(session=session, application=a, present=True, enrolled_by=staff) for a in applications]
            )
            results = ExamResult.objects.bulk_create(
                [
                    ExamResult(
                        enrolment=e,
                        theory_percent=rng.randint(75, 98),
                        theory_passed=True,
                        practical_percent=rng.randint(72, 100),
                        practical_passed=True,
                        decision="passed",
                    )
                    for e in enrolments
                ]
            )
            # The Council's decision on the session, a certificate for every result (bulk, as seed_volume_exams).
            decision = CouncilDecision.objects.create(
                session=session,
                status=DecisionStatus.RECORDED,
                number=f"BENCH-{session.pk}",
                decided_on=timezone.localdate(day),
                recorded_by=staff,
            )
            CouncilVerdict.objects.bulk_create(
                [CouncilVerdict(decision=decision, result=r, verdict=Verdict.CERTIFICATE) for r in results]
            )
    seeded = time.perf_counter()
    before = IssuedDocument.objects.filter(result__enrolment__session=session).count()
    services.session_documents_issue(session_id=session.pk)  # the documents, awaiting their register numbers
    issued = time.perf_counter()
    # The register's answer, as register_answer_import applies it: document_register with a number of the
    # register's shape (the stand-in's: <code>.<8-digit sequence>.<yy>; the document id keeps it unique), the
    # issue date and the record's link. Its render after the commit is switched off here: the children render.
    today = timezone.localdate()
    services.rendering.render_soon = lambda ids: None
    awaiting = IssuedDocument.objects.filter(
        result__enrolment__session=session, number_source=NumberSource.AWAITING
    ).order_by("pk")
    numbered = 0
    for document in awaiting:
        number = f"{qualification.code}.{document.pk:08d}.{today:%y}"
        services.document_register(
            document=document,
            number=number,
            issue_date=today,
            register_url=f"{settings.QAC_REGISTER_STUB_URL}{number}",
            source="benchmarks/certificates_render.py",
        )
        numbered += 1
    registered = time.perf_counter()
    total = IssuedDocument.objects.filter(
        result__enrolment__session=session, number_source=NumberSource.REGISTER
    ).count()
    if total != count:
        raise SystemExit(f"expected {count} documents numbered by the register, found {total}")
    return {
        "session_id": session.pk,
        "count": total,
        "created_candidates": created,
        "issued": IssuedDocument.objects.filter(result__enrolment__session=session).count() - before,
        "numbered": numbered,
        "seed_seconds": seeded - started,
        "issue_seconds": issued - seeded,
        "register_seconds": registered - issued,
        "qualification": qualification.code,
        "configured_batch_size": settings.QAC_RENDER_BATCH_SIZE,
    }


def reset(ids: list[int]) -> None:
    """Documents back to "pending" with no file, as right after issuing."""
    from django.conf import settings

    from qac.certificates.models import IssuedDocument, RenderStatus

    IssuedDocument.objects.filter(pk__in=ids).update(
        render_status=RenderStatus.PENDING,
        render_error="",
        render_attempts=0,
        file="",
        sha256="",
        size=None,
        rendered_at=None,
    )
    shutil.rmtree(Path(settings.MEDIA_ROOT) / "documents", ignore_errors=True)


def load_documents(ids: list[int]) -> list:
    from qac.certificates.models import IssuedDocument

    # What render_documents_task loads.
    return list(
        IssuedDocument.objects.filter(pk__in=ids)
        .select_related("qualification__standard", "result__enrolment__session")
        .order_by("pk")
    )


def warm_up(ids: list[int]) -> None:
    from qac.certificates import render

    render.render_one_naive(load_documents(ids[:1])[0])


def cpu_seconds() -> float:
    return time.process_time()


def image_count(reader) -> int:
    """Image XObjects a PDF's pages use (directly or through form XObjects), each object counted once."""
    seen = set()

    def visit(resources) -> None:
        xobjects = resources.get_object().get("/XObject") if resources is not None else None
        for ref in (xobjects.get_object() if xobjects is not None else {}).values():
            key = getattr(ref, "idnum", id(ref))
            if key in seen:
                continue
            seen.add(key)
            xobject = ref.get_object()
            if xobject.get("/Subtype") == "/Form":
                visit(xobject.get("/Resources"))
            elif xobject.get("/Subtype") != "/Image":
                seen.discard(key)

    for page in reader.pages:
        visit(page.get("/Resources"))
    return len(seen)


def check_stored(ids: list[int], since) -> dict:
    """Every stored PDF: its own file, valid, with its recorded hash and size, naming its own number and holder.

    Also counts what a file should not hold: another document's number in its text, and images (the naive
    path reports how many each document has when rendered alone).
    """
    import hashlib
    import io

    from pypdf import PdfReader

    from qac.certificates.models import DocumentEvent, IssuedDocument, RenderStatus

    documents = list(IssuedDocument.objects.filter(pk__in=ids).order_by("pk"))
    numbers = {d.number for d in documents}
    problems = []
    sizes, pages_by_id, images_by_id, paths, hashes = [], {}, {}, set(), set()
    foreign_numbers = 0
    for d in documents:
        if d.render_status != RenderStatus.RENDERED or not d.file:
            problems.append(f"{d.pk}: {d.render_status} {d.render_error[:200]}")
            continue
        path = Path(d.file.path)
        data = path.read_bytes()
        if not data.startswith(b"%PDF-"):
            problems.append(f"{d.pk}: not a PDF")
            continue
        if hashlib.sha256(data).hexdigest() != d.sha256 or len(data) != d.size:
            problems.append(f"{d.pk}: the recorded SHA-256 or size does not match the file")
        reader = PdfReader(io.BytesIO(data), strict=True)
        pages_by_id[str(d.pk)] = len(reader.pages)
        images_by_id[str(d.pk)] = image_count(reader)
        first = reader.pages[0].extract_text() or ""
        if d.number not in first or d.holder_last_name not in first:
            problems.append(f"{d.pk}: the first page does not name {d.number} / {d.holder_last_name}")
        text = first + "".join(page.extract_text() or "" for page in reader.pages[1:])
        foreign_numbers += any(n in text for n in numbers - {d.number})
        paths.add(str(path))
        hashes.add(d.sha256)
        sizes.append(len(data))
    if problems:
        raise SystemExit("stored PDFs failed the checks:\n" + "\n".join(problems[:20]))
    if len(paths) != len(ids):
        raise SystemExit(f"{len(ids)} documents share {len(paths)} files")
    return {
        "checked": len(documents),
        "distinct_files": len(paths),
        "distinct_sha": len(hashes),
        "pages_by_id": pages_by_id,
        "page_counts": sorted(set(pages_by_id.values())),
        "images_by_id": images_by_id,
        "foreign_numbers": foreign_numbers,
        "mean_size": sum(sizes) / len(sizes),
        "min_size": min(sizes),
        "max_size": max(sizes),
        "rendered_events": DocumentEvent.objects.filter(document_id__in=ids, action="rendered", at__gte=since).count(),
    }


def run_task_path(count: int) -> dict:
    from django.conf import settings
    from django.utils import timezone

    from qac.certificates.tasks import render_documents_task

    load = os.getloadavg()[0]
    ids = document_ids(count)
    reset(ids)
    warm_up(ids)
    base = current_rss_kb()
    batch = settings.QAC_RENDER_BATCH_SIZE
    outcomes: dict[str, int] = {}
    since = timezone.now()
    after_first = 0
    cpu_started, started = cpu_seconds(), time.perf_counter()
    for start in range(0, len(ids), batch):
        result = render_documents_task.apply(args=[ids[start : start + batch]])
        for key, value in result.get().items():  # .get() raises whatever the task raised
            outcomes[key] = outcomes.get(key, 0) + value
        after_first = after_first or current_rss_kb()
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    peak = peak_rss_kb()
    return {
        "count": len(ids),
        "batch_size": batch,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "outcomes": outcomes,
        "base_rss_kb": base,
        "peak_rss_kb": peak,
        "rss_after_first_kb": after_first,
        "rss_end_kb": current_rss_kb(),
        "load": load,
        **check_stored(ids, since),
    }


def run_worker_path(count: int, workers: int) -> dict:
    """The real path: ``issue_certificates --pending`` queues the renders, a real documents worker does them."""
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from qac.celery import app
    from qac.certificates.models import IssuedDocument, RenderStatus

    load = os.getloadavg()[0]
    ids = document_ids(count)
    reset(ids)
    app.control.purge()  # nothing left over from an interrupted run in this Redis database
    log_path = Path(settings.MEDIA_ROOT) / "worker.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    worker = _common.celery_worker(os.environ.copy(), queues="documents", concurrency=workers, log_path=log_path)
    cpu_before, _peak = _common.children_usage()
    since = timezone.now()
    started = time.perf_counter()
    try:
        call_command("issue_certificates", "--pending", stdout=open(os.devnull, "w"))  # noqa: SIM115
        done = IssuedDocument.objects.filter(pk__in=ids).exclude(render_status=RenderStatus.PENDING)
        deadline = time.monotonic() + 900
        while done.count() < len(ids):
            if time.monotonic() > deadline or worker.poll() is not None:
                raise SystemExit(f"the worker rendered {done.count()} of {len(ids)}; see {log_path}")
            time.sleep(0.05)
        seconds = time.perf_counter() - started
    finally:
        _common.stop_worker(worker)
    cpu_after, peak = _common.children_usage()
    statuses = IssuedDocument.objects.filter(pk__in=ids).values_list("render_status", flat=True)
    outcomes: dict[str, int] = {}
    for status in statuses:
        outcomes[status] = outcomes.get(status, 0) + 1
    return {
        "count": len(ids),
        "workers": workers,
        "queued": -(-len(ids) // settings.QAC_RENDER_BATCH_SIZE),
        "seconds": seconds,
        "cpu_seconds": cpu_after - cpu_before,
        "outcomes": outcomes,
        "peak_rss_kb": peak,
        "load": load,
        **check_stored(ids, since),
    }


def run_naive_path(count: int) -> dict:
    import io

    from pypdf import PdfReader

    from qac.certificates import render

    load = os.getloadavg()[0]
    ids = document_ids(count)
    documents = load_documents(ids)
    warm_up(ids)
    base = current_rss_kb()
    seconds = cpu = 0.0
    sizes, pages_by_id, images_by_id = [], {}, {}
    after_first = 0
    for document in documents:
        cpu_started, started = cpu_seconds(), time.perf_counter()
        pdf = render.render_one_naive(document)
        seconds += time.perf_counter() - started
        cpu += cpu_seconds() - cpu_started
        sizes.append(len(pdf))
        reader = PdfReader(io.BytesIO(pdf))
        pages_by_id[str(document.pk)] = len(reader.pages)
        images_by_id[str(document.pk)] = image_count(reader)
        del pdf, reader
        after_first = after_first or current_rss_kb()
    return {
        "rss_after_first_kb": after_first,
        "rss_end_kb": current_rss_kb(),
        "count": len(documents),
        "seconds": seconds,
        "cpu_seconds": cpu,
        "base_rss_kb": base,
        "peak_rss_kb": peak_rss_kb(),
        "load": load,
        "mean_size": sum(sizes) / len(sizes),
        "pages_by_id": pages_by_id,
        "images_by_id": images_by_id,
        "pages_total": sum(pages_by_id.values()),
        "page_counts": sorted(set(pages_by_id.values())),
    }


def render_steps(documents: list, *, font_config=None, split: str = "pypdf") -> tuple[dict[int, bytes], dict]:
    """render.render_batch's steps, each timed in CPU seconds.

    ``split="copy"`` writes each document's pages alone with WeasyPrint, as render_batch does (with the process's
    shared ``render.font_config()``); ``split="pypdf"`` writes one PDF and splits it with pypdf, as render_batch
    did before; ``split="none"`` (one document) writes the PDF as render_one_naive does.
    """
    import io

    from django.conf import settings
    from pypdf import PdfReader, PdfWriter
    from weasyprint import HTML

    from qac.certificates import render

    timings = {}
    t = cpu_seconds()
    html = render.batch_html(documents)
    timings["templates"] = cpu_seconds() - t
    t = cpu_seconds()
    rendered = HTML(string=html, base_url=str(settings.BASE_DIR)).render(font_config=font_config)
    starts = [
        (int(anchor[len(render.PAGE_MARKER) :]), index)
        for index, page in enumerate(rendered.pages)
        for anchor in page.anchors
        if anchor.startswith(render.PAGE_MARKER)
    ]
    timings["layout"] = cpu_seconds() - t
    if [pk for pk, _ in starts] != [d.pk for d in documents]:
        raise SystemExit("could not find where each document starts")
    bounds = [index for _, index in starts] + [len(rendered.pages)]
    out = {}
    if split == "none":
        t = cpu_seconds()
        out[documents[0].pk] = rendered.write_pdf()
        timings["write_pdf"] = cpu_seconds() - t
        return out, timings
    if split == "copy":
        t = cpu_seconds()
        for (pk, first), last in zip(starts, bounds[1:], strict=True):
            out[pk] = rendered.copy(rendered.pages[first:last]).write_pdf()
        timings["write_pdf"] = cpu_seconds() - t
        return out, timings
    t = cpu_seconds()
    whole = rendered.write_pdf()
    timings["write_pdf"] = cpu_seconds() - t
    t = cpu_seconds()
    reader = PdfReader(io.BytesIO(whole))
    for (pk, first), last in zip(starts, bounds[1:], strict=True):
        writer = PdfWriter()
        for page in reader.pages[first:last]:
            writer.add_page(page)
        writer.add_metadata({"/Title": f"{pk}", "/Producer": "QAC 78.033"})
        buffer = io.BytesIO()
        writer.write(buffer)
        out[pk] = buffer.getvalue()
    timings["split"] = cpu_seconds() - t
    return out, timings


def run_profile(count: int) -> dict:
    import cProfile
    import io
    import pstats

    from django.conf import settings

    from qac.certificates import render
    from qac.certificates.tasks import render_documents_task

    ids = document_ids(count)
    batch = ids[: settings.QAC_RENDER_BATCH_SIZE]
    warm_up(ids)
    documents = load_documents(batch)
    _pdfs, steps = render_steps(documents, font_config=render.font_config(), split="copy")
    print(f"\nSteps of render_batch for one batch of {len(batch)} (CPU time, no profiler):")
    for name, seconds in steps.items():
        print(f"  {name:<10} {seconds * 1000:>7.0f} ms  {seconds * 1000 / len(batch):>6.1f} ms/certificate")
    print("The same steps for one document alone, as render_one_naive does them:")
    for name, seconds in render_steps(documents[:1], split="none")[1].items():
        print(f"  {name:<10} {seconds * 1000:>7.1f} ms")

    reset(batch)
    profiler = cProfile.Profile()
    profiler.enable()
    render_documents_task.apply(args=[batch]).get()
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(25)
    lines = [line for line in text.getvalue().splitlines() if line.strip()]
    print(f"\ncProfile of render_documents_task.apply() on one batch of {len(batch)}, top 25 by cumulative time:")
    print("\n".join(line.replace(str(PROJECT / ".venv/lib/python3.11/site-packages/"), "") for line in lines))
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(15)
    lines = [line for line in text.getvalue().splitlines() if line.strip()][3:]
    print("The same profile, top 15 by own time:")
    print("\n".join(line.replace(str(PROJECT / ".venv/lib/python3.11/site-packages/"), "") for line in lines))
    reset(ids)
    return {}


def prepare_variant(variant: str) -> str | None:
    """Scratch copies of the PDF templates for ``variant`` under /tmp; None means the repository's own."""
    if variant not in ("fixed-tables", "qr-png-1px", "combined", "naive-tuned"):
        return None
    source = PROJECT / "templates" / "certificates" / "pdf"
    root = Path(tempfile.mkdtemp(prefix=f"qac-bench-templates-{variant}-"))
    target = root / "certificates" / "pdf"
    target.mkdir(parents=True)
    for path in source.glob("*.html"):
        text = path.read_text()
        if path.name == "batch.html":
            extra = ""
            if variant != "qr-png-1px":
                extra += (
                    "  table.facts, table.sign { table-layout: fixed; }\n"
                    "  table.facts td { overflow-wrap: anywhere; }\n"
                    "  table.sign td:first-child { width: 50%; }\n"
                )
            if variant != "fixed-tables":  # a QR code of 1 pixel per module: crisp modules at any zoom
                extra += "  .qr img { image-rendering: pixelated; }\n"
            text = text.replace("</style>", extra + "</style>", 1)
        (target / path.name).write_text(text)
    return str(root)


def patch_qr(*, kind: str | None, fixed_mask: bool) -> None:
    """Replace render.qr_data_uri (``kind`` "svg" or "png-1px"), or only force segno's mask to 0."""
    import base64
    import functools
    import io

    import segno

    from qac.certificates import render

    if fixed_mask:
        segno.make = functools.partial(segno.make, mask=0)  # what the repository's qr_data_uri calls
    if kind is None:
        return

    def qr_data_uri(url: str) -> str:
        buffer = io.BytesIO()
        code = segno.make(url, error="m")
        if kind == "png-1px":
            code.save(buffer, kind="png", scale=1, border=2)
            return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
        code.save(buffer, kind="svg", scale=4, border=2, xmldecl=False, svgns=True)
        return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()

    render.qr_data_uri = qr_data_uri


def run_experiment(count: int, variant: str) -> dict:
    import gc
    import io
    import statistics

    from django.conf import settings
    from pypdf import PdfReader
    from weasyprint.text.fonts import FontConfiguration

    from qac.certificates import render

    font_config, split = None, "pypdf"
    if variant == "repository":
        font_config, split = render.font_config(), "copy"
    if variant == "qr-fixed-mask":
        patch_qr(kind=None, fixed_mask=True)
    elif variant == "qr-svg":
        patch_qr(kind="svg", fixed_mask=False)
    elif variant == "qr-png-1px":
        patch_qr(kind="png-1px", fixed_mask=False)
    elif variant in ("combined", "naive-tuned"):
        patch_qr(kind="png-1px", fixed_mask=True)
    if variant in ("shared-fontconfig", "combined", "naive-tuned"):
        font_config = FontConfiguration()
    if variant in ("split-copy", "combined"):
        split = "copy"
    if variant == "naive-tuned":
        split = "none"
    ids = document_ids(count)
    size = 1 if variant == "naive-tuned" else settings.QAC_RENDER_BATCH_SIZE
    documents = load_documents(ids[: settings.QAC_RENDER_BATCH_SIZE * 8])
    warm_up(ids)
    per_chunk: list[dict[str, float]] = []
    sizes, images, pages = [], 0, set()
    for start in range(0, len(documents), size):
        chunk = documents[start : start + size]
        gc.collect()  # a collection falls inside no measured step: their times vary less
        gc.disable()
        try:
            pdfs, steps = render_steps(chunk, font_config=font_config, split=split)
        finally:
            gc.enable()
        per_chunk.append({name: seconds / len(chunk) for name, seconds in steps.items()})
        sizes += [len(pdf) for pdf in pdfs.values()]
        if len(pdfs) != len(chunk):
            raise SystemExit(f"{variant}: {len(pdfs)} PDFs for {len(chunk)} documents")
        for pdf in pdfs.values():  # outside the timed steps
            reader = PdfReader(io.BytesIO(pdf))
            pages.add(len(reader.pages))
            images = max(images, image_count(reader))
    # Each step's median over the batches: a busy machine slows some batches down, rarely the middle one.
    ms = {name: 1000 * statistics.median(steps[name] for steps in per_chunk) for name in per_chunk[0]}
    return {
        "variant": variant,
        "docs": len(documents),
        "ms": ms,
        "total_ms": sum(ms.values()),
        "mean_size": sum(sizes) / len(sizes),
        "images": images,
        "pages": sorted(pages),
    }


def run_child(args: argparse.Namespace) -> int:
    template_dir = prepare_variant(args.variant) if args.child == "experiment" else None
    try:
        django_setup(template_dir)
        if args.child == "seed":
            answer = seed(args.count)
        elif args.child == "task":
            answer = run_task_path(args.count)
        elif args.child == "naive":
            answer = run_naive_path(args.count)
        elif args.child == "worker":
            answer = run_worker_path(args.count, args.workers)
        elif args.child == "profile":
            answer = run_profile(args.count)
        else:
            answer = run_experiment(args.count, args.variant)
    finally:
        if template_dir:
            shutil.rmtree(template_dir, ignore_errors=True)
    Path(args.out).write_text(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
