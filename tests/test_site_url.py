"""Absolute links to this site follow QAC_SITE_URL when set, else the address the site is served on."""

import re
from types import SimpleNamespace

import pytest
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse

from qac import celery as qac_celery
from qac.urls_util import TASK_HEADER, current_request_base, reset_current_base, set_current_base, site_url

SIGNUP = {
    "last_name": "Петрова",
    "first_name": "Анна",
    "patronymic": "Сергеевна",
    "email": "links@example.test",
    "password1": "Zx9-unique-Passphrase",
    "password2": "Zx9-unique-Passphrase",
}


def _link(body: str, fragment: str) -> str:
    match = re.search(rf"https?://\S+{re.escape(fragment)}\S*", body)
    assert match, body
    return match.group(0)


@pytest.mark.django_db(transaction=True)
def test_without_qac_site_url_the_confirmation_link_uses_the_request_host_and_port(client, settings):
    settings.QAC_SITE_URL = ""
    response = client.post(reverse("candidates:signup"), SIGNUP, HTTP_HOST="localhost:8123")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert _link(mail.outbox[0].body, "/signup/confirm/").startswith("http://localhost:8123/signup/confirm/")


@pytest.mark.django_db(transaction=True)
def test_qac_site_url_wins_over_the_request(client, settings):
    settings.QAC_SITE_URL = "https://qac.example.ru/"
    client.post(reverse("candidates:signup"), SIGNUP, HTTP_HOST="localhost:8123")
    assert _link(mail.outbox[0].body, "/signup/confirm/").startswith("https://qac.example.ru/signup/confirm/")


def test_the_password_reset_link_follows_the_same_rule(client, candidate, settings):
    settings.QAC_SITE_URL = ""
    client.post(reverse("password_reset"), {"email": candidate.email}, HTTP_HOST="localhost:8123")
    assert _link(mail.outbox[0].body, "/reset/").startswith("http://localhost:8123/")
    mail.outbox.clear()
    settings.QAC_SITE_URL = "https://qac.example.ru"
    client.post(reverse("password_reset"), {"email": candidate.email}, HTTP_HOST="localhost:8123")
    assert _link(mail.outbox[0].body, "/reset/").startswith("https://qac.example.ru/")


def test_security_txt_is_canonical_on_the_address_it_was_asked_at(client, settings):
    settings.QAC_SITE_URL = ""
    body = client.get("/.well-known/security.txt", HTTP_HOST="localhost:8123").content.decode()
    assert "Canonical: http://localhost:8123/.well-known/security.txt" in body


def test_without_a_request_links_use_the_address_make_run_serves_on(settings):
    settings.QAC_SITE_URL = ""
    settings.QAC_DEV_SITE_URL = "http://127.0.0.1:8011"
    assert site_url("/verify/x/") == "http://127.0.0.1:8011/verify/x/"
    request = RequestFactory().get("/", HTTP_HOST="localhost:9000")
    assert site_url("/verify/x/", request) == "http://localhost:9000/verify/x/"
    settings.QAC_SITE_URL = "https://qac.example.ru"
    assert site_url("/verify/x/", request) == "https://qac.example.ru/verify/x/"


def test_a_task_queued_in_a_request_carries_its_address_to_the_worker(settings):
    """The broker path: the address goes in the message headers and is restored around the task."""
    settings.QAC_SITE_URL = ""
    settings.QAC_DEV_SITE_URL = "http://127.0.0.1:8000"
    headers = {}
    token = set_current_base("http://localhost:8123")
    try:
        qac_celery._carry_site_address(headers=headers)
    finally:
        reset_current_base(token)
    assert headers == {TASK_HEADER: "http://localhost:8123"}

    task = SimpleNamespace(request=SimpleNamespace(headers=headers))
    qac_celery._use_site_address(task=task)
    assert site_url("/x/") == "http://localhost:8123/x/"
    qac_celery._forget_site_address(task=task)
    assert current_request_base() == ""
    assert site_url("/x/") == "http://127.0.0.1:8000/x/"
