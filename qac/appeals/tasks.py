"""E-mail to the candidate at every step of their appeal. Takes ids, safe to deliver twice."""

from celery import shared_task
from django.urls import reverse

from qac.mail import TRANSIENT_MAIL_ERRORS, send_once
from qac.urls_util import site_url

from .models import AppealTransition
from .services import notification_claim, notification_release


@shared_task(acks_late=True, autoretry_for=TRANSIENT_MAIL_ERRORS, retry_backoff=30, max_retries=8)
def appeal_notify_task(transition_id: int) -> str:
    """Tell the candidate what happened to their appeal (at most once per move)."""
    transition = (
        AppealTransition.objects.select_related("appeal__application__candidate", "appeal__application__qualification")
        .filter(pk=transition_id)
        .first()
    )
    if transition is None:
        return "missing"
    application = transition.appeal.application
    return send_once(
        claim=lambda: notification_claim(transition_id=transition_id),
        release=lambda: notification_release(transition_id=transition_id),
        templates="appeals/email/step",
        context={
            "appeal": transition.appeal,
            "transition": transition,
            "candidate": application.candidate,
            "url": site_url(reverse("candidates:application", args=[application.pk])),
        },
        to=[application.candidate.email],
    )
