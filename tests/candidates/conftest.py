import pytest

from candidates import services
from candidates.models import ApplicationStatus
from standards.models import Qualification
from tests.factories import CandidateProfileFactory, pdf_upload
from tests.helpers.candidates import (
    submit,
)


@pytest.fixture
def draft(db, settings, tmp_path):
    """A draft opened through the service, by a candidate with a complete profile."""
    settings.MEDIA_ROOT = tmp_path
    candidate = CandidateProfileFactory().user
    return services.application_create(candidate=candidate, qualification=Qualification.objects.get(code="31.00400.02"))


@pytest.fixture
def submitted(draft):
    return submit(draft)


@pytest.fixture
def application_in(draft, staff):
    """Build an application in any status through the real services."""

    def make(status: str):
        app = draft
        if status == ApplicationStatus.DRAFT:
            return app
        app = submit(app)
        if status == ApplicationStatus.SUBMITTED:
            return app
        if status == ApplicationStatus.ACCEPTED:
            return services.application_accept(application=app, by=staff, expected_version=app.version)
        if status == ApplicationStatus.REJECTED:
            return services.application_reject(
                application=app, by=staff, reason="Нет опыта", expected_version=app.version
            )
        if status == ApplicationStatus.WITHDRAWN:
            return services.application_withdraw(application=app, by=app.candidate)
        app = services.application_request_documents(
            application=app, by=staff, message="Нужен диплом", expected_version=app.version
        )
        if status == ApplicationStatus.DOCUMENTS_REQUESTED:
            return app
        services.application_attach_document(
            application=app,
            required_document=app.qualification.required_documents.first(),
            uploaded_file=pdf_upload("diploma.pdf"),
            by=app.candidate,
        )
        return services.application_resubmit(application=app, by=app.candidate)

    return make
