import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_russian_is_the_default_even_for_an_english_browser(client):
    response = client.get(reverse("standards:catalogue"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "ru"
    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert "Квалификации" in html


def test_language_switcher_turns_the_interface_to_english_and_back(client):
    url = reverse("standards:catalogue")
    response = client.post(reverse("set_language"), {"language": "en", "next": url})
    assert response.status_code == 302
    assert response["Location"] == url
    html = client.get(url).content.decode()
    assert '<html lang="en">' in html
    assert "Qualifications" in html
    assert "Automechatronic for the repair of vehicles" in html, "content follows the language too"

    client.post(reverse("set_language"), {"language": "ru", "next": url})
    html = client.get(url).content.decode()
    assert '<html lang="ru">' in html
    assert "Автомехатроник по ремонту автотранспортных средств" in html


def test_an_unsupported_language_cookie_falls_back_to_russian(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    response = client.get(reverse("home"))
    assert response["Content-Language"] == "ru"


def test_the_switcher_ignores_an_external_next_url(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_russian_catalogue_is_compiled_and_complete():
    """Every message has a Russian translation: an empty msgstr would show English to Russian users."""
    po = settings.BASE_DIR / "locale" / "ru" / "LC_MESSAGES" / "django.po"
    assert po.with_suffix(".mo").exists(), "run `make messages` (make test does it)"
    entries = po.read_text(encoding="utf-8").split("\n\n")[1:]  # the first block is the header
    untranslated = []
    for entry in entries:
        lines = [line for line in entry.splitlines() if not line.startswith("#")]
        if not lines:
            continue
        text = "\n".join(lines)
        msgstrs = text.split("msgstr")[1:]
        for part in msgstrs:
            value = part.split(" ", 1)[1] if " " in part else ""
            if value.strip() in ('""', ""):
                untranslated.append(lines[0])
    assert not untranslated, untranslated[:10]
    assert "#, fuzzy" not in po.read_text(encoding="utf-8")
