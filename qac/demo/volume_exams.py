"""Exams for the bulk candidates of ``seed_demo --volume N``: approved sessions, the Council's
decisions and the documents they call for, written by ``qac.demo.bulk`` (one ``COPY`` per table
on PostgreSQL), following the rules the services apply (a result, Council verdict and document
per enrolment)."""

import datetime
import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from candidates.models import Application, ApplicationTransition
from qac.certificates.models import DocumentEvent, IssuedDocument, Kind, NumberSource
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
from qac.exams.models import CommissionMember, Enrolment, ExamResult, ExamSession, SessionStatus

from .bulk import insert
from .volume import VOLUME_EMAIL_DOMAIN


def seed_volume_exams(*, batch_size: int = 50) -> int:
    """Approved sessions for the bulk candidates whose applications are accepted, each with its package
    sent to the Council and the Council's decision recorded, and the documents that decision calls for,
    awaiting their register numbers: numbering is left to export -> stand-in -> import, so benchmarks
    and tests go through the real path.

    One session of up to ``batch_size`` candidates a day, going back in time, with the demo experts
    as commission; 80% pass. Returns how many candidates got results.
    """
    User = get_user_model()
    experts = list(
        User.objects.filter(email__in=["expert1@qac.local", "expert2@qac.local", "expert3@qac.local"]).order_by("email")
    )
    staff = User.objects.filter(email="staff@qac.local").first()
    if len(experts) < 3 or staff is None:
        return 0
    pending = (
        Application.objects.filter(status="accepted", candidate__email__endswith=f"@{VOLUME_EMAIL_DOMAIN}")
        .order_by("qualification_id", "id")
        .values_list("id", "qualification_id", "candidate_id")
    )
    chunks: list[tuple[int, list[tuple[int, int]]]] = []
    by_qualification: dict[int, list[tuple[int, int]]] = {}
    for app_id, qualification_id, candidate_id in pending:
        by_qualification.setdefault(qualification_id, []).append((app_id, candidate_id))
    for qualification_id, apps in by_qualification.items():
        chunks += [(qualification_id, apps[i : i + batch_size]) for i in range(0, len(apps), batch_size)]
    if not chunks:
        return 0
    oldest = ExamSession.objects.order_by("starts_at").values_list("starts_at", flat=True).first()
    day = (oldest or timezone.now()).replace(hour=10, minute=0, second=0, microsecond=0) - datetime.timedelta(days=1)
    days = [day - datetime.timedelta(days=i) for i in range(len(chunks))]
    with transaction.atomic():
        sessions = insert(
            [
                _session(qualification_id, d, batch_size, staff, experts[0])
                for (qualification_id, _a), d in zip(chunks, days, strict=True)
            ]
        )
        insert(
            [CommissionMember(session=s, expert=e, is_chair=i == 0) for s in sessions for i, e in enumerate(experts)]
        )
        results = _sit_sessions(sessions, chunks, staff=staff, chair=experts[0])
        decisions = _council_decide(sessions, staff=staff)
        _issue_documents(results, decisions, chunks)
    return sum(len(apps) for _q, apps in chunks)


def _session(qualification_id: int, day, capacity: int, staff, chair) -> ExamSession:
    return ExamSession(
        qualification_id=qualification_id,
        starts_at=day,
        ends_at=day + datetime.timedelta(hours=6),
        venue_address="г. Санкт-Петербург, ул. Заводская, д. 1",
        venue_room="ауд. 101",
        capacity=capacity,
        status=SessionStatus.RESULTS_APPROVED,
        created_by=staff,
        approved_at=day + datetime.timedelta(hours=7),
        approved_by=chair,
    )


def _sit_sessions(sessions, chunks, *, staff, chair) -> list[ExamResult]:
    """Enrol and mark present, record each result, move each application to passed or failed."""
    rng = random.Random(78033)  # noqa: S311 (reproducible fake data)
    enrolments = insert(
        [
            Enrolment(session=s, application_id=app_id, present=True, enrolled_by=staff)
            for s, (_q, apps) in zip(sessions, chunks, strict=True)
            for app_id, _candidate in apps
        ]
    )
    results = []
    for e in enrolments:
        passed = rng.random() < 0.8
        results.append(
            ExamResult(
                enrolment=e,
                theory_percent=rng.randint(75, 98) if passed else rng.randint(40, 68),
                theory_passed=passed,
                practical_percent=rng.randint(72, 100) if passed else rng.randint(30, 90),
                practical_passed=passed,
                decision="passed" if passed else "failed",
                failed_topics=[] if passed else ["Электрооборудование"],
            )
        )
    insert(results)
    day_of = {s.pk: s.starts_at for s in sessions}
    by_outcome: dict[tuple, list[int]] = {}
    for r in results:
        by_outcome.setdefault((r.decision, day_of[r.enrolment.session_id]), []).append(r.enrolment.application_id)
    for (outcome, day), ids in by_outcome.items():
        Application.objects.filter(pk__in=ids).update(status=outcome, decided_at=day)
    insert(
        [
            ApplicationTransition(
                application_id=r.enrolment.application_id,
                from_status="accepted",
                to_status=r.decision,
                by=chair,
                notified_at=day_of[r.enrolment.session_id],
            )
            for r in results
        ]
    )
    return results


def _council_decide(sessions, *, staff) -> dict[int, CouncilDecision]:
    """The package went to the Council within 7 days, and the Council decided within 14."""
    today = timezone.localdate()
    packages, decisions = [], []
    for s in sessions:
        exam_day = timezone.localdate(s.starts_at)
        packages.append(
            CouncilPackage(
                session=s,
                status=PackageStatus.SENT,
                due_on=exam_day + datetime.timedelta(days=settings.QAC_COUNCIL_PACKAGE_DAYS),
                sent_on=min(exam_day + datetime.timedelta(days=3), today),
                sent_via="email",
                sent_reference="bulk",
                sent_recorded_by=staff,
            )
        )
        decisions.append(
            CouncilDecision(
                session=s,
                status=DecisionStatus.RECORDED,
                number=f"V-{s.pk}",
                decided_on=min(exam_day + datetime.timedelta(days=10), today),
                recorded_by=staff,
            )
        )
    insert(packages)
    insert([PackageTransition(package=p, from_status="", to_status=PackageStatus.SENT, by=staff) for p in packages])
    insert(decisions)
    insert(
        [DecisionTransition(decision=d, from_status="", to_status=DecisionStatus.RECORDED, by=staff) for d in decisions]
    )
    return {d.session_id: d for d in decisions}


def _issue_documents(results, decisions, chunks) -> None:
    """A verdict per result and the document it calls for, awaiting its register number."""
    User = get_user_model()
    candidate_of = {app_id: candidate for _q, apps in chunks for app_id, candidate in apps}
    people = {
        u["pk"]: u
        for u in User.objects.filter(pk__in=candidate_of.values()).values("pk", "last_name", "first_name", "patronymic")
    }
    sessions = {s.pk: s for s in ExamSession.objects.filter(pk__in=decisions.keys())}
    verdicts = insert(
        [
            CouncilVerdict(
                decision=decisions[r.enrolment.session_id],
                result=r,
                verdict=Verdict.CERTIFICATE if r.decision == "passed" else Verdict.CONCLUSION,
            )
            for r in results
        ]
    )
    documents = []
    for verdict, r in zip(verdicts, results, strict=True):
        person = people[candidate_of[r.enrolment.application_id]]
        session = sessions[r.enrolment.session_id]
        exam_day = timezone.localdate(session.starts_at)
        passed = verdict.verdict == Verdict.CERTIFICATE
        documents.append(
            IssuedDocument(
                kind=Kind.CERTIFICATE if passed else Kind.CONCLUSION,
                result=r,
                verdict=verdict,
                qualification_id=session.qualification_id,
                holder_id=person["pk"],
                holder_last_name=person["last_name"],
                holder_first_name=person["first_name"],
                holder_patronymic=person["patronymic"],
                exam_date=exam_day,
                issue_due_on=exam_day + datetime.timedelta(days=settings.QAC_DOCUMENTS_ISSUE_DAYS),
                number_source=NumberSource.AWAITING,
                gaps=[] if passed else [{"kind": "topic", "text": "Электрооборудование"}],
                recommendations="" if passed else "Повторите тему «Электрооборудование».",
            )
        )
    insert(documents)
    insert(
        [
            DocumentEvent(
                document=d, action="issued", data={"decision": decisions[d.result.enrolment.session_id].number}
            )
            for d in documents
        ]
    )
