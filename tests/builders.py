"""Build data through the real services, for tests that need an application or a session in a given state."""

from datetime import timedelta

from django.utils import timezone

from candidates import services as candidate_services
from qac.exams import services as exam_services
from tests.factories import pdf_upload


def accepted_application(*, candidate, qualification, staff, ip: str = "192.0.2.10"):
    """Open, attach every mandatory document, submit with consent, accept."""
    application = candidate_services.application_create(candidate=candidate, qualification=qualification)
    for required in qualification.required_documents.filter(is_mandatory=True):
        candidate_services.application_attach_document(
            application=application,
            required_document=required,
            uploaded_file=pdf_upload(f"{required.pk}.pdf"),
            by=candidate,
        )
    application = candidate_services.application_submit(
        application=application,
        by=candidate,
        consent=candidate_services.Consent(personal_data=True, exam_rules=True, ip=ip),
    )
    return candidate_services.application_accept(
        application=application, by=staff, expected_version=application.version
    )


def approve_tools(spec, *, number: str = "№ 41", date=None):
    """Record the Council's approval of a qualification's assessment tools and question bank (the seeded
    catalogue ships example specifications, which real sessions may not use)."""
    date = date or timezone.localdate() - timedelta(days=30)
    spec.is_example = False
    spec.approval_number, spec.approval_date = number, date
    spec.bank_approval_number, spec.bank_approval_date = number, date
    spec.save()
    return spec


def admit(enrolment, *, staff):
    """Mark a candidate present on the identity document of their application (Decree 1204 p.10)."""
    identity = enrolment.application.identity
    exam_services.mark_presence(
        enrolment=enrolment,
        by=staff,
        present=True,
        id_document_type=identity.id_doc_type,
        id_document_tail=identity.id_doc_number[-4:],
    )


def _ends_today(now):
    """Three hours from now, but not past the local midnight: the Council's deadlines run from the exam's
    last day, so a session ending tomorrow would make "sent today" a date before the exam (a test run late
    in the evening failed so)."""
    midnight = timezone.localtime(now).replace(hour=23, minute=59, second=0, microsecond=0)
    return max(min(now + timedelta(hours=3), midnight), now + timedelta(seconds=30))


def session_in_progress(*, qualification, staff, chair, experts, applications, started_ago=timedelta(minutes=10)):
    """A session started ``started_ago``, with ``applications`` enrolled and present; returns (session, enrolments).

    The qualification's assessment tools are approved first, as a real session needs.
    """
    if not qualification.exam_spec.tools_approved:
        approve_tools(qualification.exam_spec)
    now = timezone.now()
    session = exam_services.session_create(
        by=staff,
        qualification=qualification,
        starts_at=now - started_ago,
        ends_at=_ends_today(now),
        venue_address="г. Санкт-Петербург, ул. Тестовая, 1",
        venue_room="101",
        capacity=10,
        chair=chair,
        experts=experts,
    )
    enrolments = exam_services.enrol(session=session, applications=applications, by=staff)
    exam_services.session_open(session=session, by=staff)
    for enrolment in enrolments:
        admit(enrolment, staff=staff)
    exam_services.session_start(session=session, by=staff)
    for enrolment in enrolments:
        enrolment.refresh_from_db()
    return session, enrolments
