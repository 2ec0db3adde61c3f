"""The staff registry page (/staff/registry/): who may see it, export now, mark a batch, download
its files; refused requests change nothing; the page shows what was held back and the deadlines,
and its query count does not grow with the number of batches.

Celery is eager in the test settings, so "Export now" runs its task when the request's on-commit
callbacks run (``django_capture_on_commit_callbacks(execute=True)``).
"""

import datetime
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from candidates.models import ApplicantIdentity
from qac.certificates.models import IssuedDocument
from qac.registry import services
from qac.registry.models import BatchStatus, ExportBatch
from tests.helpers.access import PERSONAS
from tests.helpers.exams import ru
from tests.helpers.registry import registry_state, reported

pytestmark = pytest.mark.django_db

LIST = reverse("registry:batches")
EXPORT = reverse("registry:export_now")
STAFF = {"staff", "head"}


def refused(response, persona):
    """Anonymous visitors are sent to log in; other roles are forbidden."""
    if persona == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")
    else:
        assert response.status_code == 403


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def batch(issued):
    return services.registry_export(trigger="test").batch


# --- Access -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_registry_page_is_for_the_centers_staff_only(persona_client, persona, batch):
    client, _user = persona_client(persona)

    response = client.get(LIST)

    if persona in STAFF:
        assert response.status_code == 200
        assert f"#{batch.pk}" in response.content.decode()
    else:
        refused(response, persona)


@pytest.mark.parametrize("persona", PERSONAS)
def test_export_now_runs_the_export_for_staff_and_changes_nothing_for_anyone_else(
    persona_client, persona, issued, django_capture_on_commit_callbacks
):
    client, user = persona_client(persona)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(EXPORT)

    if persona in STAFF:
        assert response.status_code == 302 and response.url == LIST
        batch = ExportBatch.objects.get()
        assert batch.trigger == "manual" and batch.started_by == user
        assert batch.counts == {"certificate": 2, "conclusion": 2} and len(reported()) == 4
        assert messages_of(response) == [ru("The export is running; the batch appears here when it is done.")]
    else:
        refused(response, persona)
        assert registry_state() == {"batches": [], "records": [], "history": []}


def test_export_now_is_a_post(client, staff, issued):
    client.force_login(staff)
    assert client.get(EXPORT).status_code == 405
    assert registry_state() == {"batches": [], "records": [], "history": []}


@pytest.mark.parametrize("persona", PERSONAS)
def test_staff_mark_a_batch_submitted_and_nobody_else_may(persona_client, persona, batch):
    client, _user = persona_client(persona)
    before = registry_state()

    response = client.post(reverse("registry:mark", args=[batch.pk]), {"status": "submitted", "note": "ЛК"})

    batch.refresh_from_db()
    if persona in STAFF:
        assert response.status_code == 302 and response.url == LIST
        assert batch.status == BatchStatus.SUBMITTED and batch.note == "ЛК" and batch.submitted_at
        assert messages_of(response) == [ru("Saved.")]
    else:
        refused(response, persona)
        assert registry_state() == before


def test_marking_follows_the_order_and_refusals_are_shown_and_change_nothing(client, staff, batch):
    client.force_login(staff)
    url = reverse("registry:mark", args=[batch.pk])

    def post(status) -> list[str]:
        response = client.post(url, {"status": status}, follow=True)
        assert response.redirect_chain == [(LIST, 302)]
        return [str(m) for m in response.context["messages"]]

    before = registry_state()
    cannot = ru(
        "A batch that is «%(status)s» cannot be marked «%(to)s».",
        status=ru("Exported"),
        to=ru("Acknowledged by the register"),
    )
    assert post("acknowledged") == [cannot]
    for status in ("exported", "failed", "bogus", ""):
        assert post(status) == [ru("Unknown status.")], status
    assert registry_state() == before

    assert post("submitted") == [ru("Saved.")]
    assert post("acknowledged") == [ru("Saved.")]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.ACKNOWLEDGED and batch.submitted_at <= batch.acknowledged_at

    after = registry_state()
    assert post("submitted") == [
        ru(
            "A batch that is «%(status)s» cannot be marked «%(to)s».",
            status=ru("Acknowledged by the register"),
            to=ru("Submitted to the register"),
        )
    ]
    assert registry_state() == after


def test_marking_an_unknown_batch_is_404_and_a_get_is_405(client, staff, batch):
    client.force_login(staff)
    assert client.post(reverse("registry:mark", args=[batch.pk + 100]), {"status": "submitted"}).status_code == 404
    assert client.get(reverse("registry:mark", args=[batch.pk])).status_code == 405
    batch.refresh_from_db()
    assert batch.status == BatchStatus.EXPORTED


# --- Files --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("kind", "content_type"), [("xml", "application/xml"), ("csv", "text/csv; charset=utf-8")])
def test_the_files_are_downloaded_by_staff_only(persona_client, persona, batch, kind, content_type):
    client, _user = persona_client(persona)
    field = batch.xml_file if kind == "xml" else batch.csv_file

    response = client.get(reverse("registry:file", args=[batch.pk, kind]))

    if persona in STAFF:
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"] == f'attachment; filename="{Path(field.name).name}"'
        assert response["Cache-Control"] == "private, no-store"
        assert b"".join(response.streaming_content) == Path(field.path).read_bytes()
    else:
        refused(response, persona)


def test_an_unknown_kind_or_batch_or_a_missing_file_is_404(client, staff, batch):
    client.force_login(staff)
    assert client.get(reverse("registry:file", args=[batch.pk, "pdf"])).status_code == 404
    assert client.get(reverse("registry:file", args=[batch.pk + 100, "xml"])).status_code == 404
    Path(batch.csv_file.path).unlink()
    assert client.get(reverse("registry:file", args=[batch.pk, "csv"])).status_code == 404
    assert client.get(reverse("registry:file", args=[batch.pk, "xml"])).status_code == 200


# --- What the page shows ----------------------------------------------------------------------------------


def test_the_page_shows_what_was_held_back_and_why_and_the_deadline_alert(client, staff, issued):
    held = issued.documents[0]
    ApplicantIdentity.objects.filter(application__enrolments__result__documents=held).update(snils="")
    services.registry_export(trigger="test")
    IssuedDocument.objects.filter(pk=held.pk).update(exam_date=timezone.localdate() - datetime.timedelta(days=45))
    client.force_login(staff)

    response = client.get(LIST)

    page = response.content.decode()
    reason = escape(ru("no SNILS in the application: the register requires it (the candidate adds it in the profile)"))
    assert f"certificate #{held.pk}: {reason}" in page
    assert 'data-testid="registry-deadlines"' in page and "alert-danger" in page
    alert = page.split('data-testid="registry-deadlines"', 1)[1].split("</div>", 1)[0]
    assert "Ёлкин" in alert and held.number in alert
    assert response.context["watch"]["overdue"] == 1


def test_no_alert_when_nothing_is_close_to_its_deadline(client, staff, batch):
    client.force_login(staff)
    page = client.get(LIST).content.decode()
    assert 'data-testid="registry-deadlines"' not in page


def test_the_list_takes_the_same_queries_for_2_and_10_batches(client, staff, head, issued, django_assert_num_queries):
    IssuedDocument.objects.update(exam_date=timezone.localdate() - datetime.timedelta(days=40))
    client.force_login(staff)

    def batches(n):
        for i in range(n):
            ExportBatch.objects.create(
                trigger="nightly",
                started_by=head if i % 2 else staff,
                status=[BatchStatus.EXPORTED, BatchStatus.SUBMITTED, BatchStatus.ACKNOWLEDGED][i % 3],
                counts={"certificate": i + 1, "conclusion": 1},
                skipped=[{"document": issued.documents[0].pk, "type": "certificate", "reason": "нет СНИЛС"}],
                xml_file=f"registry/b{i}.xml",
                csv_file=f"registry/b{i}.csv",
                submitted_at=timezone.now() if i % 3 else None,
            )

    batches(2)
    with CaptureQueriesContext(connection) as two:
        assert client.get(LIST).status_code == 200

    batches(8)
    with django_assert_num_queries(len(two.captured_queries)):
        response = client.get(LIST)
    assert len(response.context["page"].object_list) == 10
    page = response.content.decode()
    assert page.count("/mark/") == 8, "a mark button on every batch not yet acknowledged"
    assert page.count("нет СНИЛС") == 10 and 'data-testid="registry-deadlines"' in page


def test_the_staff_home_counts_the_records_close_to_their_deadline(client, staff, issued):
    """The to-do board's registry item: unreported records near or past their deadline, due on the earliest."""
    today = timezone.localdate()
    overdue, soon = issued.documents[:2]
    IssuedDocument.objects.filter(pk=overdue.pk).update(exam_date=today - datetime.timedelta(days=31))
    IssuedDocument.objects.filter(pk=soon.pk).update(exam_date=today - datetime.timedelta(days=25))
    client.force_login(staff)

    def item():
        board = client.get(reverse("home")).context["board"]
        return next(i for i in board if i["key"] == "registry.to_report")

    shown = item()
    assert (shown["count"], shown["state"], shown["days_over"]) == (2, "overdue", 1)
    assert shown["due"] == today - datetime.timedelta(days=1)
    watch = client.get(shown["url"]).context["watch"]
    assert (watch["overdue"], watch["due_soon"]) == (1, 1)  # the page it links to lists the same two

    services.registry_export(trigger="test")
    assert (item()["count"], item()["state"]) == (0, "none")
