"""The act's state machine and its pages: only the head decides, once; nothing is destroyed without an
approved act; a record within its period is refused; the worker may run twice."""

import datetime
import re
from html import escape

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from candidates.models import Application, ApplicationDocument, CandidateProfile
from qac.retention import services, tasks
from qac.retention.models import ActItem, ActStatus, DestructionAct, ItemOutcome, RecordKind
from tests.factories import ApplicationFactory, CandidateProfileFactory
from tests.helpers.exams import ru
from tests.helpers.retention import shifted

pytestmark = pytest.mark.django_db
STILL_WITHIN = "%(what)s is still within its retention period on %(today)s; it is not destroyed."
APPROVED_TWICE = "Act %(number)s is already approved (%(who)s, %(at)s); it cannot be approved again."


@pytest.fixture
def old_application(candidate):
    """A withdrawn application with one uploaded file, closed four years ago: due (3 years) today."""
    application = ApplicationFactory(candidate=candidate, status="withdrawn")
    then = timezone.now() - datetime.timedelta(days=4 * 366)
    Application.objects.filter(pk=application.pk).update(created_at=then, decided_at=then)
    upload = ApplicationDocument(
        application=application,
        original_name="scan.pdf",
        content_type="application/pdf",
        size=4,
        sha256="0" * 64,
        uploaded_by=candidate,
    )
    upload.file.save("scan.pdf", ContentFile(b"%PDF"), save=False)
    upload.save()
    return application


@pytest.fixture
def act(old_application):
    return services.act_propose(today=timezone.localdate(), trigger="test")


def test_the_job_lists_the_due_application_and_destroys_nothing_until_approved(act, old_application):
    assert act.status == ActStatus.PROPOSED
    assert list(act.items.values_list("kind", "object_id")) == [(RecordKind.APPLICATION_UNEXAMINED, old_application.pk)]
    assert services.act_execute(act_id=act.pk).status == ActStatus.PROPOSED, "a proposed act is not carried out"
    name = old_application.documents.get().file.name
    assert default_storage.exists(name)
    with pytest.raises(services.RetentionError, match=re.escape(ru("Nothing is destroyed without an approved act."))):
        services.record_destroy(item=act.items.get(), today=timezone.localdate())
    assert default_storage.exists(name)


def test_destroying_a_record_still_within_its_period_is_refused(head, candidate):
    recent = ApplicationFactory(candidate=candidate, status="withdrawn")
    Application.objects.filter(pk=recent.pk).update(decided_at=timezone.now())
    act = services.act_propose(today=shifted(4), trigger="test")
    services.act_approve(act=act, by=head)
    item = act.items.get()
    today = timezone.localdate()
    refusal = ru(STILL_WITHIN, what=item.label, today=today.strftime("%d.%m.%Y"))
    with pytest.raises(services.StillWithinPeriod, match=re.escape(refusal)):
        services.record_destroy(item=item, today=today)
    item.refresh_from_db()
    assert item.outcome == ItemOutcome.PENDING


def _approved_twice(act) -> str:
    """What the head is told on approving ``act`` again: its number, who approved it and when."""
    act.refresh_from_db()
    at = timezone.localtime(act.decided_at).strftime("%d.%m.%Y %H:%M")
    return ru(APPROVED_TWICE, number=act.number, who=act.decided_by.get_full_name(), at=at)


def test_an_act_approved_twice_is_refused_with_a_clear_message(act, head):
    services.act_approve(act=act, by=head)
    with pytest.raises(services.RetentionError, match=re.escape(_approved_twice(act))):
        services.act_approve(act=act, by=head)
    assert act.history.filter(to_status=ActStatus.APPROVED).count() == 1


def test_the_second_approval_through_the_page_says_so_and_changes_nothing(act, head, client):
    client.force_login(head)
    url = reverse("retention:act_action", args=[act.pk])
    client.post(url, {"action": "approve"})
    act.refresh_from_db()
    decided = (act.status, act.decided_at, act.version)
    response = client.post(url, {"action": "approve"}, follow=True)
    assert escape(_approved_twice(act)) in response.content.decode()
    act.refresh_from_db()
    assert (act.status, act.decided_at, act.version) == decided


@pytest.mark.parametrize("persona", ["candidate", "other_candidate", "expert", "staff"])
def test_only_the_head_sees_or_decides_an_act(act, persona, persona_client):
    client, _user = persona_client(persona)
    assert client.get(reverse("retention:acts")).status_code == 403
    assert client.get(reverse("retention:act", args=[act.pk])).status_code == 403
    assert client.post(reverse("retention:act_action", args=[act.pk]), {"action": "approve"}).status_code == 403
    act.refresh_from_db()
    assert act.status == ActStatus.PROPOSED and not act.history.exclude(to_status=ActStatus.PROPOSED).exists()


def test_anonymous_visitors_are_sent_to_log_in(act):
    response = Client().post(reverse("retention:act_action", args=[act.pk]), {"action": "approve"})
    assert response.status_code == 302 and "login" in response["Location"]
    act.refresh_from_db()
    assert act.status == ActStatus.PROPOSED


def test_a_missing_act_is_404_for_the_head(head, client):
    client.force_login(head)
    assert client.get(reverse("retention:act", args=[987654])).status_code == 404


def test_rejecting_needs_a_reason_and_keeps_the_records_out_of_the_next_act_for_a_while(act, head, client):
    client.force_login(head)
    url = reverse("retention:act_action", args=[act.pk])
    response = client.post(url, {"action": "reject", "note": ""}, follow=True)
    assert escape(ru("Say why the act is rejected.")) in response.content.decode()
    client.post(url, {"action": "reject", "note": "Проверим с юристом"})
    act.refresh_from_db()
    assert act.status == ActStatus.REJECTED and act.decision_note == "Проверим с юристом"
    assert services.act_propose(today=timezone.localdate()) is None
    assert services.act_propose(today=timezone.localdate() + datetime.timedelta(days=31)) is not None


def test_approval_runs_the_worker_on_commit_which_destroys_renders_and_may_run_twice(
    act, old_application, head, client, django_capture_on_commit_callbacks
):
    upload = old_application.documents.get().file.name
    client.force_login(head)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("retention:act_action", args=[act.pk]), {"action": "approve", "note": "Согласовано"})
    act.refresh_from_db()
    assert act.status == ActStatus.EXECUTED and act.executed_at
    assert not default_storage.exists(upload), "the file is really gone from storage"
    assert not ApplicationDocument.objects.filter(application=old_application).exists()
    text = "".join(page.extract_text() for page in PdfReader(act.pdf.open("rb")).pages)
    assert f"АКТ № {act.number}" in text and "уничтожено" in text
    assert head.last_name in text, "the act names who approved it"
    first = (act.pdf.name, act.pdf_sha256, list(ActItem.objects.values_list("outcome", "done_at")))
    again = services.act_execute(act_id=act.pk)
    assert again.status == ActStatus.EXECUTED
    act.refresh_from_db()
    assert (act.pdf.name, act.pdf_sha256, list(ActItem.objects.values_list("outcome", "done_at"))) == first
    response = client.get(reverse("retention:act_pdf", args=[act.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_a_record_is_never_in_two_live_acts(act):
    assert services.act_propose(today=timezone.localdate()) is None
    assert DestructionAct.objects.count() == 1


def test_the_candidates_profile_goes_when_the_account_is_due(candidate, old_application, head):
    CandidateProfileFactory(user=candidate)
    act = services.act_propose(today=timezone.localdate())
    services.act_approve(act=act, by=head)
    services.act_execute(act_id=act.pk)
    old = timezone.now() - datetime.timedelta(days=4 * 366)
    type(candidate).objects.filter(pk=candidate.pk).update(date_joined=old, last_login=None)
    act = services.act_propose(today=timezone.localdate())
    assert list(act.items.values_list("kind", "object_id")) == [(RecordKind.CANDIDATE_ACCOUNT, candidate.pk)]
    services.act_approve(act=act, by=head)
    services.act_execute(act_id=act.pk)
    candidate.refresh_from_db()
    assert not candidate.is_active and candidate.last_name == "" and candidate.email.endswith(".invalid")
    assert not CandidateProfile.objects.filter(user=candidate).exists()
    assert Application.objects.filter(candidate=candidate).count() == 1, "the application row is still counted"


def _withdrawn_long_ago(count: int) -> None:
    then = timezone.now() - datetime.timedelta(days=4 * 366)
    applications = [ApplicationFactory(status="withdrawn") for _ in range(count)]
    Application.objects.filter(pk__in=[a.pk for a in applications]).update(created_at=then, decided_at=then)


def test_the_nightly_selection_costs_the_same_queries_for_one_due_record_or_many(django_assert_max_num_queries):
    """Set-based: one query per kind (plus the qualifications), never one per record."""
    _withdrawn_long_ago(1)
    with CaptureQueriesContext(connection) as one:
        services.act_propose(today=timezone.localdate(), trigger="test")
    DestructionAct.objects.all().delete()
    _withdrawn_long_ago(6)
    with django_assert_max_num_queries(len(one.captured_queries)):
        act = services.act_propose(today=timezone.localdate(), trigger="test")
    assert act.items.count() == 7


def test_the_nightly_task_lists_the_act_and_one_listing_runs_at_a_time(old_application, head, client):
    assert tasks.retention_propose_task() == DestructionAct.objects.get().number
    assert tasks.retention_propose_task() == "nothing due"
    cache.add(services.PROPOSE_LOCK, "1")
    try:
        assert tasks.retention_propose_task() == "locked"
        client.force_login(head)
        response = client.post(reverse("retention:propose"), follow=True)
        assert escape(ru("The records are being listed right now; try again in a minute.")) in response.content.decode()
    finally:
        cache.delete(services.PROPOSE_LOCK)
    assert DestructionAct.objects.count() == 1
