"""The appeal's life through its services: filing, the deadline, the commission, execution, bad input."""

import datetime

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from candidates.models import ApplicationStatus, ApplicationTransition, CallTask, NotifyBy
from qac.appeals import selectors, services
from qac.appeals.models import Appeal, AppealStatus, AppealTransition, Grounds, Remedy
from qac.council.models import CouncilVerdict, DecisionStatus, Verdict
from qac.exams.models import Decision
from tests.helpers.appeals import file_appeal, forward, satisfy

S = AppealStatus


def appeals_state():
    return {
        "appeals": list(Appeal.objects.order_by("pk").values()),
        "history": list(AppealTransition.objects.order_by("pk").values_list("pk", "to_status")),
    }


def test_a_candidate_files_an_appeal_with_grounds_and_files_and_is_told(application, candidate):
    appeal = file_appeal(application, candidate)

    assert appeal.status == S.FILED
    assert appeal.result.enrolment.application == application
    assert appeal.grounds == [Grounds.RESULT]
    assert appeal.filed_on == timezone.localdate()
    assert appeal.deadline_on == timezone.localdate() + datetime.timedelta(days=30)
    assert [f.original_name for f in appeal.files.all()] == ["protest.pdf"]
    assert list(appeal.history.values_list("from_status", "to_status")) == [("", S.FILED)]
    assert [m.to for m in mail.outbox][-1] == [candidate.email]
    assert f"№ {appeal.pk}" in mail.outbox[-1].subject


def test_an_appeal_after_the_deadline_is_refused_with_the_date_it_closed(application, candidate):
    told = timezone.now() - datetime.timedelta(days=31)
    ApplicationTransition.objects.filter(application=application, to_status=application.status).update(at=told)
    closed = timezone.localdate(told) + datetime.timedelta(days=30)
    before = appeals_state()

    with pytest.raises(services.AppealError) as refused:
        file_appeal(application, candidate)

    assert closed.strftime("%d.%m.%Y") in str(refused.value)
    assert appeals_state() == before


def test_the_last_day_of_the_deadline_is_still_open(application, candidate):
    told = timezone.now() - datetime.timedelta(days=30)
    ApplicationTransition.objects.filter(application=application, to_status=application.status).update(at=told)

    assert file_appeal(application, candidate).deadline_on == timezone.localdate()


def test_a_phone_candidate_is_informed_when_the_call_is_recorded(application, staff):
    type(application).objects.filter(pk=application.pk).update(notify_by=NotifyBy.PHONE)
    application.refresh_from_db()
    transition = ApplicationTransition.objects.filter(application=application, to_status=application.status).last()
    call = CallTask.objects.create(application=application, event=CallTask.Event.STATUS, transition=transition)
    assert selectors.appeal_deadline(application) is None  # not told yet: the time does not run

    called = timezone.now() - datetime.timedelta(days=3)
    CallTask.objects.filter(pk=call.pk).update(called_at=called, called_by=staff)

    assert selectors.appeal_deadline(application) == timezone.localdate(called) + datetime.timedelta(days=30)


def test_a_second_appeal_against_the_same_result_is_refused(application, candidate):
    first = file_appeal(application, candidate)
    before = appeals_state()

    with pytest.raises(services.AppealError) as refused:
        file_appeal(application, candidate)

    assert f"№ {first.pk}" in str(refused.value)
    assert appeals_state() == before


def test_after_a_withdrawal_the_candidate_may_appeal_again(application, candidate):
    first = file_appeal(application, candidate)
    services.appeal_withdraw(appeal=first, by=candidate)

    assert file_appeal(application, candidate).status == S.FILED


def test_another_candidate_cannot_file_on_someone_elses_application(application, other_candidate):
    with pytest.raises(services.AppealError):
        file_appeal(application, other_candidate)
    assert not Appeal.objects.exists()


def test_a_file_that_is_not_a_pdf_or_image_is_refused_and_nothing_is_written(application, candidate):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(services.AppealError, match=r"virus\.pdf"):
        file_appeal(application, candidate, files=[bad])
    assert not Appeal.objects.exists()


def test_grounds_must_fit_the_decision(application, candidate):
    with pytest.raises(services.AppealError):
        file_appeal(application, candidate, grounds=[Grounds.REFUSED])
    with pytest.raises(services.AppealError):
        file_appeal(application, candidate, grounds=[])


def test_staff_register_a_paper_appeal_with_the_date_it_arrived(application, staff):
    received = timezone.localdate() - datetime.timedelta(days=2)
    appeal = file_appeal(application, staff, received_on=received, files=[])

    assert appeal.channel == "paper" and appeal.filed_on == received and appeal.filed_by == staff


def test_a_decision_for_an_appeal_not_yet_forwarded_is_refused(application, candidate, staff):
    appeal = file_appeal(application, candidate)
    before = appeals_state()

    with pytest.raises(services.AppealError, match="forwarded"):
        satisfy(appeal, staff)

    assert appeals_state() == before


def test_forwarding_starts_the_commissions_60_days(application, candidate, staff):
    appeal = forward(file_appeal(application, candidate), staff)

    assert appeal.status == S.FORWARDED
    assert appeal.decision_due_on == timezone.localdate() + datetime.timedelta(days=60)
    assert appeal.decision_due_on.strftime("%d.%m.%Y") in mail.outbox[-1].body


def test_the_execution_date_is_at_most_45_days_after_the_decision(application, candidate, staff):
    appeal = forward(file_appeal(application, candidate), staff)
    late = timezone.localdate() + datetime.timedelta(days=46)

    with pytest.raises(services.AppealError, match="701n"):
        satisfy(appeal, staff, execute_by=late)
    assert Appeal.objects.get(pk=appeal.pk).status == S.FORWARDED


def test_a_rejected_appeal_closes_and_the_candidate_is_told(application, candidate, staff):
    appeal = forward(file_appeal(application, candidate), staff)
    with TestCase.captureOnCommitCallbacks(execute=True):
        appeal = services.appeal_decide(
            appeal=appeal,
            by=staff,
            satisfied=False,
            number="А-4",
            decided_on=timezone.localdate(),
            text="Оценка обоснована.",
        )

    assert appeal.status == S.REJECTED and appeal.remedy == "" and appeal.execute_by is None
    assert "А-4" in mail.outbox[-1].body
    assert selectors.allowed_actions(appeal, staff) == set()


def test_a_satisfied_reexam_reopens_the_application_free_of_charge(application, candidate, staff):
    appeal = satisfy(forward(file_appeal(application, candidate), staff), staff)

    with TestCase.captureOnCommitCallbacks(execute=True):
        appeal = services.appeal_execute(appeal=appeal, by=staff, expected_version=appeal.version)

    assert appeal.status == S.EXECUTED and appeal.executed_on == timezone.localdate()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
    reopened = ApplicationTransition.objects.filter(application=application).order_by("pk").last()
    assert reopened.to_status == ApplicationStatus.ACCEPTED and f"№ {appeal.pk}" in reopened.note
    assert [t.to_status for t in appeal.history.all()] == [S.FILED, S.FORWARDED, S.SATISFIED, S.EXECUTED]


def test_the_reopened_application_can_be_enrolled_for_the_new_exam(application, candidate, staff, commission):
    from tests.builders import session_in_progress

    appeal = satisfy(forward(file_appeal(application, candidate), staff), staff)
    services.appeal_execute(appeal=appeal, by=staff)
    application.refresh_from_db()
    chair, *experts = commission

    _session, (enrolment,) = session_in_progress(
        qualification=application.qualification, staff=staff, chair=chair, experts=experts, applications=[application]
    )

    assert enrolment.application == application
    old = application.enrolments.exclude(pk=enrolment.pk).get()
    assert old.superseded and old.result.decision == Decision.FAILED


def test_a_result_correction_on_appeal_needs_the_head_and_moves_everything_downstream(
    application, failed, candidate, staff, head
):
    appeal = satisfy(forward(file_appeal(application, candidate), staff), staff, remedy=Remedy.CORRECT)
    assert selectors.allowed_actions(appeal, staff) == set()
    with pytest.raises(services.AppealError):
        services.appeal_execute(appeal=appeal, by=staff, result_changes={"decision": Decision.PASSED})
    assert Appeal.objects.get(pk=appeal.pk).status == S.SATISFIED

    with TestCase.captureOnCommitCallbacks(execute=True):
        appeal = services.appeal_execute(
            appeal=appeal, by=head, result_changes={"decision": Decision.PASSED, "practical_percent": 80}
        )

    assert appeal.status == S.EXECUTED
    assert f"№ {appeal.pk}" in appeal.correction.reason and "А-3/2026" in appeal.correction.reason
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PASSED
    verdict = CouncilVerdict.objects.get(result=failed)
    assert verdict.verdict == Verdict.CERTIFICATE
    assert verdict.decision.status == DecisionStatus.CORRECTED
    kinds = {(d.kind, d.is_current) for d in failed.documents.all()}
    assert ("certificate", True) in kinds


def test_board_items_count_each_kind_of_work_with_its_earliest_deadline(make_exam, candidate, staff):
    from tests.helpers.certificates import FAIL_PRACTICAL
    from tests.helpers.legal import council_decide

    built = make_exam([FAIL_PRACTICAL, FAIL_PRACTICAL, FAIL_PRACTICAL])
    council_decide(built.session, staff)
    apps = [r.enrolment.application for r in built.results]
    for a in apps:
        a.refresh_from_db()
    a1 = file_appeal(apps[0], apps[0].candidate)
    a2 = forward(file_appeal(apps[1], apps[1].candidate), staff)
    a3 = satisfy(forward(file_appeal(apps[2], apps[2].candidate), staff), staff)
    today = timezone.localdate()

    items = {i["key"]: i for i in selectors.board_items(today=today)}

    assert set(items) == {"appeals_forward", "appeals_decision", "appeals_execute"}
    assert items["appeals_forward"]["count"] == 1
    assert items["appeals_forward"]["due"] == a1.filed_on + datetime.timedelta(days=3)
    assert items["appeals_decision"]["count"] == 1 and items["appeals_decision"]["due"] == a2.decision_due_on
    assert items["appeals_execute"]["count"] == 1 and items["appeals_execute"]["due"] == a3.execute_by
    assert all(i["url"].startswith("/staff/appeals/?state=") and i["label"] for i in items.values())


def test_board_items_with_nothing_to_do(db):
    items = selectors.board_items(today=timezone.localdate())
    assert [(i["count"], i["due"]) for i in items] == [(0, None)] * 3


def test_a_second_delivery_of_the_e_mail_task_sends_nothing(application, candidate):
    from qac.appeals.tasks import appeal_notify_task

    appeal = file_appeal(application, candidate)
    sent = len(mail.outbox)

    assert appeal_notify_task(appeal.history.get().pk) == "already sent"
    assert len(mail.outbox) == sent
