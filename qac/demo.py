"""Demo data for trying the system and for benchmarks.

Lives at the top of the project because it touches every app. Each step is
idempotent: running ``seed_demo`` again changes nothing that is already there.
"""

import os
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from qac.accounts.models import RoleChange
from qac.accounts.roles import Role, assign_role
from qac.accounts.services import role_grant
from qac.demo_retention import seed_retention

DEFAULT_DEMO_PASSWORD = "qac-demo-2026"  # noqa: S105 (documented demo password)


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: Role
    last_name: str
    first_name: str
    patronymic: str = ""


DEMO_ACCOUNTS = [
    DemoAccount("head@qac.local", Role.HEAD, "Соколова", "Марина", "Викторовна"),
    DemoAccount("staff@qac.local", Role.STAFF, "Петров", "Алексей", "Игоревич"),
    DemoAccount("expert1@qac.local", Role.EXPERT, "Кузнецов", "Дмитрий", "Сергеевич"),
    DemoAccount("expert2@qac.local", Role.EXPERT, "Орлова", "Елена", "Павловна"),
    DemoAccount("expert3@qac.local", Role.EXPERT, "Васильев", "Николай", "Андреевич"),
    DemoAccount("candidate1@qac.local", Role.CANDIDATE, "Иванов", "Иван", "Иванович"),
    DemoAccount("candidate2@qac.local", Role.CANDIDATE, "Смирнова", "Ольга", "Дмитриевна"),
    DemoAccount("candidate3@qac.local", Role.CANDIDATE, "Попов", "Сергей", "Николаевич"),
    DemoAccount("candidate4@qac.local", Role.CANDIDATE, "Лебедева", "Анна", ""),
    DemoAccount("candidate5@qac.local", Role.CANDIDATE, "Новиков", "Павел", "Олегович"),
]


class DemoDataRefused(Exception):
    """Raised where demo data must never be written (production)."""


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


@transaction.atomic
def seed_accounts(*, password: str) -> list[tuple[DemoAccount, bool]]:
    """Create the demo accounts that are missing; return each with whether it was created.

    Existing accounts keep their password: a tester who changed it is not reset.
    """
    User = get_user_model()
    results = []
    for account in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            email=account.email,
            defaults={
                "last_name": account.last_name,
                "first_name": account.first_name,
                "patronymic": account.patronymic,
                # Head and staff manage reference data in the Django admin.
                "is_staff": account.role in (Role.HEAD, Role.STAFF),
            },
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        # seed_demo is an operator's command, and it makes a head: recorded like set_role.
        role_grant(user=user, role=account.role, by=None, source=RoleChange.Source.COMMAND)
        results.append((account, created))
    # The demo head signs the demo certificates.
    from standards.models import AssessmentCenter

    AssessmentCenter.objects.filter(head_name="").update(head_name="М. В. Соколова")
    return results


def seed(*, password: str | None = None) -> list[tuple[DemoAccount, bool]]:
    if not settings.QAC_DEMO_DATA_ALLOWED:
        raise DemoDataRefused("Demo data is never loaded under production settings.")
    accounts = seed_accounts(password=password or demo_password())
    seed_applications()
    seed_exams()
    seed_council()
    seed_retention(password=password or demo_password())  # a proposed destruction act (qac/demo_retention.py)
    return accounts


# --- Candidates and applications ---------------------------------------------------------

DEMO_PROFILES = {
    "candidate1@qac.local": ("1988-03-14", "passport_ru", "4012", "345678", "+7 921 100-00-01"),
    "candidate2@qac.local": ("1995-07-02", "passport_ru", "4015", "112233", "+7 921 100-00-02"),
    "candidate3@qac.local": ("1979-11-23", "passport_ru", "4009", "765432", "+7 921 100-00-03"),
    "candidate4@qac.local": ("2001-01-30", "passport_ru", "4021", "908070", "+7 921 100-00-04"),
    "candidate5@qac.local": ("1990-05-17", "passport_ru", "4018", "554433", "+7 921 100-00-05"),
}

# For each demo candidate: (qualification code, the statuses it went through, days since registration, note).
DEMO_APPLICATIONS = {
    "candidate1@qac.local": [
        ("31.00400.02", ["draft", "submitted", "accepted"], 6, ""),
        ("31.00700.01", ["draft"], None, ""),
    ],
    "candidate2@qac.local": [("31.00400.03", ["draft", "submitted"], 12, "")],
    "candidate3@qac.local": [
        (
            "31.00400.04",
            ["draft", "submitted", "documents_requested"],
            4,
            "Приложите, пожалуйста, сведения о трудовой деятельности за последние 3 года.",
        )
    ],
    "candidate4@qac.local": [
        ("31.00400.04", ["draft", "submitted", "rejected"], 40, "Опыт работы менее требуемого для 6 уровня."),
        ("31.00400.02", ["draft", "submitted", "documents_requested", "resubmitted"], 9, ""),
    ],
    "candidate5@qac.local": [
        ("31.00400.03", ["draft", "submitted", "withdrawn"], 20, ""),
        ("31.00700.01", ["draft", "submitted"], 1, ""),
    ],
}


def snils_with_checksum(nine_digits: int) -> str:
    """A valid SNILS for demo and test data: nine digits plus their control number."""
    from candidates.validators import snils_checksum

    base = f"{nine_digits:09d}"
    return f"{base}{snils_checksum(base):02d}"


def _demo_pdf() -> bytes:
    """A small real PDF, so previews and downloads of demo documents work."""
    text = "QAC demo document"
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _add_demo_documents(application, by) -> None:
    import hashlib

    from django.core.files.base import ContentFile

    from candidates.models import ApplicationDocument

    pdf = _demo_pdf()
    for required in application.qualification.required_documents.filter(is_mandatory=True):
        doc = ApplicationDocument(
            application=application,
            required_document=required,
            original_name=f"{required.name[:60]}.pdf",
            content_type="application/pdf",
            size=len(pdf),
            sha256=hashlib.sha256(pdf).hexdigest(),
            uploaded_by=by,
        )
        doc.file.save("demo.pdf", ContentFile(pdf), save=False)
        doc.save()


def _build_application(*, candidate, qualification, path, days_ago, note, staff, now):
    """Create an application that went through ``path``, with a consistent history.

    Demo data is written directly (not through the services) so that loading it
    sends no e-mail; the history rows are marked as notified.
    """
    import datetime

    from candidates.models import Application, ApplicationTransition

    registered = now - datetime.timedelta(days=days_ago) if days_ago is not None else None
    final = path[-1]
    app = Application(candidate=candidate, qualification=qualification, status=final, version=len(path))
    if registered:
        app.submitted_at = registered
        app.number = None
        app.consent_text_version = settings.QAC_CONSENT_TEXT_VERSION
        app.consent_given_at = app.rules_accepted_at = registered
        app.consent_ip = "127.0.0.1"
    if final in ("submitted", "resubmitted"):
        days = settings.QAC_APPLICATION_REVIEW_DAYS
        app.review_due_on = timezone_localdate(registered) + datetime.timedelta(days=days)
    if final == "documents_requested":
        app.staff_message = note
    if final == "rejected":
        app.rejection_reason = note
    if final in ("accepted", "rejected", "withdrawn"):
        app.decided_at = registered + datetime.timedelta(days=min(days_ago, 5))
    app.save()
    if registered:
        app.number = f"{registered.year}-{app.pk:06d}"
        app.save(update_fields=["number"])
    previous = ""
    for step, status in enumerate(path):
        at = (registered or now) + datetime.timedelta(hours=step * 20) if status != "draft" else (registered or now)
        actor = staff if status in ("accepted", "rejected", "documents_requested") else candidate
        transition = ApplicationTransition.objects.create(
            application=app,
            from_status=previous,
            to_status=status,
            by=actor,
            note=note if status in ("rejected", "documents_requested") else "",
            notified_at=now,
        )
        ApplicationTransition.objects.filter(pk=transition.pk).update(at=at)
        previous = status
    if final != "draft":
        from candidates.services import identity_capture

        _add_demo_documents(app, candidate)
        identity_capture(application=app)
    return app


def timezone_localdate(value):
    from django.utils import timezone

    return timezone.localdate(value)


@transaction.atomic
def seed_applications() -> int:
    """Profiles and applications in every status for the demo candidates; returns how many were created."""
    import datetime

    from django.utils import timezone

    from candidates.models import Application, CandidateProfile, EducationRecord, WorkExperience
    from standards.models import Qualification

    User = get_user_model()
    staff = User.objects.get(email="staff@qac.local")
    now = timezone.now()
    created = 0
    for index, (email, (born, doc_type, series, number, phone)) in enumerate(DEMO_PROFILES.items(), start=1):
        user = User.objects.get(email=email)
        profile, made = CandidateProfile.objects.get_or_create(
            user=user,
            defaults={
                "date_of_birth": datetime.date.fromisoformat(born),
                "snils": snils_with_checksum(123456000 + index * 1111),
                "id_doc_type": doc_type,
                "id_doc_series": series,
                "id_doc_number": number,
                "id_doc_issued_by": "ГУ МВД России по г. Санкт-Петербургу и Ленинградской области",
                "id_doc_issued_on": datetime.date(2015, 6, 10),
                "phone": phone,
                "address": f"г. Санкт-Петербург, ул. Заводская, д. {index}, кв. {index * 7}",
            },
        )
        if made:
            EducationRecord.objects.create(
                profile=profile,
                level="secondary_vocational",
                institution="Санкт-Петербургский автотранспортный колледж",
                specialty="Техническое обслуживание и ремонт автомобильного транспорта",
                completed_on=datetime.date(2010 + index, 6, 30),
            )
            WorkExperience.objects.create(
                profile=profile,
                employer="ООО «Автосервис Северо-Запад»",
                position="Автомеханик",
                started_on=datetime.date(2012 + index, 9, 1),
            )
        if Application.objects.filter(candidate=user).exists():
            continue
        for code, path, days_ago, note in DEMO_APPLICATIONS[email]:
            _build_application(
                candidate=user,
                qualification=Qualification.objects.get(code=code),
                path=path,
                days_ago=days_ago,
                note=note,
                staff=staff,
                now=now,
            )
            created += 1
    return created


VOLUME_EMAIL_DOMAIN = "volume.qac.local"


def seed_volume(count: int, *, password: str, batch_size: int = 2000) -> int:
    """Make sure ``count`` bulk candidates with one application each exist (for benchmarks).

    Uses bulk inserts, one password hash for all, and no files, so 100,000
    take well under a minute on PostgreSQL. Returns how many were created.
    """
    import datetime
    import random

    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from candidates.models import (
        IDENTITY_PROFILE_FIELDS,
        ApplicantIdentity,
        Application,
        ApplicationTransition,
        CandidateProfile,
    )
    from standards.models import Qualification

    if not settings.QAC_DEMO_DATA_ALLOWED:
        raise DemoDataRefused("Demo data is never loaded under production settings.")
    User = get_user_model()
    existing = User.objects.filter(email__endswith=f"@{VOLUME_EMAIL_DOMAIN}").count()
    missing = max(count - existing, 0)
    if not missing:
        return 0
    hashed = make_password(password)
    group = Group.objects.get(name=Role.CANDIDATE.value)
    qualifications = list(Qualification.objects.filter(is_active=True))
    staff = User.objects.filter(groups__name=Role.STAFF.value).first()
    surnames = ["Иванов", "Петров", "Сидоров", "Кузнецов", "Смирнов", "Попов", "Васильев", "Соколов", "Михайлов"]
    names = ["Алексей", "Иван", "Дмитрий", "Сергей", "Андрей", "Павел", "Никита", "Михаил", "Олег"]
    statuses = ["submitted"] * 5 + ["resubmitted", "documents_requested", "accepted", "accepted", "rejected"]
    rng = random.Random(20261126 + existing)  # noqa: S311 (reproducible fake data, not secrets)
    now = timezone.now()
    created = 0
    for start in range(existing, existing + missing, batch_size):
        stop = min(start + batch_size, existing + missing)
        with transaction.atomic():
            users = User.objects.bulk_create(
                [
                    User(
                        email=f"candidate{i:06d}@{VOLUME_EMAIL_DOMAIN}",
                        password=hashed,
                        last_name=rng.choice(surnames),
                        first_name=rng.choice(names),
                        patronymic="",
                    )
                    for i in range(start, stop)
                ],
                batch_size=batch_size,
            )
            if any(u.pk is None for u in users):  # backends without RETURNING ids
                users = list(
                    User.objects.filter(email__endswith=f"@{VOLUME_EMAIL_DOMAIN}").order_by("-id")[: stop - start]
                )
            User.groups.through.objects.bulk_create(
                [User.groups.through(user_id=u.pk, group_id=group.pk) for u in users], batch_size=batch_size
            )
            profiles = CandidateProfile.objects.bulk_create(
                [
                    CandidateProfile(
                        user_id=u.pk,
                        date_of_birth=datetime.date(
                            1970 + rng.randrange(35), rng.randrange(1, 13), rng.randrange(1, 28)
                        ),
                        snils=snils_with_checksum(200000000 + u.pk),
                        id_doc_type="passport_ru",
                        id_doc_series=f"{4000 + rng.randrange(100):04d}",
                        id_doc_number=f"{rng.randrange(10**6):06d}",
                        id_doc_issued_by="ГУ МВД России",
                        id_doc_issued_on=datetime.date(2016, 1, 1),
                        phone="+7 900 000-00-00",
                        address="г. Санкт-Петербург",
                    )
                    for u in users
                ],
                batch_size=batch_size,
            )
            applications = []
            for u in users:
                status = rng.choice(statuses)
                registered = now - datetime.timedelta(days=rng.randrange(0, 60), minutes=rng.randrange(1440))
                awaiting = status in ("submitted", "resubmitted")
                applications.append(
                    Application(
                        candidate_id=u.pk,
                        qualification=rng.choice(qualifications),
                        status=status,
                        submitted_at=registered,
                        review_due_on=(
                            timezone_localdate(registered)
                            + datetime.timedelta(days=settings.QAC_APPLICATION_REVIEW_DAYS)
                        )
                        if awaiting
                        else None,
                        decided_at=None if awaiting else registered,
                        consent_text_version=settings.QAC_CONSENT_TEXT_VERSION,
                        consent_given_at=registered,
                        rules_accepted_at=registered,
                        rejection_reason="Не подтвержден опыт работы." if status == "rejected" else "",
                        staff_message="Приложите копию диплома." if status == "documents_requested" else "",
                    )
                )
            applications = Application.objects.bulk_create(applications, batch_size=batch_size)
            if any(a.pk is None for a in applications):
                applications = list(Application.objects.filter(candidate_id__in=[u.pk for u in users]))
            for a in applications:
                a.number = f"V{a.submitted_at.year}-{a.pk:07d}"
            Application.objects.bulk_update(applications, ["number"], batch_size=batch_size)
            # Each application keeps the personal data it was submitted with, as application_submit does.
            by_user = {p.user_id: p for p in profiles}
            people = {u.pk: u for u in users}
            ApplicantIdentity.objects.bulk_create(
                [
                    ApplicantIdentity(
                        application_id=a.pk,
                        last_name=people[a.candidate_id].last_name,
                        first_name=people[a.candidate_id].first_name,
                        patronymic=people[a.candidate_id].patronymic,
                        email=people[a.candidate_id].email,
                        captured_at=a.submitted_at,
                        **{f: getattr(by_user[a.candidate_id], f) for f in IDENTITY_PROFILE_FIELDS},
                    )
                    for a in applications
                ],
                batch_size=batch_size,
            )
            ApplicationTransition.objects.bulk_create(
                [
                    ApplicationTransition(
                        application_id=a.pk,
                        from_status="draft",
                        to_status=a.status,
                        by_id=(
                            staff.pk
                            if staff and a.status in ("accepted", "rejected", "documents_requested")
                            else a.candidate_id
                        ),
                        notified_at=now,
                    )
                    for a in applications
                ],
                batch_size=batch_size,
            )
        created += len(users)
    return created


# --- Exams ------------------------------------------------------------------------------------

ARCHIVE_CANDIDATES = [
    ("archive1@qac.local", "Морозов", "Артём", "Витальевич"),
    ("archive2@qac.local", "Волкова", "Дарья", "Сергеевна"),
    ("archive3@qac.local", "Зайцев", "Кирилл", "Андреевич"),
    ("archive4@qac.local", "Павлова", "Ирина", "Олеговна"),
    ("archive5@qac.local", "Семёнов", "Глеб", "Ильич"),
    ("archive6@qac.local", "Голубев", "Роман", "Петрович"),
    ("archive7@qac.local", "Виноградова", "Алина", "Романовна"),
]


class _QuietMail:
    """Demo data is not news: while seeding, e-mails go nowhere (in-process tasks only)."""

    def __enter__(self):
        self.saved = settings.EMAIL_BACKEND
        settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"

    def __exit__(self, *exc):
        settings.EMAIL_BACKEND = self.saved


def _accepted_application(*, user, code, staff):
    """A submitted and accepted application through the real services."""
    from candidates import services as cs
    from standards.models import Qualification

    app = cs.application_create(candidate=user, qualification=Qualification.objects.get(code=code))
    _add_demo_documents(app, user)
    app = cs.application_submit(application=app, by=user, consent=cs.Consent(True, True, "127.0.0.1"))
    return cs.application_accept(application=app, by=staff, expected_version=app.version)


def _archive_candidate(email, last, first, patronymic, index):
    import datetime

    from candidates.models import CandidateProfile

    User = get_user_model()
    user, created = User.objects.get_or_create(
        email=email, defaults={"last_name": last, "first_name": first, "patronymic": patronymic}
    )
    if created:
        user.set_password(demo_password())
        user.save(update_fields=["password"])
    assign_role(user, Role.CANDIDATE)
    CandidateProfile.objects.get_or_create(
        user=user,
        defaults={
            "date_of_birth": datetime.date(1985 + index, 3, 1 + index),
            "snils": snils_with_checksum(555000000 + index * 777),
            "id_doc_type": "passport_ru",
            "id_doc_series": f"{4100 + index}",
            "id_doc_number": f"{700000 + index}",
            "id_doc_issued_by": "ГУ МВД России",
            "id_doc_issued_on": datetime.date(2016, 5, 5),
            "phone": f"+7 921 200-00-0{index}",
            "address": "г. Санкт-Петербург",
        },
    )
    return user


def _sit_exam(*, session, enrolment, experts, right_share: float, practical: int):
    """A candidate answers ``right_share`` of the theory right; every expert gives ``practical`` per criterion."""
    from qac.exams import selectors as xs
    from qac.exams import services as xsv
    from qac.exams.models import Question

    candidate = enrolment.application.candidate
    attempt = xsv.theory_start(enrolment=enrolment, by=candidate)
    limit = int(len(attempt.question_ids) * right_share)
    for i, qid in enumerate(attempt.question_ids):
        question = Question.objects.prefetch_related("choices").get(pk=qid)
        right = [c.pk for c in question.choices.all() if c.is_correct]
        wrong = [c.pk for c in question.choices.all() if not c.is_correct][:1]
        xsv.theory_save_answer(
            attempt=attempt,
            question_id=qid,
            choice_ids=right if i < limit else wrong,
            choices_by_question=xs.choices_by_question(attempt=attempt, question_id=qid),
        )
    xsv.theory_submit(attempt=attempt)
    criteria = [c for t in session.qualification.exam_spec.tasks.all() for c in t.criteria.all()]
    for expert in experts:
        xsv.practical_save_scores(
            enrolment=enrolment, expert=expert, scores={c.pk: min(practical, c.max_score) for c in criteria}
        )


def seed_exams() -> int:
    """Sessions in every status, with commissions, scored candidates and approved results. Idempotent.

    Mail is muted around the whole transaction, so the notifications that
    run on commit are muted too.
    """
    with _QuietMail():
        return _seed_exams()


@transaction.atomic
def _seed_exams() -> int:
    import datetime

    from django.utils import timezone

    from qac.exams import services as xsv
    from qac.exams.demo_bank import seed_demo_bank
    from qac.exams.models import ExamSession
    from standards.models import Qualification

    seed_demo_bank()
    if ExamSession.objects.exists():
        return 0
    User = get_user_model()
    staff = User.objects.get(email="staff@qac.local")
    e1, e2, e3 = (User.objects.get(email=f"expert{i}@qac.local") for i in (1, 2, 3))
    archive = [_archive_candidate(*row, index=i) for i, row in enumerate(ARCHIVE_CANDIDATES, start=1)]
    # Sessions start at 10:00 local time, as a center's exams do.
    now = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    venue = ("г. Санкт-Петербург, ул. Заводская, д. 1", "ауд. 101")

    def plan(code, start, chair, others, capacity=10):
        return xsv.session_create(
            by=staff,
            qualification=Qualification.objects.get(code=code),
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=5),
            venue_address=venue[0],
            venue_room=venue[1],
            capacity=capacity,
            chair=chair,
            experts=others,
            # The demo's specifications are the shipped examples; only demo data may plan sessions with them.
            allow_example=True,
        )

    def admit(enrolment):
        """Present, on the identity document in the application (Decree 1204 p.10)."""
        identity = enrolment.application.identity
        xsv.mark_presence(
            enrolment=enrolment,
            by=staff,
            present=True,
            id_document_type=identity.id_doc_type,
            id_document_tail=identity.id_doc_number[-4:],
        )

    # Results approved, three weeks ago: two passed, one failed.
    past = plan("31.00400.02", now - datetime.timedelta(days=21), e1, [e2, e3])
    apps = [_accepted_application(user=u, code="31.00400.02", staff=staff) for u in archive[:3]]
    enrolments = xsv.enrol(session=past, applications=apps, by=staff)
    xsv.session_open(session=past, by=staff)
    for e in enrolments:
        admit(e)
    xsv.session_start(session=past, by=staff)
    for enrolment, share, practical in zip(enrolments, (0.9, 0.85, 0.4), (2, 2, 1), strict=True):
        _sit_exam(session=past, enrolment=enrolment, experts=[e1, e2, e3], right_share=share, practical=practical)
    xsv.session_complete(session=past, by=staff)
    xsv.session_approve(session=past, by=e1)

    # Completed yesterday, waiting for the chair's approval; one candidate did not come.
    done = plan("31.00400.04", now - datetime.timedelta(days=1), e2, [e1, e3])
    apps = [_accepted_application(user=u, code="31.00400.04", staff=staff) for u in archive[3:5]]
    enrolments = xsv.enrol(session=done, applications=apps, by=staff)
    xsv.session_open(session=done, by=staff)
    admit(enrolments[0])
    xsv.result_set_special(enrolment=enrolments[1], by=staff, decision="absent", note="")
    xsv.session_start(session=done, by=staff)
    _sit_exam(session=done, enrolment=enrolments[0], experts=[e1, e2, e3], right_share=0.8, practical=2)
    xsv.session_complete(session=done, by=staff)

    # In progress now: the theory test is open for the candidate who is present.
    running = plan("31.00400.03", timezone.now() - datetime.timedelta(hours=1), e3, [e1, e2])
    apps = [_accepted_application(user=u, code="31.00400.03", staff=staff) for u in archive[5:7]]
    enrolments = xsv.enrol(session=running, applications=apps, by=staff)
    xsv.session_open(session=running, by=staff)
    for e in enrolments:
        admit(e)
    xsv.session_start(session=running, by=staff)

    # Open in three days; planned in ten days with candidate1 enrolled; one cancelled.
    plan("31.00700.01", now + datetime.timedelta(days=3), e2, [e1, e3])
    planned = plan("31.00400.02", now + datetime.timedelta(days=10), e1, [e2, e3])
    candidate1_app = User.objects.get(email="candidate1@qac.local").applications.get(status="accepted")
    xsv.enrol(session=planned, applications=[candidate1_app], by=staff)
    cancelled = plan("31.00400.02", now + datetime.timedelta(days=5), e3, [e1, e2])
    xsv.session_cancel(session=cancelled, by=staff, reason="Аудитория на ремонте.")
    xsv.session_open(session=ExamSession.objects.get(qualification__code="31.00700.01"), by=staff)
    return ExamSession.objects.count()


def seed_council() -> int:
    """The legal issuing path on the demo's approved session, the way staff walk it. Idempotent.

    Package built and sent, the Council's decision recorded, the documents reported to the
    register by the export, numbered by the stand-in for the register (its answer file imported
    like the real one), rendered, and one certificate handed over. Every step is a service call;
    the workers' steps are called here directly so the demo does not wait for a worker.
    Returns how many documents carry a register number.
    """
    with _QuietMail():
        return _seed_council()


def _seed_council() -> int:
    import datetime

    from django.utils import timezone

    from qac.certificates import services as cs
    from qac.certificates.models import IssuedDocument, NumberSource, RenderStatus
    from qac.council import selectors as councils
    from qac.council import services as council
    from qac.council.models import CouncilDecision, PackageStatus
    from qac.council.selectors import VERDICT_CHOICES
    from qac.exams.models import ExamSession, SessionStatus
    from qac.registry.answers import register_answer_import
    from qac.registry.services import registry_export
    from qac.registry.stub import answer_bytes, stub_answer_rows

    User = get_user_model()
    staff = User.objects.filter(email="staff@qac.local").first()
    session = (
        ExamSession.objects.filter(status=SessionStatus.RESULTS_APPROVED, venue_room="ауд. 101")
        .exclude(enrolments__application__candidate__email__endswith=f"@{VOLUME_EMAIL_DOMAIN}")
        .order_by("starts_at")
        .first()
    )
    if staff is None or session is None:
        return 0
    exam_day = councils.exam_day(session)
    package = council.package_request(session_id=session.pk)
    if package.status == PackageStatus.BUILDING:
        council.package_build(package_id=package.pk)
        package.refresh_from_db()
    if package.status == PackageStatus.READY:
        council.package_mark_sent(
            package=package,
            by=staff,
            sent_on=exam_day + datetime.timedelta(days=3),
            sent_via="email",
            reference="Исх. № 112 (демонстрационный пример)",
        )
    if not CouncilDecision.objects.filter(session=session).exists():
        council.decision_record(
            session=session,
            by=staff,
            number="СПК-АП/41 (демо)",
            decided_on=exam_day + datetime.timedelta(days=10),
            verdicts={r.pk: (VERDICT_CHOICES[r.decision][0], "") for r in councils.decidable_results(session)},
        )
    cs.session_documents_issue(session_id=session.pk, by=staff)
    if IssuedDocument.objects.filter(result__enrolment__session=session, number_source=NumberSource.AWAITING).exists():
        registry_export(trigger="demo", by=staff)
        rows = stub_answer_rows(today=min(timezone.localdate(), exam_day + datetime.timedelta(days=18)))
        if rows:
            register_answer_import(data=answer_bytes(rows, "csv"), filename="demo-register-answer.csv", by=staff)
    numbered = IssuedDocument.objects.filter(result__enrolment__session=session).exclude(
        number_source=NumberSource.AWAITING
    )
    # Rendered here too, so the demo has its PDFs without a worker running yet.
    from qac.certificates.render import render_batch

    todo = cs.render_claim(document_ids=list(numbered.values_list("pk", flat=True)))
    if todo:
        for document_id, pdf in render_batch(todo).items():
            cs.render_store(document=IssuedDocument.objects.get(pk=document_id), pdf=pdf)
    first = numbered.filter(kind="certificate", render_status=RenderStatus.RENDERED, delivered_on__isnull=True).first()
    if first is not None and not IssuedDocument.objects.filter(delivered_on__isnull=False).exists():
        cs.document_deliver(
            document=first,
            by=staff,
            method="handed",
            delivered_on=first.issue_date,
            recipient=first.holder_full_name,
        )
    return numbered.count()


def seed_volume_exams(*, batch_size: int = 50) -> int:
    """Approved sessions for the bulk candidates whose applications are accepted, each with its package
    sent to the Council and the Council's decision recorded, and the documents that decision calls for,
    awaiting their register numbers: numbering is left to export -> stand-in -> import, so benchmarks
    and tests go through the real path.

    Bulk inserts again: one session of up to ``batch_size`` candidates a day,
    going back in time, with the demo experts as commission; 80% pass.
    Returns how many candidates got results.
    """
    import datetime
    import random

    from django.utils import timezone

    from candidates.models import Application, ApplicationTransition
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

    User = get_user_model()
    experts = list(
        User.objects.filter(email__in=["expert1@qac.local", "expert2@qac.local", "expert3@qac.local"]).order_by("email")
    )
    staff = User.objects.filter(email="staff@qac.local").first()
    if len(experts) < 3 or staff is None:
        return 0
    rng = random.Random(78033)  # noqa: S311 (reproducible fake data)
    pending = (
        Application.objects.filter(status="accepted", candidate__email__endswith=f"@{VOLUME_EMAIL_DOMAIN}")
        .order_by("qualification_id", "id")
        .values_list("id", "qualification_id")
    )
    by_qualification: dict[int, list[int]] = {}
    for app_id, qualification_id in pending:
        by_qualification.setdefault(qualification_id, []).append(app_id)
    oldest = ExamSession.objects.order_by("starts_at").values_list("starts_at", flat=True).first()
    day = (oldest or timezone.now()).replace(hour=10, minute=0, second=0, microsecond=0) - datetime.timedelta(days=1)
    done = 0
    for qualification_id, app_ids in by_qualification.items():
        for start in range(0, len(app_ids), batch_size):
            chunk = app_ids[start : start + batch_size]
            with transaction.atomic():
                session = ExamSession.objects.create(
                    qualification_id=qualification_id,
                    starts_at=day,
                    ends_at=day + datetime.timedelta(hours=6),
                    venue_address="г. Санкт-Петербург, ул. Заводская, д. 1",
                    venue_room="ауд. 101",
                    capacity=batch_size,
                    status=SessionStatus.RESULTS_APPROVED,
                    created_by=staff,
                    approved_at=day + datetime.timedelta(hours=7),
                    approved_by=experts[0],
                )
                CommissionMember.objects.bulk_create(
                    [CommissionMember(session=session, expert=e, is_chair=(i == 0)) for i, e in enumerate(experts)]
                )
                enrolments = Enrolment.objects.bulk_create(
                    [Enrolment(session=session, application_id=a, present=True, enrolled_by=staff) for a in chunk]
                )
                if any(e.pk is None for e in enrolments):
                    enrolments = list(Enrolment.objects.filter(session=session))
                outcomes = {}
                results = []
                for e in enrolments:
                    passed = rng.random() < 0.8
                    outcomes[e.application_id] = "passed" if passed else "failed"
                    results.append(
                        ExamResult(
                            enrolment=e,
                            theory_percent=rng.randint(75, 98) if passed else rng.randint(40, 68),
                            theory_passed=passed,
                            practical_percent=rng.randint(72, 100) if passed else rng.randint(30, 90),
                            practical_passed=passed,
                            decision=outcomes[e.application_id],
                            failed_topics=[] if passed else ["Электрооборудование"],
                        )
                    )
                ExamResult.objects.bulk_create(results)
                for outcome in ("passed", "failed"):
                    ids = [a for a, o in outcomes.items() if o == outcome]
                    Application.objects.filter(pk__in=ids).update(status=outcome, decided_at=day)
                ApplicationTransition.objects.bulk_create(
                    [
                        ApplicationTransition(
                            application_id=a, from_status="accepted", to_status=o, by=experts[0], notified_at=day
                        )
                        for a, o in outcomes.items()
                    ]
                )
                # The package went to the Council within 7 days, and the Council decided within 14.
                exam_day = timezone.localdate(day)
                package = CouncilPackage.objects.create(
                    session=session,
                    status=PackageStatus.SENT,
                    due_on=exam_day + datetime.timedelta(days=settings.QAC_COUNCIL_PACKAGE_DAYS),
                    sent_on=min(exam_day + datetime.timedelta(days=3), timezone.localdate()),
                    sent_via="email",
                    sent_reference="bulk",
                    sent_recorded_by=staff,
                )
                PackageTransition.objects.create(
                    package=package, from_status="", to_status=PackageStatus.SENT, by=staff
                )
                decision = CouncilDecision.objects.create(
                    session=session,
                    status=DecisionStatus.RECORDED,
                    number=f"V-{session.pk}",
                    decided_on=min(exam_day + datetime.timedelta(days=10), timezone.localdate()),
                    recorded_by=staff,
                )
                DecisionTransition.objects.create(
                    decision=decision, from_status="", to_status=DecisionStatus.RECORDED, by=staff
                )
                by_app = {r.enrolment.application_id: r for r in results}
                verdicts = CouncilVerdict.objects.bulk_create(
                    [
                        CouncilVerdict(
                            decision=decision,
                            result_id=by_app[a].pk,
                            verdict=Verdict.CERTIFICATE if o == "passed" else Verdict.CONCLUSION,
                        )
                        for a, o in outcomes.items()
                    ]
                )
                if any(v.pk is None for v in verdicts):
                    verdicts = list(CouncilVerdict.objects.filter(decision=decision))
                names = dict(Application.objects.filter(pk__in=chunk).values_list("pk", "candidate_id"))
                people = {
                    u["pk"]: u
                    for u in User.objects.filter(pk__in=names.values()).values(
                        "pk", "last_name", "first_name", "patronymic"
                    )
                }
                result_app = {r.pk: r.enrolment.application_id for r in results}
                documents = []
                for verdict in verdicts:
                    app_id = result_app[verdict.result_id]
                    person = people[names[app_id]]
                    passed = verdict.verdict == Verdict.CERTIFICATE
                    documents.append(
                        IssuedDocument(
                            kind=Kind.CERTIFICATE if passed else Kind.CONCLUSION,
                            result_id=verdict.result_id,
                            verdict=verdict,
                            qualification_id=qualification_id,
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
                documents = IssuedDocument.objects.bulk_create(documents)
                if any(d.pk is None for d in documents):
                    documents = list(IssuedDocument.objects.filter(verdict__decision=decision))
                DocumentEvent.objects.bulk_create(
                    [DocumentEvent(document=d, action="issued", data={"decision": decision.number}) for d in documents]
                )
            done += len(chunk)
            day -= datetime.timedelta(days=1)
    return done
