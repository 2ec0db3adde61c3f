"""E-mail to candidates. Each task takes ids, loads the rows and is safe to deliver twice."""

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from qac.accounts.roles import Role, has_role
from qac.mail import TRANSIENT_MAIL_ERRORS
from qac.urls_util import site_url

from .models import ApplicationTransition
from .services import confirmation_link_parts, notification_claim, notification_release


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT_MAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=8,
)
def application_notify_task(transition_id: int) -> str:
    """Tell the candidate their application changed status (sent at most once per transition)."""
    transition = (
        ApplicationTransition.objects.select_related("application__candidate", "application__qualification")
        .filter(pk=transition_id)
        .first()
    )
    if transition is None:
        return "missing"
    if not notification_claim(transition_id=transition_id):
        return "already sent"
    application = transition.application
    try:
        with translation.override(settings.LANGUAGE_CODE):
            context = {
                "application": application,
                "transition": transition,
                "url": site_url(reverse("candidates:application", args=[application.pk])),
            }
            subject = render_to_string("candidates/email/status_subject.txt", context).strip()
            body = render_to_string("candidates/email/status_body.txt", context)
        send_mail(subject, body, None, [application.candidate.email])
    except Exception:
        notification_release(transition_id=transition_id)
        raise
    return "sent"


@shared_task(acks_late=True, autoretry_for=TRANSIENT_MAIL_ERRORS, retry_backoff=30, max_retries=8)
def send_confirmation_email_task(user_id: int) -> str:
    """Send the sign-up confirmation link. Resending is harmless: any valid link activates once."""
    user = get_user_model().objects.filter(pk=user_id, is_active=False).first()
    if user is None:
        return "nothing to confirm"
    uidb64, token = confirmation_link_parts(user)
    with translation.override(settings.LANGUAGE_CODE):
        context = {"user": user, "url": site_url(reverse("candidates:signup_confirm", args=[uidb64, token]))}
        subject = render_to_string("candidates/email/confirm_subject.txt", context).strip()
        body = render_to_string("candidates/email/confirm_body.txt", context)
    send_mail(subject, body, None, [user.email])
    return "sent"


@shared_task(acks_late=True, autoretry_for=TRANSIENT_MAIL_ERRORS, retry_backoff=30, max_retries=8)
def signup_taken_notify_task(user_id: int) -> str:
    """Someone signed up with this user's address: tell the owner (or resend the link if it is unconfirmed).

    A second delivery sends a second, harmless copy of an informational mail.
    """
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return "missing"
    if not user.is_active and user.last_login is None and has_role(user, Role.CANDIDATE):
        # A sign-up never confirmed: the owner most likely lost the first link.
        # Only such accounts; one the head switched off stays off.
        return send_confirmation_email_task(user.pk)
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "login_url": site_url(reverse("login")),
            "reset_url": site_url(reverse("password_reset")),
        }
        subject = render_to_string("candidates/email/signup_taken_subject.txt", context).strip()
        body = render_to_string("candidates/email/signup_taken_body.txt", context)
    send_mail(subject, body, None, [user.email])
    return "sent"
