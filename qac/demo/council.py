"""The legal issuing path on the demo's approved session, the way staff walk it: the package to the
Council, the Council's decision, the documents reported to the register and numbered by it, their
PDFs, and one certificate handed over."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from qac.certificates import services as certificate_services
from qac.certificates.models import IssuedDocument, NumberSource, RenderStatus
from qac.certificates.render import render_batch
from qac.council import selectors as councils
from qac.council import services as council
from qac.council.models import CouncilDecision, PackageStatus
from qac.council.selectors import VERDICT_CHOICES
from qac.exams.models import ExamSession, SessionStatus
from qac.registry.answers import register_answer_import
from qac.registry.services import registry_export
from qac.registry.stub import answer_bytes, stub_answer_rows

from .base import QuietMail
from .volume import VOLUME_EMAIL_DOMAIN


def seed_council() -> int:
    """The legal issuing path on the demo's approved session, the way staff walk it. Idempotent.

    Package built and sent, the Council's decision recorded, the documents reported to the
    register by the export, numbered by the stand-in for the register (its answer file imported
    like the real one), rendered, and one certificate handed over. Every step is a service call;
    the workers' steps are called here directly so the demo does not wait for a worker.
    Returns how many documents carry a register number.
    """
    with QuietMail():
        return _seed_council()


def _seed_council() -> int:

    User = get_user_model()
    staff = User.objects.filter(email="staff@qac.local").first()
    session = (
        ExamSession.objects.filter(status=SessionStatus.RESULTS_APPROVED, venue_room="ауд. 101")
        .exclude(enrolments__application__candidate__email__endswith=f"@{VOLUME_EMAIL_DOMAIN}")
        .order_by("starts_at")
        .first()
    )
    if staff is None or session is None:
        return 0
    exam_day = councils.exam_day(session)
    _package_sent(session, staff=staff, exam_day=exam_day)
    _decision_recorded(session, staff=staff, exam_day=exam_day)
    certificate_services.session_documents_issue(session_id=session.pk, by=staff)
    _numbered_by_the_register(session, staff=staff, exam_day=exam_day)
    numbered = IssuedDocument.objects.filter(result__enrolment__session=session).exclude(
        number_source=NumberSource.AWAITING
    )
    # Rendered here too, so the demo has its PDFs without a worker running yet.
    _render(numbered)
    _hand_over_one(numbered, staff=staff)
    return numbered.count()


def _package_sent(session, *, staff, exam_day) -> None:
    """The package for the Council built (here, not by a worker) and sent three days after the exam."""
    package = council.package_request(session_id=session.pk)
    if package.status == PackageStatus.BUILDING:
        council.package_build(package_id=package.pk)
        package.refresh_from_db()
    if package.status == PackageStatus.READY:
        council.package_mark_sent(
            package=package,
            by=staff,
            sent_on=exam_day + datetime.timedelta(days=3),
            sent_via="email",
            reference="Исх. № 112 (демонстрационный пример)",
        )


def _decision_recorded(session, *, staff, exam_day) -> None:
    """Ten days after the exam, the Council decides as the results say."""
    if not CouncilDecision.objects.filter(session=session).exists():
        council.decision_record(
            session=session,
            by=staff,
            number="СПК-АП/41 (демо)",
            decided_on=exam_day + datetime.timedelta(days=10),
            verdicts={r.pk: (VERDICT_CHOICES[r.decision][0], "") for r in councils.decidable_results(session)},
        )


def _numbered_by_the_register(session, *, staff, exam_day) -> None:
    """The documents awaiting numbers go out in the export; the stand-in's answer numbers them."""
    if IssuedDocument.objects.filter(result__enrolment__session=session, number_source=NumberSource.AWAITING).exists():
        registry_export(trigger="demo", by=staff)
        rows = stub_answer_rows(today=min(timezone.localdate(), exam_day + datetime.timedelta(days=18)))
        if rows:
            register_answer_import(data=answer_bytes(rows, "csv"), filename="demo-register-answer.csv", by=staff)


def _render(documents) -> None:
    todo = certificate_services.render_claim(document_ids=list(documents.values_list("pk", flat=True)))
    if todo:
        for document_id, pdf in render_batch(todo).items():
            certificate_services.render_store(document=IssuedDocument.objects.get(pk=document_id), pdf=pdf)


def _hand_over_one(documents, *, staff) -> None:
    """The first rendered certificate is handed to its holder, unless the demo already handed one over."""
    first = documents.filter(kind="certificate", render_status=RenderStatus.RENDERED, delivered_on__isnull=True).first()
    if first is not None and not IssuedDocument.objects.filter(delivered_on__isnull=False).exists():
        certificate_services.document_deliver(
            document=first,
            by=staff,
            method="handed",
            delivered_on=first.issue_date,
            recipient=first.holder_full_name,
        )
