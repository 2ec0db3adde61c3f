"""The favicon and the center's logo: browsers get an icon instead of a 404, pages show the emblem."""

from pathlib import Path

from django.contrib.staticfiles import finders
from django.urls import reverse


def test_favicon_ico_leads_to_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("favicon.ico")
    assert response["Location"].startswith("/static/")
    assert finders.find("favicon.ico") and finders.find("favicon.svg") and finders.find("img/logo.svg")


def test_pages_link_the_icons_and_show_the_logo_in_the_header(client, db):
    page = client.get(reverse("home")).content.decode()
    assert 'rel="icon" href="/static/favicon.svg" type="image/svg+xml"' in page
    assert 'rel="icon" href="/static/favicon.ico"' in page
    assert 'src="/static/img/logo.svg"' in page


def test_the_icons_are_files_not_inline_markup():
    """A strict CSP is on: the SVGs hold no script and no inline style attribute."""
    for name in ("favicon.svg", "img/logo.svg"):
        text = Path(finders.find(name)).read_text(encoding="utf-8")
        assert "<script" not in text and "style=" not in text
