"""The council app's services and selectors: the package (opened on approval, built in a worker,
sent by staff) and the Council's decision (recorded, corrected), with the documents and
applications it moves downstream.

Sessions are built and approved through the real services, then moved into the past (the
Council's steps are dated after the exam). Every refused request is checked to change nothing.
"""

import datetime
import hashlib

import pytest
from django.utils import timezone, translation

from candidates.models import Application, ApplicationStatus
from qac import board
from qac.certificates.models import DocumentEvent, IssuedDocument, Kind, NumberSource
from qac.council import selectors, services
from qac.council.models import (
    CouncilDecision,
    CouncilPackage,
    CouncilVerdict,
    DecisionStatus,
    DecisionTransition,
    PackageStatus,
    PackageTransition,
    Verdict,
)
from qac.council.package import PackageError
from qac.council.services import CouncilError
from qac.exams import services as exam_services
from qac.exams.models import ExamResult
from tests.helpers.council import ABSENT, FAIL_THEORY, PASS, REMOVED, council_state, make_candidate
from tests.helpers.exams import ru
from tests.helpers.legal import NATURAL, into_the_past, package_sent, register

pytestmark = pytest.mark.django_db

PS = PackageStatus
TODAY = timezone.localdate
ONE_DAY = datetime.timedelta(days=1)


def label(choice) -> str:
    """A choice's label as a Russian user sees it."""
    with translation.override("ru"):
        return str(choice.label)


def decision_label(result) -> str:
    with translation.override("ru"):
        return str(result.get_decision_display())


def refused(msgid: str, **params):
    """``pytest.raises`` for a CouncilError whose message is the Russian text of ``msgid``."""
    return pytest.raises(CouncilError, match=f"^{_escape(ru(msgid, **params))}$")


def _escape(text: str) -> str:
    import re

    return re.escape(text)


def history(package) -> list[tuple[str, str]]:
    return list(PackageTransition.objects.filter(package=package).values_list("from_status", "to_status"))


def natural(session) -> dict[int, tuple[str, str]]:
    """Each decidable result's natural verdict (certificate for a pass, conclusion otherwise), no reason."""
    return {r.pk: (NATURAL[r.decision], "") for r in selectors.decidable_results(session)}


@pytest.fixture
def approved(make_exam):
    """An approved session two days ago: passed, failed the theory, removed, absent (in that order)."""
    holders = [
        make_candidate(last_name="Ёлкин", first_name="Фёдор", patronymic="Юрьевич"),
        make_candidate(last_name="Лебедева", first_name="Анна", patronymic=""),
        make_candidate(last_name="Удалов", first_name="Олег", patronymic="Ильич"),
        make_candidate(last_name="Неявкин", first_name="Семён", patronymic="Павлович"),
    ]
    built = make_exam([PASS, FAIL_THEORY, REMOVED, ABSENT], holders=holders)
    built.session = into_the_past(built.session)
    return built


# --- The package: opened on approval, built by a worker ------------------------------------------------


def test_approval_opens_the_package_due_a_week_after_the_exam_and_the_worker_builds_it(
    make_exam, chair, media, django_capture_on_commit_callbacks
):
    built = make_exam([PASS, FAIL_THEORY], approve=False)
    with django_capture_on_commit_callbacks(execute=True):
        exam_services.session_approve(session=built.session, by=chair)

    package = CouncilPackage.objects.get(session=built.session)
    assert package.due_on == selectors.exam_day(built.session) + datetime.timedelta(days=7)
    assert package.status == PS.READY
    data = (media / package.file.name).read_bytes()
    assert data.startswith(b"PK")
    assert package.sha256 == hashlib.sha256(data).hexdigest()
    assert package.size == len(data)
    assert package.built_at is not None and package.error == ""
    assert history(package) == [("", PS.BUILDING), (PS.BUILDING, PS.READY)]

    before = council_state()
    again = services.package_request(session_id=built.session.pk)
    assert again.pk == package.pk
    assert council_state() == before


def test_a_package_is_requested_for_approved_results_only(make_exam):
    built = make_exam([PASS], approve=False)
    before = council_state()
    with refused("A package is made only for approved results."):
        services.package_request(session_id=built.session.pk)
    assert council_state() == before


def test_a_failed_build_says_why_and_staff_build_it_again(
    make_exam, chair, staff, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(session, out):
        raise PackageError("Нет протокола комиссии")

    built = make_exam([PASS], approve=False)
    with monkeypatch.context() as patch:
        patch.setattr("qac.council.package.write_package", broken)
        with django_capture_on_commit_callbacks(execute=True):
            exam_services.session_approve(session=built.session, by=chair)

    package = CouncilPackage.objects.get(session=built.session)
    assert package.status == PS.FAILED
    assert "Нет протокола комиссии" in package.error
    assert not package.file
    assert history(package) == [("", PS.BUILDING), (PS.BUILDING, PS.FAILED)]
    assert services.allowed_package_actions(package, staff) == {"rebuild"}

    with django_capture_on_commit_callbacks(execute=True):
        services.package_rebuild(package=package, by=staff, expected_version=package.version)
    package.refresh_from_db()
    assert package.status == PS.READY and package.file and package.error == ""
    assert history(package)[2:] == [(PS.FAILED, PS.BUILDING), (PS.BUILDING, PS.READY)]
    assert PackageTransition.objects.filter(package=package, from_status=PS.FAILED).get().by == staff


def test_building_twice_does_nothing_the_second_time(ready):
    assert ready.status == PS.READY
    before = council_state()
    assert services.package_build(package_id=ready.pk) is None
    assert council_state() == before


def test_a_ready_package_built_again_replaces_its_file(ready, staff, media, django_capture_on_commit_callbacks):
    old = ready.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.package_rebuild(package=ready, by=staff, expected_version=ready.version)
    ready.refresh_from_db()
    assert ready.status == PS.READY
    assert ready.file.name != old
    assert (media / ready.file.name).exists()
    assert not (media / old).exists()


@pytest.mark.parametrize("persona", ["candidate", "expert"])
def test_only_staff_build_a_package_again(request, ready, persona):
    before = council_state()
    with refused("Only the center's staff build packages."):
        services.package_rebuild(package=ready, by=request.getfixturevalue(persona))
    assert council_state() == before


# --- The package: sent ---------------------------------------------------------------------------------


def test_staff_record_the_package_as_sent(ready, staff, approved):
    day = selectors.exam_day(approved.session)
    package = services.package_mark_sent(
        package=ready, by=staff, sent_on=day, sent_via="post", reference=" РПО 19000012345678 ", expected_version=2
    )
    package.refresh_from_db()
    assert package.status == PS.SENT
    assert (package.sent_on, package.sent_via, package.sent_reference) == (day, "post", "РПО 19000012345678")
    assert package.sent_recorded_by == staff
    assert package.version == 3
    last = PackageTransition.objects.filter(package=package).last()
    assert (last.from_status, last.to_status, last.by) == (PS.READY, PS.SENT, staff)
    assert services.allowed_package_actions(package, staff) == set()


@pytest.mark.parametrize("persona", ["candidate", "other_candidate", "expert"])
def test_only_staff_send_a_package(request, ready, persona):
    before = council_state()
    with refused("Only the center's staff send packages."):
        services.package_mark_sent(
            package=ready, by=request.getfixturevalue(persona), sent_on=TODAY(), sent_via="email"
        )
    assert council_state() == before


@pytest.mark.parametrize(
    "change, msgid",
    [
        ({"sent_via": "pigeon"}, "Say how the package was sent."),
        ({"sent_via": ""}, "Say how the package was sent."),
        ({"sent_on": "tomorrow"}, "The date of sending cannot be in the future."),
        ({"sent_on": "before the exam"}, "The package cannot have been sent before the exam."),
        (
            {"expected_version": 1},
            "Someone else changed this in the meantime. Nothing was applied: "
            "look at the current state and act again if still needed.",
        ),
    ],
)
def test_sending_is_refused_for_bad_input(ready, staff, approved, change, msgid):
    kwargs = {"sent_on": TODAY(), "sent_via": "email", "expected_version": ready.version}
    kwargs.update(change)
    if kwargs["sent_on"] == "tomorrow":
        kwargs["sent_on"] = TODAY() + ONE_DAY
    elif kwargs["sent_on"] == "before the exam":
        kwargs["sent_on"] = selectors.exam_day(approved.session) - ONE_DAY
    before = council_state()
    with refused(msgid):
        services.package_mark_sent(package=ready, by=staff, **kwargs)
    assert council_state() == before


def test_sending_twice_is_refused_with_a_clear_message(ready, staff):
    services.package_mark_sent(package=ready, by=staff, sent_on=TODAY(), sent_via="email")
    before = council_state()
    day = TODAY().strftime("%d.%m.%Y")
    msgid = "The package was already recorded as sent on %(on)s; nothing was changed."
    with refused(msgid, on=day):
        services.package_mark_sent(package=ready, by=staff, sent_on=TODAY(), sent_via="post")
    # The page posts the version it showed: the second browser hears the same.
    with refused(msgid, on=day):
        services.package_mark_sent(
            package=ready, by=staff, sent_on=TODAY(), sent_via="post", expected_version=ready.version
        )
    assert council_state() == before


def test_a_sent_package_is_not_built_again(ready, staff):
    package = services.package_mark_sent(package=ready, by=staff, sent_on=TODAY(), sent_via="email")
    before = council_state()
    with refused(
        "A package that is «%(status)s» cannot become «%(to)s».",
        status=label(PS.SENT),
        to=label(PS.BUILDING),
    ):
        services.package_rebuild(package=package, by=staff)
    assert council_state() == before


def test_a_package_still_building_cannot_be_sent(approved, staff):
    package = services.package_request(session_id=approved.session.pk)
    before = council_state()
    with refused(
        "A package that is «%(status)s» cannot become «%(to)s».", status=label(PS.BUILDING), to=label(PS.SENT)
    ):
        services.package_mark_sent(package=package, by=staff, sent_on=TODAY(), sent_via="email")
    assert council_state() == before


# --- The Council's decision: recorded ----------------------------------------------------------------


def record(session, staff, **kwargs):
    kwargs.setdefault("number", "15/2026")
    kwargs.setdefault("decided_on", TODAY())
    kwargs.setdefault("verdicts", natural(session))
    return services.decision_record(session=session, by=staff, **kwargs)


def test_recording_the_decision_issues_documents_and_sends_a_reexam_back(
    approved, sent, staff, django_capture_on_commit_callbacks
):
    passed, failed, removed, _absent = approved.results
    reason = "Нарушение порядка проведения экзамена"
    with django_capture_on_commit_callbacks(execute=True):
        decision = record(
            approved.session, staff, verdicts=natural(approved.session) | {removed.pk: ("reexam", reason)}
        )

    decision.refresh_from_db()
    assert (decision.status, decision.number, decision.decided_on, decision.version) == (
        DecisionStatus.RECORDED,
        "15/2026",
        TODAY(),
        1,
    )
    assert dict(CouncilVerdict.objects.values_list("result", "verdict")) == {
        passed.pk: Verdict.CERTIFICATE,
        failed.pk: Verdict.CONCLUSION,
        removed.pk: Verdict.REEXAM,
    }
    (row,) = DecisionTransition.objects.filter(decision=decision)
    assert (row.from_status, row.to_status, row.by) == ("", DecisionStatus.RECORDED, staff)
    assert row.changes["verdicts"] == {
        str(passed.pk): "certificate",
        str(failed.pk): "conclusion",
        str(removed.pk): "reexam",
    }

    documents = {d.result_id: d for d in IssuedDocument.objects.all()}
    assert set(documents) == {passed.pk, failed.pk}
    assert documents[passed.pk].kind == Kind.CERTIFICATE
    assert documents[failed.pk].kind == Kind.CONCLUSION
    assert all(d.number_source == NumberSource.AWAITING and d.number == "" for d in documents.values())

    application = Application.objects.get(pk=removed.enrolment.application_id)
    assert application.status == ApplicationStatus.ACCEPTED
    note = application.history.last().note
    assert reason in note and "15/2026" in note
    # The others keep the status the approval gave them.
    assert Application.objects.get(pk=passed.enrolment.application_id).status == ApplicationStatus.PASSED
    assert selectors.allowed_decision_actions(approved.session, staff, package=sent, decision=decision) == {"correct"}


def test_the_application_sent_back_for_a_reexam_can_be_enrolled_again(approved, sent, staff, commission):
    from tests.builders import session_in_progress

    removed = approved.results[2]
    record(approved.session, staff, verdicts=natural(approved.session) | {removed.pk: ("reexam", "Нарушение")})
    application = Application.objects.get(pk=removed.enrolment.application_id)
    chair, *experts = commission

    _session, (enrolment,) = session_in_progress(
        qualification=application.qualification, staff=staff, chair=chair, experts=experts, applications=[application]
    )

    assert enrolment.application_id == application.pk
    # The first exam stays on its session's record.
    assert application.enrolments.get(pk=removed.enrolment_id).superseded


@pytest.mark.parametrize("persona", ["candidate", "expert"])
def test_only_staff_record_the_decision(request, approved, sent, persona):
    before = council_state()
    with refused("Only the center's staff record the Council's decisions."):
        record(approved.session, request.getfixturevalue(persona))
    assert council_state() == before


def test_no_decision_before_the_package_is_sent(approved, ready, staff):
    assert selectors.allowed_decision_actions(approved.session, staff, package=ready) == set()
    before = council_state()
    with refused("Record when the package was sent to the Council before its decision."):
        record(approved.session, staff)
    assert council_state() == before


def test_no_decision_on_results_not_approved(make_exam, staff):
    built = make_exam([PASS], approve=False)
    into_the_past(built.session)
    before = council_state()
    with refused("The Council decides on approved results only."):
        record(built.session, staff, verdicts={built.results[0].pk: ("certificate", "")})
    assert council_state() == before


def test_every_candidate_who_sat_the_exam_needs_a_verdict(approved, sent, staff):
    passed = approved.results[0]
    before = council_state()
    with refused("Give the Council's verdict for: %(names)s.", names="Лебедева Анна, Удалов Олег Ильич"):
        record(approved.session, staff, verdicts={passed.pk: ("certificate", "")})
    assert council_state() == before


def test_a_verdict_outside_the_session_is_refused(approved, sent, staff, make_exam):
    other = make_exam([PASS])
    absent = approved.results[3]
    before = council_state()
    for stranger in (other.results[0], absent):
        with refused("A verdict was given for a result outside this session."):
            record(approved.session, staff, verdicts=natural(approved.session) | {stranger.pk: ("certificate", "")})
    assert council_state() == before


@pytest.mark.parametrize("outcome, verdict", [(1, "certificate"), (2, "certificate"), (0, "diploma")])
def test_a_verdict_the_outcome_does_not_allow_is_refused(approved, sent, staff, outcome, verdict):
    result = ExamResult.objects.get(pk=approved.results[outcome].pk)
    name = result.enrolment.application.candidate.get_full_name()
    before = council_state()
    with refused(
        "%(name)s: the Council cannot decide «%(verdict)s» on a result that is «%(decision)s».",
        name=name,
        verdict=label(Verdict(verdict)) if verdict in Verdict.values else verdict,
        decision=decision_label(result),
    ):
        record(approved.session, staff, verdicts=natural(approved.session) | {result.pk: (verdict, "Причина")})
    assert council_state() == before


@pytest.mark.parametrize("outcome, verdict", [(0, "conclusion"), (0, "reexam"), (1, "reexam"), (2, "reexam")])
def test_a_verdict_that_overrules_the_commission_needs_a_reason(approved, sent, staff, outcome, verdict):
    result = approved.results[outcome]
    name = result.enrolment.application.candidate.get_full_name()
    before = council_state()
    with refused("%(name)s: say why the Council did not recognise the commission's result.", name=name):
        record(approved.session, staff, verdicts=natural(approved.session) | {result.pk: (verdict, "   ")})
    assert council_state() == before


@pytest.mark.parametrize(
    "change, msgid",
    [
        ({"decided_on": "tomorrow"}, "The Council's decision cannot be dated in the future."),
        ({"decided_on": "before the exam"}, "The Council's decision cannot be dated before the exam."),
        ({"number": "  "}, "Give the number of the Council's decision (minutes)."),
        ({"number": "1" * 65}, "The decision number is too long."),
    ],
)
def test_the_decision_needs_a_number_and_a_date_after_the_exam(approved, sent, staff, change, msgid):
    if change.get("decided_on") == "tomorrow":
        change = {"decided_on": TODAY() + ONE_DAY}
    elif change.get("decided_on") == "before the exam":
        change = {"decided_on": selectors.exam_day(approved.session) - ONE_DAY}
    before = council_state()
    with refused(msgid):
        record(approved.session, staff, **change)
    assert council_state() == before


def test_recording_twice_is_refused(approved, sent, staff):
    record(approved.session, staff, number="15/2026")
    before = council_state()
    with refused(
        "The Council's decision № %(number)s is already recorded for this session; correct it instead.",
        number="15/2026",
    ):
        record(approved.session, staff, number="16/2026")
    assert council_state() == before


# --- The Council's decision: corrected ---------------------------------------------------------------


@pytest.fixture
def decided(approved, sent, staff, django_capture_on_commit_callbacks):
    """The natural decision recorded, its documents made (awaiting their numbers)."""
    with django_capture_on_commit_callbacks(execute=True):
        decision = record(approved.session, staff, number="15/2026")
    return decision


def correct(decision, staff, **kwargs):
    kwargs.setdefault("reason", "Опечатка в номере протокола")
    kwargs.setdefault("expected_version", decision.version)
    kwargs.setdefault("number", decision.number)
    kwargs.setdefault("decided_on", decision.decided_on)
    kwargs.setdefault("verdicts", natural(decision.session))
    return services.decision_correct(decision=decision, by=staff, **kwargs)


def test_a_correction_needs_a_reason(decided, staff):
    before = council_state()
    with refused("Say why the decision is corrected: the correction is recorded with its reason."):
        correct(decided, staff, reason="  ", number="16/2026")
    assert council_state() == before


def test_a_stale_correction_is_refused(decided, staff):
    correct(decided, staff, number="16/2026")
    before = council_state()
    with refused(
        "Someone else changed this decision in the meantime. Nothing was applied: "
        "look at the current state and act again if still needed."
    ):
        correct(decided, staff, number="17/2026", expected_version=1)
    assert council_state() == before


@pytest.mark.parametrize("persona", ["candidate", "expert"])
def test_only_staff_correct_the_decision(request, decided, persona):
    before = council_state()
    with refused("Only the center's staff record the Council's decisions."):
        correct(decided, request.getfixturevalue(persona), number="16/2026")
    assert council_state() == before


def test_a_correction_changes_the_verdict_and_its_documents_with_before_and_after(
    approved, decided, staff, django_capture_on_commit_callbacks
):
    passed, failed = approved.results[:2]
    old_certificate = IssuedDocument.objects.get(result=passed, kind=Kind.CERTIFICATE)
    earlier = selectors.exam_day(approved.session)
    why = "Совет не признал практический этап"
    with django_capture_on_commit_callbacks(execute=True):
        corrected = correct(
            decided,
            staff,
            reason="Ошибка при внесении решения",
            number="15/2026-и",
            decided_on=earlier,
            verdicts=natural(approved.session) | {passed.pk: ("conclusion", why)},
        )

    corrected.refresh_from_db()
    assert (corrected.status, corrected.number, corrected.decided_on, corrected.version) == (
        DecisionStatus.CORRECTED,
        "15/2026-и",
        earlier,
        2,
    )
    verdict = CouncilVerdict.objects.get(result=passed)
    assert (verdict.verdict, verdict.reason) == (Verdict.CONCLUSION, why)
    row = DecisionTransition.objects.filter(decision=decided).last()
    assert (row.from_status, row.to_status, row.by, row.note) == (
        DecisionStatus.RECORDED,
        DecisionStatus.CORRECTED,
        staff,
        "Ошибка при внесении решения",
    )
    assert row.changes == {
        "reason": "Ошибка при внесении решения",
        "number": ["15/2026", "15/2026-и"],
        "decided_on": [TODAY().isoformat(), earlier.isoformat()],
        "verdicts": {str(passed.pk): ["certificate", "conclusion"]},
    }

    old_certificate.refresh_from_db()
    assert old_certificate.is_current is False
    assert DocumentEvent.objects.filter(document=old_certificate, action="cancelled").count() == 1
    conclusion = IssuedDocument.objects.get(result=passed, kind=Kind.CONCLUSION)
    assert conclusion.is_current and conclusion.number_source == NumberSource.AWAITING
    # The failed candidate's conclusion is untouched.
    assert IssuedDocument.objects.filter(result=failed, is_current=True).count() == 1

    # A second correction goes on from the corrected state, and is recorded again.
    correct(corrected, staff, number="15/2026-и2")
    assert DecisionTransition.objects.filter(decision=decided).count() == 3


def test_a_verdict_whose_document_has_its_register_number_cannot_change(approved, decided, staff):
    passed = approved.results[0]
    register([IssuedDocument.objects.get(result=passed, kind=Kind.CERTIFICATE)])
    before = council_state()
    with refused(
        "%(name)s: a document under this verdict already has its register number; "
        "revoke it before changing the verdict.",
        name="Ёлкин Фёдор Юрьевич",
    ):
        correct(decided, staff, verdicts=natural(approved.session) | {passed.pk: ("conclusion", "Причина")})
    assert council_state() == before
    # Its number and date may still be corrected.
    correct(decided, staff, number="15/2026-и")
    assert CouncilDecision.objects.get(pk=decided.pk).number == "15/2026-и"


def test_a_reexam_verdict_is_not_changed_back(approved, sent, staff, django_capture_on_commit_callbacks):
    removed = approved.results[2]
    with django_capture_on_commit_callbacks(execute=True):
        decision = record(
            approved.session, staff, verdicts=natural(approved.session) | {removed.pk: ("reexam", "Нарушение")}
        )
    before = council_state()
    with refused("A re-exam verdict sent the application back for a new exam; it is not changed here."):
        correct(decision, staff, verdicts=natural(approved.session))
    assert council_state() == before


# --- Selectors: deadlines, the board, the lists --------------------------------------------------------


@pytest.mark.parametrize(
    "left, done, state, days_left, days_over",
    [
        (10, False, "ok", 10, 0),
        (4, False, "ok", 4, 0),
        (3, False, "soon", 3, 0),
        (0, False, "soon", 0, 0),
        (-1, False, "overdue", -1, 1),
        (-5, False, "overdue", -5, 5),
        (-5, True, "done", -5, 5),
    ],
)
def test_deadline_states(settings, left, done, state, days_left, days_over):
    settings.QAC_DEADLINE_WARN_DAYS = 3
    today = datetime.date(2026, 3, 10)
    due = today + datetime.timedelta(days=left)
    assert selectors.deadline(due, done=done, today=today) == {
        "due": due,
        "days_left": days_left,
        "days_over": days_over,
        "state": state,
    }
    assert selectors.deadline(None) is None


@pytest.fixture
def sessions_on_the_board(make_exam, staff):
    """Approved sessions of different days ago, each at its own step of the Council's path."""

    def session(days_ago, step):
        built = make_exam([PASS])
        into_the_past(built.session, days_ago=days_ago)
        if step in ("sent", "decided"):
            package_sent(built.session, staff)
        elif step == "requested":
            services.package_request(session_id=built.session.pk)
        if step == "decided":
            record(built.session, staff)
        return built.session

    return {
        # Package due 3 days ago / in 2 days / in 6 days, not sent (one never even requested).
        "package_overdue": session(10, "requested"),
        "package_soon": session(5, None),
        "package_ok": session(1, "requested"),
        # Sent; the decision due 6 days ago / in 11 days.
        "decision_overdue": session(20, "sent"),
        "decision_ok": session(3, "sent"),
        "decided": session(4, "decided"),
    }


def test_the_board_counts_what_is_due(sessions_on_the_board, settings):
    """The to-do board's Council items: how many wait and the earliest legal due date among them."""
    settings.QAC_DEADLINE_WARN_DAYS = 3
    s = sessions_on_the_board
    packages, decisions = selectors.board_items(today=TODAY())
    assert (packages["key"], packages["count"]) == ("council.packages", 3)
    assert packages["due"] == selectors.package_due(s["package_overdue"])
    assert (decisions["key"], decisions["count"]) == ("council.decisions", 2)
    assert decisions["due"] == selectors.decision_due(s["decision_overdue"])
    # Each links to the board filtered to exactly the sessions it counts.
    assert packages["url"].endswith("?state=package") and decisions["url"].endswith("?state=decision")
    assert selectors.council_sessions(state="package").count() == packages["count"]
    assert selectors.council_sessions(state="decision").count() == decisions["count"]
    # On any day the board's state agrees with the deadline the pages show for the earliest package.
    for offset in range(-2, 12):
        today = TODAY() + datetime.timedelta(days=offset)
        expected = selectors.deadline(packages["due"], today=today)["state"]
        assert board.with_state(packages, today=today)["state"] == expected


def test_council_sessions_filters(sessions_on_the_board, make_exam):
    make_exam([PASS], approve=False)  # not approved: never on the board
    s = sessions_on_the_board

    def pks(state):
        return list(selectors.council_sessions(state=state).values_list("pk", flat=True))

    # Newest exam first.
    everything = ["package_ok", "decision_ok", "decided", "package_soon", "package_overdue", "decision_overdue"]
    assert pks("") == [s[n].pk for n in everything]
    assert set(pks("package")) == {s["package_overdue"].pk, s["package_soon"].pk, s["package_ok"].pk}
    assert set(pks("decision")) == {s["decision_overdue"].pk, s["decision_ok"].pk}
    assert pks("decided") == [s["decided"].pk]
