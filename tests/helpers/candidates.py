"""Helpers the candidates tests share; the fixtures stay in tests/candidates/conftest.py."""

from candidates import services
from tests.factories import pdf_upload


def attach_mandatory(application):
    for required in application.qualification.required_documents.filter(is_mandatory=True):
        services.application_attach_document(
            application=application,
            required_document=required,
            uploaded_file=pdf_upload(f"{required.pk}.pdf"),
            by=application.candidate,
        )


def submit(application):
    attach_mandatory(application)
    return services.application_submit(
        application=application,
        by=application.candidate,
        consent=services.Consent(personal_data=True, exam_rules=True, ip="192.0.2.10"),
    )
