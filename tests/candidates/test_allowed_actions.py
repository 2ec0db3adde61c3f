"""The application's pages show exactly the actions ``allowed_application_actions`` allows (issue 15, item 4).

The refusals of the services behind each button are pinned where the action is tested:
staff decisions in ``test_views.py::test_an_illegal_decision_shows_an_error_and_changes_nothing``,
withdrawal in ``test_views.py::test_a_closed_application_cannot_be_withdrawn``, uploads in
``test_views.py::test_no_upload_once_the_application_is_submitted``, the contact details in
``test_contact_and_agreement.py::test_the_draft_changes_its_choices_and_the_submitted_application_does_not``,
deleting in ``test_draft_delete.py``; offering dates in
``tests/exams/test_date_offers.py::test_dates_are_offered_by_the_rule_the_application_page_shows``.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates import services
from candidates.models import Application
from candidates.models import ApplicationStatus as S

# Each action of the page and what of it shows in the HTML.
STAFF_MARKS = {
    "offer_dates": 'data-testid="agree-date"',
    "accept": 'data-testid="accept"',
    "request_documents": 'value="request_documents"',
    "reject": 'value="reject"',
}
CANDIDATE_MARKS = {
    "submit": 'data-testid="submit-application"',
    "resubmit": "/resubmit/",
    "withdraw": "/withdraw/",
    "delete": 'data-testid="delete-draft"',
    "edit_contact": 'data-testid="contact-form"',
    "upload": 'enctype="multipart/form-data"',
    "choose_date": 'data-testid="choose-date"',
}
REVIEW = {"accept", "request_documents", "reject"}
# The moves the exams app makes: set directly, the pages only read the status.
BY_EXAMS = (S.SCHEDULED, S.PASSED, S.FAILED, S.ABSENT)
# Out of the review and the candidate's hands: neither page offers anything.
CLOSED = dict.fromkeys((S.REJECTED, S.WITHDRAWN, *BY_EXAMS), frozenset())
STAFF_ACTIONS = {
    S.SUBMITTED: REVIEW,
    S.DOCUMENTS_REQUESTED: set(),
    S.RESUBMITTED: REVIEW,
    S.ACCEPTED: {"offer_dates"},
    **CLOSED,
}
CANDIDATE_ACTIONS = {
    S.DRAFT: {"submit", "delete", "edit_contact", "upload"},
    S.SUBMITTED: {"withdraw"},
    S.DOCUMENTS_REQUESTED: {"resubmit", "withdraw", "upload"},
    S.RESUBMITTED: {"withdraw"},
    S.ACCEPTED: {"withdraw"},
    **CLOSED,
}


@pytest.fixture
def application_at(application_in):
    def make(status):
        if status in BY_EXAMS:
            app = application_in(S.ACCEPTED)
            Application.objects.filter(pk=app.pk).update(status=status)
            app.refresh_from_db()
            return app
        return application_in(status)

    return make


def _marks_shown(page: str, marks: dict) -> set[str]:
    return {action for action, mark in marks.items() if mark in page}


@pytest.mark.parametrize("status", list(STAFF_ACTIONS))
def test_the_staff_page_shows_exactly_the_allowed_actions(client, staff, application_at, status):
    app = application_at(status)
    assert services.allowed_application_actions(app, actor=services.STAFF) == STAFF_ACTIONS[status]
    client.force_login(staff)
    response = client.get(reverse("candidates:staff_application", args=[app.pk]))
    assert response.context["actions"] == STAFF_ACTIONS[status]
    assert _marks_shown(response.content.decode(), STAFF_MARKS) == STAFF_ACTIONS[status]


@pytest.mark.parametrize("status", list(CANDIDATE_ACTIONS))
def test_the_candidate_page_shows_exactly_the_allowed_actions(client, application_at, status):
    app = application_at(status)
    assert services.allowed_application_actions(app, actor=services.CANDIDATE) == CANDIDATE_ACTIONS[status]
    client.force_login(app.candidate)
    response = client.get(reverse("candidates:application", args=[app.pk]))
    assert response.context["actions"] == CANDIDATE_ACTIONS[status]
    assert _marks_shown(response.content.decode(), CANDIDATE_MARKS) == CANDIDATE_ACTIONS[status]


@pytest.mark.parametrize("status", [S.ACCEPTED, S.SCHEDULED])
def test_the_candidate_chooses_a_date_only_while_one_is_offered_to_an_accepted_application(
    client, application_at, status
):
    app = application_at(status)
    Application.objects.filter(pk=app.pk).update(date_offered_at=timezone.now())
    app.refresh_from_db()
    allowed = services.allowed_application_actions(app, actor=services.CANDIDATE)
    assert ("choose_date" in allowed) is (status == S.ACCEPTED)
    client.force_login(app.candidate)
    page = client.get(reverse("candidates:application", args=[app.pk])).content.decode()
    assert (CANDIDATE_MARKS["choose_date"] in page) is (status == S.ACCEPTED)
