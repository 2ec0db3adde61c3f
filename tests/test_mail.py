"""The development console backend prints mail as a person reads it."""

import io

from django.core.mail import EmailMessage

from qac.mail import ReadableConsoleBackend


def test_the_console_backend_prints_a_russian_subject_and_body_as_text():
    stream = io.StringIO()
    message = EmailMessage(
        "Подтвердите адрес электронной почты",
        "Здравствуйте, Анна!\nСсылка: http://127.0.0.1:8000/signup/confirm/x/y/\n",
        "ЦОК <noreply@qac.local>",
        ["anna@example.test"],
    )
    message.attach("exam.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar; charset=utf-8")
    assert ReadableConsoleBackend(stream=stream).send_messages([message]) == 1
    printed = stream.getvalue()
    assert "Subject: Подтвердите адрес электронной почты" in printed
    assert "To: anna@example.test" in printed
    assert "Здравствуйте, Анна!" in printed
    assert "http://127.0.0.1:8000/signup/confirm/x/y/" in printed
    assert "[attachment: exam.ics, text/calendar; charset=utf-8," in printed
    assert "=?utf-8?" not in printed


def test_development_settings_use_it_when_email_url_is_unset(monkeypatch):
    monkeypatch.delenv("EMAIL_URL", raising=False)
    from tests.test_settings import run_python

    code = "import django; django.setup(); from django.conf import settings as s; print(s.EMAIL_BACKEND)"
    result = run_python(code, DJANGO_SETTINGS_MODULE="qac.settings.dev")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "qac.mail.ReadableConsoleBackend"
