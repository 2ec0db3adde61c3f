"""The Content-Security-Policy on every HTML page, templates free of inline scripts, security.txt."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
# Inline code a strict policy refuses: a <script> element without src, an on...= handler attribute.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER_ATTRIBUTE = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=|<style\b", re.IGNORECASE)


def template_files() -> list[Path]:
    roots = [ROOT / "templates", *ROOT.glob("*/templates"), *ROOT.glob("qac/*/templates")]
    return sorted(p for root in roots for p in root.rglob("*.html"))


def printed_only(path: Path) -> bool:
    """Templates rendered into PDFs by WeasyPrint, never served to a browser as a page."""
    return "pdf" in path.parts or path.name == "protocol.html"


def directives(header: str) -> dict[str, list[str]]:
    parts = (p.strip().split() for p in header.split(";") if p.strip())
    return {name: values for name, *values in parts}


def assert_strict_policy(response):
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{response.wsgi_request.path}: no Content-Security-Policy"
    policy = directives(header)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header
    assert policy["default-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]


def assert_no_inline_code(response):
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert not HANDLER_ATTRIBUTE.search(re.sub(r"<script\b[^>]*>", "", html)), HANDLER_ATTRIBUTE.search(html)


def test_the_templates_hold_no_inline_script_and_no_event_handler_attribute():
    files = template_files()
    assert len(files) > 50
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
        for path in files
        for pattern in (INLINE_SCRIPT, HANDLER_ATTRIBUTE)
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_pages_shown_in_a_browser_hold_no_style_attribute_either():
    offenders = [
        str(path.relative_to(ROOT))
        for path in template_files()
        if not printed_only(path) and STYLE_ATTRIBUTE.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("anonymous", "/"),
        ("anonymous", "/accounts/login/"),
        ("anonymous", "/qualifications/"),
        ("anonymous", "/verify/"),
        ("anonymous", "/no-such-page/"),
        ("candidate", "/"),
        ("candidate", "/me/applications/"),
        ("staff", "/staff/applications/"),
        ("staff", "/staff/exams/"),
        ("head", "/admin/"),
        ("head", "/admin/accounts/user/add/"),
    ],
)
def test_every_html_page_carries_the_strict_policy_and_no_inline_code(persona, url, persona_client):
    client, _user = persona_client(persona)
    response = client.get(url)
    assert response.status_code == (404 if "no-such" in url else 200), (url, response.status_code)
    assert response["Content-Type"].startswith("text/html")
    assert_strict_policy(response)
    assert_no_inline_code(response)


@pytest.mark.django_db
def test_a_bad_request_page_carries_the_policy_too(client):
    response = client.get("/qualifications/?q=%00")
    assert response.status_code == 400
    assert_strict_policy(response)


@pytest.mark.django_db
def test_security_txt_names_the_contact_a_year_of_validity_and_the_languages(client, settings):
    settings.QAC_SECURITY_CONTACT = "mailto:psirt@qac.example"
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert reverse("security_txt") == "/.well-known/security.txt"
    fields = dict(line.split(": ", 1) for line in response.content.decode().splitlines())
    assert fields["Contact"] == "mailto:psirt@qac.example"
    assert fields["Preferred-Languages"] == "ru, en"
    assert fields["Canonical"].endswith("/.well-known/security.txt")
    expires = datetime.datetime.strptime(fields["Expires"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
    assert abs(expires - (timezone.now() + datetime.timedelta(days=365))) < datetime.timedelta(minutes=5)


def test_the_security_contact_has_a_default():
    assert settings.QAC_SECURITY_CONTACT.startswith(("mailto:", "https://"))
