"""What destroying each kind of record does: files removed, personal data anonymised, counts kept.

Called only by ``services.record_destroy``, inside its transaction, after it checked that the
act is approved and the record's period is over. Each function is safe to run twice: a second
run finds the files gone and the fields already blank. What stays, and why, is in
docs/retention.md («What is kept»).
"""

from __future__ import annotations

import datetime

from django.db.models import FileField, Model

from candidates.models import (
    ApplicantIdentity,
    Application,
    ApplicationDocument,
    ApplicationTransition,
    CallTask,
    CandidateProfile,
    IdentityChangeRequest,
)
from qac.accounts.models import User
from qac.certificates.models import DuplicateRequest, IssuedDocument
from qac.council.models import CouncilPackage
from qac.exams.models import Answer, DateOffer, DateOfferEvent, Enrolment, ExamResult, ExamSession, PracticalScore

from .models import RecordKind

#: What an anonymised surname reads. The register-facing rows keep their numbers and dates.
ANONYMISED = "Обезличено"


def _remove_file(field) -> str:
    """Delete the stored file of a FileField value; return its name ("" when there was none)."""
    name = field.name if field else ""
    if name:
        field.storage.delete(name)
    return name


def _remove_files(rows, attribute: str) -> list[str]:
    return [name for row in rows if (name := _remove_file(getattr(row, attribute)))]


def _clear_file_fields(model: type[Model], rows, **also) -> None:
    fields = {f.name: "" for f in model._meta.fields if isinstance(f, FileField)}
    model.objects.filter(pk__in=[r.pk for r in rows]).update(**fields, **also)


def _year_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 1, 1)


def _anonymise_identity(application: Application) -> bool:
    identity = ApplicantIdentity.objects.filter(application=application).first()
    if identity is None:
        return False
    # The year of birth stays (age statistics); the rest of the person goes.
    identity.last_name, identity.first_name, identity.patronymic = ANONYMISED, "", ""
    identity.date_of_birth = _year_start(identity.date_of_birth)
    identity.id_doc_issued_on = _year_start(identity.id_doc_issued_on)
    for field in ("snils", "id_doc_series", "id_doc_number", "id_doc_issued_by", "address", "phone", "email"):
        setattr(identity, field, "")
    identity.save()
    return True


def _anonymise_application_rows(application: Application) -> None:
    Application.objects.filter(pk=application.pk).update(
        staff_message="", rejection_reason="", consent_ip=None, postal_address=""
    )
    ApplicationTransition.objects.filter(application=application).update(note="")
    CallTask.objects.filter(application=application).update(detail="", note="")
    offers = DateOffer.objects.filter(application=application)
    offers.update(message="")
    DateOfferEvent.objects.filter(offer__in=offers).update(note="")


def _application_common(application: Application) -> dict:
    uploads = list(ApplicationDocument.objects.filter(application=application))
    files = _remove_files(uploads, "file")
    ApplicationDocument.objects.filter(pk__in=[u.pk for u in uploads]).delete()
    identity = _anonymise_identity(application)
    _anonymise_application_rows(application)
    return {"uploads": len(uploads), "files": files, "identity": identity}


def destroy_application_unexamined(object_id: int) -> dict:
    return _application_common(Application.objects.get(pk=object_id))


def destroy_application_file(object_id: int) -> dict:
    """The candidate's file after the exam: uploads, answers, score sheets, documents' PDFs."""
    application = Application.objects.get(pk=object_id)
    detail = _application_common(application)
    enrolments = Enrolment.objects.filter(application=application)
    detail["answers"] = Answer.objects.filter(attempt__enrolment__in=enrolments).delete()[0]
    detail["scores"] = PracticalScore.objects.filter(enrolment__in=enrolments).delete()[0]
    enrolments.update(id_document_tail="", extra_time_reason="")
    ExamResult.objects.filter(enrolment__in=enrolments).update(incident_note="", theory_paper_reason="")
    documents = list(IssuedDocument.objects.filter(result__enrolment__in=enrolments))
    detail["files"] += _remove_files(documents, "file")
    _clear_file_fields(
        IssuedDocument,
        documents,
        holder_last_name=ANONYMISED,
        holder_first_name="",
        holder_patronymic="",
        delivery_recipient="",
        tracking_number="",
    )
    duplicates = list(DuplicateRequest.objects.filter(original__in=documents))
    detail["files"] += _remove_files(duplicates, "supporting_file")
    _clear_file_fields(
        DuplicateRequest,
        duplicates,
        supporting_name="",
        statement="",
        new_last_name="",
        new_first_name="",
        new_patronymic="",
    )
    detail["documents"] = len(documents)
    return detail


def destroy_session_materials(object_id: int) -> dict:
    """The commission protocol and the Council package (both name every candidate of the session)."""
    session = ExamSession.objects.get(pk=object_id)
    files = [_remove_file(session.protocol)]
    ExamSession.objects.filter(pk=session.pk).update(protocol="", protocol_sha256="")
    packages = list(CouncilPackage.objects.filter(session=session))
    files += _remove_files(packages, "file")
    _clear_file_fields(CouncilPackage, packages, sha256="")
    return {"files": [f for f in files if f]}


def destroy_identity_change(object_id: int) -> dict:
    request = IdentityChangeRequest.objects.get(pk=object_id)
    changed = request.changed_fields
    files = _remove_files([request], "supporting_file")
    IdentityChangeRequest.objects.filter(pk=request.pk).update(
        supporting_file="", supporting_name="", before={}, after={}, decision_note=""
    )
    request.history.update(note="", data={})
    return {"files": files, "changed_fields": changed}


def anonymise_account(user: User) -> dict:
    """The account and its profile: the live personal data. The row stays, so its records keep their owner."""
    profile = CandidateProfile.objects.filter(user=user).first()
    if profile is not None:
        profile.delete()  # education and work experience go with it
    user.first_name = user.last_name = user.patronymic = ""
    user.email = f"anonymised-{user.pk}@anonymised.invalid"
    user.is_active = False
    user.set_unusable_password()
    user.save()
    return {"profile": profile is not None}


def destroy_candidate_account(object_id: int) -> dict:
    return anonymise_account(User.objects.get(pk=object_id))


DESTROY = {
    RecordKind.APPLICATION_FILE: destroy_application_file,
    RecordKind.APPLICATION_UNEXAMINED: destroy_application_unexamined,
    RecordKind.SESSION_MATERIALS: destroy_session_materials,
    RecordKind.IDENTITY_CHANGE: destroy_identity_change,
    RecordKind.CANDIDATE_ACCOUNT: destroy_candidate_account,
    # CONSENT_WITHDRAWAL is composed in services (it destroys several records of one person).
}
