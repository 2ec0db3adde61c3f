"""The issue's "done when": the retention job on demo data with a shifted clock destroys exactly what is
due and nothing else. The clock moves by passing ``today`` to the job and to the worker's execution."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db.models import Count, Q
from django.utils import timezone

from candidates.models import ApplicantIdentity, Application, ApplicationDocument, ApplicationStatus
from qac.appeals.models import Appeal
from qac.appeals.selectors import LIVE as LIVE_APPEALS
from qac.certificates.models import IssuedDocument
from qac.council.models import CouncilPackage
from qac.exams.models import ExamResult, ExamSession
from qac.retention import services
from qac.retention.models import ActStatus, ConsentWithdrawal, DestructionAct, ItemOutcome, RecordKind
from qac.retention.selectors import EXAMINED_STATUSES, UNEXAMINED_STATUSES
from tests.helpers.exams import ru
from tests.helpers.retention import shifted

pytestmark = pytest.mark.django_db
S = ApplicationStatus
STILL_WITHIN = "%(what)s is still within its retention period on %(today)s; it is not destroyed."


def _head():
    return get_user_model().objects.get(email="head@qac.local")


def _statistics() -> dict:
    """What counts are made of: applications per qualification and status, results, documents."""
    return {
        "applications": sorted(
            Application.objects.values_list("qualification__code", "status").annotate(n=Count("pk"))
        ),
        "results": sorted(ExamResult.objects.values_list("decision").annotate(n=Count("pk"))),
        "documents": sorted(IssuedDocument.objects.values_list("kind", "number", "valid_until", "exam_date")),
        "identities": ApplicantIdentity.objects.count(),
    }


def _files_of(applications) -> set[str]:
    return set(ApplicationDocument.objects.filter(application__in=applications).values_list("file", flat=True))


def _run(today):
    """The nightly job, the head's approval, and the worker, all on the shifted clock."""
    act = services.act_propose(today=today, trigger="test")
    assert act is not None
    services.act_approve(act=act, by=_head())
    return services.act_execute(act_id=act.pk, today=today)


def test_four_years_on_only_applications_without_an_exam_are_destroyed(demo):
    DestructionAct.objects.all().delete()  # the demo's own act: this test proposes its own
    before = _statistics()
    unexamined = Application.objects.filter(status__in=UNEXAMINED_STATUSES)
    due_ids = set(unexamined.values_list("pk", flat=True))
    due_files = _files_of(unexamined)
    withdrawals = set(ConsentWithdrawal.objects.values_list("pk", flat=True))  # the demo's one, due at once
    kept = Application.objects.exclude(pk__in=due_ids)
    kept_files = _files_of(kept)
    kept_identities = {i.pk: i.get_full_name() for i in ApplicantIdentity.objects.filter(application__in=kept)}
    assert due_files and kept_files and kept_identities, "the demo has files on both sides"

    act = _run(shifted(4))

    assert act.status == ActStatus.EXECUTED
    items = list(act.items.all())
    assert {i.object_id for i in items if i.kind == RecordKind.APPLICATION_UNEXAMINED} == due_ids
    assert {i.object_id for i in items if i.kind == RecordKind.CONSENT_WITHDRAWAL} == withdrawals
    assert {i.kind for i in items} == {RecordKind.APPLICATION_UNEXAMINED, RecordKind.CONSENT_WITHDRAWAL}
    assert all(i.outcome == ItemOutcome.DESTROYED for i in items)
    assert not any(default_storage.exists(name) for name in due_files), "the files are gone from storage"
    assert not ApplicationDocument.objects.filter(application_id__in=due_ids).exists()
    for identity in ApplicantIdentity.objects.filter(application_id__in=due_ids):
        assert (identity.first_name, identity.id_doc_number, identity.address) == ("", "", "")
    assert all(default_storage.exists(name) for name in kept_files), "nothing else is touched"
    assert {i.pk: i.get_full_name() for i in ApplicantIdentity.objects.filter(application__in=kept)} == kept_identities
    assert _statistics() == before, "anonymised rows are still counted"
    # The next night: the accounts of people left with no file to keep (and long unseen) come due.
    emptied = (
        set(Application.objects.filter(pk__in=due_ids).values_list("candidate", flat=True))
        - set(kept.values_list("candidate", flat=True))
        - set(ConsentWithdrawal.objects.values_list("candidate", flat=True))
    )
    follow_up = services.act_propose(today=shifted(4), trigger="test")
    assert emptied and set(follow_up.items.values_list("kind", "object_id")) == {
        (RecordKind.CANDIDATE_ACCOUNT, pk) for pk in emptied
    }


def test_seven_years_on_the_exam_files_and_materials_go_and_the_register_records_stay(demo):
    DestructionAct.objects.all().delete()
    _run(shifted(4))
    before = _statistics()
    appealed = Appeal.objects.filter(status__in=LIVE_APPEALS)
    examined = Application.objects.filter(status__in=EXAMINED_STATUSES).exclude(appeals__in=appealed)
    examined_ids = set(examined.values_list("pk", flat=True))
    held_files = _files_of(Application.objects.filter(appeals__in=appealed))
    documents = IssuedDocument.objects.filter(result__enrolment__application__in=examined_ids)
    document_files = {d.file.name for d in documents if d.file}
    # A session's materials are its protocol and its Council package: a session with neither (the demo's
    # appealed one, whose appeals are still open) has nothing to destroy and is not listed.
    approved = ExamSession.objects.filter(status="results_approved")
    packages = CouncilPackage.objects.filter(session__in=approved).exclude(file="")
    with_materials = set(
        approved.filter(Q(pk__in=packages.values("session")) | ~Q(protocol="")).values_list("pk", flat=True)
    )
    session_files = {s.protocol.name for s in approved if s.protocol} | {p.file.name for p in packages}
    open_files = _files_of(Application.objects.exclude(status__in=(*EXAMINED_STATUSES, *UNEXAMINED_STATUSES)))
    assert examined_ids and document_files and session_files and open_files
    assert approved.exclude(pk__in=with_materials).exists(), "the demo has an approved session with no materials"

    act = _run(shifted(7))

    by_kind = {}
    for item in act.items.all():
        by_kind.setdefault(item.kind, set()).add(item.object_id)
        assert item.outcome == ItemOutcome.DESTROYED, item.detail
    assert by_kind[RecordKind.APPLICATION_FILE] == examined_ids
    assert by_kind[RecordKind.SESSION_MATERIALS] == with_materials
    assert held_files and all(default_storage.exists(n) for n in held_files), "an open appeal keeps its file"
    assert not any(default_storage.exists(n) for n in document_files | session_files)
    assert all(default_storage.exists(n) for n in open_files), "open applications are never due"
    for document in documents.all():
        assert document.holder_last_name == "Обезличено" and not document.file
        assert document.number, "the register number stays"
    assert _statistics() == before


def test_an_act_executed_on_an_earlier_clock_refuses_what_is_not_yet_due(demo):
    """Proposed for a clock seven years on, carried out today: only what is due today (the demo's dated-back
    records) is destroyed; every other record is refused as still within its period, and stays."""
    due_today = set(DestructionAct.objects.get().items.values_list("kind", "object_id"))
    DestructionAct.objects.all().delete()
    before = _statistics()
    keep_files = set(
        ApplicationDocument.objects.exclude(
            application_id__in=[pk for kind, pk in due_today if kind == RecordKind.APPLICATION_UNEXAMINED]
        ).values_list("file", flat=True)
    )
    act = services.act_propose(today=shifted(7), trigger="test")
    services.act_approve(act=act, by=_head())
    act = services.act_execute(act_id=act.pk)
    assert act.status == ActStatus.EXECUTED
    destroyed = set(act.items.filter(outcome=ItemOutcome.DESTROYED).values_list("kind", "object_id"))
    assert destroyed == due_today
    refused = act.items.exclude(outcome=ItemOutcome.DESTROYED)
    assert refused.count() >= 5 and set(refused.values_list("outcome", flat=True)) == {ItemOutcome.REFUSED}
    first = refused.first()
    today = timezone.localdate().strftime("%d.%m.%Y")
    assert first.detail["reason"] == ru(STILL_WITHIN, what=first.label, today=today)
    assert all(default_storage.exists(n) for n in keep_files)
    assert _statistics() == before
