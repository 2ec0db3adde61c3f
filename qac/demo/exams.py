"""The demo's exam sessions in every status: one with approved results, one waiting for the chair,
one running now, and three ahead (open, planned with candidate1 enrolled, cancelled).

Every step goes through the exams services, the way staff, candidates and experts walk it.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from qac.exams import selectors as xs
from qac.exams import services as xsv
from qac.exams.models import ExamSession, Question
from standards.models import Qualification

from .applications import accepted_application
from .bank import seed_demo_bank
from .base import QuietMail
from .people import ARCHIVE_CANDIDATES, archive_candidate

VENUE = ("г. Санкт-Петербург, ул. Заводская, д. 1", "ауд. 101")


def seed_exams() -> int:
    """Sessions in every status, with commissions, scored candidates and approved results. Idempotent.

    Mail is muted around the whole transaction, so the notifications that
    run on commit are muted too.
    """
    with QuietMail():
        return _seed_exams()


@transaction.atomic
def _seed_exams() -> int:

    seed_demo_bank()
    if ExamSession.objects.exists():
        return 0
    crew = _Crew.load()
    archive = [archive_candidate(*row, index=i) for i, row in enumerate(ARCHIVE_CANDIDATES, start=1)]
    # Sessions start at 10:00 local time, as a center's exams do.
    now = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    _results_approved(crew, archive[:3], starts=now - datetime.timedelta(days=21))
    _awaiting_approval(crew, archive[3:5], starts=now - datetime.timedelta(days=1))
    _in_progress(crew, archive[5:7], starts=timezone.now() - datetime.timedelta(hours=1))
    _ahead(crew, now=now)
    return ExamSession.objects.count()


@dataclass(frozen=True)
class _Crew:
    """Who runs the demo's sessions: the staff member and the three demo experts."""

    staff: Any
    e1: Any
    e2: Any
    e3: Any

    @classmethod
    def load(cls) -> "_Crew":
        User = get_user_model()
        staff = User.objects.get(email="staff@qac.local")
        e1, e2, e3 = (User.objects.get(email=f"expert{i}@qac.local") for i in (1, 2, 3))
        return cls(staff, e1, e2, e3)

    @property
    def experts(self) -> list:
        return [self.e1, self.e2, self.e3]

    def plan(self, code, start, chair, others, capacity=10) -> ExamSession:
        return xsv.session_create(
            by=self.staff,
            qualification=Qualification.objects.get(code=code),
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=5),
            venue_address=VENUE[0],
            venue_room=VENUE[1],
            capacity=capacity,
            chair=chair,
            experts=others,
            # The demo's specifications are the shipped examples; only demo data may plan sessions with them.
            allow_example=True,
        )

    def enrol_accepted(self, session, people, *, code) -> list:
        """Each of ``people`` applies for ``code``, is accepted and enrolled in ``session``."""
        apps = [accepted_application(user=u, code=code, staff=self.staff) for u in people]
        return xsv.enrol(session=session, applications=apps, by=self.staff)

    def admit(self, enrolment) -> None:
        """Present, on the identity document in the application (Decree 1204 p.10)."""
        identity = enrolment.application.identity
        xsv.mark_presence(
            enrolment=enrolment,
            by=self.staff,
            present=True,
            id_document_type=identity.id_doc_type,
            id_document_tail=identity.id_doc_number[-4:],
        )


def _results_approved(crew: _Crew, people, *, starts) -> None:
    """Three weeks ago, results approved: two passed, one failed."""
    past, enrolments = _started(
        crew, people, code="31.00400.02", starts=starts, chair=crew.e1, others=[crew.e2, crew.e3]
    )
    for enrolment, share, practical in zip(enrolments, (0.9, 0.85, 0.4), (2, 2, 1), strict=True):
        sit_exam(session=past, enrolment=enrolment, experts=crew.experts, right_share=share, practical=practical)
    xsv.session_complete(session=past, by=crew.staff)
    xsv.session_approve(session=past, by=crew.e1)


def _awaiting_approval(crew: _Crew, people, *, starts) -> None:
    """Completed yesterday, waiting for the chair's approval; one candidate did not come."""
    done = crew.plan("31.00400.04", starts, crew.e2, [crew.e1, crew.e3])
    enrolments = crew.enrol_accepted(done, people, code="31.00400.04")
    xsv.session_open(session=done, by=crew.staff)
    crew.admit(enrolments[0])
    xsv.result_set_special(enrolment=enrolments[1], by=crew.staff, decision="absent", note="")
    xsv.session_start(session=done, by=crew.staff)
    sit_exam(session=done, enrolment=enrolments[0], experts=crew.experts, right_share=0.8, practical=2)
    xsv.session_complete(session=done, by=crew.staff)


def _in_progress(crew: _Crew, people, *, starts) -> None:
    """In progress now: the theory test is open for the candidates, who are present."""
    _started(crew, people, code="31.00400.03", starts=starts, chair=crew.e3, others=[crew.e1, crew.e2])


def _started(crew: _Crew, people, *, code, starts, chair, others) -> tuple[ExamSession, list]:
    """A session of ``people``, every one of them present, started: the theory test is open."""
    session = crew.plan(code, starts, chair, others)
    enrolments = crew.enrol_accepted(session, people, code=code)
    xsv.session_open(session=session, by=crew.staff)
    for e in enrolments:
        crew.admit(e)
    xsv.session_start(session=session, by=crew.staff)
    return session, enrolments


def _ahead(crew: _Crew, *, now) -> None:
    """Open in three days; planned in ten days with candidate1 enrolled; one cancelled."""
    crew.plan("31.00700.01", now + datetime.timedelta(days=3), crew.e2, [crew.e1, crew.e3])
    planned = crew.plan("31.00400.02", now + datetime.timedelta(days=10), crew.e1, [crew.e2, crew.e3])
    candidate1_app = get_user_model().objects.get(email="candidate1@qac.local").applications.get(status="accepted")
    xsv.enrol(session=planned, applications=[candidate1_app], by=crew.staff)
    cancelled = crew.plan("31.00400.02", now + datetime.timedelta(days=5), crew.e3, [crew.e1, crew.e2])
    xsv.session_cancel(session=cancelled, by=crew.staff, reason="Аудитория на ремонте.")
    xsv.session_open(session=ExamSession.objects.get(qualification__code="31.00700.01"), by=crew.staff)


def sit_exam(*, session, enrolment, experts, right_share: float, practical: int):
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
