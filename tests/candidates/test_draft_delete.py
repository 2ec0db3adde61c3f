"""A draft is deleted with its files («Удалить черновик»); only a registered application is withdrawn («Отозвать»).
SNILS shows in the profile as people write it."""

import pytest
from django.test import TestCase
from django.urls import reverse

from candidates.models import Application, ApplicationDocument
from tests.factories import CandidateProfileFactory
from tests.helpers.candidates import attach_mandatory

pytestmark = pytest.mark.django_db


def test_the_candidate_deletes_their_draft_and_its_files(client, draft):
    attach_mandatory(draft)
    files = [d.file for d in ApplicationDocument.objects.filter(application=draft)]
    assert files and all(f.storage.exists(f.name) for f in files)
    client.force_login(draft.candidate)
    page = client.get(reverse("candidates:application", args=[draft.pk])).content.decode()
    assert 'data-testid="delete-draft"' in page
    assert reverse("candidates:application_withdraw", args=[draft.pk]) not in page
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("candidates:application_delete", args=[draft.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("candidates:dashboard")
    assert not Application.objects.filter(pk=draft.pk).exists()
    assert not any(f.storage.exists(f.name) for f in files)


def test_another_candidate_cannot_delete_it(client, draft, other_candidate):
    client.force_login(other_candidate)
    assert client.post(reverse("candidates:application_delete", args=[draft.pk])).status_code == 404
    assert Application.objects.filter(pk=draft.pk).exists()


@pytest.mark.parametrize("persona", ["anonymous", "expert", "staff"])
def test_nobody_else_can_delete_it(persona, persona_client, draft):
    client, _user = persona_client(persona)
    assert client.post(reverse("candidates:application_delete", args=[draft.pk])).status_code in (302, 403, 404)
    assert Application.objects.filter(pk=draft.pk).exists()


def test_a_submitted_application_is_withdrawn_not_deleted(client, submitted, settings):
    client.force_login(submitted.candidate)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("candidates:application", args=[submitted.pk])).content.decode()
    assert 'data-testid="delete-draft"' not in page
    assert reverse("candidates:application_withdraw", args=[submitted.pk]) in page
    response = client.post(reverse("candidates:application_delete", args=[submitted.pk]), follow=True)
    assert response.status_code == 200
    assert Application.objects.get(pk=submitted.pk).status == submitted.status
    (message,) = response.context["messages"]
    assert str(message) == "Only a draft can be deleted; a submitted application can be withdrawn."


def test_snils_shows_as_people_write_it(client, candidate):
    CandidateProfileFactory(user=candidate, snils="11223344595")
    client.force_login(candidate)
    form = client.get(reverse("candidates:profile")).context["form"]
    assert form["snils"].value() == "112-233-445 95"
    assert 'placeholder="123-456-789 01"' in str(form["snils"])
