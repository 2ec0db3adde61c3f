"""The council pages: the board, a session's page, its two forms (package sent, decision) and the
package download.

Every URL of ``qac/council/urls.py`` is walked by every persona; a refused request is checked to
change nothing. Invalid input re-renders the page with a message (400), a request the rules
refuse says why (409), never a 500. The board's query count must not grow with its rows.
"""

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from qac.council import selectors, services
from qac.council import views as council_views
from qac.council.models import CouncilDecision, CouncilPackage, CouncilVerdict, DecisionStatus, PackageStatus
from qac.council.urls import urlpatterns
from tests.helpers.access import PERSONAS
from tests.helpers.council import ABSENT, FAIL_THEORY, PASS, council_state, make_candidate
from tests.helpers.exams import ru
from tests.helpers.legal import NATURAL, into_the_past, package_sent

pytestmark = pytest.mark.django_db

PS = PackageStatus
STAFF_PERSONAS = ("staff", "head")


def shows(response, msgid: str, **params) -> bool:
    """The page carries the Russian text of ``msgid`` (escaped as the template escapes it)."""
    return html.escape(ru(msgid, **params)) in response.content.decode()


def urls(session, package) -> dict[str, tuple[str, str]]:
    """Every URL name of the app -> (method, path)."""
    return {
        "board": ("get", reverse("council:board")),
        "session": ("get", reverse("council:session", args=[session.pk])),
        "package_file": ("get", reverse("council:package_file", args=[package.pk])),
        "package_action": ("post", reverse("council:package_action", args=[session.pk])),
        "decision_action": ("post", reverse("council:decision_action", args=[session.pk])),
    }


def send_data(package, **extra) -> dict:
    data = {
        "action": "send",
        "sent_on": timezone.localdate().isoformat(),
        "sent_via": "email",
        "reference": "Письмо № 12",
        "version": package.version,
    }
    data.update(extra)
    return data


def record_data(session, *, number="15/2026", decided_on=None, **verdicts) -> dict:
    """The record form as the page posts it: each result's natural verdict unless ``verdicts`` says
    (``verdict_<id>``/``reason_<id>`` keys)."""
    data = {"number": number, "decided_on": (decided_on or timezone.localdate()).isoformat()}
    for result in selectors.decidable_results(session):
        data[f"verdict_{result.pk}"] = NATURAL[result.decision]
        data[f"reason_{result.pk}"] = ""
    data.update(verdicts)
    return data


@pytest.fixture
def approved(make_exam):
    """An approved session two days ago: one passed, one failed the theory, one absent."""
    holders = [
        make_candidate(last_name="Ёлкин", first_name="Фёдор", patronymic="Юрьевич"),
        make_candidate(last_name="Лебедева", first_name="Анна", patronymic=""),
        make_candidate(last_name="Неявкин", first_name="Семён", patronymic="Павлович"),
    ]
    built = make_exam([PASS, FAIL_THEORY, ABSENT], holders=holders)
    built.session = into_the_past(built.session)
    return built


# --- Every URL, every persona ---------------------------------------------------------------------------


def test_the_walk_covers_every_url_of_the_app(approved, ready):
    assert set(urls(approved.session, ready)) == {p.name for p in urlpatterns}


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_url_answers_only_staff(persona_client, persona, approved, ready, media):
    client, user = persona_client(persona)
    session = approved.session
    paths = urls(session, ready)
    before = council_state()
    if persona not in STAFF_PERSONAS:
        for name, (method, path) in paths.items():
            data = {"package_action": send_data(ready), "decision_action": record_data(session)}.get(name, {})
            response = getattr(client, method)(path, data)
            if user is None:
                assert response.status_code == 302, name
                assert response["Location"].startswith(reverse("login")), name
            else:
                assert response.status_code == 403, name
        assert council_state() == before
        return

    for name in ("board", "session"):
        assert client.get(paths[name][1]).status_code == 200, name
    response = client.get(paths["package_file"][1])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == (media / ready.file.name).read_bytes()
    assert council_state() == before  # the GETs changed nothing

    # The staff's path through the page: the package sent, then the Council's decision recorded.
    response = client.post(paths["package_action"][1], send_data(ready))
    assert response.status_code == 302
    assert response["Location"] == paths["session"][1]
    package = CouncilPackage.objects.get(pk=ready.pk)
    assert (package.status, package.sent_via, package.sent_reference, package.sent_recorded_by) == (
        PS.SENT,
        "email",
        "Письмо № 12",
        user,
    )
    response = client.post(paths["decision_action"][1], record_data(session))
    assert response.status_code == 302
    assert response["Location"] == paths["session"][1]
    decision = CouncilDecision.objects.get(session=session)
    assert (decision.number, decision.recorded_by, decision.verdicts.count()) == ("15/2026", user, 2)


@pytest.mark.parametrize("name", ["session", "package_file", "package_action", "decision_action"])
def test_an_unknown_object_is_404_for_staff(client, staff, approved, ready, name):
    client.force_login(staff)
    method, path = urls(approved.session, ready)[name]
    missing = path.replace(f"/{approved.session.pk}/", "/999999/").replace(f"/{ready.pk}/", "/999999/")
    assert missing != path
    before = council_state()
    assert getattr(client, method)(missing, {"action": "rebuild"}).status_code == 404
    assert council_state() == before


@pytest.mark.parametrize("name", ["package_action", "decision_action"])
def test_the_actions_need_post(client, staff, approved, ready, name):
    client.force_login(staff)
    before = council_state()
    assert client.get(urls(approved.session, ready)[name][1]).status_code == 405
    assert council_state() == before


def test_a_session_without_a_package_has_no_package_action(client, staff, approved):
    client.force_login(staff)
    before = council_state()
    response = client.post(reverse("council:package_action", args=[approved.session.pk]), {"action": "rebuild"})
    assert response.status_code == 404
    assert council_state() == before


# --- The session's page at each step ----------------------------------------------------------------


def page(client, session):
    response = client.get(reverse("council:session", args=[session.pk]))
    assert response.status_code == 200
    return response, response.content.decode()


def test_the_page_follows_the_package_and_the_decision(client, staff, approved):
    client.force_login(staff)
    session = approved.session
    send_form = f'action="{reverse("council:package_action", args=[session.pk])}"'
    decision_form = 'data-testid="decision-form"'

    # Not built yet: no download, nothing to send, no decision form.
    package = services.package_request(session_id=session.pk)
    response, text = page(client, session)
    assert html.escape(ru("Being built")) in text
    assert 'name="action" value="send"' not in text and 'value="rebuild"' not in text
    assert decision_form not in text and 'data-testid="package-download"' not in text
    assert shows(response, "Record when the package was sent to the Council; then its decision can be recorded here.")
    # Both deadlines running: the package due in 5 days (soon is 3), the decision in 12.
    assert text.count('data-state="ok"') == 2

    # Built: the download and the send form, still no decision form.
    services.package_build(package_id=package.pk)
    response, text = page(client, session)
    assert html.escape(ru("Ready to send")) in text
    assert 'data-testid="package-download"' in text and send_form in text
    assert 'name="action" value="send"' in text and 'value="rebuild"' in text
    assert decision_form not in text

    # Sent: no more forms for the package, the decision form appears; the package deadline is met.
    package.refresh_from_db()
    services.package_mark_sent(package=package, by=staff, sent_on=timezone.localdate(), sent_via="courier")
    response, text = page(client, session)
    assert html.escape(ru("Sent to the Council")) in text
    assert 'name="action" value="send"' not in text and 'value="rebuild"' not in text
    assert decision_form in text
    assert 'data-state="done"' in text and text.count('data-state="ok"') == 1
    for result in selectors.decidable_results(session):
        assert f'name="verdict_{result.pk}"' in text and f'name="reason_{result.pk}"' in text
    assert f'name="verdict_{approved.results[2].pk}"' not in text  # absent: no verdict
    assert 'name="reason"' not in text

    # Decided: the verdicts, both deadlines met, the form now corrects (with a reason and the version).
    client.post(reverse("council:decision_action", args=[session.pk]), record_data(session))
    response, text = page(client, session)
    assert text.count('data-testid="verdict"') == 2
    assert text.count('data-state="done"') == 2
    assert 'name="reason"' in text and 'name="version" value="1"' in text
    assert shows(response, "Record the correction")


def test_overdue_and_soon_deadlines_are_shown_with_their_days(client, staff, make_exam, settings):
    settings.QAC_DEADLINE_WARN_DAYS = 3
    client.force_login(staff)
    built = make_exam([PASS])
    session = into_the_past(built.session, days_ago=12)
    services.package_request(session_id=session.pk)
    response, text = page(client, session)
    # The package was due 5 days ago; the decision is due in 2 days.
    assert 'data-state="overdue"' in text and 'data-state="soon"' in text
    assert (response.context["package_deadline"]["days_over"], response.context["decision_deadline"]["days_left"]) == (
        5,
        2,
    )


# --- Recording and correcting through the page ----------------------------------------------------------


def test_recording_the_decision_through_the_page(client, staff, approved, sent, django_capture_on_commit_callbacks):
    client.force_login(staff)
    session = approved.session
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("council:decision_action", args=[session.pk]), record_data(session))
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert shows(response, "The Council's decision is recorded; the documents are being prepared.")
    decision = CouncilDecision.objects.get(session=session)
    assert decision.status == DecisionStatus.RECORDED
    assert sorted(CouncilVerdict.objects.values_list("verdict", flat=True)) == ["certificate", "conclusion"]
    from qac.certificates.models import IssuedDocument

    assert IssuedDocument.objects.filter(result__enrolment__session=session).count() == 2


@pytest.mark.parametrize(
    "case, message",
    [
        ("missing verdict", ("This field is required.", {})),
        ("future date", ("The Council's decision cannot be dated in the future.", {})),
        ("no number", ("This field is required.", {})),
        ("unknown verdict", ("Select a valid choice. %(value)s is not one of the available choices.", {"value": "x"})),
    ],
)
def test_invalid_input_re_renders_the_form_with_a_message(client, staff, approved, sent, case, message):
    client.force_login(staff)
    session = approved.session
    passed = approved.results[0]
    data = record_data(session)
    if case == "missing verdict":
        del data[f"verdict_{passed.pk}"]
    elif case == "future date":
        data["decided_on"] = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    elif case == "no number":
        data["number"] = ""
    else:
        data[f"verdict_{passed.pk}"] = "x"
    before = council_state()
    response = client.post(reverse("council:decision_action", args=[session.pk]), data)
    assert response.status_code == 400
    assert shows(response, message[0], **message[1])
    assert 'data-testid="decision-form"' in response.content.decode()
    assert council_state() == before


def test_a_verdict_the_rules_refuse_answers_409_with_the_reason(client, staff, approved, sent):
    client.force_login(staff)
    session = approved.session
    passed = approved.results[0]
    before = council_state()
    response = client.post(
        reverse("council:decision_action", args=[session.pk]),
        record_data(session, **{f"verdict_{passed.pk}": "reexam"}),
    )
    assert response.status_code == 409
    assert shows(
        response, "%(name)s: say why the Council did not recognise the commission's result.", name="Ёлкин Фёдор Юрьевич"
    )
    # The posted choices are kept.
    assert response.context["decision_form"].data[f"verdict_{passed.pk}"] == "reexam"
    assert council_state() == before


def test_a_decision_before_the_package_is_sent_answers_409(client, staff, approved, ready):
    client.force_login(staff)
    before = council_state()
    response = client.post(
        reverse("council:decision_action", args=[approved.session.pk]), record_data(approved.session)
    )
    assert response.status_code == 409
    assert shows(response, "Record when the package was sent to the Council before its decision.")
    assert council_state() == before


def test_a_decision_posted_twice_is_refused_the_second_time(client, staff, approved, sent):
    client.force_login(staff)
    url = reverse("council:decision_action", args=[approved.session.pk])
    data = record_data(approved.session)
    assert client.post(url, data).status_code == 302
    before = council_state()
    response = client.post(url, data | {"number": "16/2026"})
    assert response.status_code == 409
    assert shows(
        response,
        "The Council's decision № %(number)s is already recorded for this session; correct it instead.",
        number="15/2026",
    )
    assert council_state() == before


def test_a_decision_recorded_meanwhile_in_another_browser_answers_409(client, staff, approved, sent, monkeypatch):
    """The page was loaded before the other browser recorded: its form has no correction fields."""
    client.force_login(staff)
    session = approved.session
    services.decision_record(
        session=session,
        by=staff,
        number="15/2026",
        decided_on=timezone.localdate(),
        verdicts={r.pk: (NATURAL[r.decision], "") for r in selectors.decidable_results(session)},
    )
    real = selectors.decision_for
    calls = []

    def not_yet_on_first_look(session):
        calls.append(1)
        return None if len(calls) == 1 else real(session)

    monkeypatch.setattr(council_views.selectors, "decision_for", not_yet_on_first_look)
    before = council_state()
    response = client.post(reverse("council:decision_action", args=[session.pk]), record_data(session))
    assert response.status_code == 409
    assert shows(
        response,
        "The Council's decision № %(number)s is already recorded for this session; correct it instead.",
        number="15/2026",
    )
    assert council_state() == before


def test_correcting_the_decision_through_the_page(client, staff, approved, sent):
    client.force_login(staff)
    session = approved.session
    url = reverse("council:decision_action", args=[session.pk])
    client.post(url, record_data(session))
    data = record_data(session, number="15/2026-и") | {"reason": "Опечатка в номере", "version": 1}
    response = client.post(url, data)
    assert response.status_code == 302
    decision = CouncilDecision.objects.get(session=session)
    assert (decision.number, decision.status, decision.version) == ("15/2026-и", DecisionStatus.CORRECTED, 2)
    assert shows(client.get(response["Location"]), "The correction of the Council's decision is recorded.")

    # The same form again: its version is stale now.
    before = council_state()
    response = client.post(url, data | {"number": "15/2026-и2"})
    assert response.status_code == 409
    assert shows(
        response,
        "Someone else changed this decision in the meantime. Nothing was applied: "
        "look at the current state and act again if still needed.",
    )
    # Without a reason.
    response = client.post(url, data | {"version": 2, "reason": ""})
    assert response.status_code == 409
    assert shows(response, "Say why the decision is corrected: the correction is recorded with its reason.")
    assert council_state() == before


# --- The package's forms and its file -------------------------------------------------------------------


def test_sending_through_the_page_refuses_bad_input_and_a_second_send(client, staff, approved, ready):
    client.force_login(staff)
    url = reverse("council:package_action", args=[approved.session.pk])
    before = council_state()
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    response = client.post(url, send_data(ready, sent_on=tomorrow))
    assert response.status_code == 302
    assert shows(client.get(response["Location"]), "The date of sending cannot be in the future.")
    response = client.post(url, send_data(ready, sent_via="pigeon"))
    assert response.status_code == 400
    assert shows(response, "Select a valid choice. %(value)s is not one of the available choices.", value="pigeon")
    response = client.post(url, {"action": "explode"})
    assert response.status_code == 302
    assert shows(client.get(response["Location"]), "Unknown action.")
    assert council_state() == before

    assert client.post(url, send_data(ready)).status_code == 302
    before = council_state()
    response = client.post(url, send_data(ready), follow=True)
    assert shows(
        response,
        "The package was already recorded as sent on %(on)s; nothing was changed.",
        on=timezone.localdate().strftime("%d.%m.%Y"),
    )
    assert council_state() == before


def test_building_again_through_the_page(client, staff, approved, ready, django_capture_on_commit_callbacks):
    client.force_login(staff)
    url = reverse("council:package_action", args=[approved.session.pk])
    before = council_state()
    response = client.post(url, {"action": "rebuild", "version": ready.version - 1}, follow=True)
    assert shows(
        response,
        "Someone else changed this in the meantime. Nothing was applied: "
        "look at the current state and act again if still needed.",
    )
    assert council_state() == before
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "rebuild", "version": ready.version})
    assert response.status_code == 302
    package = CouncilPackage.objects.get(pk=ready.pk)
    assert package.status == PS.READY and package.version == ready.version + 2


def test_the_package_file_is_the_stored_zip_and_private(client, staff, ready, media):
    client.force_login(staff)
    response = client.get(reverse("council:package_file", args=[ready.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "private" in response["Cache-Control"]
    assert "attachment" in response["Content-Disposition"]
    assert ready.file.name.rsplit("/", 1)[-1] in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == (media / ready.file.name).read_bytes()


def test_no_file_no_download(client, staff, approved, ready, media):
    client.force_login(staff)
    building = services.package_request(session_id=approved.session.pk)
    CouncilPackage.objects.filter(pk=building.pk).update(file="")
    assert client.get(reverse("council:package_file", args=[building.pk])).status_code == 404
    # A row whose file was lost on disk is a 404 too, not a 500.
    CouncilPackage.objects.filter(pk=building.pk).update(file=ready.file.name)
    (media / ready.file.name).unlink()
    assert client.get(reverse("council:package_file", args=[building.pk])).status_code == 404


# --- The board -------------------------------------------------------------------------------------------


def board_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("council:board"))
    assert response.status_code == 200
    return len(queries), response


def test_the_board_lists_sessions_and_its_queries_do_not_grow_with_them(client, staff, make_exam):
    client.force_login(staff)
    first = make_exam([PASS])
    into_the_past(first.session, days_ago=10)
    services.package_request(session_id=first.session.pk)
    one, response = board_queries(client)
    assert response.content.decode().count('data-testid="council-row"') == 1

    # A sent package with a decision, and a session with no package at all.
    second = make_exam([PASS])
    package_sent(second.session, staff)
    services.decision_record(
        session=second.session,
        by=staff,
        number="3/2026",
        decided_on=timezone.localdate(),
        verdicts={second.results[0].pk: ("certificate", "")},
    )
    third = make_exam([PASS])
    into_the_past(third.session, days_ago=1)
    three, response = board_queries(client)
    text = response.content.decode()
    assert text.count('data-testid="council-row"') == 3
    assert "№ 3/2026" in text
    assert 'data-state="overdue"' in text
    assert three == one

    # The filters.
    for state, expected in (("package", 2), ("decision", 0), ("decided", 1)):
        response = client.get(reverse("council:board"), {"state": state})
        assert response.content.decode().count('data-testid="council-row"') == expected, state
    assert client.get(reverse("council:board"), {"state": "nonsense"}).status_code == 200
