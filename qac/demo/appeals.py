"""Demo appeals: one appeal in each state, walked through the real services. Idempotent.

Six candidates (``appealN@qac.local``) sat an exam of 31.00700.01 a week ago and failed it; the chair
approved the results. Their appeals stand filed, with the commission, satisfied (a new exam to
schedule), rejected, executed (the head corrected the result on appeal, so the application and the
corrections page show it) and withdrawn (registered from paper). Run by ``seed_demo`` after ``qac.demo.seed``.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from candidates.models import Application
from qac.appeals import services as appeals
from qac.appeals.models import Appeal, Grounds, Remedy
from qac.exams import services as xsv
from qac.exams.models import Decision, ExamSession
from standards.models import Qualification

from .applications import accepted_application
from .base import QuietMail, demo_pdf
from .exams import sit_exam
from .people import archive_candidate

CODE = "31.00700.01"
APPELLANTS = [
    ("appeal1@qac.local", "Лебедев", "Максим", "Игоревич"),
    ("appeal2@qac.local", "Козлова", "Елена", "Викторовна"),
    ("appeal3@qac.local", "Никитин", "Степан", "Юрьевич"),
    ("appeal4@qac.local", "Соколова", "Вера", "Андреевна"),
    ("appeal5@qac.local", "Фёдоров", "Илья", "Олегович"),
    ("appeal6@qac.local", "Орлова", "Мария", "Денисовна"),
]
STATEMENT = (
    "Прошу пересмотреть результат практического этапа: задание выполнено полностью, "
    "эксперты не учли проверку момента затяжки (демонстрационный пример)."
)


def seed_appeals() -> int:
    """The demo's appeals, one per state; returns how many there are."""
    with QuietMail():
        return _seed_appeals()


def _seed_appeals() -> int:
    if Appeal.objects.filter(application__candidate__email__startswith="appeal").exists():
        return Appeal.objects.count()
    User = get_user_model()
    staff = User.objects.get(email="staff@qac.local")
    head = User.objects.get(email="head@qac.local")
    results = _failed_exam(staff)
    today = timezone.localdate()
    filed = [_file(r, staff if i == 5 else None) for i, r in enumerate(results)]
    filed[1:5] = [
        appeals.appeal_forward(appeal=appeal, by=staff, forwarded_on=today, reference="Исх. № 57 (демо)")
        for appeal in filed[1:5]
    ]
    decide = {"by": staff, "decided_on": today, "number": "АК-12 (демо)"}
    appeals.appeal_decide(
        appeal=filed[2],
        satisfied=True,
        text="Жалобу удовлетворить: провести повторный экзамен без оплаты.",
        remedy=Remedy.REEXAM,
        execute_by=today + datetime.timedelta(days=30),
        **decide,
    )
    appeals.appeal_decide(appeal=filed[3], satisfied=False, text="Оценка экспертов обоснована.", **decide)
    corrected = appeals.appeal_decide(
        appeal=filed[4],
        satisfied=True,
        text="Жалобу удовлетворить: критерий 2 засчитать, результат — экзамен сдан.",
        remedy=Remedy.CORRECT,
        execute_by=today + datetime.timedelta(days=20),
        **decide,
    )
    appeals.appeal_execute(
        appeal=corrected,
        by=head,
        note="Результат исправлен по решению апелляционной комиссии.",
        result_changes={"decision": Decision.PASSED, "practical_percent": 85},
    )
    appeals.appeal_withdraw(appeal=filed[5], by=staff, reason="Кандидат отозвал жалобу письмом.")
    return Appeal.objects.count()


def _file(result, staff) -> Appeal:
    application = Application.objects.get(pk=result.enrolment.application_id)
    # One file is enough to show: the first candidate's.
    first = application.candidate.email == APPELLANTS[0][0]
    files = [ContentFile(demo_pdf(), name="zhaloba.pdf")] if first else []
    return appeals.appeal_file(
        application=application,
        by=staff or application.candidate,
        grounds=[Grounds.RESULT, Grounds.PROCEDURE] if staff else [Grounds.RESULT],
        statement=STATEMENT,
        files=files,
        received_on=timezone.localdate() if staff else None,
    )


def _failed_exam(staff) -> list:
    """A week-old session of six candidates who all failed the practical stage, results approved."""
    User = get_user_model()
    e1, e2, e3 = (User.objects.get(email=f"expert{i}@qac.local") for i in (1, 2, 3))
    people = [archive_candidate(*row, index=20 + i) for i, row in enumerate(APPELLANTS)]
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) - datetime.timedelta(days=7)
    session = xsv.session_create(
        by=staff,
        qualification=Qualification.objects.get(code=CODE),
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=5),
        venue_address="г. Санкт-Петербург, ул. Заводская, д. 1",
        venue_room="ауд. 102",
        capacity=len(people),
        chair=e2,
        experts=[e1, e3],
        allow_example=True,
    )
    applications = [accepted_application(user=u, code=CODE, staff=staff) for u in people]
    enrolments = xsv.enrol(session=session, applications=applications, by=staff)
    xsv.session_open(session=session, by=staff)
    for enrolment in enrolments:
        identity = enrolment.application.identity
        xsv.mark_presence(
            enrolment=enrolment,
            by=staff,
            present=True,
            id_document_type=identity.id_doc_type,
            id_document_tail=identity.id_doc_number[-4:],
        )
    xsv.session_start(session=session, by=staff)
    for enrolment in enrolments:
        sit_exam(session=session, enrolment=enrolment, experts=[e2, e1, e3], right_share=0.9, practical=0)
    xsv.session_complete(session=session, by=staff)
    xsv.session_approve(session=ExamSession.objects.get(pk=session.pk), by=e2)
    return [e.result for e in enrolments]
