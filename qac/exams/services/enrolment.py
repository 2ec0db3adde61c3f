"""Enrolment and admission: candidates on a session, taken off it, admitted on an identity document, extra time.

Applications move through the candidates app's services, never directly.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates import services as candidate_services
from candidates.models import Application, ApplicationStatus, IdDocumentType
from qac.accounts.roles import is_qac_staff
from qac.contracts.selectors import payment_block_reason
from qac.enqueue import enqueue

from ..models import Decision, Enrolment, EnrolmentStatus, ExamResult, ExamSession, TheoryAttempt
from .base import LIVE_STATUSES, SS, ExamError, _event, _live_enrolments, _session_label
from .theory import theory_time_limit


def _check_candidate_free(application, starts_at, ends_at, exclude_session=None):
    clash = Enrolment.objects.filter(
        application__candidate_id=application.candidate_id,
        status=EnrolmentStatus.ENROLLED,
        session__status__in=LIVE_STATUSES,
        session__starts_at__lt=ends_at,
        session__ends_at__gt=starts_at,
    )
    if exclude_session is not None:
        clash = clash.exclude(session=exclude_session)
    if clash.exists():
        raise ExamError(
            _("%(name)s is already enrolled in another session at that time.")
            % {"name": application.candidate.get_full_name()}
        )


def enrol(*, session: ExamSession, applications: list[Application], by) -> list[Enrolment]:
    """Enrol accepted applications in a session, all or none, within its capacity."""
    if not is_qac_staff(by):
        raise ExamError(_("Only the center's staff enrol candidates."))
    return _enrol(session=session, applications=applications, by=by)


def _enrol(*, session: ExamSession, applications: list[Application], by) -> list[Enrolment]:
    """``enrol`` without the staff check: also the door for a candidate confirming an offered date (offers.py)."""
    if not applications:
        raise ExamError(_("Choose at least one application."))
    with transaction.atomic():
        # The session row lock serialises enrolments, so capacity holds under concurrency.
        locked = ExamSession.objects.select_for_update().get(pk=session.pk)
        if locked.status not in (SS.PLANNED, SS.OPEN):
            raise ExamError(_("Candidates are enrolled only in a planned or open session."))
        taken = _live_enrolments(locked).count()
        if taken + len(applications) > locked.capacity:
            raise ExamError(
                _("The session has %(free)s free places; %(asked)s were asked for.")
                % {"free": max(locked.capacity - taken, 0), "asked": len(applications)}
            )
        User = get_user_model()
        list(User.objects.select_for_update().filter(pk__in=[a.candidate_id for a in applications]).order_by("pk"))
        created = []
        for application in applications:
            application = Application.objects.select_related("candidate").get(pk=application.pk)
            if application.qualification_id != locked.qualification_id:
                raise ExamError(
                    _("Application %(number)s is for another qualification.") % {"number": application.number}
                )
            if application.status != ApplicationStatus.ACCEPTED:
                raise ExamError(
                    _("Application %(number)s is «%(status)s», not accepted.")
                    % {"number": application.number, "status": application.get_status_display()}
                )
            _check_candidate_free(application, locked.starts_at, locked.ends_at)
            _check_paid(application)
            try:
                with transaction.atomic():
                    enrolment = Enrolment.objects.create(session=locked, application=application, enrolled_by=by)
            except IntegrityError:
                raise ExamError(
                    _("Application %(number)s is already enrolled.") % {"number": application.number}
                ) from None
            candidate_services.application_schedule(
                application=application,
                by=by,
                note=_("Exam session: %(session)s") % {"session": _session_label(locked)},
            )
            created.append(enrolment)
        _event(locked, by, note=_("Enrolled: %(numbers)s") % {"numbers": ", ".join(a.number for a in applications)})
        for enrolment in created:
            enqueue("qac.exams.tasks.send_invitation_task", enrolment.pk)
    return created


def _check_paid(application: Application) -> None:
    """The exam is held under a paid contract (Decree 1204 p.6): enrolment waits unless payment is guaranteed."""
    if not settings.QAC_ENROLMENT_REQUIRES_PAYMENT:
        return
    reason = payment_block_reason(application=application)
    if reason:
        raise ExamError(reason)


def _unenrol(*, enrolment, by, note):
    Enrolment.objects.filter(pk=enrolment.pk).update(status=EnrolmentStatus.CANCELLED)
    candidate_services.application_unschedule(application=enrolment.application, by=by, note=note)


def unenrol(*, enrolment: Enrolment, by, reason: str):
    if not is_qac_staff(by):
        raise ExamError(_("Only the center's staff enrol candidates."))
    reason = (reason or "").strip()
    if not reason:
        raise ExamError(_("Say why the candidate is taken off the session."))
    with transaction.atomic():
        locked = ExamSession.objects.select_for_update().get(pk=enrolment.session_id)
        if locked.status not in (SS.PLANNED, SS.OPEN):
            raise ExamError(_("Candidates are taken off only a planned or open session."))
        enrolment = Enrolment.objects.select_related("application").get(pk=enrolment.pk)
        if enrolment.status != EnrolmentStatus.ENROLLED:
            raise ExamError(_("This candidate is not enrolled any more."))
        _unenrol(enrolment=enrolment, by=by, note=reason)
        _event(locked, by, note=reason)
        enqueue("qac.exams.tasks.notify_unenrolled_task", enrolment.pk, reason)


# The last characters of the document's number: enough to tell which document was shown, not a copy of it.
ID_TAIL_LENGTH = 4
ID_TAIL_RE = re.compile(rf"^[0-9A-Za-zА-Яа-яЁё]{{{ID_TAIL_LENGTH}}}$")


def mark_presence(*, enrolment: Enrolment, by, present: bool, id_document_type: str = "", id_document_tail: str = ""):
    """Mark a candidate present or absent. Present means admitted on an identity document (Decree 1204 p.10):
    the kind of document checked and the last characters of its number are recorded with who checked and when.
    """
    if not is_qac_staff(by):
        raise ExamError(_("Only the center's staff mark presence."))
    status = ExamSession.objects.filter(pk=enrolment.session_id).values_list("status", flat=True).get()
    if status not in (SS.OPEN, SS.IN_PROGRESS):
        raise ExamError(_("Presence is marked when the session is open or in progress."))
    tail = (id_document_tail or "").strip().upper()
    if present and (id_document_type not in IdDocumentType.values or not ID_TAIL_RE.match(tail)):
        raise ExamError(
            _(
                "A candidate is admitted on an identity document: choose the document checked and enter the last "
                "%(n)s characters of its number."
            )
            % {"n": ID_TAIL_LENGTH}
        )
    with transaction.atomic():
        live = Enrolment.objects.filter(pk=enrolment.pk, status=EnrolmentStatus.ENROLLED)
        if present:
            now = timezone.now()
            updated = live.update(
                present=True,
                id_document_type=id_document_type,
                id_document_tail=tail,
                id_checked_at=now,
                id_checked_by=by,
            )
            # Undo a mistaken "absent": the decision follows the stages again.
            ExamResult.objects.filter(enrolment=enrolment, decision=Decision.ABSENT).update(decision="")
            if updated:
                _event(
                    enrolment.session,
                    by,
                    note=_("Admitted on %(document)s …%(tail)s: %(name)s")
                    % {
                        "document": IdDocumentType(id_document_type).label,
                        "tail": tail,
                        "name": enrolment.application.candidate.get_full_name(),
                    },
                )
            enrolment.id_document_type, enrolment.id_document_tail = id_document_type, tail
            enrolment.id_checked_at, enrolment.id_checked_by = now, by
        else:
            live.update(present=False)
    enrolment.present = present


def enrolment_grant_extra_time(*, enrolment: Enrolment, by, percent: int, reason: str) -> Enrolment:
    """Extend one candidate's theory time limit by ``percent`` (1 to 100), an accessibility adjustment.

    Recorded with who and when; a test already running gets the later deadline at once.
    """
    if not is_qac_staff(by):
        raise ExamError(_("Only the center's staff grant extra time."))
    if isinstance(percent, bool) or not isinstance(percent, int) or not 1 <= percent <= 100:
        raise ExamError(_("Extra time is a percentage of the time limit from 1 to 100."))
    reason = (reason or "").strip()
    if not reason:
        raise ExamError(_("Say why the extra time is granted."))
    with transaction.atomic():
        session = (
            ExamSession.objects.select_for_update(of=("self",))
            .select_related("qualification__exam_spec")
            .get(pk=enrolment.session_id)
        )
        if session.status not in (SS.PLANNED, SS.OPEN, SS.IN_PROGRESS):
            raise ExamError(_("Extra time is granted before or during the exam."))
        locked = Enrolment.objects.select_related("application__candidate").get(pk=enrolment.pk)
        if locked.status != EnrolmentStatus.ENROLLED:
            raise ExamError(_("This candidate is not enrolled any more."))
        attempt = TheoryAttempt.objects.select_for_update().filter(enrolment=locked).first()
        now = timezone.now()
        if attempt is not None:
            if attempt.submitted_at is not None:
                raise ExamError(_("The candidate's test is already submitted."))
            deadline = attempt.started_at + theory_time_limit(session.qualification.exam_spec, percent)
            if deadline <= now:
                raise ExamError(_("With this extra time the test would already be over: grant more or leave it."))
            attempt.deadline_at = deadline
            attempt.save(update_fields=["deadline_at"])
        Enrolment.objects.filter(pk=locked.pk).update(
            extra_time_percent=percent, extra_time_reason=reason, extra_time_at=now, extra_time_by=by
        )
        # The reason stays on the enrolment (it may speak of health); the history says only how much.
        _event(
            session,
            by,
            note=_("Extra time on the theory test for %(name)s: %(p)s%%")
            % {"name": locked.application.candidate.get_full_name(), "p": percent},
        )
    enrolment.refresh_from_db()
    return enrolment
