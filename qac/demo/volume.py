"""Bulk demo data for benchmarks: ``seed_demo --volume N`` (issue 14: 100,000 in under a minute).

The rows are the same model instances the ORM would save, built with the
models' own defaults and ``pre_save`` rules, and the data follows the rules the
services apply (valid SNILS, an identity snapshot and a history row per
application, a result, Council verdict and document per enrolment). Only the
writing differs: primary keys are taken from the table's sequence first, so
every foreign key is known before anything is written, and on PostgreSQL each
table is loaded with one ``COPY`` instead of batches of ``INSERT``. Other
databases (SQLite in development) get ``bulk_create`` with the same ids.
"""

import datetime
import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, models, transaction
from django.utils import timezone

from candidates.models import (
    IDENTITY_PROFILE_FIELDS,
    ApplicantIdentity,
    Application,
    ApplicationTransition,
    CandidateProfile,
)
from candidates.validators import snils_checksum
from qac.accounts.roles import Role
from qac.certificates.models import DocumentEvent, IssuedDocument, Kind, NumberSource
from qac.council.models import (
    CouncilDecision,
    CouncilPackage,
    CouncilVerdict,
    DecisionStatus,
    DecisionTransition,
    PackageStatus,
    PackageTransition,
    Verdict,
)
from qac.exams.models import CommissionMember, Enrolment, ExamResult, ExamSession, SessionStatus
from standards.models import Qualification

VOLUME_EMAIL_DOMAIN = "volume.qac.local"

# Enough variety that a name search or a name sort behaves as on real data:
# a surname matches about 2% of the candidates, not one in nine.
SURNAMES = [
    "Иванов",
    "Петров",
    "Сидоров",
    "Кузнецов",
    "Смирнов",
    "Попов",
    "Васильев",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Александров",
    "Дмитриев",
    "Королёв",
    "Гусев",
    "Киселёв",
    "Ильин",
    "Максимов",
    "Поляков",
    "Сорокин",
    "Виноградов",
    "Ковалёв",
    "Белов",
    "Медведев",
    "Антонов",
    "Тарасов",
    "Жуков",
    "Баранов",
    "Филиппов",
    "Комаров",
    "Давыдов",
    "Беляев",
    "Герасимов",
    "Богданов",
]
NAMES = [
    "Александр",
    "Алексей",
    "Андрей",
    "Антон",
    "Артём",
    "Борис",
    "Вадим",
    "Валерий",
    "Виктор",
    "Виталий",
    "Владимир",
    "Вячеслав",
    "Геннадий",
    "Георгий",
    "Глеб",
    "Григорий",
    "Денис",
    "Дмитрий",
    "Евгений",
    "Егор",
    "Иван",
    "Игорь",
    "Илья",
    "Кирилл",
    "Константин",
    "Максим",
    "Михаил",
    "Никита",
    "Николай",
    "Олег",
    "Павел",
    "Роман",
    "Руслан",
    "Сергей",
    "Степан",
    "Тимур",
    "Фёдор",
    "Юрий",
    "Ярослав",
]
PATRONYMICS = [
    "Александрович",
    "Алексеевич",
    "Андреевич",
    "Борисович",
    "Викторович",
    "Владимирович",
    "Геннадьевич",
    "Дмитриевич",
    "Евгеньевич",
    "Иванович",
    "Игоревич",
    "Михайлович",
    "Николаевич",
    "Олегович",
    "Павлович",
    "Петрович",
    "Сергеевич",
    "Юрьевич",
]
STATUSES = ["submitted"] * 5 + ["resubmitted", "documents_requested", "accepted", "accepted", "rejected"]


class DemoDataRefused(Exception):
    """Raised where demo data must never be written (production)."""


def snils_with_checksum(nine_digits: int) -> str:
    """A valid SNILS for demo and test data: nine digits plus their control number."""
    base = f"{nine_digits:09d}"
    return f"{base}{snils_checksum(base):02d}"


# --- Writing ------------------------------------------------------------------------------


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` primary keys for new rows, taken from the table's sequence (PostgreSQL) or above
    the largest id (other databases; demo seeding runs alone)."""
    if not count:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return sorted(row[0] for row in cursor.fetchall())
    start = (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1
    return list(range(start, start + count))


def write(objs: list[models.Model], *, batch_size: int = 5000) -> None:
    """Insert model instances whose ids are already set: ``COPY`` on PostgreSQL, else ``bulk_create``."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=batch_size)
        return
    fields = model._meta.concrete_fields
    # As the ORM's INSERT: each field's pre_save (auto_now_add) runs, and JSON and files are prepared;
    # plain values go to COPY as they are, adapted as the INSERT's parameters would be.
    prepared = [
        (i, f)
        for i, f in enumerate(fields)
        if getattr(f, "auto_now", False)
        or getattr(f, "auto_now_add", False)
        or f.get_internal_type() in ("JSONField", "FileField", "ImageField")
    ]
    names = [f.attname for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objs:
            row = [getattr(obj, name) for name in names]
            for i, f in prepared:
                row[i] = f.get_db_prep_save(f.pre_save(obj, add=True), connection)
            copy.write_row(row)


def insert(objs: list[models.Model]) -> list[models.Model]:
    """Give the instances ids from the sequence, write them, and return them."""
    if objs:
        for obj, pk in zip(objs, allocate_ids(type(objs[0]), len(objs)), strict=True):
            obj.pk = pk
        write(objs)
    return objs


# --- Candidates and applications ---------------------------------------------------------------


def seed_volume(count: int, *, password: str, batch_size: int = 20000) -> int:
    """Make sure ``count`` bulk candidates with one application each exist (for benchmarks).

    One password hash for all and no files. Returns how many were created.
    """
    if not settings.QAC_DEMO_DATA_ALLOWED:
        raise DemoDataRefused("Demo data is never loaded under production settings.")
    User = get_user_model()
    existing = User.objects.filter(email__endswith=f"@{VOLUME_EMAIL_DOMAIN}").count()
    missing = max(count - existing, 0)
    if not missing:
        return 0
    context = {
        "hashed": make_password(password),
        "group": Group.objects.get(name=Role.CANDIDATE.value),
        "qualifications": list(Qualification.objects.filter(is_active=True).values_list("pk", flat=True)),
        "staff": User.objects.filter(groups__name=Role.STAFF.value).order_by("pk").first(),
        "rng": random.Random(20261126 + existing),  # noqa: S311 (reproducible fake data, not secrets)
        "now": timezone.now(),
    }
    for start in range(existing, existing + missing, batch_size):
        with transaction.atomic():
            _seed_candidates(range(start, min(start + batch_size, existing + missing)), **context)
    return missing


def _seed_candidates(numbers: range, *, hashed, group, qualifications, staff, rng, now) -> None:
    """Candidates ``numbers`` with profile, role, one application, its identity snapshot and history."""
    User = get_user_model()
    users = insert(
        [
            User(
                email=f"candidate{i:06d}@{VOLUME_EMAIL_DOMAIN}",
                password=hashed,
                last_name=rng.choice(SURNAMES),
                first_name=rng.choice(NAMES),
                patronymic=rng.choice(PATRONYMICS) if rng.random() < 0.9 else "",
                date_joined=now,
            )
            for i in numbers
        ]
    )
    insert([User.groups.through(user_id=u.pk, group_id=group.pk) for u in users])
    profiles = insert([_profile(u, rng) for u in users])
    applications = [_application(u, rng.choice(qualifications), rng, now) for u in users]
    for application, pk in zip(applications, allocate_ids(Application, len(applications)), strict=True):
        # The number application_submit gives: the year of registration and the id.
        application.pk = pk
        application.number = f"V{application.submitted_at.year}-{pk:07d}"
    write(applications)
    # Each application keeps the personal data it was submitted with, as application_submit does.
    insert(
        [
            ApplicantIdentity(
                application_id=a.pk,
                last_name=u.last_name,
                first_name=u.first_name,
                patronymic=u.patronymic,
                email=u.email,
                captured_at=a.submitted_at,
                **{f: getattr(p, f) for f in IDENTITY_PROFILE_FIELDS},
            )
            for a, u, p in zip(applications, users, profiles, strict=True)
        ]
    )
    by_staff = ("accepted", "rejected", "documents_requested")
    insert(
        [
            ApplicationTransition(
                application_id=a.pk,
                from_status="draft",
                to_status=a.status,
                by_id=staff.pk if staff and a.status in by_staff else a.candidate_id,
                notified_at=now,
            )
            for a in applications
        ]
    )


def _profile(user, rng) -> CandidateProfile:
    return CandidateProfile(
        user_id=user.pk,
        date_of_birth=datetime.date(1970 + rng.randrange(35), rng.randrange(1, 13), rng.randrange(1, 28)),
        snils=snils_with_checksum(200000000 + user.pk),
        id_doc_type="passport_ru",
        id_doc_series=f"{4000 + rng.randrange(100):04d}",
        id_doc_number=f"{rng.randrange(10**6):06d}",
        id_doc_issued_by="ГУ МВД России",
        id_doc_issued_on=datetime.date(2016, 1, 1),
        phone="+7 900 000-00-00",
        address="г. Санкт-Петербург",
    )


def _application(user, qualification_id: int, rng, now) -> Application:
    status = rng.choice(STATUSES)
    registered = now - datetime.timedelta(days=rng.randrange(0, 60), minutes=rng.randrange(1440))
    awaiting = status in ("submitted", "resubmitted")
    return Application(
        candidate_id=user.pk,
        qualification_id=qualification_id,
        status=status,
        submitted_at=registered,
        review_due_on=(
            timezone.localdate(registered) + datetime.timedelta(days=settings.QAC_APPLICATION_REVIEW_DAYS)
            if awaiting
            else None
        ),
        decided_at=None if awaiting else registered,
        consent_text_version=settings.QAC_CONSENT_TEXT_VERSION,
        consent_given_at=registered,
        rules_accepted_at=registered,
        rejection_reason="Не подтвержден опыт работы." if status == "rejected" else "",
        staff_message="Приложите копию диплома." if status == "documents_requested" else "",
    )


# --- Exams, the Council's decisions, documents ---------------------------------------------------


def seed_volume_exams(*, batch_size: int = 50) -> int:
    """Approved sessions for the bulk candidates whose applications are accepted, each with its package
    sent to the Council and the Council's decision recorded, and the documents that decision calls for,
    awaiting their register numbers: numbering is left to export -> stand-in -> import, so benchmarks
    and tests go through the real path.

    One session of up to ``batch_size`` candidates a day, going back in time, with the demo experts
    as commission; 80% pass. Returns how many candidates got results.
    """
    User = get_user_model()
    experts = list(
        User.objects.filter(email__in=["expert1@qac.local", "expert2@qac.local", "expert3@qac.local"]).order_by("email")
    )
    staff = User.objects.filter(email="staff@qac.local").first()
    if len(experts) < 3 or staff is None:
        return 0
    pending = (
        Application.objects.filter(status="accepted", candidate__email__endswith=f"@{VOLUME_EMAIL_DOMAIN}")
        .order_by("qualification_id", "id")
        .values_list("id", "qualification_id", "candidate_id")
    )
    chunks: list[tuple[int, list[tuple[int, int]]]] = []
    by_qualification: dict[int, list[tuple[int, int]]] = {}
    for app_id, qualification_id, candidate_id in pending:
        by_qualification.setdefault(qualification_id, []).append((app_id, candidate_id))
    for qualification_id, apps in by_qualification.items():
        chunks += [(qualification_id, apps[i : i + batch_size]) for i in range(0, len(apps), batch_size)]
    if not chunks:
        return 0
    oldest = ExamSession.objects.order_by("starts_at").values_list("starts_at", flat=True).first()
    day = (oldest or timezone.now()).replace(hour=10, minute=0, second=0, microsecond=0) - datetime.timedelta(days=1)
    days = [day - datetime.timedelta(days=i) for i in range(len(chunks))]
    with transaction.atomic():
        sessions = insert(
            [
                _session(qualification_id, d, batch_size, staff, experts[0])
                for (qualification_id, _a), d in zip(chunks, days, strict=True)
            ]
        )
        insert(
            [CommissionMember(session=s, expert=e, is_chair=i == 0) for s in sessions for i, e in enumerate(experts)]
        )
        results = _sit_sessions(sessions, chunks, staff=staff, chair=experts[0])
        decisions = _council_decide(sessions, staff=staff)
        _issue_documents(results, decisions, chunks)
    return sum(len(apps) for _q, apps in chunks)


def _session(qualification_id: int, day, capacity: int, staff, chair) -> ExamSession:
    return ExamSession(
        qualification_id=qualification_id,
        starts_at=day,
        ends_at=day + datetime.timedelta(hours=6),
        venue_address="г. Санкт-Петербург, ул. Заводская, д. 1",
        venue_room="ауд. 101",
        capacity=capacity,
        status=SessionStatus.RESULTS_APPROVED,
        created_by=staff,
        approved_at=day + datetime.timedelta(hours=7),
        approved_by=chair,
    )


def _sit_sessions(sessions, chunks, *, staff, chair) -> list[ExamResult]:
    """Enrol and mark present, record each result, move each application to passed or failed."""
    rng = random.Random(78033)  # noqa: S311 (reproducible fake data)
    enrolments = insert(
        [
            Enrolment(session=s, application_id=app_id, present=True, enrolled_by=staff)
            for s, (_q, apps) in zip(sessions, chunks, strict=True)
            for app_id, _candidate in apps
        ]
    )
    results = []
    for e in enrolments:
        passed = rng.random() < 0.8
        results.append(
            ExamResult(
                enrolment=e,
                theory_percent=rng.randint(75, 98) if passed else rng.randint(40, 68),
                theory_passed=passed,
                practical_percent=rng.randint(72, 100) if passed else rng.randint(30, 90),
                practical_passed=passed,
                decision="passed" if passed else "failed",
                failed_topics=[] if passed else ["Электрооборудование"],
            )
        )
    insert(results)
    day_of = {s.pk: s.starts_at for s in sessions}
    by_outcome: dict[tuple, list[int]] = {}
    for r in results:
        by_outcome.setdefault((r.decision, day_of[r.enrolment.session_id]), []).append(r.enrolment.application_id)
    for (outcome, day), ids in by_outcome.items():
        Application.objects.filter(pk__in=ids).update(status=outcome, decided_at=day)
    insert(
        [
            ApplicationTransition(
                application_id=r.enrolment.application_id,
                from_status="accepted",
                to_status=r.decision,
                by=chair,
                notified_at=day_of[r.enrolment.session_id],
            )
            for r in results
        ]
    )
    return results


def _council_decide(sessions, *, staff) -> dict[int, CouncilDecision]:
    """The package went to the Council within 7 days, and the Council decided within 14."""
    today = timezone.localdate()
    packages, decisions = [], []
    for s in sessions:
        exam_day = timezone.localdate(s.starts_at)
        packages.append(
            CouncilPackage(
                session=s,
                status=PackageStatus.SENT,
                due_on=exam_day + datetime.timedelta(days=settings.QAC_COUNCIL_PACKAGE_DAYS),
                sent_on=min(exam_day + datetime.timedelta(days=3), today),
                sent_via="email",
                sent_reference="bulk",
                sent_recorded_by=staff,
            )
        )
        decisions.append(
            CouncilDecision(
                session=s,
                status=DecisionStatus.RECORDED,
                number=f"V-{s.pk}",
                decided_on=min(exam_day + datetime.timedelta(days=10), today),
                recorded_by=staff,
            )
        )
    insert(packages)
    insert([PackageTransition(package=p, from_status="", to_status=PackageStatus.SENT, by=staff) for p in packages])
    insert(decisions)
    insert(
        [DecisionTransition(decision=d, from_status="", to_status=DecisionStatus.RECORDED, by=staff) for d in decisions]
    )
    return {d.session_id: d for d in decisions}


def _issue_documents(results, decisions, chunks) -> None:
    """A verdict per result and the document it calls for, awaiting its register number."""
    User = get_user_model()
    candidate_of = {app_id: candidate for _q, apps in chunks for app_id, candidate in apps}
    people = {
        u["pk"]: u
        for u in User.objects.filter(pk__in=candidate_of.values()).values("pk", "last_name", "first_name", "patronymic")
    }
    sessions = {s.pk: s for s in ExamSession.objects.filter(pk__in=decisions.keys())}
    verdicts = insert(
        [
            CouncilVerdict(
                decision=decisions[r.enrolment.session_id],
                result=r,
                verdict=Verdict.CERTIFICATE if r.decision == "passed" else Verdict.CONCLUSION,
            )
            for r in results
        ]
    )
    documents = []
    for verdict, r in zip(verdicts, results, strict=True):
        person = people[candidate_of[r.enrolment.application_id]]
        session = sessions[r.enrolment.session_id]
        exam_day = timezone.localdate(session.starts_at)
        passed = verdict.verdict == Verdict.CERTIFICATE
        documents.append(
            IssuedDocument(
                kind=Kind.CERTIFICATE if passed else Kind.CONCLUSION,
                result=r,
                verdict=verdict,
                qualification_id=session.qualification_id,
                holder_id=person["pk"],
                holder_last_name=person["last_name"],
                holder_first_name=person["first_name"],
                holder_patronymic=person["patronymic"],
                exam_date=exam_day,
                issue_due_on=exam_day + datetime.timedelta(days=settings.QAC_DOCUMENTS_ISSUE_DAYS),
                number_source=NumberSource.AWAITING,
                gaps=[] if passed else [{"kind": "topic", "text": "Электрооборудование"}],
                recommendations="" if passed else "Повторите тему «Электрооборудование».",
            )
        )
    insert(documents)
    insert(
        [
            DocumentEvent(
                document=d, action="issued", data={"decision": decisions[d.result.enrolment.session_id].number}
            )
            for d in documents
        ]
    )
