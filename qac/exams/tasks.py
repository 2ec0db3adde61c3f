"""Exam e-mails, the protocol PDF and the deadline sweeper. Tasks take ids and are safe to run twice."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from qac.mail import TRANSIENT_MAIL_ERRORS
from qac.urls_util import site_url

from . import offers, services
from .ics import session_invitation
from .models import DateOffer, DateOfferStatus, Enrolment, EnrolmentStatus, ExamSession
from .selectors import protocol_context

logger = logging.getLogger(__name__)


def _location(session) -> str:
    return ", ".join(p for p in (session.venue_address, session.venue_room) if p)


def _mail(enrolment: Enrolment, template: str, *, cancelled: bool = False, reason: str = "") -> None:
    session = enrolment.session
    candidate = enrolment.application.candidate
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "enrolment": enrolment,
            "session": session,
            "candidate": candidate,
            "reason": reason,
            "cancelled": cancelled,
            "location": _location(session),
            "url": site_url(reverse("exams:my_exam", args=[enrolment.pk])),
        }
        subject = render_to_string(f"exams/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"exams/email/{template}_body.txt", context)
        ics = session_invitation(
            uid=f"exam-session-{session.pk}-enrolment-{enrolment.pk}@qac-78-033",
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            summary=subject,
            location=_location(session),
            description=body,
            sequence=session.version,
            cancelled=cancelled,
        )
    message = EmailMessage(subject, body, to=[candidate.email])
    message.attach("exam.ics", ics, f"text/calendar; method={'CANCEL' if cancelled else 'REQUEST'}; charset=utf-8")
    message.send()


@shared_task(acks_late=True, autoretry_for=TRANSIENT_MAIL_ERRORS, retry_backoff=30, max_retries=8)
def send_invitation_task(enrolment_id: int) -> str:
    """The date, time and place of the exam, with an .ics invitation. Resending the same invitation is harmless."""
    enrolment = Enrolment.objects.select_related("session", "application__candidate").filter(pk=enrolment_id).first()
    if enrolment is None or enrolment.status != EnrolmentStatus.ENROLLED:
        return "not enrolled"
    _mail(enrolment, "invitation")
    return "sent"


@shared_task(acks_late=True, autoretry_for=TRANSIENT_MAIL_ERRORS, retry_backoff=30, max_retries=8)
def notify_session_change_task(session_id: int, what: str, reason: str = "") -> int:
    """Tell everyone affected that a session moved (new invitation) or was cancelled."""
    session = ExamSession.objects.filter(pk=session_id).first()
    if session is None:
        return 0
    if what == "cancelled":
        # The enrolments were cancelled with the session; those are the people to tell.
        enrolments = Enrolment.objects.filter(session=session, status=EnrolmentStatus.CANCELLED)
    else:
        enrolments = Enrolment.objects.filter(session=session, status=EnrolmentStatus.ENROLLED)
    sent = 0
    for enrolment in enrolments.select_related("session", "application__candidate"):
        _mail(enrolment, "cancelled" if what == "cancelled" else "moved", cancelled=what == "cancelled", reason=reason)
        sent += 1
    return sent


@shared_task(acks_late=True, autoretry_for=TRANSIENT_MAIL_ERRORS, retry_backoff=30, max_retries=8)
def notify_unenrolled_task(enrolment_id: int, reason: str = "") -> str:
    enrolment = Enrolment.objects.select_related("session", "application__candidate").filter(pk=enrolment_id).first()
    if enrolment is None or enrolment.status != EnrolmentStatus.CANCELLED:
        return "nothing to say"
    _mail(enrolment, "cancelled", cancelled=True, reason=reason)
    return "sent"


@shared_task(acks_late=True, expires=55)
def finalize_expired_attempts_task() -> int:
    """Submit theory attempts whose time ran out while nobody had the page open."""
    return services.finalize_expired_attempts()


@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=10,
    max_retries=5,
    soft_time_limit=120,
)
def render_protocol_task(session_id: int) -> str:
    """Render the commission protocol of an approved session to PDF and attach it (re-rendering replaces it)."""
    from weasyprint import HTML  # loaded where PDFs are made, not in every process

    session = ExamSession.objects.filter(pk=session_id).first()
    if session is None or session.approved_at is None:
        return "not approved"
    try:
        with translation.override(settings.LANGUAGE_CODE):
            html = render_to_string("exams/protocol.html", protocol_context(session))
        pdf = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    except OSError:
        raise
    except Exception as exc:  # a template or data problem: retrying will not help
        logger.exception("protocol of session %s failed", session_id)
        services.protocol_fail(session_id=session_id, error=exc)
        return "failed"
    services.protocol_store(session_id=session_id, pdf=pdf)
    return "rendered"


@shared_task(acks_late=True, autoretry_for=TRANSIENT_MAIL_ERRORS, retry_backoff=30, max_retries=8)
def notify_date_offer_task(offer_id: int) -> str:
    """Tell the candidate which exam dates are offered and where to answer (sent at most once per offer)."""
    offer = (
        DateOffer.objects.select_related("application__candidate", "application__qualification")
        .filter(pk=offer_id)
        .first()
    )
    if offer is None or offer.status != DateOfferStatus.OFFERED:
        return "nothing to offer"
    if not offers.offer_notified(offer_id=offer_id):
        return "already sent"
    application = offer.application
    try:
        with translation.override(settings.LANGUAGE_CODE):
            context = {
                "offer": offer,
                "application": application,
                "sessions": [(s, _location(s)) for s in offer.sessions.order_by("starts_at")],
                "url": site_url(reverse("exams:my_date_offer", args=[application.pk])),
            }
            subject = render_to_string("exams/email/date_offer_subject.txt", context).strip()
            body = render_to_string("exams/email/date_offer_body.txt", context)
        send_mail(subject, body, None, [application.candidate.email])
    except Exception:
        offers.offer_notice_release(offer_id=offer_id)
        raise
    return "sent"


@shared_task(acks_late=True, expires=3000)
def expire_date_offers_task() -> int:
    """Expire offers of exam dates nothing can come of (their sessions started or were cancelled)."""
    return offers.date_offers_expire()
