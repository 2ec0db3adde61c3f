"""One SNILS, one person (issue 10 item 2): optional in the profile, unique where given.

The form refuses a SNILS already in another account; the partial unique constraint is the real
guard, and two saves racing for one SNILS end with one saved and the other told the same message.
"""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from candidates import services
from candidates.models import CandidateProfile
from qac.accounts.roles import Role
from tests.candidates.test_views import errors, profile_form, ru
from tests.factories import CandidateProfileFactory, UserFactory
from tests.helpers.threads import run_at_once

TAKEN = (
    "This SNILS is already in another account. One person has one account: if the other account is yours, "
    "ask the center to merge the two."
)


@pytest.fixture
def owner(client, candidate):
    client.force_login(candidate)
    return client


@pytest.mark.django_db
def test_a_snils_already_in_another_account_is_refused_on_the_form_and_nothing_is_saved(owner, candidate):
    other = CandidateProfileFactory(snils="11223344595")
    response = owner.post(reverse("candidates:profile"), profile_form(snils="112-233-445 95"))
    assert response.status_code == 200
    assert ru(TAKEN) in errors(response.context["form"], "snils")
    assert not CandidateProfile.objects.filter(user=candidate).exists()
    # The message names no one: whose the other account is stays private.
    assert other.user.email not in response.content.decode()


@pytest.mark.django_db
def test_the_own_snils_is_not_taken_by_oneself(owner, candidate):
    CandidateProfileFactory(user=candidate, snils="11223344595")
    response = owner.post(reverse("candidates:profile"), profile_form(snils="11223344595"))
    assert response.status_code == 302


@pytest.mark.django_db
def test_snils_is_optional_and_the_form_says_the_register_needs_it(owner, candidate, make_user):
    page = owner.get(reverse("candidates:profile"))
    assert not page.context["form"].fields["snils"].required
    with translation.override("en"):
        assert "register" in str(page.context["form"].fields["snils"].help_text)
    assert owner.post(reverse("candidates:profile"), profile_form(snils="")).status_code == 302
    assert CandidateProfile.objects.get(user=candidate).snils == ""
    # Blank is not a value: many profiles may leave it out.
    CandidateProfileFactory(snils="")
    assert CandidateProfile.objects.filter(snils="").count() == 2


@pytest.mark.django_db
def test_a_malformed_snils_is_still_refused(owner, candidate):
    response = owner.post(reverse("candidates:profile"), profile_form(snils="112-233"))
    assert response.status_code == 200
    assert ru("SNILS has 11 digits, e.g. 112-233-445 95.") in errors(response.context["form"], "snils")


@pytest.mark.django_db
def test_the_database_refuses_a_second_profile_with_the_same_snils():
    CandidateProfileFactory(snils="11223344595")
    with pytest.raises(IntegrityError), transaction.atomic():
        CandidateProfileFactory(snils="11223344595")


@pytest.mark.django_db
def test_a_submission_without_snils_keeps_it_blank_in_the_identity(draft):
    from tests.helpers.candidates import submit

    CandidateProfile.objects.filter(user=draft.candidate).update(snils="")
    submitted = submit(draft)
    assert submitted.identity.snils == "" and submitted.identity.snils_display == ""


@pytest.mark.django_db(transaction=True)
def test_two_accounts_saving_one_snils_at_once_one_wins_the_other_gets_the_message():
    first, second = UserFactory(role=Role.CANDIDATE), UserFactory(role=Role.CANDIDATE)
    data = {k: v for k, v in profile_form().items() if "-" not in k}
    names = {k: data.pop(k) for k in ("last_name", "first_name", "patronymic")}
    # What the form's cleaning hands the service: digits, dates, no spaces.
    data.update(
        snils="11223344595",
        id_doc_series="4012",
        date_of_birth=datetime.date(1990, 5, 17),
        id_doc_issued_on=datetime.date(2015, 6, 10),
    )

    def save(user):
        return lambda: services.profile_save(user=user, names=names, profile_data=dict(data))

    outcomes = run_at_once(save(first), save(second))
    saved = [o for o in outcomes if isinstance(o, CandidateProfile)]
    refused = [o for o in outcomes if isinstance(o, services.SnilsTaken)]
    assert len(saved) == 1 and len(refused) == 1, outcomes
    assert str(refused[0]) == services.snils_taken_message()
    assert CandidateProfile.objects.filter(snils="11223344595").count() == 1
    assert CandidateProfile.objects.count() == 1
