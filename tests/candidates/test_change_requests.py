"""Identity changes after submission (issue 10 item 1): the profile changes at once, the application
keeps what it was submitted with, and the change becomes a request the staff approve or refuse.

Each test states the bad input it pins: a change after submission with or without its proof, a
file that is not a document, a second change while one waits, a refusal without a reason, a
decision on a stale page, and everyone but the staff on the staff pages.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from candidates import selectors, services
from candidates.models import (
    ApplicantIdentity,
    ApplicationStatus,
    CandidateProfile,
    ChangeRequestStatus,
    IdentityChangeRequest,
    IdentityChangeTransition,
    PersonalDataAccess,
)
from candidates.signals import identity_change_approved
from tests.candidates.test_views import errors, flashed, ru
from tests.factories import pdf_upload
from tests.helpers.access import PERSONAS

pytestmark = pytest.mark.django_db

PROFILE_FIELDS = [
    "date_of_birth",
    "snils",
    "id_doc_type",
    "id_doc_series",
    "id_doc_number",
    "id_doc_issued_by",
    "id_doc_issued_on",
    "phone",
    "address",
]
NEEDS_PROOF = (
    "Your application under way or your certificate holds the data you are changing: attach the "
    "document that proves the change (e.g. a marriage certificate or the new passport)."
)


def profile_post(user, **changes) -> dict:
    """The profile form as the candidate's browser sends it: the stored values, with ``changes``."""
    profile = CandidateProfile.objects.get(user=user)
    data = {f: getattr(profile, f) for f in PROFILE_FIELDS}
    data.update({f: getattr(user, f) for f in ("last_name", "first_name", "patronymic")})
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}
    data.update(
        {
            "education-TOTAL_FORMS": "0",
            "education-INITIAL_FORMS": "0",
            "education-MIN_NUM_FORMS": "0",
            "education-MAX_NUM_FORMS": "10",
            "experience-TOTAL_FORMS": "0",
            "experience-INITIAL_FORMS": "0",
            "experience-MIN_NUM_FORMS": "0",
            "experience-MAX_NUM_FORMS": "20",
        }
    )
    data.update(changes)
    return data


def identity_values(application) -> dict:
    identity = ApplicantIdentity.objects.get(application=application)
    return {f: getattr(identity, f) for f in ("last_name", "first_name", "id_doc_number", "address", "snils")}


@pytest.fixture
def accepted(application_in):
    return application_in(ApplicationStatus.ACCEPTED)


@pytest.fixture
def owner(client, accepted):
    client.force_login(accepted.candidate)
    return client


def change_name(client, application, **extra):
    data = profile_post(
        application.candidate,
        last_name="Смирнова",
        id_doc_number="654321",
        supporting_document=pdf_upload("marriage.pdf"),
        **extra,
    )
    return client.post(reverse("candidates:profile"), data)


# --- The candidate changes the profile after submission ------------------------------------------


def test_a_change_after_submission_updates_the_profile_and_opens_a_request_the_application_keeps_its_data(
    owner, accepted
):
    before = identity_values(accepted)
    response = change_name(owner, accepted)
    assert response.status_code == 302
    # The profile is the candidate's: it changes at once.
    accepted.candidate.refresh_from_db()
    assert accepted.candidate.last_name == "Смирнова"
    assert CandidateProfile.objects.get(user=accepted.candidate).id_doc_number == "654321"
    # The application and everything downstream read the submitted copy, unchanged.
    assert identity_values(accepted) == before
    accepted.refresh_from_db()
    assert accepted.applicant.last_name == before["last_name"]
    request = IdentityChangeRequest.objects.get(candidate=accepted.candidate)
    assert request.status == ChangeRequestStatus.SUBMITTED
    assert request.before["last_name"] == before["last_name"] and request.after["last_name"] == "Смирнова"
    assert set(request.changed_fields) == {"last_name", "id_doc_number"}
    assert list(request.applications.all()) == [accepted]
    assert request.supporting_name == "marriage.pdf" and request.supporting_content_type == "application/pdf"
    (row,) = request.history.all()
    assert (row.from_status, row.to_status, row.by) == ("", ChangeRequestStatus.SUBMITTED, accepted.candidate)
    assert row.data["before"]["id_doc_number"] == before["id_doc_number"]
    assert [level for level, _text in flashed(response)] == ["success"]


def test_a_change_after_submission_without_the_proof_is_refused_on_the_form_and_saves_nothing(owner, accepted):
    profile = CandidateProfile.objects.get(user=accepted.candidate)
    response = owner.post(reverse("candidates:profile"), profile_post(accepted.candidate, last_name="Смирнова"))
    assert response.status_code == 200
    assert ru(NEEDS_PROOF) in errors(response.context["form"], "supporting_document")
    accepted.candidate.refresh_from_db()
    assert accepted.candidate.last_name != "Смирнова"
    assert CandidateProfile.objects.get(user=accepted.candidate).updated_at == profile.updated_at
    assert not IdentityChangeRequest.objects.exists()


def test_a_proof_that_is_not_a_pdf_or_image_is_refused(owner, accepted):
    fake = SimpleUploadedFile("marriage.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    data = profile_post(accepted.candidate, last_name="Смирнова", supporting_document=fake)
    response = owner.post(reverse("candidates:profile"), data)
    assert response.status_code == 200
    assert errors(response.context["form"], "supporting_document")
    assert not IdentityChangeRequest.objects.exists()
    accepted.candidate.refresh_from_db()
    assert accepted.candidate.last_name != "Смирнова"


def test_a_change_of_phone_only_needs_no_request(owner, accepted):
    response = owner.post(reverse("candidates:profile"), profile_post(accepted.candidate, phone="+7 911 111-11-11"))
    assert response.status_code == 302
    assert flashed(response) == [("success", ru("Your profile is saved."))]
    assert not IdentityChangeRequest.objects.exists()


def test_a_draft_only_candidate_changes_the_profile_freely(client, draft):
    client.force_login(draft.candidate)
    response = client.post(reverse("candidates:profile"), profile_post(draft.candidate, last_name="Смирнова"))
    assert response.status_code == 302
    assert not IdentityChangeRequest.objects.exists()
    assert "supporting_document" not in client.get(reverse("candidates:profile")).context["form"].fields


def test_a_second_change_while_one_waits_amends_it_instead_of_opening_another(owner, accepted):
    change_name(owner, accepted)
    response = owner.post(
        reverse("candidates:profile"),
        profile_post(accepted.candidate, last_name="Смирнова", id_doc_number="654321", address="г. Пушкин"),
    )
    assert response.status_code == 302
    (request,) = IdentityChangeRequest.objects.all()
    assert request.after["address"] == "г. Пушкин" and request.after["last_name"] == "Смирнова"
    assert request.version == 2
    assert [(h.from_status, h.to_status) for h in request.history.all()] == [
        ("", ChangeRequestStatus.SUBMITTED),
        (ChangeRequestStatus.SUBMITTED, ChangeRequestStatus.SUBMITTED),
    ]


# --- The staff decide ------------------------------------------------------------------------------


@pytest.fixture
def pending(owner, accepted):
    change_name(owner, accepted)
    return IdentityChangeRequest.objects.get()


def test_approving_carries_the_change_into_the_open_application_and_is_announced_after_commit(pending, accepted, staff):
    received = []

    def receiver(sender, change_request_id, **kwargs):
        received.append(change_request_id)

    identity_change_approved.connect(receiver)
    try:
        with TestCase.captureOnCommitCallbacks(execute=True):
            services.change_request_approve(request=pending, by=staff, note="Свидетельство о браке проверено")
            assert received == []  # not before the commit
    finally:
        identity_change_approved.disconnect(receiver)
    assert received == [pending.pk]
    identity = ApplicantIdentity.objects.get(application=accepted)
    assert (identity.last_name, identity.id_doc_number) == ("Смирнова", "654321")
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by, pending.decision_note) == (
        ChangeRequestStatus.APPROVED,
        staff,
        "Свидетельство о браке проверено",
    )
    last = pending.history.last()
    assert (last.from_status, last.to_status, last.by) == (
        ChangeRequestStatus.SUBMITTED,
        ChangeRequestStatus.APPROVED,
        staff,
    )
    assert last.data["identities"] == [accepted.pk] and set(last.data["fields"]) == {"last_name", "id_doc_number"}


def test_refusing_changes_nothing_the_application_holds_and_needs_a_reason(pending, accepted, staff):
    before = identity_values(accepted)
    with pytest.raises(services.ApplicationError):
        services.change_request_refuse(request=pending, by=staff, reason="  ")
    pending.refresh_from_db()
    assert pending.status == ChangeRequestStatus.SUBMITTED
    services.change_request_refuse(request=pending, by=staff, reason="Копия нечитаема")
    assert identity_values(accepted) == before
    pending.refresh_from_db()
    assert (pending.status, pending.decision_note) == (ChangeRequestStatus.REFUSED, "Копия нечитаема")
    # A decided request is not decided again.
    with pytest.raises(services.IllegalTransition):
        services.change_request_approve(request=pending, by=staff)
    assert identity_values(accepted) == before


def test_a_candidate_cannot_decide_their_own_request(pending, accepted):
    with pytest.raises(services.IllegalTransition):
        services.change_request_approve(request=pending, by=accepted.candidate)
    pending.refresh_from_db()
    assert pending.status == ChangeRequestStatus.SUBMITTED


def test_the_staff_pages_show_before_and_after_the_file_and_decide(client, staff, pending, accepted):
    client.force_login(staff)
    listing = client.get(reverse("candidates:staff_change_requests"))
    assert listing.status_code == 200 and list(listing.context["page"].object_list) == [pending]
    page = client.get(reverse("candidates:staff_change_request", args=[pending.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "Смирнова" in html and 'data-testid="before-after"' in html
    assert PersonalDataAccess.objects.filter(viewer=staff, candidate=accepted.candidate, what="profile").exists()
    file = client.get(reverse("candidates:staff_change_request_file", args=[pending.pk]))
    assert file.status_code == 200 and b"".join(file.streaming_content).startswith(b"%PDF")
    assert file["Cache-Control"] == "private, no-store"
    assert PersonalDataAccess.objects.filter(viewer=staff, what="document").count() == 1
    refused = client.post(
        reverse("candidates:staff_change_request_decide", args=[pending.pk]),
        {"action": "refuse", "version": pending.version, "text": ""},
    )
    assert refused.status_code == 400
    pending.refresh_from_db()
    assert pending.status == ChangeRequestStatus.SUBMITTED
    approved = client.post(
        reverse("candidates:staff_change_request_decide", args=[pending.pk]),
        {"action": "approve", "version": pending.version, "text": ""},
    )
    assert approved.status_code == 302
    pending.refresh_from_db()
    assert pending.status == ChangeRequestStatus.APPROVED
    assert ApplicantIdentity.objects.get(application=accepted).last_name == "Смирнова"


def test_a_decision_on_a_stale_page_applies_nothing(client, staff, pending, accepted, owner):
    seen = pending.version
    owner.post(
        reverse("candidates:profile"),
        profile_post(accepted.candidate, last_name="Смирнова", id_doc_number="654321", address="г. Пушкин"),
    )
    client.force_login(staff)
    response = client.post(
        reverse("candidates:staff_change_request_decide", args=[pending.pk]),
        {"action": "approve", "version": seen, "text": ""},
    )
    assert response.status_code == 302
    assert [level for level, _t in flashed(response)][-1] == "warning"
    pending.refresh_from_db()
    assert pending.status == ChangeRequestStatus.SUBMITTED


def test_the_staff_home_counts_pending_requests(client, staff, pending):
    assert {i["key"]: i["count"] for i in selectors.board_items(today=timezone.localdate())}[
        "candidates.change_requests"
    ] == 1
    client.force_login(staff)
    item = next(i for i in client.get(reverse("home")).context["board"] if i["key"] == "candidates.change_requests")
    assert item["count"] == 1
    listed = client.get(item["url"]).content.decode()
    assert reverse("candidates:staff_change_request", args=[pending.pk]) in listed


# --- Only the staff: every new page, every persona ------------------------------------------------


def _snapshot():
    return {
        "requests": list(IdentityChangeRequest.objects.values_list("pk", "status", "version")),
        "history": IdentityChangeTransition.objects.count(),
        "identities": list(ApplicantIdentity.objects.values_list("pk", "last_name", "id_doc_number")),
        "audit": PersonalDataAccess.objects.count(),
        "active": list(get_user_model().objects.values_list("pk", "is_active")),
    }


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in ("staff", "head")])
@pytest.mark.parametrize(
    ("name", "method", "with_pk"),
    [
        ("candidates:staff_change_requests", "get", False),
        ("candidates:staff_change_request", "get", True),
        ("candidates:staff_change_request_file", "get", True),
        ("candidates:staff_change_request_decide", "post", True),
        ("candidates:staff_account_merge", "get", False),
        ("candidates:staff_account_merge", "post", False),
    ],
)
def test_everyone_but_the_staff_is_kept_out_and_nothing_changes(
    persona_client, persona, pending, accepted, name, method, with_pk
):
    url = reverse(name, args=[pending.pk] if with_pk else [])
    client, _user = persona_client(persona)
    if persona == "anonymous":
        client.logout()  # the fixtures logged the owner in on the same client
    if persona == "candidate":  # the ``candidate`` persona is not the request's owner: try the owner too
        client.force_login(accepted.candidate)
    before = _snapshot()
    data = {"action": "approve", "version": pending.version, "text": "x"}
    if name.endswith("merge"):
        data = {"kept": accepted.candidate.email, "duplicate": "x@example.test", "reason": "x", "confirm": "on"}
    response = getattr(client, method)(url, data) if method == "post" else client.get(url)
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code in (403, 404)
    assert _snapshot() == before


def test_the_access_funnel_gives_404_to_everyone_but_the_staff(pending, accepted, expert):
    for user in (accepted.candidate, expert):
        with pytest.raises(Exception) as exc:
            selectors.change_request_get_for_staff(user=user, pk=pending.pk)
        assert exc.type.__name__ == "Http404"
