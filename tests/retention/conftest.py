import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from qac.retention.selectors import years_after


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def demo(db):
    """The demo data, as `seed_demo` loads it (with its own proposed act)."""
    call_command("seed_demo")


def shifted(years: int, days: int = 1) -> datetime.date:
    """Today moved forward: the clock the nightly job would see in ``years`` years."""
    return years_after(timezone.localdate(), years) + datetime.timedelta(days=days)
