"""The Order 706n choices on the application (how to tell the candidate, posting the documents) and the
"agree the date by" deadline with its queue filters (Decree 1204 p.9, p.17)."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from candidates import selectors, services
from candidates.models import Application, ApplicationStatus, CallTask, CandidateProfile, NotifyBy
from qac.accounts.roles import Role
from standards.models import Qualification
from tests.factories import UserFactory

NEW = "candidates:application_new"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def qualification() -> Qualification:
    return Qualification.objects.get(code="31.00400.02")


@pytest.fixture
def bare_candidate(db):
    """A candidate without a profile: no phone to call."""
    return UserFactory(role=Role.CANDIDATE)


def test_the_phone_channel_needs_a_phone_in_the_profile(bare_candidate):
    response = client_for(bare_candidate).post(
        reverse(NEW), {"qualification": qualification().pk, "notify_by": "phone"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["notify_by"]
    assert not Application.objects.filter(candidate=bare_candidate).exists()
    with pytest.raises(services.ApplicationError):
        services.application_create(candidate=bare_candidate, qualification=qualification(), notify_by="phone")


def test_the_phone_channel_is_taken_with_a_phone_in_the_profile(draft):
    candidate = draft.candidate
    draft.delete()
    response = client_for(candidate).post(reverse(NEW), {"qualification": qualification().pk, "notify_by": "phone"})
    assert response.status_code == 302
    assert Application.objects.get(candidate=candidate).notify_by == NotifyBy.PHONE


def test_a_missing_channel_is_refused(bare_candidate):
    response = client_for(bare_candidate).post(reverse(NEW), {"qualification": qualification().pk})
    assert response.context["form"].errors["notify_by"]
    assert not Application.objects.filter(candidate=bare_candidate).exists()


def test_posting_the_documents_needs_an_address(bare_candidate):
    data = {"qualification": qualification().pk, "notify_by": "email", "send_by_post": "on", "postal_address": "  "}
    response = client_for(bare_candidate).post(reverse(NEW), data)
    assert response.context["form"].errors["postal_address"]
    assert not Application.objects.filter(candidate=bare_candidate).exists()


def test_the_postal_address_is_kept_only_when_post_is_ticked(bare_candidate):
    c = client_for(bare_candidate)
    data = {"qualification": qualification().pk, "notify_by": "email", "postal_address": "190000, СПб, Невский 1"}
    c.post(reverse(NEW), data)
    assert Application.objects.get(candidate=bare_candidate).postal_address == ""
    Application.objects.filter(candidate=bare_candidate).delete()
    c.post(reverse(NEW), {**data, "send_by_post": "on"})
    assert Application.objects.get(candidate=bare_candidate).postal_address == "190000, СПб, Невский 1"


def test_the_form_offers_the_profiles_address_for_posting(draft):
    profile = CandidateProfile.objects.get(user=draft.candidate)
    page = client_for(draft.candidate).get(reverse(NEW)).content.decode()
    assert f'data-profile-address="{profile.address}"' in page
    assert "js/contact.js" in page and "<script>" not in page


def test_the_draft_changes_its_choices_and_the_submitted_application_does_not(draft):
    c = client_for(draft.candidate)
    url = reverse("candidates:application_contact", args=[draft.pk])
    response = c.post(url, {"notify_by": "phone", "send_by_post": "on", "postal_address": "СПб, Садовая 2"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.notify_by, draft.postal_address) == (NotifyBy.PHONE, "СПб, Садовая 2")
    Application.objects.filter(pk=draft.pk).update(status=ApplicationStatus.SUBMITTED)
    response = c.post(url, {"notify_by": "email"})
    assert response.status_code == 400
    draft.refresh_from_db()
    assert draft.notify_by == NotifyBy.PHONE


def test_another_candidate_cannot_change_the_choices(draft, other_candidate):
    response = client_for(other_candidate).post(
        reverse("candidates:application_contact", args=[draft.pk]), {"notify_by": "email"}
    )
    assert response.status_code == 404


# --- The deadline and the queue ----------------------------------------------------------------------


def test_an_accepted_application_keeps_the_deadline_to_agree_the_date(application_in, staff):
    accepted = application_in(ApplicationStatus.ACCEPTED)
    assert accepted.review_due_on == timezone.localdate(accepted.submitted_at) + datetime.timedelta(days=10)
    date = accepted.review_due_on.strftime("%d.%m.%Y")
    staff_page = client_for(staff).get(reverse("candidates:staff_application", args=[accepted.pk])).content.decode()
    assert 'data-testid="deadline"' in staff_page and date in staff_page
    assert 'data-testid="agree-date"' in staff_page
    page = client_for(accepted.candidate).get(reverse("candidates:application", args=[accepted.pk])).content.decode()
    assert 'data-testid="agree-by"' in page and date in page


def test_the_queue_filters_date_to_agree_and_waiting_for_the_answer(application_in, staff):
    accepted = application_in(ApplicationStatus.ACCEPTED)
    other = services.application_create(candidate=UserFactory(role=Role.CANDIDATE), qualification=qualification())
    Application.objects.filter(pk=other.pk).update(
        status=ApplicationStatus.ACCEPTED, number="2026-999999", submitted_at=timezone.now()
    )
    services.application_date_offered(application=other, at=timezone.now())

    assert list(selectors.application_queue(date="to_agree")) == [accepted]
    assert list(selectors.application_queue(date="awaiting_answer")) == [Application.objects.get(pk=other.pk)]
    c = client_for(staff)
    page = c.get(reverse("candidates:staff_queue"), {"date": "to_agree"}).content.decode()
    assert accepted.number in page and "2026-999999" not in page
    page = c.get(reverse("candidates:staff_queue"), {"date": "awaiting_answer"}).content.decode()
    assert accepted.number not in page and "2026-999999" in page


def test_a_bad_date_filter_is_shown_and_ignored(application_in, staff):
    accepted = application_in(ApplicationStatus.ACCEPTED)
    response = client_for(staff).get(reverse("candidates:staff_queue"), {"date": "bogus"})
    assert response.status_code == 200 and accepted.number in response.content.decode()
    assert response.context["form"].errors["date"]


def test_staff_moves_make_call_tasks_for_a_phone_candidate_only(application_in, staff):
    app = application_in(ApplicationStatus.SUBMITTED)
    Application.objects.filter(pk=app.pk).update(notify_by=NotifyBy.PHONE)
    app.refresh_from_db()
    accepted = services.application_accept(application=app, by=staff, expected_version=app.version)
    (task,) = CallTask.objects.filter(application=accepted)
    assert task.transition.to_status == ApplicationStatus.ACCEPTED and task.called_at is None
    # The candidate's own withdrawal needs no call.
    services.application_withdraw(application=accepted, by=accepted.candidate)
    assert CallTask.objects.filter(application=accepted).count() == 1


def test_only_staff_record_a_call(application_in, staff, candidate):
    app = application_in(ApplicationStatus.SUBMITTED)
    Application.objects.filter(pk=app.pk).update(notify_by=NotifyBy.PHONE)
    app.refresh_from_db()
    services.application_accept(application=app, by=staff, expected_version=app.version)
    task = CallTask.objects.get(application=app)
    assert client_for(app.candidate).post(reverse("candidates:staff_call_done", args=[task.pk])).status_code == 403
    task.refresh_from_db()
    assert task.called_at is None
