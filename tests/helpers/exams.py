"""Helpers the exams tests share: banks, sessions, answers; the fixtures stay in tests/exams/conftest.py."""

import datetime

import pytest
from django.test import TestCase
from django.utils import timezone, translation

from candidates.models import CandidateProfile
from qac.exams import selectors, services
from qac.exams.models import Choice, Enrolment, Question, QuestionKind, TheoryAttempt
from standards.models import ExamSpecification
from tests import builders
from tests.factories import (
    CandidateProfileFactory,
    ExamSpecificationFactory,
    PracticalCriterionFactory,
    PracticalTaskFactory,
    RequiredDocumentFactory,
)

Rule = ExamSpecification.PracticalPassRule


TOPICS = ["Двигатель", "Тормозная система", "Электрооборудование"]


# Per topic: (kind, weight, number of choices, positions of the correct ones).
QUESTION_PLAN = [
    (QuestionKind.SINGLE, 1, 3, (0,)),
    (QuestionKind.SINGLE, 2, 3, (2,)),
    (QuestionKind.MULTIPLE, 3, 4, (1, 3)),
    (QuestionKind.MULTIPLE, 1, 3, (0, 1)),
]


THEORY_COUNT = 6


# An identity document checked at the venue (Decree 1204 p.10): its kind and the last 4 characters of its number.
ID_CHECK = {"id_document_type": "passport_ru", "id_document_tail": "0001"}


PASS_PERCENT = 70


def ru(msgid: str, **params) -> str:
    """The text a Russian user sees for ``msgid``, formatted as the code formats it."""
    with translation.override("ru"):
        text = translation.gettext(msgid)
        return text % {k: str(v) for k, v in params.items()} if params else text


def slot(days: int = 3, hour: int = 10, hours: int = 4) -> tuple[datetime.datetime, datetime.datetime]:
    """A (start, end) pair on a future day, in the center's local time."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
    return starts, starts + datetime.timedelta(hours=hours)


def plan_session(*, by, qualification, chair, experts, days=3, hour=10, hours=4, capacity=5, **kwargs):
    """A session planned through the service ``days`` ahead, at ``hour`` local time, for ``hours``."""
    starts, ends = slot(days, hour, hours)
    return services.session_create(
        by=by,
        qualification=qualification,
        starts_at=starts,
        ends_at=ends,
        venue_address="Санкт-Петербург, ул. Автомобильная, 1",
        venue_room="101",
        capacity=capacity,
        chair=chair,
        experts=experts,
        **kwargs,
    )


def make_bank(qualification, *, per_topic: int = 4, topics=TOPICS, prefix: str = "Q") -> list[Question]:
    """Questions over ``topics``; the plan above repeats, so each topic holds both kinds and several weights."""
    questions = []
    for t, topic in enumerate(topics):
        for i in range(per_topic):
            kind, weight, n_choices, correct = QUESTION_PLAN[i % len(QUESTION_PLAN)]
            q = Question.objects.create(
                qualification=qualification,
                external_id=f"{prefix}{t}-{i}",
                topic=topic,
                text=f"Вопрос {t}-{i}",
                kind=kind,
                weight=weight,
            )
            Choice.objects.bulk_create(
                [
                    Choice(question=q, text=f"Ответ {t}-{i}-{p}", is_correct=p in correct, position=p)
                    for p in range(n_choices)
                ]
            )
            questions.append(q)
    return questions


def correct_ids(question) -> list[int]:
    return sorted(question.choices.filter(is_correct=True).values_list("pk", flat=True))


def wrong_ids(question) -> list[int]:
    return sorted(question.choices.filter(is_correct=False).values_list("pk", flat=True))


def make_qualification(*, question_count: int = THEORY_COUNT, per_topic: int = 4, rule: str = Rule.ALL):
    """A qualification of its own, with one mandatory document, a spec, two 0-5 criteria and a bank."""
    spec = ExamSpecificationFactory(
        theory_question_count=question_count,
        theory_time_limit_minutes=30,
        theory_pass_percent=PASS_PERCENT,
        practical_pass_rule=rule,
        practical_pass_percent=PASS_PERCENT,
    )
    qualification = spec.qualification
    RequiredDocumentFactory(qualification=qualification, name="Паспорт", is_mandatory=True)
    RequiredDocumentFactory(qualification=qualification, name="Прочее", is_mandatory=False)
    task = PracticalTaskFactory(spec=spec, title="Диагностика двигателя")
    PracticalCriterionFactory(task=task, text="Подготовка рабочего места", max_score=5, position=0)
    PracticalCriterionFactory(task=task, text="Выполнение диагностики", max_score=5, position=1)
    make_bank(qualification, per_topic=per_topic, prefix=f"{qualification.code}-")
    return qualification


def criteria_of(qualification) -> list:
    from standards.models import PracticalCriterion

    return list(PracticalCriterion.objects.filter(task__spec__qualification=qualification).order_by("position", "id"))


def accepted_application(*, candidate, qualification, staff):
    """An application taken from draft to accepted through the candidates services (``tests.builders``),
    the candidate's profile made first if they have none."""
    if not CandidateProfile.objects.filter(user=candidate).exists():
        CandidateProfileFactory(user=candidate)
    return builders.accepted_application(candidate=candidate, qualification=qualification, staff=staff)


def fresh(enrolment) -> Enrolment:
    return Enrolment.objects.select_related("application__candidate", "session").get(pk=enrolment.pk)


def save_answer(attempt, question_id: int, choice_ids: list[int]):
    """Save an answer the way the autosave view does: the attempt reloaded, the choices from the selector."""
    attempt = TheoryAttempt.objects.get(pk=attempt.pk)
    valid = selectors.choices_by_question(attempt=attempt, question_id=question_id)
    return services.theory_save_answer(
        attempt=attempt, question_id=question_id, choice_ids=choice_ids, choices_by_question=valid
    )


def score(enrolment, expert, first: int, second: int, *, qualification=None):
    """An expert's scores for the two criteria of the qualification."""
    c1, c2 = criteria_of(qualification or enrolment.session.qualification)
    services.practical_save_scores(enrolment=fresh(enrolment), expert=expert, scores={c1.pk: first, c2.pk: second})


def admit(enrolment, staff):
    """Mark present on the identity document of the application (Decree 1204 p.10), read afresh."""
    builders.admit(fresh(enrolment), staff=staff)


def start_session(session, staff, enrolments):
    """Open the session, mark everyone present (identity document checked) and start the exam."""
    services.session_open(session=session, by=staff)
    for e in enrolments:
        admit(e, staff)
    services.session_start(session=session, by=staff)
    session.refresh_from_db()
    return session


def answer_all(attempt, *, correctly: bool = True):
    for qid in TheoryAttempt.objects.get(pk=attempt.pk).question_ids:
        q = Question.objects.get(pk=qid)
        if correctly:
            save_answer(attempt, qid, correct_ids(q))
        else:
            save_answer(attempt, qid, wrong_ids(q)[:1])


def decide(enrolment, attempt, commission, *, theory_ok=True, practical=(5, 5)):
    """Take one candidate through both stages: theory answered and submitted, every expert scoring."""
    answer_all(attempt, correctly=theory_ok)
    services.theory_submit(attempt=attempt)
    for expert in commission:
        score(enrolment, expert, *practical)


def state() -> dict:
    """Every exam row and application status, and the outbox: a refused action changes none of it."""
    from django.core import mail

    from candidates.models import Application, ApplicationTransition
    from qac.exams.models import (
        Answer,
        CommissionMember,
        ExamResult,
        ExamSession,
        PracticalScore,
        ResultCorrection,
        SessionEvent,
    )

    return {
        "sessions": list(
            ExamSession.objects.order_by("pk").values_list(
                "pk",
                "status",
                "version",
                "starts_at",
                "ends_at",
                "venue_address",
                "venue_room",
                "capacity",
                "approved_at",
                "approved_by",
                "protocol",
            )
        ),
        "commission": list(CommissionMember.objects.order_by("pk").values_list("session", "expert", "is_chair")),
        "enrolments": list(
            Enrolment.objects.order_by("pk").values_list(
                "pk",
                "session",
                "application",
                "status",
                "present",
                "id_document_type",
                "id_document_tail",
                "id_checked_at",
                "extra_time_percent",
                "extra_time_reason",
            )
        ),
        "applications": list(Application.objects.order_by("pk").values_list("pk", "status", "version")),
        "application_history": ApplicationTransition.objects.count(),
        "events": SessionEvent.objects.count(),
        "attempts": list(
            TheoryAttempt.objects.order_by("pk").values_list(
                "pk", "seed", "question_ids", "deadline_at", "submitted_at", "auto_submitted", "score", "max_score"
            )
        ),
        "answers": list(Answer.objects.order_by("pk").values_list("attempt", "question", "choice_ids")),
        "scores": list(
            PracticalScore.objects.order_by("pk").values_list("enrolment", "expert", "criterion", "score", "comment")
        ),
        "results": list(
            ExamResult.objects.order_by("pk").values_list(
                "enrolment",
                "theory_percent",
                "theory_passed",
                "theory_on_paper",
                "theory_paper_reason",
                "practical_percent",
                "practical_passed",
                "practical_not_admitted",
                "decision",
                "incident_note",
                "failed_criteria",
                "failed_topics",
            )
        ),
        "corrections": ResultCorrection.objects.count(),
        "mail": len(mail.outbox),
    }


def invitations(to: str | None = None) -> list:
    """The exam e-mails (those with a calendar attachment), optionally to one address."""
    from django.core import mail

    return [m for m in mail.outbox if m.attachments and (to is None or to in m.to)]


def ics(message) -> tuple[str, dict, str]:
    """The calendar attachment of a message: (file name, its properties unfolded, MIME type)."""
    name, content, mimetype = message.attachments[0]
    if isinstance(content, bytes):
        content = content.decode()
    unfolded = content.replace("\r\n ", "")
    props = {}
    for line in unfolded.split("\r\n"):
        if ":" in line:
            key, value = line.split(":", 1)
            props.setdefault(key, value)
    props["_raw"] = content
    return name, props, mimetype


def utc(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def refused(call, error=services.ExamError) -> str:
    """The message ``call()`` is refused with, once checked that ``state()`` did not change (after-commit work run)."""
    before = state()
    with TestCase.captureOnCommitCallbacks(execute=True), pytest.raises(error) as exc:
        call()
    assert state() == before
    return str(exc.value)
