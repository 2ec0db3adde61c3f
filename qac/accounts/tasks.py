"""Mail of the sign-in pages, sent by a worker so that the page answers as fast for unknown addresses."""

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from qac.mail import TRANSIENT_MAIL_ERRORS


@shared_task(acks_late=True, autoretry_for=TRANSIENT_MAIL_ERRORS, retry_backoff=30, max_retries=8)
def password_reset_mail_task(user_id: int, domain: str, use_https: bool) -> str:
    """Send the password-reset link. The token is made here, so no secret travels through the broker.

    A second delivery sends a second link; both work until the password changes.
    """
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return "nobody to mail"
    context = {
        "email": user.email,
        "domain": domain,
        "site_name": domain,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if use_https else "http",
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = "".join(render_to_string("registration/password_reset_subject.txt", context).splitlines())
        body = render_to_string("registration/password_reset_email.html", context)
    send_mail(subject, body, None, [user.email])
    return "sent"
