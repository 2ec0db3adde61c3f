"""Demo data for trying the system and for benchmarks.

Lives at the top of the project because it touches every app. Each step is
idempotent: running ``seed_demo`` again changes nothing that is already there.
"""

import datetime
import hashlib
import os
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from candidates import services as candidate_services
from candidates.models import (
    Application,
    ApplicationDocument,
    ApplicationTransition,
    CandidateProfile,
    EducationRecord,
    WorkExperience,
)
from candidates.services import identity_capture
from qac.accounts.models import RoleChange
from qac.accounts.roles import Role, assign_role
from qac.accounts.services import role_grant
from qac.certificates import services as certificate_services
from qac.certificates.models import IssuedDocument, NumberSource, RenderStatus
from qac.certificates.render import render_batch
from qac.council import selectors as councils
from qac.council import services as council
from qac.council.models import CouncilDecision, PackageStatus
from qac.council.selectors import VERDICT_CHOICES
from qac.demo.bank import seed_demo_bank

# The bulk data for benchmarks (seed_demo --volume) lives in its own module.
from qac.demo.volume import (  # noqa: F401 (part of this module's interface)
    VOLUME_EMAIL_DOMAIN,
    DemoDataRefused,
    seed_volume,
    seed_volume_exams,
    snils_with_checksum,
)
from qac.exams import selectors as xs
from qac.exams import services as xsv
from qac.exams.models import ExamSession, Question, SessionStatus
from qac.registry.answers import register_answer_import
from qac.registry.services import registry_export
from qac.registry.stub import answer_bytes, stub_answer_rows
from standards.models import AssessmentCenter, Qualification

from . import contracts as demo_contracts
from . import retention as demo_retention

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

    AssessmentCenter.objects.filter(head_name="").update(head_name="М. В. Соколова")
    return results


def seed(*, password: str | None = None) -> list[tuple[DemoAccount, bool]]:
    if not settings.QAC_DEMO_DATA_ALLOWED:
        raise DemoDataRefused("Demo data is never loaded under production settings.")
    accounts = seed_accounts(password=password or demo_password())
    seed_applications()
    demo_contracts.seed_contracts()
    seed_exams()
    seed_council()
    demo_retention.seed_retention(password=password or demo_password())  # a proposed destruction act
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
        identity_capture(application=app)
    return app


def timezone_localdate(value):

    return timezone.localdate(value)


@transaction.atomic
def seed_applications() -> int:
    """Profiles and applications in every status for the demo candidates; returns how many were created."""

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

    app = candidate_services.application_create(candidate=user, qualification=Qualification.objects.get(code=code))
    _add_demo_documents(app, user)
    app = candidate_services.application_submit(
        application=app, by=user, consent=candidate_services.Consent(True, True, "127.0.0.1")
    )
    app = candidate_services.application_accept(application=app, by=staff, expected_version=app.version)
    demo_contracts.pay_for(application=app, staff=staff)  # enrolment waits for payment
    return app


def _archive_candidate(email, last, first, patronymic, index):

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
    certificate_services.session_documents_issue(session_id=session.pk, by=staff)
    if IssuedDocument.objects.filter(result__enrolment__session=session, number_source=NumberSource.AWAITING).exists():
        registry_export(trigger="demo", by=staff)
        rows = stub_answer_rows(today=min(timezone.localdate(), exam_day + datetime.timedelta(days=18)))
        if rows:
            register_answer_import(data=answer_bytes(rows, "csv"), filename="demo-register-answer.csv", by=staff)
    numbered = IssuedDocument.objects.filter(result__enrolment__session=session).exclude(
        number_source=NumberSource.AWAITING
    )
    # Rendered here too, so the demo has its PDFs without a worker running yet.

    todo = certificate_services.render_claim(document_ids=list(numbered.values_list("pk", flat=True)))
    if todo:
        for document_id, pdf in render_batch(todo).items():
            certificate_services.render_store(document=IssuedDocument.objects.get(pk=document_id), pdf=pdf)
    first = numbered.filter(kind="certificate", render_status=RenderStatus.RENDERED, delivered_on__isnull=True).first()
    if first is not None and not IssuedDocument.objects.filter(delivered_on__isnull=False).exists():
        certificate_services.document_deliver(
            document=first,
            by=staff,
            method="handed",
            delivered_on=first.issue_date,
            recipient=first.holder_full_name,
        )
    return numbered.count()
