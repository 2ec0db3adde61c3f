"""The legal issuing path for tests: the package sent, the Council's decision, the register's numbers.

Each step goes through the real services; only the building of the package's ZIP (a
worker's job, tested in tests/council/) is stood in for by marking the package ready.
"""

import datetime
import itertools

from django.conf import settings
from django.utils import timezone

from qac.certificates import services as certificate_services
from qac.certificates.models import IssuedDocument, NumberSource
from qac.council import services as council_services
from qac.council.models import CouncilPackage, PackageStatus, Verdict
from qac.exams.models import Decision

NATURAL = {
    Decision.PASSED: Verdict.CERTIFICATE,
    Decision.FAILED: Verdict.CONCLUSION,
    Decision.REMOVED: Verdict.CONCLUSION,
}
_sequence = itertools.count(1)


def into_the_past(session, *, days_ago: int = 2):
    """The exam harness plans sessions in the future; the Council's steps happen after the exam,
    so move a decided session's dates (and its documents' exam date) ``days_ago`` days back."""
    from qac.exams.models import ExamSession

    session.refresh_from_db()
    if timezone.localdate(session.ends_at) < timezone.localdate():
        return session
    shift = session.ends_at - timezone.now() + datetime.timedelta(days=days_ago)
    ExamSession.objects.filter(pk=session.pk).update(
        starts_at=session.starts_at - shift, ends_at=session.ends_at - shift
    )
    session.refresh_from_db()
    exam_date = timezone.localdate(session.starts_at)
    IssuedDocument.objects.filter(result__enrolment__session=session).update(exam_date=exam_date)
    CouncilPackage.objects.filter(session=session).update(due_on=council_services.package_due(session))
    return session


def package_sent(session, staff, *, sent_on=None):
    """The session's package, built (stood in) and recorded as sent."""
    into_the_past(session)
    package = council_services.package_request(session_id=session.pk)
    if package.status in (PackageStatus.BUILDING, PackageStatus.FAILED):
        CouncilPackage.objects.filter(pk=package.pk).update(status=PackageStatus.READY)
        package.refresh_from_db()
    if package.status == PackageStatus.READY:
        package = council_services.package_mark_sent(
            package=package,
            by=staff,
            sent_on=sent_on or timezone.localdate(),
            sent_via="email",
            reference="Письмо № 1",
        )
    return package


def council_decide(session, staff, *, verdicts=None, number="15/2026", decided_on=None):
    """Record the Council's decision: each result's natural verdict unless ``verdicts`` says ({id: (v, reason)})."""
    package_sent(session, staff)
    chosen = {r.pk: (NATURAL[r.decision], "") for r in council_services.decidable_results(session)}
    chosen.update(verdicts or {})
    return council_services.decision_record(
        session=session,
        by=staff,
        number=number,
        decided_on=decided_on or timezone.localdate(),
        verdicts=chosen,
    )


def register_number_for(document) -> str:
    year = timezone.localdate().year % 100
    return f"{document.qualification.code}.{next(_sequence):08d}.{year:02d}"


def register(documents, *, issue_date: datetime.date | None = None):
    """Give each document a register number, as an imported answer would; returns them refreshed."""
    out = []
    for document in documents:
        number = register_number_for(document)
        document, _changed = certificate_services.document_register(
            document=document,
            number=number,
            issue_date=issue_date or timezone.localdate(),
            register_url=f"{settings.QAC_REGISTER_STUB_URL}{number}",
            source="test",
        )
        out.append(document)
    return out


def awaiting(session) -> list[IssuedDocument]:
    return list(
        IssuedDocument.objects.filter(result__enrolment__session=session, number_source=NumberSource.AWAITING).order_by(
            "pk"
        )
    )
