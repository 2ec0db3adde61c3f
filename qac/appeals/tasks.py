"""E-mail to the candidate at every step of their appeal. Takes ids, safe to deliver twice."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from qac.exams.tasks import TRANSIENT_MAIL_ERRORS
from qac.urls_util import site_url

from .models import AppealTransition


@shared_task(acks_late=True, autoretry_for=TRANSIENT_MAIL_ERRORS, retry_backoff=30, max_retries=8)
def appeal_notify_task(transition_id: int) -> str:
    """Tell the candidate what happened to their appeal (at most once per move)."""
    from .services import notification_claim, notification_release

    transition = (
        AppealTransition.objects.select_related("appeal__application__candidate", "appeal__application__qualification")
        .filter(pk=transition_id)
        .first()
    )
    if transition is None:
        return "missing"
    if not notification_claim(transition_id=transition_id):
        return "already sent"
    appeal = transition.appeal
    application = appeal.application
    try:
        with translation.override(settings.LANGUAGE_CODE):
            context = {
                "appeal": appeal,
                "transition": transition,
                "candidate": application.candidate,
                "url": site_url(reverse("candidates:application", args=[application.pk])),
            }
            subject = render_to_string("appeals/email/step_subject.txt", context).strip()
            body = render_to_string("appeals/email/step_body.txt", context)
        send_mail(subject, body, None, [application.candidate.email])
    except Exception:
        notification_release(transition_id=transition_id)
        raise
    return "sent"
