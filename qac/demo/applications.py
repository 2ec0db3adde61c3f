"""The demo candidates' applications in every status, and accepted applications made through
the real services for the candidates who sit the demo's exams."""

import datetime
import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from candidates import services as candidate_services
from candidates.models import Application, ApplicationDocument, ApplicationTransition
from candidates.services import identity_capture
from standards.models import Qualification

from . import contracts as demo_contracts
from .base import demo_pdf
from .people import DEMO_PROFILES, seed_profile

# For each demo candidate: (qualification code, the statuses it went through, days since registration, note).
DEMO_APPLICATIONS = {
    "candidate1@qac.local": [
        ("31.00400.02", ["draft", "submitted", "accepted"], 6, ""),
        ("31.00700.01", ["draft"], None, ""),
    ],
    "candidate2@qac.local": [("31.00400.03", ["draft", "submitted"], 12, "")],
    "candidate3@qac.local": [
        (
            "31.00400.04",
            ["draft", "submitted", "documents_requested"],
            4,
            "Приложите, пожалуйста, сведения о трудовой деятельности за последние 3 года.",
        )
    ],
    "candidate4@qac.local": [
        ("31.00400.04", ["draft", "submitted", "rejected"], 40, "Опыт работы менее требуемого для 6 уровня."),
        ("31.00400.02", ["draft", "submitted", "documents_requested", "resubmitted"], 9, ""),
    ],
    "candidate5@qac.local": [
        ("31.00400.03", ["draft", "submitted", "withdrawn"], 20, ""),
        ("31.00700.01", ["draft", "submitted"], 1, ""),
    ],
}


@transaction.atomic
def seed_applications() -> int:
    """Profiles and applications in every status for the demo candidates; returns how many were created."""

    User = get_user_model()
    staff = User.objects.get(email="staff@qac.local")
    now = timezone.now()
    created = 0
    for index, email in enumerate(DEMO_PROFILES, start=1):
        user = User.objects.get(email=email)
        seed_profile(user, index=index)
        if Application.objects.filter(candidate=user).exists():
            continue
        for code, path, days_ago, note in DEMO_APPLICATIONS[email]:
            _build_application(
                candidate=user,
                qualification=Qualification.objects.get(code=code),
                path=path,
                days_ago=days_ago,
                note=note,
                staff=staff,
                now=now,
            )
            created += 1
    return created


def _build_application(*, candidate, qualification, path, days_ago, note, staff, now):
    """Create an application that went through ``path``, with a consistent history.

    Demo data is written directly (not through the services) so that loading it
    sends no e-mail; the history rows are marked as notified.
    """

    registered = now - datetime.timedelta(days=days_ago) if days_ago is not None else None
    final = path[-1]
    app = Application(candidate=candidate, qualification=qualification, status=final, version=len(path))
    if registered:
        app.submitted_at = registered
        app.number = None
        app.consent_text_version = settings.QAC_CONSENT_TEXT_VERSION
        app.consent_given_at = app.rules_accepted_at = registered
        app.consent_ip = "127.0.0.1"
    if final in ("submitted", "resubmitted"):
        days = settings.QAC_APPLICATION_REVIEW_DAYS
        app.review_due_on = timezone.localdate(registered) + datetime.timedelta(days=days)
    if final == "documents_requested":
        app.staff_message = note
    if final == "rejected":
        app.rejection_reason = note
    if final in ("accepted", "rejected", "withdrawn"):
        app.decided_at = registered + datetime.timedelta(days=min(days_ago, 5))
    app.save()
    if registered:
        app.number = f"{registered.year}-{app.pk:06d}"
        app.save(update_fields=["number"])
    _write_history(app, path=path, registered=registered, note=note, staff=staff, now=now)
    if final != "draft":
        add_demo_documents(app, candidate)
        identity_capture(application=app)
    return app


def _write_history(app, *, path, registered, note, staff, now) -> None:
    """A transition row for each status in ``path``, 20 hours apart from registration."""
    previous = ""
    for step, status in enumerate(path):
        at = (registered or now) + datetime.timedelta(hours=step * 20) if status != "draft" else (registered or now)
        actor = staff if status in ("accepted", "rejected", "documents_requested") else app.candidate
        transition = ApplicationTransition.objects.create(
            application=app,
            from_status=previous,
            to_status=status,
            by=actor,
            note=note if status in ("rejected", "documents_requested") else "",
            notified_at=now,
        )
        ApplicationTransition.objects.filter(pk=transition.pk).update(at=at)
        previous = status


def add_demo_documents(application, by) -> None:
    """The qualification's mandatory documents, each a small real PDF."""
    pdf = demo_pdf()
    for required in application.qualification.required_documents.filter(is_mandatory=True):
        doc = ApplicationDocument(
            application=application,
            required_document=required,
            original_name=f"{required.name[:60]}.pdf",
            content_type="application/pdf",
            size=len(pdf),
            sha256=hashlib.sha256(pdf).hexdigest(),
            uploaded_by=by,
        )
        doc.file.save("demo.pdf", ContentFile(pdf), save=False)
        doc.save()


def accepted_application(*, user, code, staff):
    """A submitted and accepted application through the real services."""

    app = candidate_services.application_create(candidate=user, qualification=Qualification.objects.get(code=code))
    add_demo_documents(app, user)
    app = candidate_services.application_submit(
        application=app, by=user, consent=candidate_services.Consent(True, True, "127.0.0.1")
    )
    app = candidate_services.application_accept(application=app, by=staff, expected_version=app.version)
    demo_contracts.pay_for(application=app, staff=staff)  # enrolment waits for payment
    return app
