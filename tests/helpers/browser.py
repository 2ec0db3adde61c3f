"""What the browser journeys share: a person's own browser context, signing in, a tiny question bank."""

from django.conf import settings
from playwright.sync_api import expect

from qac.exams.models import Choice, Question, QuestionKind
from tests.factories import DEFAULT_PASSWORD


def new_page(browser):
    """A browser context of its own (one per person), downloads allowed, 15 s timeouts."""
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(15_000)
    return context.new_page()


def log_in(page, base, email):
    # English, chosen as a user would, so the buttons are named in one language.
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": base}])
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(DEFAULT_PASSWORD)
    page.locator("main").get_by_role("button").click()
    expect(page.get_by_test_id("user-menu")).to_have_text(email)


def make_bank(qualification, *, prefix: str) -> None:
    """Three single-choice questions over two topics; the first of each question's choices is the correct one."""
    for n, topic in enumerate(["Тормоза", "Двигатель", "Тормоза"], start=1):
        question = Question.objects.create(
            qualification=qualification,
            external_id=f"{prefix}-{n:03d}",
            topic=topic,
            text=f"Вопрос {n}",
            kind=QuestionKind.SINGLE,
            weight=1,
        )
        Choice.objects.bulk_create(
            [Choice(question=question, text=f"Ответ {n}.{i}", is_correct=i == 0, position=i) for i in range(3)]
        )
