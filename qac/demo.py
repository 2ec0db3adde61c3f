"""Demo data for trying the system and for benchmarks.

Lives at the top of the project because it touches every app. Each step is
idempotent: running ``seed_demo`` again changes nothing that is already there.
"""

import os
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from qac.accounts.roles import Role, assign_role

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
        assign_role(user, account.role)
        results.append((account, created))
    return results


def seed(*, password: str | None = None) -> list[tuple[DemoAccount, bool]]:
    if not settings.QAC_DEMO_DATA_ALLOWED:
        raise DemoDataRefused("Demo data is never loaded under production settings.")
    accounts = seed_accounts(password=password or demo_password())
    seed_applications()
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
        _add_demo_documents(app, candidate)
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

    from candidates.models import Application, ApplicationTransition, CandidateProfile
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
            CandidateProfile.objects.bulk_create(
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
