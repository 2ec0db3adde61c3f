"""The appeal pages: the candidate's form and panel, the staff list and appeal page, who may see what."""

import datetime

import pytest
from django.utils import timezone

from candidates.models import ApplicationTransition
from qac.appeals.models import Appeal, AppealStatus
from tests.factories import pdf_upload
from tests.helpers.appeals import file_appeal, forward
from tests.helpers.threads import run_at_once

S = AppealStatus


def test_the_application_page_offers_the_appeal_until_the_deadline(client, candidate, application):
    client.force_login(candidate)
    html = client.get(f"/me/applications/{application.pk}/").content.decode()

    closes = (timezone.localdate() + datetime.timedelta(days=30)).strftime("%d.%m.%Y")
    assert 'data-testid="file-appeal"' in html and closes in html


def test_a_candidate_files_an_appeal_from_the_form(client, candidate, application):
    client.force_login(candidate)
    assert client.get(f"/me/applications/{application.pk}/appeal/").status_code == 200

    response = client.post(
        f"/me/applications/{application.pk}/appeal/",
        {
            "grounds": ["result"],
            "statement": "Не согласен с оценкой",
            "files": [pdf_upload("a.pdf"), pdf_upload("b.pdf")],
        },
    )

    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.files.count() == 2 and appeal.filed_by == candidate
    html = client.get(f"/me/applications/{application.pk}/").content.decode()
    assert f'data-testid="appeal-{appeal.pk}"' in html and 'data-testid="file-appeal"' not in html
    file_pk = appeal.files.first().pk
    assert client.get(f"/appeals/files/{file_pk}/").status_code == 200


def test_a_late_appeal_is_refused_on_the_form_with_the_date(client, candidate, application):
    told = timezone.now() - datetime.timedelta(days=40)
    ApplicationTransition.objects.filter(application=application, to_status=application.status).update(at=told)
    closed = (timezone.localdate(told) + datetime.timedelta(days=30)).strftime("%d.%m.%Y")
    client.force_login(candidate)

    page = client.get(f"/me/applications/{application.pk}/").content.decode()
    response = client.post(f"/me/applications/{application.pk}/appeal/", {"grounds": ["result"], "statement": "x"})

    assert closed in page and 'data-testid="appeal-closed"' in page
    assert response.status_code == 400 and closed in response.content.decode()
    assert not Appeal.objects.exists()


def test_another_candidate_gets_404_everywhere(client, other_candidate, candidate, application):
    appeal = file_appeal(application, candidate)
    client.force_login(other_candidate)

    assert client.get(f"/me/applications/{application.pk}/appeal/").status_code == 404
    assert (
        client.post(f"/me/applications/{application.pk}/appeal/", {"grounds": ["result"], "statement": "x"}).status_code
        == 404
    )
    assert client.post(f"/me/appeals/{appeal.pk}/withdraw/", {"version": appeal.version}).status_code == 404
    assert client.get(f"/appeals/files/{appeal.files.get().pk}/").status_code == 404
    assert Appeal.objects.get().status == S.FILED and Appeal.objects.count() == 1


@pytest.mark.parametrize(
    "persona,code", [("anonymous", 302), ("candidate", 403), ("other_candidate", 403), ("expert", 403)]
)
def test_only_staff_reach_the_staff_pages(persona_client, persona, code, application, candidate):
    appeal = file_appeal(application, candidate)
    client, _user = persona_client(persona)

    assert client.get("/staff/appeals/").status_code == code
    assert client.get(f"/staff/appeals/{appeal.pk}/").status_code == code
    assert (
        client.post(f"/staff/appeals/{appeal.pk}/forward/", {"forwarded_on": "2026-01-01", "version": 1}).status_code
        == code
    )
    assert Appeal.objects.get().status == S.FILED


def test_the_staff_list_filters_by_state_and_shows_the_deadline(client, staff, application, candidate):
    appeal = file_appeal(application, candidate)
    client.force_login(staff)

    html = client.get("/staff/appeals/?state=filed").content.decode()
    assert html.count('data-testid="appeal-row"') == 1
    assert (appeal.filed_on + datetime.timedelta(days=3)).strftime("%d.%m.%Y") in html
    assert 'data-testid="appeal-row"' not in client.get("/staff/appeals/?state=forwarded").content.decode()


def test_staff_walk_the_appeal_with_the_buttons_the_state_allows(client, staff, application, candidate):
    appeal = file_appeal(application, candidate)
    client.force_login(staff)
    html = client.get(f"/staff/appeals/{appeal.pk}/").content.decode()
    assert 'data-testid="forward"' in html and 'data-testid="decide"' not in html

    today = timezone.localdate().isoformat()
    response = client.post(f"/staff/appeals/{appeal.pk}/forward/", {"forwarded_on": today, "version": 1})
    assert response.status_code == 302
    html = client.get(f"/staff/appeals/{appeal.pk}/").content.decode()
    assert 'data-testid="decide"' in html and 'data-testid="forward"' not in html

    bad = client.post(
        f"/staff/appeals/{appeal.pk}/decide/",
        {"outcome": "satisfied", "number": "1", "decided_on": today, "text": "Да", "remedy": "", "version": 2},
    )
    assert bad.status_code == 400 and Appeal.objects.get().status == S.FORWARDED

    ok = client.post(
        f"/staff/appeals/{appeal.pk}/decide/",
        {
            "outcome": "satisfied",
            "number": "1",
            "decided_on": today,
            "text": "Да",
            "remedy": "reexam",
            "execute_by": today,
            "version": 2,
        },
    )
    assert ok.status_code == 302 and Appeal.objects.get().status == S.SATISFIED
    assert client.post(f"/staff/appeals/{appeal.pk}/execute/", {"note": "", "version": 3}).status_code == 302
    assert Appeal.objects.get().status == S.EXECUTED


def test_a_stale_form_changes_nothing(client, staff, application, candidate):
    appeal = forward(file_appeal(application, candidate), staff)
    client.force_login(staff)

    response = client.post(f"/staff/appeals/{appeal.pk}/forward/", {"forwarded_on": timezone.localdate(), "version": 1})

    assert response.status_code == 400
    assert Appeal.objects.get().version == appeal.version


@pytest.mark.usefixtures("committed_catalogue")
def test_two_browsers_recording_one_move_at_once_record_it_once(make_exam, candidate, staff):
    from qac.appeals import services
    from tests.helpers.certificates import FAIL_PRACTICAL
    from tests.helpers.legal import council_decide

    built = make_exam([FAIL_PRACTICAL], holders=[candidate])
    council_decide(built.session, staff)
    application = built.results[0].enrolment.application
    application.refresh_from_db()
    appeal = services.appeal_file(application=application, by=candidate, grounds=["result"], statement="x")
    today = timezone.localdate()

    def forward_as_seen():
        return services.appeal_forward(
            appeal=Appeal.objects.get(pk=appeal.pk), by=staff, forwarded_on=today, expected_version=1
        )

    outcomes = run_at_once(forward_as_seen, forward_as_seen)

    assert sorted(type(o).__name__ for o in outcomes) == ["Appeal", "AppealError"], outcomes
    assert Appeal.objects.get().version == 2
    assert list(Appeal.objects.get().history.values_list("to_status", flat=True)) == [S.FILED, S.FORWARDED]


def test_an_unknown_action_changes_nothing(client, staff, application, candidate):
    appeal = file_appeal(application, candidate)
    client.force_login(staff)

    response = client.post(f"/staff/appeals/{appeal.pk}/destroy/", {"version": appeal.version})

    assert response.status_code == 302
    assert Appeal.objects.get().version == appeal.version and Appeal.objects.get().status == S.FILED


def test_the_staff_list_costs_the_same_queries_for_one_appeal_or_several(make_exam, staff, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.helpers.certificates import FAIL_PRACTICAL
    from tests.helpers.legal import council_decide

    built = make_exam([FAIL_PRACTICAL] * 4)
    council_decide(built.session, staff)
    applications = [r.enrolment.application for r in built.results]
    for a in applications:
        a.refresh_from_db()
    client.force_login(staff)

    def queries_after(n):
        for a in applications[Appeal.objects.count() : n]:
            file_appeal(a, a.candidate)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/staff/appeals/").status_code == 200
        return len(ctx.captured_queries)

    assert queries_after(1) == queries_after(4)
