"""Withdrawal of consent (152-FZ art. 9 p.2, art. 21 p.5): from the profile or registered by staff, into
the next act, the candidate told what is kept and why; and the staff board's items."""

import datetime
import re
from html import escape

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.models import Application, ApplicationStatus, CandidateProfile
from qac.exams.models import Enrolment
from qac.retention import services
from qac.retention.models import ActItem, ConsentWithdrawal, RecordKind, WithdrawalVia
from qac.retention.selectors import board_items
from standards.models import Qualification
from tests.factories import ApplicationFactory, CandidateProfileFactory
from tests.helpers.exams import ru

pytestmark = pytest.mark.django_db
NOTHING_KEPT = "Nothing: you have not sat an exam, so no law obliges the center to keep your data."
WHY_759N = (
    "Order 759n p.3 «ж»: the center keeps the application, the protocol and the exam materials "
    "for the certificate's validity and three years after; 152-FZ art. 6 p.1 (2) and art. 21 p.5 "
    "allow keeping them without consent."
)


@pytest.fixture
def applicant(candidate):
    CandidateProfileFactory(user=candidate)
    return candidate


def test_withdrawing_from_the_profile_withdraws_open_applications_and_the_next_act_destroys_the_account(
    applicant, head, client
):
    draft = ApplicationFactory(candidate=applicant)
    client.force_login(applicant)
    page = client.get(reverse("retention:withdraw_consent"))
    assert page.status_code == 200 and escape(ru(NOTHING_KEPT)) in page.content.decode()
    response = client.post(reverse("retention:withdraw_consent"), {"confirm": "on"}, follow=True)
    assert response.status_code == 200
    withdrawal = ConsentWithdrawal.objects.get(candidate=applicant)
    assert withdrawal.via == WithdrawalVia.PROFILE
    assert withdrawal.due_on == timezone.localdate() + datetime.timedelta(days=30)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.WITHDRAWN

    act = services.act_propose(today=timezone.localdate())
    assert set(act.items.values_list("kind", "object_id")) == {
        (RecordKind.APPLICATION_UNEXAMINED, draft.pk),
        (RecordKind.CONSENT_WITHDRAWAL, withdrawal.pk),
    }
    services.act_approve(act=act, by=head)
    services.act_execute(act_id=act.pk)
    applicant.refresh_from_db()
    withdrawal.refresh_from_db()
    assert withdrawal.completed_at is not None
    assert not applicant.is_active and not applicant.has_usable_password()
    assert not CandidateProfile.objects.filter(user=applicant).exists()
    assert Application.objects.filter(pk=draft.pk).exists(), "the row stays, counted"


def test_a_second_withdrawal_while_one_waits_is_refused(applicant):
    services.consent_withdraw(candidate=applicant, by=applicant)
    with pytest.raises(
        services.RetentionError,
        match=re.escape(ru("A withdrawal of consent is already registered and waits to be carried out.")),
    ):
        services.consent_withdraw(candidate=applicant, by=applicant)
    assert ConsentWithdrawal.objects.count() == 1


def test_nobody_withdraws_consent_for_someone_else_from_a_profile(applicant, other_candidate):
    with pytest.raises(services.RetentionError):
        services.consent_withdraw(candidate=applicant, by=other_candidate)
    assert not ConsentWithdrawal.objects.exists()


@pytest.mark.parametrize("persona", ["candidate", "expert"])
def test_only_staff_register_a_paper_withdrawal(persona, persona_client, other_candidate):
    client, _user = persona_client(persona)
    response = client.post(reverse("retention:withdrawals"), {"email": other_candidate.email, "note": "x"})
    assert response.status_code == 403
    assert not ConsentWithdrawal.objects.exists()


def test_staff_register_a_paper_withdrawal_and_an_unknown_email_is_a_clear_error(staff, applicant, client):
    client.force_login(staff)
    response = client.post(reverse("retention:withdrawals"), {"email": "nobody@example.org", "note": "письмо"})
    assert response.status_code == 200 and escape(ru("No account has this e-mail.")) in response.content.decode()
    client.post(reverse("retention:withdrawals"), {"email": applicant.email, "note": "Письмо от 20.11, вх. 57"})
    withdrawal = ConsentWithdrawal.objects.get()
    assert (withdrawal.candidate, withdrawal.via, withdrawal.registered_by) == (applicant, WithdrawalVia.STAFF, staff)


def test_the_candidate_is_told_what_is_kept_and_why(demo, client):
    """A candidate who sat the exam: the file stays for the certificate's validity plus three years (759n)."""
    enrolment = Enrolment.objects.filter(application__status=ApplicationStatus.PASSED).select_related("application")
    holder = enrolment.first().application.candidate
    client.force_login(holder)
    client.post(reverse("retention:withdraw_consent"), {"confirm": "on"})
    kept = ConsentWithdrawal.objects.get(candidate=holder).kept
    assert any(k["why"] == ru(WHY_759N) and k["until"] for k in kept)
    page = client.get(reverse("retention:withdraw_consent")).content.decode()
    assert escape(ru(WHY_759N)) in page and kept[0]["until"] in page


def test_a_withdrawal_waits_while_the_candidate_is_enrolled_in_an_exam(demo):
    scheduled = Application.objects.filter(status=ApplicationStatus.SCHEDULED).select_related("candidate").first()
    services.consent_withdraw(candidate=scheduled.candidate, by=scheduled.candidate)
    withdrawal = ConsentWithdrawal.objects.get(candidate=scheduled.candidate)
    services.act_propose(today=timezone.localdate() + datetime.timedelta(days=1))
    assert not ActItem.objects.filter(kind=RecordKind.CONSENT_WITHDRAWAL, object_id=withdrawal.pk).exists()
    assert scheduled.candidate.applications.filter(status=ApplicationStatus.SCHEDULED).exists()


def test_board_items_count_acts_awaiting_approval_and_withdrawals_due_within_30_days(applicant, other_candidate):
    today = timezone.localdate()
    assert [(i["key"], i["count"]) for i in board_items(today=today)] == [
        ("retention_acts", 0),
        ("consent_withdrawals", 0),
    ]
    services.consent_withdraw(candidate=applicant, by=applicant)
    act = services.act_propose(today=today)
    items = {i["key"]: i for i in board_items(today=today)}
    assert items["retention_acts"]["count"] == 1 and items["retention_acts"]["due"] == act.proposed_on
    assert items["consent_withdrawals"]["count"] == 1
    assert items["consent_withdrawals"]["due"] == today + datetime.timedelta(days=30)
    assert items["retention_acts"]["url"] == reverse("retention:acts")
    assert set(items["retention_acts"]) == {"key", "label", "count", "due", "url"}
    # A withdrawal due beyond the window is not on the board yet.
    ConsentWithdrawal.objects.update(due_on=today + datetime.timedelta(days=45))
    assert {i["key"]: i["count"] for i in board_items(today=today)}["consent_withdrawals"] == 0


def test_an_act_holds_at_most_the_set_number_of_records_withdrawals_first_and_the_rest_comes_next(
    applicant, head, settings
):
    """A withdrawal's own applications are destroyed with it even when the act's size cut them off."""
    settings.QAC_RETENTION_ACT_MAX_ITEMS = 2
    then = timezone.now() - datetime.timedelta(days=4 * 366)
    others = [ApplicationFactory(status="withdrawn") for _ in range(3)]
    Application.objects.filter(pk__in=[a.pk for a in others]).update(created_at=then, decided_at=then)
    own = [ApplicationFactory(candidate=applicant, qualification=q) for q in Qualification.objects.all()[:2]]
    withdrawal = services.consent_withdraw(candidate=applicant, by=applicant)
    act = services.act_propose(today=timezone.localdate())
    assert act.items.count() == 2
    assert act.items.filter(kind=RecordKind.CONSENT_WITHDRAWAL, object_id=withdrawal.pk).exists()
    services.act_approve(act=act, by=head)
    services.act_execute(act_id=act.pk)
    destroyed = set(act.items.filter(outcome="destroyed").values_list("kind", "object_id"))
    assert {(RecordKind.APPLICATION_UNEXAMINED, a.pk) for a in own} <= destroyed
    following = services.act_propose(today=timezone.localdate())
    listed = set(following.items.values_list("object_id", flat=True))
    assert listed and listed <= {a.pk for a in others}
    assert not listed & {a.pk for a in own}
