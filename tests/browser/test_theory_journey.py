"""A candidate sits the online theory test: start, autosave, reload, and the timer running out."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from qac.accounts.roles import Role
from qac.exams.models import Answer, Choice, Question, QuestionKind, TheoryAttempt
from standards.models import Qualification
from tests.builders import accepted_application, session_in_progress
from tests.factories import DEFAULT_PASSWORD, CandidateProfileFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("committed_catalogue")]

QUALIFICATION = "31.00400.02"
QUESTIONS = 5
# Seconds left once the deadline is moved: enough for a reload on a busy machine, short enough for the test.
COUNTDOWN = 5


def make_bank(qualification):
    """Five questions over two topics: three single-choice, two multiple-choice, weights 1 and 2.

    Returns {name: (question, [choices])}; the first choices of each question are the correct ones.
    """
    # (name, topic, kind, weight, how many of the three choices are correct)
    layout = [
        ("single_a", "Тормоза", QuestionKind.SINGLE, 1, 1),
        ("single_b", "Тормоза", QuestionKind.SINGLE, 2, 1),
        ("single_c", "Двигатель", QuestionKind.SINGLE, 1, 1),
        ("multi_a", "Двигатель", QuestionKind.MULTIPLE, 2, 2),
        ("multi_b", "Тормоза", QuestionKind.MULTIPLE, 1, 2),
    ]
    bank = {}
    for n, (name, topic, kind, weight, correct) in enumerate(layout, start=1):
        question = Question.objects.create(
            qualification=qualification,
            external_id=f"TQ-{n:03d}",
            topic=topic,
            text=f"Вопрос {n}: {name}",
            kind=kind,
            weight=weight,
        )
        choices = [
            Choice.objects.create(question=question, text=f"Ответ {n}.{i}", is_correct=i < correct, position=i)
            for i in range(3)
        ]
        bank[name] = (question, choices)
    return bank


def enrolled_present_candidate(qualification):
    """A candidate with an accepted application, enrolled and marked present in a session in progress."""
    staff = UserFactory(email="staff.theory@qac.local", role=Role.STAFF, is_staff=True)
    chair, *experts = [UserFactory(role=Role.EXPERT) for _ in range(3)]
    candidate = CandidateProfileFactory(user=UserFactory(email="petrov@example.test", role=Role.CANDIDATE)).user

    application = accepted_application(candidate=candidate, qualification=qualification, staff=staff)
    _session, (enrolment,) = session_in_progress(
        qualification=qualification, staff=staff, chair=chair, experts=experts, applications=[application]
    )
    return candidate, enrolment


def log_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(DEFAULT_PASSWORD)
    page.locator("main").get_by_role("button").click()
    expect(page.get_by_test_id("user-menu")).to_have_text(email)


def test_candidate_answers_reloads_and_the_timer_submits(live_server, page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    qualification = Qualification.objects.get(code=QUALIFICATION)
    spec = qualification.exam_spec
    spec.theory_question_count = QUESTIONS
    spec.theory_time_limit_minutes = 1
    spec.save()
    bank = make_bank(qualification)
    candidate, enrolment = enrolled_present_candidate(qualification)
    base = live_server.url

    # The candidate opens "My exam" and starts the test.
    log_in(page, base, candidate.email)
    page.goto(f"{base}/me/exams/{enrolment.pk}/")
    page.get_by_test_id("start-theory").click()
    attempt = TheoryAttempt.objects.get(enrolment=enrolment)
    expect(page).to_have_url(f"{base}/me/theory/{attempt.pk}/")
    assert sorted(attempt.question_ids) == sorted(q.pk for q, _choices in bank.values())
    expect(page.locator("fieldset[data-question]")).to_have_count(QUESTIONS)
    expect(page.get_by_test_id("timer")).to_have_text(re.compile(r"^0[01]:\d\d$"))

    form = page.get_by_test_id("theory-form")
    saved_message = form.get_attribute("data-msg-saved")
    status = page.locator("#save-status")

    def pick(name, *indexes):
        """Tick choices of one question, waiting for each autosave as a person would between clicks."""
        question, choices = bank[name]
        fieldset = page.locator(f'fieldset[data-question="{question.pk}"]')
        expected_type = "checkbox" if question.kind == QuestionKind.MULTIPLE else "radio"
        for i in indexes:
            box = fieldset.locator(f"#c{choices[i].pk}")
            expect(box).to_have_attribute("type", expected_type)
            with page.expect_response(lambda r: r.url.endswith(f"/me/theory/{attempt.pk}/answer/")) as saved:
                box.check()
            assert saved.value.status == 200, saved.value.text()
            expect(status).to_have_text(saved_message)
            expect(status).to_have_class(re.compile(r"\btext-success\b"))

    # Right, right, wrong (radio), right (both boxes), half right (one box of two); one question left blank.
    pick("single_a", 0)  # correct, weight 1
    pick("single_b", 2, 0)  # a change of mind: ends on the correct one, weight 2
    pick("single_c", 1)  # wrong
    pick("multi_a", 0, 1)  # both correct, weight 2
    pick("multi_b", 0)  # only one of the two correct: wrong
    chosen = {
        "single_a": [0],
        "single_b": [0],
        "single_c": [1],
        "multi_a": [0, 1],
        "multi_b": [0],
    }
    expected_score = 1 + 2 + 2
    max_score = sum(q.weight for q, _choices in bank.values())

    saved_rows = {a.question_id: sorted(a.choice_ids) for a in Answer.objects.filter(attempt=attempt)}
    assert saved_rows == {
        bank[name][0].pk: sorted(bank[name][1][i].pk for i in indexes) for name, indexes in chosen.items()
    }

    # The answers survive a reload: the page is rendered from what the server saved.
    page.reload()
    expect(page.locator("fieldset[data-question]")).to_have_count(QUESTIONS)
    for name, (_question, choices) in bank.items():
        for i, choice in enumerate(choices):
            box = page.locator(f"#c{choice.pk}")
            if i in chosen.get(name, []):
                expect(box).to_be_checked()
            else:
                expect(box).not_to_be_checked()

    # The time nearly runs out (without waiting a whole minute); the reloaded page counts down from the server's
    # deadline, then submits by itself and lands on "My exam".
    TheoryAttempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() + timedelta(seconds=COUNTDOWN))
    page.reload()
    expect(page.get_by_test_id("timer")).to_have_text(re.compile(rf"^00:0[0-{COUNTDOWN}]$"))
    expect(page).to_have_url(f"{base}/me/exams/{enrolment.pk}/", timeout=15_000)
    expect(page.get_by_test_id("theory-submitted")).to_be_visible()
    expect(page.get_by_test_id("start-theory")).to_have_count(0)

    attempt.refresh_from_db()
    assert attempt.submitted_at is not None
    assert attempt.score == expected_score
    assert attempt.max_score == max_score
    assert attempt.submitted_at <= attempt.deadline_at
    # The page's own submission at the end of its countdown counts as automatic.
    assert attempt.auto_submitted is True
