"""The admin's address is a setting (QAC_ADMIN_URL), so production can move it off /admin/."""

import importlib
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import clear_url_caches, reverse

import qac.urls

pytestmark = pytest.mark.django_db


def _reload_urls():
    clear_url_caches()
    importlib.reload(qac.urls)


@pytest.fixture
def moved_admin():
    with override_settings(QAC_ADMIN_URL="office-7f3c/"):
        _reload_urls()
        yield "/office-7f3c/"
    _reload_urls()


def test_the_admin_lives_at_admin_by_default():
    assert reverse("admin:index") == "/admin/"


def test_the_setting_moves_the_admin(client, staff, moved_admin):
    assert reverse("admin:index") == moved_admin
    assert client.get("/admin/").status_code == 404

    response = client.get(moved_admin)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{moved_admin}login/")

    client.force_login(staff)
    assert client.get(moved_admin).status_code == 200
    # The site's own navigation follows the admin to its new address.
    assert f'href="{moved_admin}"' in client.get(reverse("home")).text


def test_templates_do_not_hard_code_the_admin_address():
    templates = list(Path(settings.BASE_DIR, "templates").rglob("*.html"))
    assert templates
    assert not [p for p in templates if '"/admin' in p.read_text(encoding="utf-8")]
