"""Two accounts of one person made one (issue 10 item 2): what moves, what is recorded, and the refusals.

Chosen rule: a merge is refused while both accounts hold an open application for the same
qualification; which of the two goes on is a decision on an application (withdraw or refuse one
first), not something a merge may choose silently, and it would break the one-open-application rule.
"""

import pytest
from django.urls import reverse

from candidates import services
from candidates.models import (
    AccountMerge,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationTransition,
    CandidateProfile,
)
from qac.accounts.roles import Role
from standards.models import Qualification
from tests.factories import CandidateProfileFactory, UserFactory
from tests.helpers.candidates import submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def open_application(user, code="31.00400.02", submitted=True):
    application = services.application_create(candidate=user, qualification=Qualification.objects.get(code=code))
    return submit(application) if submitted else application


@pytest.fixture
def kept():
    return CandidateProfileFactory().user


@pytest.fixture
def duplicate():
    """The second account the person made later: a profile without SNILS (the first account holds it)."""
    return CandidateProfileFactory(snils="").user


def state():
    return {
        "applications": list(Application.objects.order_by("pk").values_list("pk", "candidate", "status")),
        "documents": ApplicationDocument.objects.count(),
        "history": ApplicationTransition.objects.count(),
        "profiles": list(CandidateProfile.objects.order_by("pk").values_list("pk", "user", "snils")),
        "merges": AccountMerge.objects.count(),
    }


def test_a_merge_moves_applications_with_documents_and_history_and_deactivates_the_other(kept, duplicate, staff):
    mine = open_application(duplicate, code="31.00400.03")
    documents = list(mine.documents.values_list("pk", flat=True))
    history = list(mine.history.values_list("pk", flat=True))
    assert documents and history
    merge = services.accounts_merge(kept=kept, duplicate=duplicate, by=staff, reason="Паспорт один и тот же")
    mine.refresh_from_db()
    assert mine.candidate == kept
    assert list(mine.documents.values_list("pk", flat=True)) == documents
    assert list(mine.history.values_list("pk", flat=True)) == history
    duplicate.refresh_from_db()
    assert duplicate.is_active is False
    assert (merge.kept, merge.duplicate, merge.by, merge.reason) == (kept, duplicate, staff, "Паспорт один и тот же")
    assert merge.moved["applications"] == [mine.pk]


def test_the_kept_account_gets_the_snils_or_the_whole_profile_it_lacked(staff):
    with_snils = CandidateProfileFactory(snils="11223344595")
    kept = CandidateProfileFactory(snils="").user
    services.accounts_merge(kept=kept, duplicate=with_snils.user, by=staff, reason="Один человек")
    assert CandidateProfile.objects.get(user=kept).snils == "11223344595"
    assert CandidateProfile.objects.get(user=with_snils.user).snils == ""

    no_profile = UserFactory(role=Role.CANDIDATE)
    other = CandidateProfileFactory(snils="")
    merge = services.accounts_merge(kept=no_profile, duplicate=other.user, by=staff, reason="Один человек")
    assert CandidateProfile.objects.get(pk=other.pk).user == no_profile and merge.moved["profile"] is True


def test_a_merge_is_refused_while_both_have_an_open_application_for_one_qualification(kept, duplicate, staff):
    open_application(kept)
    open_application(duplicate, submitted=False)  # a draft is open too
    before = state()
    with pytest.raises(services.MergeRefused) as exc:
        services.accounts_merge(kept=kept, duplicate=duplicate, by=staff, reason="Один человек")
    assert "31.00400.02" in str(exc.value)
    assert state() == before
    duplicate.refresh_from_db()
    assert duplicate.is_active


def test_a_closed_application_for_the_same_qualification_does_not_stop_a_merge(kept, duplicate, staff):
    open_application(kept)
    old = open_application(duplicate)
    services.application_withdraw(application=old, by=duplicate)
    services.accounts_merge(kept=kept, duplicate=duplicate, by=staff, reason="Один человек")
    assert Application.objects.filter(candidate=kept).count() == 2
    assert Application.objects.filter(candidate=kept, status=ApplicationStatus.WITHDRAWN).count() == 1


@pytest.mark.parametrize(
    "case",
    ["same-account", "different-snils", "not-a-candidate", "no-reason", "not-staff", "already-merged"],
)
def test_the_merge_refusals_change_nothing(case, kept, duplicate, staff, expert):
    by, reason, one, two = staff, "Один человек", kept, duplicate
    if case == "same-account":
        two = kept
    elif case == "different-snils":
        two = CandidateProfileFactory().user
    elif case == "not-a-candidate":
        two = expert
    elif case == "no-reason":
        reason = "   "
    elif case == "not-staff":
        by = kept
    elif case == "already-merged":
        services.accounts_merge(kept=kept, duplicate=duplicate, by=staff, reason="Один человек")
        one, two = UserFactory(role=Role.CANDIDATE), duplicate
    before = state()
    with pytest.raises(services.ApplicationError):
        services.accounts_merge(kept=one, duplicate=two, by=by, reason=reason)
    assert state() == before


def test_the_merge_page_merges_for_the_staff_and_shows_refusals(client, staff, kept, duplicate):
    client.force_login(staff)
    url = reverse("candidates:staff_account_merge")
    assert client.get(url).status_code == 200
    open_application(kept)
    open_application(duplicate)
    data = {"kept": kept.email, "duplicate": duplicate.email, "reason": "Один человек", "confirm": "on"}
    refused = client.post(url, data)
    assert refused.status_code == 400 and 'data-testid="merge-error"' in refused.content.decode()
    assert not AccountMerge.objects.exists()
    Application.objects.filter(candidate=duplicate).update(status=ApplicationStatus.WITHDRAWN)
    assert client.post(url, {**data, "confirm": ""}).status_code == 400  # the check is confirmed
    assert not AccountMerge.objects.exists()
    done = client.post(url, data)
    assert done.status_code == 302
    assert AccountMerge.objects.get().duplicate == duplicate
