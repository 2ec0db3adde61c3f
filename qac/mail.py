"""E-mail helpers: sending a notification at most once, which sending errors are worth a retry, and the
readable console backend of development."""

import smtplib
from collections.abc import Callable

from django.conf import settings
from django.core.mail import send_mail
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.template.loader import render_to_string
from django.utils import translation


def send_once(*, claim: Callable[[], bool], release: Callable[[], None], templates: str, context: dict, to) -> str:
    """Render ``<templates>_subject.txt`` and ``_body.txt`` in the site's language and send them, once.

    ``claim()`` wins the right to send (a conditional UPDATE on the row that records it); a failed
    send gives it back with ``release()`` so the task's retry sends it. A second delivery sends nothing.
    """
    if not claim():
        return "already sent"
    try:
        with translation.override(settings.LANGUAGE_CODE):
            subject = render_to_string(f"{templates}_subject.txt", context).strip()
            body = render_to_string(f"{templates}_body.txt", context)
        send_mail(subject, body, None, list(to))
    except Exception:
        release()
        raise
    return "sent"


#: Errors a later attempt may not meet (the server away, busy or slow): tasks retry these, and fail on others.
TRANSIENT_MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError)


def _attachment(item) -> tuple[str, str, int]:
    """(file name, content type, size) of an attachment, whether a tuple or a MIME part."""
    if isinstance(item, tuple):
        filename, content, mimetype = item[0], item[1], item[2] if len(item) > 2 else None
        size = len(content.encode() if isinstance(content, str) else content or b"")
        return filename or "-", mimetype or "application/octet-stream", size
    payload = item.get_payload(decode=True) or b""
    return item.get_filename() or "-", item.get_content_type(), len(payload)


class ReadableConsoleBackend(ConsoleBackend):
    """Django's console backend, but readable: subject, addresses and text as typed, not MIME-encoded.

    Django's own prints the raw message, so a Russian subject arrives as
    ``=?utf-8?b?...?=`` and the body as base64 or quoted-printable. This one
    prints the decoded headers a reader cares about, the plain-text body, and
    one line per alternative part and attachment.
    """

    def write_message(self, message):
        lines = [
            f"From: {message.from_email}",
            f"To: {', '.join(message.to)}",
        ]
        if message.cc:
            lines.append(f"Cc: {', '.join(message.cc)}")
        if message.bcc:
            lines.append(f"Bcc: {', '.join(message.bcc)}")
        if message.reply_to:
            lines.append(f"Reply-To: {', '.join(message.reply_to)}")
        lines += [f"Subject: {message.subject}", "", str(message.body).rstrip("\n"), ""]
        for alternative in getattr(message, "alternatives", []) or []:
            lines.append(f"[alternative: {alternative[1]}, {len(alternative[0])} characters]")
        for item in message.attachments:
            filename, mimetype, size = _attachment(item)
            lines.append(f"[attachment: {filename}, {mimetype}, {size} bytes]")
        self.stream.write("\n".join(lines).rstrip("\n") + "\n")
        self.stream.write("-" * 79 + "\n")
