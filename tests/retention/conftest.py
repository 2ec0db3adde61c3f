import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def demo(db):
    """The demo data, as `seed_demo` loads it (with its own proposed act)."""
    call_command("seed_demo")
