"""The autosave of a theory answer costs a fixed number of queries.

Two hundred candidates autosave at once during an exam, so one POST to
``/me/theory/<id>/answer/`` must not grow with the size of the variant or with
the answers already given. The number is pinned exactly: a change that adds a
query here should be a deliberate one.

The queries of one autosave, in order:

1. the session (``django_session``; from Redis instead when sessions are cached_db),
2. the user (``accounts_user``),
3. the attempt, filtered by owner (finding it proves the caller is its candidate: no role query),
4. the question's kind and choices, only the first time the process meets the question
   (a question's options cannot change while it is in a test),
5. the answer's upsert (one ``INSERT ... ON CONFLICT DO UPDATE``).
"""

import json

import pytest
from django.conf import settings
from django.urls import reverse

from qac.accounts.roles import Role
from qac.exams import selectors, services
from qac.exams.models import Answer, Choice, Question, QuestionKind, TheoryAttempt
from tests.builders import accepted_application, session_in_progress
from tests.factories import CandidateProfileFactory, ExamSpecificationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_choices(settings):
    """As in production: each process keeps the options of the questions it has met."""
    settings.QAC_THEORY_KEEP_CHOICES = True
    selectors.forget_choices()


# session (read from Redis instead when sessions are cached_db), user, the attempt, the upsert;
# the question's choices the first time this process meets the question.
AUTOSAVE_QUERIES = 3 if settings.SESSION_ENGINE.endswith("cached_db") else 4


def bank_of(qualification, size: int) -> None:
    """``size`` questions over two topics, alternating single and multiple choice, three choices each."""
    for n in range(size):
        kind = QuestionKind.SINGLE if n % 2 == 0 else QuestionKind.MULTIPLE
        question = Question.objects.create(
            qualification=qualification,
            external_id=f"AQ-{n:03d}",
            topic=("Двигатель", "Тормоза")[n % 2],
            text=f"Вопрос {n}",
            kind=kind,
            weight=1,
        )
        Choice.objects.bulk_create(
            [Choice(question=question, text=f"Ответ {n}.{p}", is_correct=p == 0, position=p) for p in range(3)]
        )


def started_attempt(questions: int) -> TheoryAttempt:
    """A candidate present in a session in progress, with the theory test started; all through the services."""
    spec = ExamSpecificationFactory(theory_question_count=questions, theory_time_limit_minutes=30)
    qualification = spec.qualification
    bank_of(qualification, questions)
    staff = UserFactory(role=Role.STAFF, is_staff=True)
    chair, *experts = [UserFactory(role=Role.EXPERT) for _ in range(3)]
    candidate = CandidateProfileFactory().user

    application = accepted_application(candidate=candidate, qualification=qualification, staff=staff)
    _session, (enrolment,) = session_in_progress(
        qualification=qualification, staff=staff, chair=chair, experts=experts, applications=[application]
    )
    return services.theory_start(enrolment=enrolment, by=candidate)


def save(attempt: TheoryAttempt, question_id: int, choice_ids: list[int]) -> None:
    valid = selectors.choices_by_question(attempt=attempt, question_id=question_id)
    services.theory_save_answer(
        attempt=attempt, question_id=question_id, choice_ids=choice_ids, choices_by_question=valid
    )


def first_choices(question_id: int, kind: str) -> list[int]:
    ids = list(Choice.objects.filter(question_id=question_id).order_by("position").values_list("pk", flat=True))
    return ids[:1] if kind == QuestionKind.SINGLE else ids[:2]


@pytest.mark.parametrize(
    ("questions", "already_saved"),
    [
        (3, "none"),  # a small variant, nothing answered yet
        (40, "none"),  # a large variant, nothing answered yet
        (40, "others"),  # a large variant, every other question answered: the answer is inserted
        (40, "all"),  # a large variant, all answered: the answer to the last question is changed
    ],
)
def test_one_autosave_costs_a_constant_number_of_queries(client, django_assert_num_queries, questions, already_saved):
    attempt = started_attempt(questions)
    assert len(attempt.question_ids) == questions
    kinds = dict(Question.objects.filter(pk__in=attempt.question_ids).values_list("pk", "kind"))
    target = attempt.question_ids[-1]
    if already_saved != "none":
        for qid in attempt.question_ids:
            if qid != target or already_saved == "all":
                save(attempt, qid, first_choices(qid, kinds[qid])[:1])
    before = Answer.objects.filter(attempt=attempt).count()
    chosen = first_choices(target, kinds[target])

    client.force_login(attempt.enrolment.application.candidate)
    url = reverse("exams:theory_answer", args=[attempt.pk])
    selectors.forget_choices()
    with django_assert_num_queries(AUTOSAVE_QUERIES + 1):
        response = client.post(
            url, data=json.dumps({"question": target, "choices": chosen}), content_type="application/json"
        )
    assert response.status_code == 200, response.content
    with django_assert_num_queries(AUTOSAVE_QUERIES):
        response = client.post(
            url, data=json.dumps({"question": target, "choices": chosen}), content_type="application/json"
        )

    assert response.status_code == 200, response.content
    assert response.json()["saved"] == sorted(chosen)
    assert 0 < response.json()["ms_left"] <= 30 * 60 * 1000
    assert Answer.objects.get(attempt=attempt, question_id=target).choice_ids == sorted(chosen)
    assert Answer.objects.filter(attempt=attempt).count() == (before if already_saved == "all" else before + 1)


def test_a_changed_question_is_read_again_not_from_what_the_process_kept(client):
    attempt = started_attempt(3)
    question = Question.objects.get(pk=attempt.question_ids[0])
    client.force_login(attempt.enrolment.application.candidate)
    url = reverse("exams:theory_answer", args=[attempt.pk])

    def post(choices):
        return client.post(
            url, data=json.dumps({"question": question.pk, "choices": choices}), content_type="application/json"
        )

    assert post(first_choices(question.pk, question.kind)[:1]).status_code == 200  # now kept by this process
    added = Choice.objects.create(question=question, text="Новый ответ", position=9)
    assert post([added.pk]).status_code == 200
    added.delete()
    assert post([added.pk]).status_code == 400
    # Written without signals (a bulk import): an id the kept options lack sends the process to look again.
    Choice.objects.bulk_create([Choice(question=question, text="Ещё ответ", position=10)])
    bulk = Choice.objects.get(question=question, text="Ещё ответ")
    assert post([bulk.pk]).status_code == 200
